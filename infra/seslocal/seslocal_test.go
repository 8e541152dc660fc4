package seslocal

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestCloseStopsProcessGroup(t *testing.T) {
	out := &tailBuffer{max: 1 << 20}
	s, err := Start(context.Background(), Options{Stdout: out})
	if err != nil {
		t.Fatal(err)
	}
	pid := s.cmd.Process.Pid
	if pgid, err := syscall.Getpgid(pid); err != nil || pgid != pid {
		t.Errorf("server runs in process group %d (%v), want its own (%d)", pgid, err, pid)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := syscall.Kill(-pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("process group %d still exists after Close (kill: %v)", pid, err)
	}
	if _, err := s.Emails(context.Background()); err == nil {
		t.Error("store still answers after Close")
	}
	if !strings.Contains(out.String(), "aws-ses-v2-local: server running") {
		t.Errorf("Stdout did not get the server's output: %q", out.String())
	}
}

func TestStartOnTakenPortFailsFast(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	began := time.Now()
	_, err = Start(context.Background(), Options{Port: l.Addr().(*net.TCPAddr).Port})
	if err == nil {
		t.Fatal("Start on a taken port succeeded")
	}
	if !errors.Is(err, errExited) || !errors.Is(err, errListen) || !strings.Contains(err.Error(), "port in use") {
		t.Errorf("error does not say the process died on a taken port: %v", err)
	}
	if d := time.Since(began); d > 15*time.Second {
		t.Errorf("took %s to notice the process died", d)
	}
}

func TestResolveDirFindsInfraFolder(t *testing.T) {
	dir, err := resolveDir("")
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(dir) != "ses-local" || filepath.Base(filepath.Dir(dir)) != "infra" {
		t.Errorf("dir = %q", dir)
	}
	if _, err := os.Stat(filepath.Join(dir, "package-lock.json")); err != nil {
		t.Error(err)
	}
}

// TestStartNamesMakeTarget: with the package missing, or installed at
// another version than package-lock.json pins, Start does not install it
// (the Makefile does) but fails naming the make target that does.
func TestStartNamesMakeTarget(t *testing.T) {
	src, err := resolveDir("")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, f := range []string{"package.json", "package-lock.json"} {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	wantMake := func(what string) {
		t.Helper()
		_, err := Start(context.Background(), Options{Dir: dir})
		if err == nil || !strings.Contains(err.Error(), "make ses-local") {
			t.Errorf("%s: Start = %v, want an error naming `make ses-local`", what, err)
		}
		if _, err := os.Stat(filepath.Join(dir, "node_modules", pkgName, "index.js")); err == nil {
			t.Errorf("%s: Start installed the package itself", what)
		}
	}
	wantMake("missing")

	// A stale install: the binary is there, at another version.
	for path, body := range map[string]string{
		filepath.Join(dir, "node_modules", ".bin", pkgName):         "",
		filepath.Join(dir, "node_modules", pkgName, "package.json"): `{"version": "0.0.0-old"}`,
	} {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := checkInstalled(dir); err == nil || !strings.Contains(err.Error(), "pins") {
		t.Errorf("stale install not noticed: %v", err)
	}
	wantMake("stale")
	if err := checkInstalled(src); err != nil {
		t.Errorf("the repository's install: %v (make test runs make ses-local first)", err)
	}
}
