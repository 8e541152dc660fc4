// Package seslocal runs the real aws-ses-v2-local npm package (pinned in
// infra/ses-local) as a child process, for the local stack and for tests
// (internal/testenv/sestest wraps it for a test).
//
// The server keeps every email it accepts in memory and shows them at
// GET /store; Emails reads that list into typed structs so tests can assert on
// what a Mailer really sent through the SES v2 API.
//
// The package is installed by the Makefile (`make ses-local`, a step of both
// `make run` and `make test`), never from here: a test that installs npm
// packages is slow, needs the network and races other test binaries. Start
// fails with a message naming that target when the install is missing or
// is not the version package-lock.json pins.
package seslocal

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"push-reactivation/infra/procgroup"
)

// Options configure Start. The zero value is ready to use.
type Options struct {
	// Dir is the infra/ses-local folder (package.json, package-lock.json,
	// node_modules). Empty means: walk up from the working directory to the
	// folder holding go.mod and use its infra/ses-local.
	Dir string
	// Port to listen on; 0 picks a free one.
	Port int
	// Host to listen on; empty means 127.0.0.1.
	Host string
	// Stdout and Stderr receive the output of the server; nil
	// discards it (the last few KiB of stderr are kept for error messages).
	Stdout io.Writer
	Stderr io.Writer
}

// StartTimeout bounds how long Start waits for /health-check to answer once
// the process has been launched (the ctx given to Start may cut it shorter).
const StartTimeout = 30 * time.Second

// Server is a running aws-ses-v2-local process.
type Server struct {
	url     string
	cmd     *exec.Cmd
	stderr  *tailBuffer
	exited  chan struct{} // closed when the process has been reaped
	waitErr error         // set before exited is closed

	closeOnce sync.Once
	closeErr  error
}

// Email is one message as aws-ses-v2-local stores it (GET /store).
//
// For Simple content the server copies the request fields as they are. For Raw
// content it parses the MIME message with mailparser: addresses become their
// display text, bodies are decoded, and `cid:` references in the HTML are
// replaced by data: URIs of the matching image attachments.
type Email struct {
	MessageID   string       `json:"messageId"`
	From        string       `json:"from"`
	ReplyTo     []string     `json:"replyTo"`
	Destination Destination  `json:"destination"`
	Subject     string       `json:"subject"`
	Body        Body         `json:"body"`
	Attachments []Attachment `json:"attachments"`
	// At is when the server accepted the message, in Unix seconds.
	At int64 `json:"at"`
}

// Destination holds the recipients of an Email.
type Destination struct {
	To  []string `json:"to"`
	Cc  []string `json:"cc"`
	Bcc []string `json:"bcc"`
}

// Body holds the decoded text and HTML parts of an Email.
type Body struct {
	Text string `json:"text"`
	HTML string `json:"html"`
}

// Attachment is a stored attachment or inline part.
type Attachment struct {
	Filename           string `json:"filename"`
	ContentType        string `json:"contentType"`
	ContentDisposition string `json:"contentDisposition"`
	// ContentID is the Content-ID as sent: with angle brackets for Raw
	// messages ("<qr@x>"), bare for Simple attachments ("qr@x"). Use CID for
	// a comparable form.
	ContentID string `json:"contentId"`
	// Related is set (Raw only) when the part sits in a multipart/related.
	Related bool `json:"related"`
	Size    int  `json:"size"`
	// Content is the decoded data (the server sends it base64-encoded).
	Content []byte `json:"content"`
}

// CID returns the content id without angle brackets, as HTML refers to it
// after "cid:".
func (a Attachment) CID() string {
	return strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(a.ContentID), "<"), ">")
}

// Start checks the install of aws-ses-v2-local, launches it with node and waits
// until it answers /health-check. ctx bounds the install and the start only;
// the server runs until Close.
func Start(ctx context.Context, opts Options) (*Server, error) {
	dir, err := resolveDir(opts.Dir)
	if err != nil {
		return nil, err
	}
	host := opts.Host
	if host == "" {
		host = "127.0.0.1"
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("seslocal: node not found in PATH (install Node.js 20+ with npm, then run `make "+MakeTarget+"`): %w", err)
	}

	if err := checkInstalled(dir); err != nil {
		return nil, fmt.Errorf("seslocal: %w; run `make %s` (npm ci --prefix infra/ses-local) first", err, MakeTarget)
	}

	// A port picked by us may be taken by someone else before node binds it;
	// then node exits with EADDRINUSE and we try another.
	attempts := 1
	if opts.Port == 0 {
		attempts = 3
	}
	var lastErr error
	for range attempts {
		port := opts.Port
		if port == 0 {
			if port, err = freePort(host); err != nil {
				return nil, err
			}
		}
		s, err := launch(ctx, node, dir, host, port, opts.Stdout, opts.Stderr)
		if err == nil {
			return s, nil
		}
		lastErr = err
		if !errors.Is(err, errListen) || ctx.Err() != nil {
			break
		}
	}
	return nil, lastErr
}

