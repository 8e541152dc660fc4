package sestest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// InstallTimeout bounds one `npm ci` run.
const InstallTimeout = 5 * time.Minute

const pkgName = "aws-ses-v2-local"

// ensureInstalled makes sure node_modules in dir holds the aws-ses-v2-local
// version pinned by package-lock.json, running `npm ci` if it does not, and
// returns holding a shared lock on a per-dir lock file; call unlock once node
// has loaded its modules.
//
// `npm ci` deletes node_modules before it installs, so every process takes
// the lock: shared to check and start, exclusive to install. flock locks
// belong to an open file, so this serialises goroutines of one process as
// well as separate test binaries.
func ensureInstalled(ctx context.Context, dir string, stdout, stderr io.Writer) (unlock func(), err error) {
	f, err := os.OpenFile(lockPath(dir), os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		return nil, fmt.Errorf("sestest: open lock file: %w", err)
	}
	unlock = func() {
		_ = unlockFile(f)
		_ = f.Close()
	}
	if err := lockFile(ctx, f, false); err != nil {
		_ = f.Close()
		return nil, err
	}
	if checkInstalled(dir) == nil {
		return unlock, nil
	}

	// flock cannot upgrade atomically: drop the shared lock, take the
	// exclusive one, and look again in case another process installed
	// meanwhile.
	_ = unlockFile(f)
	if err := lockFile(ctx, f, true); err != nil {
		_ = f.Close()
		return nil, err
	}
	if why := checkInstalled(dir); why != nil {
		if err := npmCI(ctx, dir, why, stdout, stderr); err != nil {
			unlock()
			return nil, err
		}
		if err := checkInstalled(dir); err != nil {
			unlock()
			return nil, fmt.Errorf("sestest: after npm ci: %w", err)
		}
	}
	if err := lockFile(ctx, f, false); err != nil { // downgrade
		unlock()
		return nil, err
	}
	return unlock, nil
}

// lockPath is the lock file for dir: in the temp folder, so the repository
// stays clean, and named after dir, so separate checkouts do not wait on
// each other.
func lockPath(dir string) string {
	sum := sha256.Sum256([]byte(dir))
	return filepath.Join(os.TempDir(), "sestest-npm-"+hex.EncodeToString(sum[:8])+".lock")
}

// checkInstalled returns nil when the binary exists and the installed package
// has the version package-lock.json pins, else why not.
func checkInstalled(dir string) error {
	bin := filepath.Join(dir, "node_modules", ".bin", pkgName)
	if _, err := os.Stat(bin); err != nil {
		return fmt.Errorf("%s is missing", bin)
	}
	var lock struct {
		Packages map[string]struct {
			Version string `json:"version"`
		} `json:"packages"`
	}
	if err := readJSON(filepath.Join(dir, "package-lock.json"), &lock); err != nil {
		return err
	}
	want := lock.Packages["node_modules/"+pkgName].Version
	if want == "" {
		return fmt.Errorf("package-lock.json in %s does not pin %s", dir, pkgName)
	}
	var pkg struct {
		Version string `json:"version"`
	}
	if err := readJSON(filepath.Join(dir, "node_modules", pkgName, "package.json"), &pkg); err != nil {
		return err
	}
	if pkg.Version != want {
		return fmt.Errorf("%s %s is installed, package-lock.json pins %s", pkgName, pkg.Version, want)
	}
	return nil
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// npmCI runs `npm ci --no-audit --no-fund` in dir, the same as
// `npm ci --prefix infra/ses-local` from the repository root.
func npmCI(ctx context.Context, dir string, why error, stdout, stderr io.Writer) error {
	npm, err := exec.LookPath("npm")
	if err != nil {
		return fmt.Errorf("sestest: %v and npm is not in PATH to install it (install Node.js 20+ with npm, then run `npm ci --prefix infra/ses-local`): %w", why, err)
	}
	ctx, cancel := context.WithTimeout(ctx, InstallTimeout)
	defer cancel()
	tail := &tailBuffer{max: 8 << 10}
	cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund")
	cmd.Dir = dir
	cmd.Stdout = tail
	if stdout != nil {
		cmd.Stdout = io.MultiWriter(tail, stdout)
	}
	cmd.Stderr = tail
	if stderr != nil {
		cmd.Stderr = io.MultiWriter(tail, stderr)
	}
	cmd.SysProcAttr = sysProcAttr()
	cmd.Cancel = func() error { return signalGroup(cmd.Process, true) }
	cmd.WaitDelay = 5 * time.Second
	if stderr != nil {
		fmt.Fprintf(stderr, "sestest: %v; running npm ci in %s\n", why, dir)
	}
	if err := cmd.Run(); err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			err = fmt.Errorf("%w (timed out after %s)", err, InstallTimeout)
		}
		return fmt.Errorf("sestest: npm ci in %s: %w; output:\n%s", dir, err, tail.String())
	}
	return nil
}
