// Package rie runs Lambda function binaries (bootstrap) under the AWS
// Lambda Runtime Interface Emulator, the runtime API that SAM local runs
// inside its containers, without Docker: one aws-lambda-rie process per
// function, each on its own pair of loopback ports, invoked the way SAM
// local invokes it (POST /2015-03-31/functions/function/invocations).
//
// The emulator handles one invocation at a time, so a Process serializes
// its invocations. Each process runs in its own process group: the
// emulator starts the bootstrap as its child, and Close signals the whole
// group so neither outlives the caller.
package rie

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"push-reactivation/infra/gotool"
	"push-reactivation/infra/procgroup"
)

// Module is the emulator's Go package, pinned (DESIGN.md §8): `go install`
// builds it, so no Docker image or download is needed.
const Module = "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@v0.0.0-20261030222936-bef5c4ba774d"

// BinaryName is the installed command's name.
const BinaryName = "aws-lambda-rie"

// Install returns the path of aws-lambda-rie in gobin, building it there
// with `go install` (pinned to Module) when it is missing or was built
// from another version (recorded beside it). gobin must be an absolute
// directory.
func Install(ctx context.Context, gobin string, out io.Writer) (string, error) {
	bin, err := gotool.Install(ctx, gobin, Module, BinaryName, out)
	if err != nil {
		return "", fmt.Errorf("rie: %w", err)
	}
	return bin, nil
}

// Options describe one function process.
type Options struct {
	// Binary is the aws-lambda-rie executable (see Install).
	Binary string
	// Bootstrap is the function's executable.
	Bootstrap string
	// Env is the whole environment of the emulator, which passes it on to
	// the bootstrap: nothing of the caller's environment leaks in.
	Env []string
	// Output receives the emulator's and the function's stdout and stderr.
	Output io.Writer
}

// Process is one running emulator with its function.
type Process struct {
	// URL is the invocation endpoint.
	URL string

	mu      sync.Mutex // one invocation at a time
	cmd     *exec.Cmd
	exited  chan struct{}
	waitErr error
	client  *http.Client

	closeOnce sync.Once
}

// StartTimeout bounds how long Start waits for the emulator to listen.
const StartTimeout = 15 * time.Second

// Start runs the emulator on two free loopback ports and waits until its
// invocation endpoint accepts connections. The function itself starts on
// the first invocation, as in Lambda.
func Start(ctx context.Context, o Options) (*Process, error) {
	var lastErr error
	for range 3 { // a free port can be taken between picking and listening
		p, err := start(ctx, o)
		if err == nil {
			return p, nil
		}
		lastErr = err
		if ctx.Err() != nil {
			break
		}
	}
	return nil, lastErr
}

func start(ctx context.Context, o Options) (*Process, error) {
	apiPort, err := freePort()
	if err != nil {
		return nil, err
	}
	emuPort, err := freePort()
	if err != nil {
		return nil, err
	}
	apiAddr := "127.0.0.1:" + strconv.Itoa(apiPort)
	emuAddr := "127.0.0.1:" + strconv.Itoa(emuPort)
	bootstrap, err := filepath.Abs(o.Bootstrap)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(o.Binary, "--log-level", "warn",
		"--runtime-api-address", apiAddr, "--runtime-interface-emulator-address", emuAddr, bootstrap)
	cmd.Dir = filepath.Dir(bootstrap) // like /var/task
	cmd.Env = o.Env
	cmd.Stdout, cmd.Stderr = o.Output, o.Output
	if o.Output == nil {
		cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	}
	cmd.SysProcAttr = procgroup.SysProcAttr()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("rie: start %s: %w", o.Binary, err)
	}
	p := &Process{
		URL:    "http://" + emuAddr + "/2015-03-31/functions/function/invocations",
		cmd:    cmd,
		exited: make(chan struct{}),
		// The emulator itself enforces the function timeout; this only
		// guards against a wedged emulator.
		client: &http.Client{Transport: &http.Transport{Proxy: nil}, Timeout: 5 * time.Minute},
	}
	go func() { p.waitErr = cmd.Wait(); close(p.exited) }()
	if err := p.waitListening(ctx, emuAddr); err != nil {
		_ = p.Close()
		return nil, err
	}
	return p, nil
}

func (p *Process) waitListening(ctx context.Context, addr string) error {
	return gotool.WaitListening(ctx, "rie: aws-lambda-rie", addr, StartTimeout, p.exited, func() error { return p.waitErr })
}

// Invoke sends one event and returns the function's response payload.
// A function error comes back as the runtime's error document
// ({"errorMessage", "errorType"}) with a nil error, as Lambda's Invoke API
// returns it; err is for the emulator failing.
func (p *Process) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.exited:
		return nil, fmt.Errorf("rie: emulator has exited: %v", p.waitErr)
	default:
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.URL, bytes.NewReader(payload))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := p.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("rie: invoke: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("rie: read invocation response: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("rie: invoke: %s: %s", resp.Status, body)
	}
	return body, nil
}

// Pid is the emulator's process id, which is also its process group id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Close stops the emulator and its function: SIGTERM to the emulator's
// process group, SIGKILL if it has not gone within two seconds, and
// SIGKILL to the bootstrap's own group. It is safe to call more than once.
func (p *Process) Close() error {
	var err error
	p.closeOnce.Do(func() {
		kids := children(p.cmd.Process.Pid)
		_ = procgroup.Signal(p.cmd.Process.Pid, false)
		select {
		case <-p.exited:
		case <-time.After(2 * time.Second):
			_ = procgroup.Signal(p.cmd.Process.Pid, true)
			select {
			case <-p.exited:
			case <-time.After(5 * time.Second):
				err = fmt.Errorf("rie: aws-lambda-rie (pid %d) did not exit", p.cmd.Process.Pid)
			}
		}
		// The emulator puts the bootstrap in a group of its own; make sure
		// it does not outlive the emulator.
		for _, k := range kids {
			if k.alive() {
				procgroup.Kill(k.pid)
				_ = procgroup.Signal(k.pid, true)
			}
		}
	})
	return err
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("rie: pick a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
