package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"push-reactivation/infra/localstack/e2e"
	"push-reactivation/internal/testenv"
	"push-reactivation/shared/demo"
)

const root = "../../../.."

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// binary builds this command once, as make run does.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "local-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "local")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		_ = os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}

// running is the command started as make run starts it.
type running struct {
	cmd     *exec.Cmd
	target  e2e.Target
	httpURL string
	ready   time.Duration
	output  *testenv.SyncBuffer
	exited  chan error
}

// start runs the binary on free ports with its state in a temporary
// folder and waits for "ready".
func start(t *testing.T, timeout time.Duration, extra ...string) *running {
	t.Helper()
	ports := map[string]string{}
	for _, k := range []string{"http", "https", "dynamodb", "ses", "sms", "kms"} {
		ports[k] = freePort(t)
	}
	state := t.TempDir()
	args := append([]string{
		"-http", "127.0.0.1:" + ports["http"], "-https", "localhost:" + ports["https"],
		"-dynamodb", "127.0.0.1:" + ports["dynamodb"], "-ses", "127.0.0.1:" + ports["ses"],
		"-sms", "127.0.0.1:" + ports["sms"], "-state", state, "-log-level", "WARN",
		"-kms", "127.0.0.1:" + ports["kms"],
	}, extra...)
	cmd := exec.Command(binary(t), args...)
	cmd.Dir = root
	out := &testenv.SyncBuffer{}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = out
	began := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := &running{cmd: cmd, output: out, exited: make(chan error, 1),
		httpURL: "http://127.0.0.1:" + ports["http"],
		target: e2e.Target{APIURL: "http://127.0.0.1:" + ports["http"], APIHost: "localhost:" + ports["https"],
			SMSURL: "http://127.0.0.1:" + ports["sms"], CAFile: filepath.Join(state, "tls", "ca.pem")}}
	readyCh := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		signalled := false
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(out, line)
			if !signalled && strings.HasPrefix(line, "ready in ") {
				signalled = true
				close(readyCh)
			}
		}
		r.exited <- cmd.Wait()
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
		}
		if t.Failed() {
			t.Logf("output of local:\n%s", out.String())
		}
	})
	select {
	case <-readyCh:
		r.ready = time.Since(began)
	case err := <-r.exited:
		t.Fatalf("local exited before ready: %v\n%s", err, out.String())
	case <-time.After(timeout):
		t.Fatalf("local not ready after %v\n%s", timeout, out.String())
	}
	return r
}

// stop sends SIGINT (Ctrl-C) and checks that the command exits cleanly
// and that none of the processes it started survives it.
func (r *running) stop(t *testing.T, procs []proc) {
	t.Helper()
	if err := r.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-r.exited:
		if err != nil {
			t.Errorf("local exited with %v after SIGINT", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("local did not exit within 30s of SIGINT")
	}
	for _, p := range procs {
		if p.alive() {
			t.Errorf("process %d (%s) survived SIGINT", p.pid, p.cmdline)
		}
	}
}

// proc is a process identified by pid and start time.
type proc struct {
	pid     int
	start   string
	cmdline string
}

func (p proc) alive() bool {
	q, _, ok := readProc(p.pid)
	return ok && q.start == p.start && !strings.HasPrefix(q.cmdline, "<zombie>")
}

func readProc(pid int) (proc, int, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return proc{}, 0, false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	f := strings.Fields(s[i+1:])
	if len(f) < 20 {
		return proc{}, 0, false
	}
	ppid, _ := strconv.Atoi(f[1])
	cl, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	p := proc{pid: pid, start: f[19], cmdline: strings.TrimSpace(strings.ReplaceAll(string(cl), "\x00", " "))}
	if f[0] == "Z" {
		p.cmdline = "<zombie> " + p.cmdline
	}
	return p, ppid, true
}

// descendants lists every process below pid, across process groups (the
// SES server and each emulator run in groups of their own, and so does
// each bootstrap).
func descendants(t *testing.T, pid int) []proc {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Fatalf("this check reads /proc (Linux)")
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	parent := map[int]int{}
	info := map[int]proc{}
	for _, e := range entries {
		n, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if p, ppid, ok := readProc(n); ok {
			parent[n], info[n] = ppid, p
		}
	}
	var out []proc
	for n := range info {
		for a := parent[n]; a > 1; a = parent[a] {
			if a == pid {
				out = append(out, info[n])
				break
			}
		}
	}
	return out
}

// count counts the processes running the program named (the base name
// of argv[0], or of argv[1] for node scripts).
func count(procs []proc, program string) int {
	n := 0
	for _, p := range procs {
		args := strings.Fields(p.cmdline)
		if len(args) > 0 && filepath.Base(args[0]) == "node" {
			args = args[1:]
		}
		if len(args) > 0 && filepath.Base(args[0]) == program {
			n++
		}
	}
	return n
}

var acmeOwner = e2e.Admin{Email: "owner@acme.example", Password: demo.Password, Phone: "+15555550100"}

// TestInProcessStopsCleanly: make run's binary starts, answers, and on
// Ctrl-C stops aws-ses-v2-local and exits.
func TestInProcessStopsCleanly(t *testing.T) {
	r := start(t, 2*time.Minute)
	t.Logf("ready in %v (binary already built)", r.ready.Round(time.Millisecond))
	resp, err := http.Get(r.httpURL + "/v1/session")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("GET /v1/session: %d", resp.StatusCode)
	}
	procs := descendants(t, r.cmd.Process.Pid)
	if count(procs, "aws-ses-v2-local") != 1 {
		t.Errorf("want one aws-ses-v2-local below local, got %v", procs)
	}
	if count(procs, "local-kms") != 1 {
		t.Errorf("want one local-kms below local, got %v", procs)
	}
	r.stop(t, procs)
}

// TestRIESelfServiceAndCleanShutdown: make run RIE=1's binary builds each
// bootstrap, runs it under aws-lambda-rie and passes the self-service
// flow; every function is invoked once, and Ctrl-C then leaves none of
// the emulators, bootstraps or aws-ses-v2-local behind.
func TestRIESelfServiceAndCleanShutdown(t *testing.T) {
	r := start(t, 10*time.Minute, "-rie")
	t.Logf("RIE stack ready in %v (including aws-lambda-rie install and bootstrap builds)", r.ready.Round(time.Millisecond))

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := e2e.SelfService(ctx, r.target, acmeOwner, t.Logf); err != nil {
		t.Fatal(err)
	}
	// The flow did not touch these two: call them so that every
	// bootstrap has started (the emulator starts it on first use).
	for _, c := range []struct{ method, path string }{{"GET", "/v1/admins"}, {"POST", "/v1/reactivations/x/email"}} {
		req, _ := http.NewRequestWithContext(ctx, c.method, r.httpURL+c.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 401 || !strings.Contains(string(b), "40101") {
			t.Errorf("%s %s without a session: %d %s", c.method, c.path, resp.StatusCode, b)
		}
	}

	procs := descendants(t, r.cmd.Process.Pid)
	if n := count(procs, "aws-lambda-rie"); n != 5 {
		t.Errorf("%d aws-lambda-rie processes, want 5: %v", n, procs)
	}
	if n := count(procs, "bootstrap"); n != 5 {
		t.Errorf("%d bootstraps running, want 5: %v", n, procs)
	}
	if n := count(procs, "aws-ses-v2-local"); n != 1 {
		t.Errorf("%d aws-ses-v2-local, want 1: %v", n, procs)
	}
	r.stop(t, procs)
}
