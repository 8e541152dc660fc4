package sestest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestStartTServesStore(t *testing.T) {
	s := StartT(t)
	ctx := context.Background()
	if !strings.HasPrefix(s.URL(), "http://127.0.0.1:") {
		t.Errorf("URL = %q", s.URL())
	}
	emails, err := s.Emails(ctx)
	if err != nil || len(emails) != 0 {
		t.Fatalf("Emails = %v, %v; want none", emails, err)
	}
	if err := s.Clear(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestCloseStopsProcessGroup(t *testing.T) {
	var out bytes.Buffer
	s, err := Start(context.Background(), Options{Stdout: &syncWriter{w: &out}})
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

// TestStartInstallsOnce copies package.json and package-lock.json to an empty
// folder and starts two servers from it at once: one runs `npm ci` under the
// exclusive lock, the other waits and finds the install done.
func TestStartInstallsOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("runs npm ci")
	}
	src, err := resolveDir("")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	t.Cleanup(func() { os.Remove(lockPath(dir)) })
	for _, f := range []string{"package.json", "package-lock.json"} {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if checkInstalled(dir) == nil {
		t.Fatal("empty folder counts as installed")
	}

	var log syncWriter
	ctx, cancel := context.WithTimeout(context.Background(), InstallTimeout)
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Go(func() {
			s, err := Start(ctx, Options{Dir: dir, Stderr: &log})
			if err == nil {
				err = s.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := strings.Count(log.String(), "running npm ci"); n != 1 {
		t.Errorf("npm ci ran %d times, want 1:\n%s", n, log.String())
	}
	if err := checkInstalled(dir); err != nil {
		t.Error(err)
	}

	// A stale install (another version than the lock file pins) is redone.
	pkg := filepath.Join(dir, "node_modules", pkgName, "package.json")
	b, _ := os.ReadFile(pkg)
	if err := os.WriteFile(pkg, bytes.Replace(b, []byte(`"version": "`), []byte(`"version": "0.0.0-old-`), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := checkInstalled(dir); err == nil || !strings.Contains(err.Error(), "pins") {
		t.Errorf("stale install not noticed: %v", err)
	}
	s, err := Start(ctx, Options{Dir: dir, Stderr: &log})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Error(err)
	}
	if n := strings.Count(log.String(), "running npm ci"); n != 2 {
		t.Errorf("stale install: npm ci ran %d times in all, want 2", n)
	}
}

func TestStartTFailsWithoutNode(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	r := &fatalRecorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		StartT(r)
	}()
	<-done
	if !r.failed || !strings.Contains(r.msg, "node is not in PATH") {
		t.Errorf("StartT without node: failed=%v, message %q", r.failed, r.msg)
	}
}

// fatalRecorder stands in for a test to see StartT fail it.
type fatalRecorder struct {
	testing.TB
	failed bool
	msg    string
}

func (r *fatalRecorder) Helper() {}
func (r *fatalRecorder) Fatalf(format string, args ...any) {
	r.failed, r.msg = true, fmt.Sprintf(format, args...)
	runtime.Goexit()
}

type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.w == nil {
		s.w = &bytes.Buffer{}
	}
	return s.w.Write(p)
}

func (s *syncWriter) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.w == nil {
		return ""
	}
	return s.w.String()
}