var (
	errExited = errors.New("aws-ses-v2-local exited")
	// errListen: the process died because it could not listen, most likely
	// on a port that is already taken. aws-ses-v2-local 2.10.2 does not
	// print EADDRINUSE then: Express hands the error to the listen callback,
	// which ignores it and fails with "Server does not have an address".
	errListen = errors.New("could not listen (port in use?)")
)

func launch(ctx context.Context, node, dir, host string, port int, stdout, stderr io.Writer) (*Server, error) {
	bin := filepath.Join(dir, "node_modules", ".bin", "aws-ses-v2-local")
	tail := &tailBuffer{max: 8 << 10}
	cmd := exec.Command(node, bin, "--port", strconv.Itoa(port), "--host", host)
	cmd.Dir = dir
	cmd.Stdout = stdout
	if cmd.Stdout == nil {
		cmd.Stdout = io.Discard
	}
	cmd.Stderr = tail
	if stderr != nil {
		cmd.Stderr = io.MultiWriter(tail, stderr)
	}
	cmd.SysProcAttr = procgroup.SysProcAttr()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("seslocal: start %s: %w", bin, err)
	}
	s := &Server{
		url:    "http://" + net.JoinHostPort(host, strconv.Itoa(port)),
		cmd:    cmd,
		stderr: tail,
		exited: make(chan struct{}),
	}
	go func() {
		s.waitErr = cmd.Wait()
		close(s.exited)
	}()
	if err := s.waitHealthy(ctx); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

func (s *Server) waitHealthy(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, StartTimeout)
	defer cancel()
	client := &http.Client{Timeout: time.Second}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url+"/health-check", nil)
		if err != nil {
			return fmt.Errorf("seslocal: %w", err)
		}
		if resp, err := client.Do(req); err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-s.exited:
			tail := s.stderr.String()
			if strings.Contains(tail, "EADDRINUSE") || strings.Contains(tail, "Server does not have an address") {
				return fmt.Errorf("seslocal: %w before answering %s/health-check: %w (%v); stderr:\n%s",
					errExited, s.url, errListen, s.waitErr, tail)
			}
			return fmt.Errorf("seslocal: %w before answering %s/health-check (%v); stderr:\n%s",
				errExited, s.url, s.waitErr, tail)
		case <-ctx.Done():
			return fmt.Errorf("seslocal: %s/health-check did not answer: %w; stderr:\n%s",
				s.url, ctx.Err(), s.stderr.String())
		case <-tick.C:
		}
	}
}

// URL is the server's base URL, e.g. http://127.0.0.1:41234. Point the SES v2
// client's BaseEndpoint (or AWS_ENDPOINT_URL_SESV2) at it.
func (s *Server) URL() string { return s.url }

// Emails returns every email the server has accepted, oldest first.
func (s *Server) Emails(ctx context.Context) ([]Email, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url+"/store", nil)
	if err != nil {
		return nil, fmt.Errorf("seslocal: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("seslocal: read store: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		return nil, fmt.Errorf("seslocal: read store: %s: %s", resp.Status, b)
	}
	var store struct {
		Emails []Email `json:"emails"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&store); err != nil {
		return nil, fmt.Errorf("seslocal: decode store: %w", err)
	}
	return store.Emails, nil
}

// Clear empties the server's store (POST /clear-store).
func (s *Server) Clear(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url+"/clear-store", nil)
	if err != nil {
		return fmt.Errorf("seslocal: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("seslocal: clear store: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("seslocal: clear store: %s", resp.Status)
	}
	return nil
}

// Stderr returns the last few KiB the server wrote to stderr.
func (s *Server) Stderr() string { return s.stderr.String() }

// Close stops the server's whole process group (SIGTERM, then SIGKILL after
// a few seconds) and waits for it. It is safe to call more than once.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		select {
		case <-s.exited:
			return // died on its own; nothing left to stop
		default:
		}
		_ = procgroup.Signal(s.cmd.Process.Pid, false)
		select {
		case <-s.exited:
		case <-time.After(5 * time.Second):
			_ = procgroup.Signal(s.cmd.Process.Pid, true)
			select {
			case <-s.exited:
			case <-time.After(5 * time.Second):
				s.closeErr = fmt.Errorf("seslocal: aws-ses-v2-local (pid %d) did not exit", s.cmd.Process.Pid)
			}
		}
	})
	return s.closeErr
}

// resolveDir returns dir as an absolute path, or finds infra/ses-local
// beside the go.mod above the working directory.
func resolveDir(dir string) (string, error) {
	if dir != "" {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return "", fmt.Errorf("seslocal: %w", err)
		}
		return abs, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("seslocal: %w", err)
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			sd := filepath.Join(d, "infra", "ses-local")
			if _, err := os.Stat(filepath.Join(sd, "package.json")); err != nil {
				return "", fmt.Errorf("seslocal: %s has no package.json: %w", sd, err)
			}
			return sd, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("seslocal: no go.mod above %s; set Options.Dir", wd)
		}
	}
}

// freePort asks the kernel for a free TCP port on host.
func freePort(host string) (int, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return 0, fmt.Errorf("seslocal: find a free port on %s: %w", host, err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(bytes.TrimSpace(t.buf))
}
