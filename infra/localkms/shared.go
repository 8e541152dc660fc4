package localkms

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Shared returns the emulator of this process, started on first use on a
// free loopback port and stopped by the kernel when the process exits
// (its data folder, in the system's temporary folder, is swept by a later
// run). It is for test binaries: many tests share one emulator, each
// with the same key. Tests that change the key (rotation) start their own.
func Shared(ctx context.Context) (*Server, error) {
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if sharedServer == nil {
		s, err := startShared(ctx)
		if err != nil {
			return nil, err // the next caller tries again
		}
		sharedServer = s
	}
	return sharedServer, nil
}

var (
	sharedMu     sync.Mutex
	sharedServer *Server
)

func startShared(ctx context.Context) (*Server, error) {
	bin, err := InstallForTests(ctx)
	if err != nil {
		return nil, err
	}
	sweepStale()
	dir, err := os.MkdirTemp("", staleDirPrefix)
	if err != nil {
		return nil, fmt.Errorf("localkms: %w", err)
	}
	return Start(ctx, Options{Binary: bin, DataDir: dir})
}

// InstallForTests installs local-kms into .local/bin of the module (where
// `make run` puts it too), found from the working directory.
func InstallForTests(ctx context.Context) (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	return Install(ctx, filepath.Join(root, ".local", "bin"), nil)
}

const staleDirPrefix = "local-kms-test-"

// sweepStale removes the data folders of shared emulators of earlier test
// processes (older than an hour: no test binary runs that long here).
func sweepStale() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), staleDirPrefix+"*"))
	for _, d := range dirs {
		if fi, err := os.Stat(d); err == nil && time.Since(fi.ModTime()) > time.Hour && strings.HasPrefix(filepath.Base(d), staleDirPrefix) {
			_ = os.RemoveAll(d)
		}
	}
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("localkms: no go.mod above the working directory")
		}
		dir = parent
	}
}
