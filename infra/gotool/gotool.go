// Package gotool installs pinned Go commands that the local stack and the
// tests run as processes (aws-lambda-rie, local-kms) and waits for them to
// listen: `go install` builds them from the module proxy, so a fresh
// machine needs nothing but Go.
package gotool

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"
)

// installMu keeps one process from running two installs at once; `go
// install` itself replaces a binary atomically, so parallel test binaries
// are safe too.
var installMu sync.Mutex

// Install returns the path of binary in gobin, building it there with
// `go install module` (module@version) when it is missing or was built
// from another version (recorded beside it). gobin must be absolute.
func Install(ctx context.Context, gobin, module, binary string, out io.Writer) (string, error) {
	installMu.Lock()
	defer installMu.Unlock()
	bin := filepath.Join(gobin, binary)
	stamp := bin + ".version"
	if fi, err := os.Stat(bin); err == nil && fi.Mode().IsRegular() {
		if v, err := os.ReadFile(stamp); err == nil && string(v) == module {
			return bin, nil
		}
	}
	if !filepath.IsAbs(gobin) {
		return "", fmt.Errorf("install directory %q is not absolute", gobin)
	}
	cmd := exec.CommandContext(ctx, "go", "install", module)
	// A tool, not a dependency of this module: install it in module mode
	// outside go.mod, whatever GOFLAGS says.
	cmd.Env = append(os.Environ(), "GOBIN="+gobin, "GOFLAGS=", "GO111MODULE=on")
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if out != nil {
		cmd.Stdout, cmd.Stderr = io.MultiWriter(&buf, out), io.MultiWriter(&buf, out)
	}
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go install %s: %w\n%s", module, err, buf.String())
	}
	if err := os.WriteFile(stamp, []byte(module), 0o644); err != nil {
		return "", err
	}
	return bin, nil
}

// WaitListening waits until addr accepts TCP connections, the process
// exits (exited is closed; exitErr says why) or timeout passes.
func WaitListening(ctx context.Context, name, addr string, timeout time.Duration, exited <-chan struct{}, exitErr func() error) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			_ = c.Close()
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("%s exited before listening on %s: %v", name, addr, exitErr())
		case <-ctx.Done():
			return fmt.Errorf("%s did not listen on %s: %w", name, addr, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}
