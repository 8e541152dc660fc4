// Package localkms runs github.com/nsmithuk/local-kms, a KMS emulator
// written in Go, for the local stack (DESIGN.md §6, 127.0.0.1:8007) and for
// tests, each of which starts its own on a free port. It is installed with
// `go install` at a pinned version, like aws-lambda-rie (infra/rie), so a
// fresh machine needs nothing but Go.
//
// Start also creates the service's symmetric key and its alias
// (alias/push-reactivation), as CloudFormation creates them on AWS
// (template.yaml, SecretsKey): the functions only ever name the alias.
package localkms

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"push-reactivation/infra/gotool"
)

// Module is the emulator's Go package, pinned.
const Module = "github.com/nsmithuk/local-kms@v0.0.0-20260228092603-2a5e92d09ab6"

// BinaryName is the installed command's name.
const BinaryName = "local-kms"

// Alias is the alias of the service's key (DESIGN.md §6; template.yaml
// SecretsKeyAlias).
const Alias = "alias/push-reactivation"

// Region and Account are what the emulator puts in its ARNs.
const (
	Region  = "us-east-1"
	Account = "111122223333"
)

// Install returns the path of local-kms in gobin, building it there with
// `go install` (pinned to Module) when it is missing or was built from
// another version. gobin must be absolute.
func Install(ctx context.Context, gobin string, out io.Writer) (string, error) {
	bin, err := gotool.Install(ctx, gobin, Module, BinaryName, out)
	if err != nil {
		return "", fmt.Errorf("localkms: %w", err)
	}
	return bin, nil
}

// Options describe one emulator.
type Options struct {
	Binary string // see Install
	// Addr is host:port to listen on; the emulator binds every interface
	// on that port (it takes only a port), the clients use Addr. Empty
	// means a free port on 127.0.0.1.
	Addr string
	// DataDir holds the emulator's keys; empty means a fresh temporary
	// folder, removed by Close.
	DataDir string
	Output  io.Writer
}

// Server is one running emulator with the service's key.
type Server struct {
	URL   string // http://host:port
	KeyID string // the key's ARN; Alias points at it

	cmd     *exec.Cmd
	exited  chan struct{}
	waitErr error
	tmp     string
	once    sync.Once
}

// StartTimeout bounds how long Start waits for the emulator to listen.
const StartTimeout = 15 * time.Second

// Start runs the emulator and creates the key and its alias (the data
// folder of a previous run may hold them already: then they are reused).
func Start(ctx context.Context, o Options) (*Server, error) {
	addr := o.Addr
	if addr == "" {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("localkms: pick a free port: %w", err)
		}
		addr = ln.Addr().String()
		_ = ln.Close()
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("localkms: address %q: %w", addr, err)
	}
	s := &Server{URL: "http://" + addr, exited: make(chan struct{})}
	dir := o.DataDir
	if dir == "" {
		if s.tmp, err = os.MkdirTemp("", "local-kms-"); err != nil {
			return nil, fmt.Errorf("localkms: %w", err)
		}
		dir = s.tmp
	}
	cmd := exec.Command(o.Binary)
	cmd.Env = append(os.Environ(), "PORT="+port, "KMS_DATA_PATH="+dir, "KMS_SEED_PATH=",
		"KMS_REGION="+Region, "KMS_ACCOUNT_ID="+Account)
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if o.Output != nil {
		cmd.Stdout, cmd.Stderr = o.Output, o.Output
	}
	// Its own process group, killed with the caller (Linux).
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		s.removeTmp()
		return nil, fmt.Errorf("localkms: start %s: %w", o.Binary, err)
	}
	s.cmd = cmd
	go func() { s.waitErr = cmd.Wait(); close(s.exited) }()
	if err := s.waitReady(ctx, addr); err != nil {
		_ = s.Close()
		return nil, err
	}
	if s.KeyID, err = EnsureKey(ctx, s.Client(), Alias); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

func (s *Server) waitReady(ctx context.Context, addr string) error {
	err := gotool.WaitListening(ctx, "localkms: local-kms", addr, StartTimeout, s.exited, func() error { return s.waitErr })
	return err
}

// Client is a KMS client for the emulator with dummy credentials.
func (s *Server) Client() *kms.Client {
	return kms.New(kms.Options{
		Region:       Region,
		BaseEndpoint: aws.String(s.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
		HTTPClient:   &http.Client{Timeout: 10 * time.Second},
	})
}

// EnsureKey returns the ARN of the symmetric key alias names, creating
// both (rotation on, as in template.yaml) when the alias does not exist.
func EnsureKey(ctx context.Context, c *kms.Client, alias string) (string, error) {
	if d, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(alias)}); err == nil {
		return aws.ToString(d.KeyMetadata.Arn), nil
	}
	k, err := c.CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String("push-reactivation secrets (local)")})
	if err != nil {
		return "", fmt.Errorf("localkms: create key: %w", err)
	}
	arn := aws.ToString(k.KeyMetadata.Arn)
	if _, err := c.EnableKeyRotation(ctx, &kms.EnableKeyRotationInput{KeyId: aws.String(arn)}); err != nil {
		return "", fmt.Errorf("localkms: enable rotation: %w", err)
	}
	if _, err := c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String(alias), TargetKeyId: aws.String(arn)}); err != nil {
		return "", fmt.Errorf("localkms: create alias %s: %w", alias, err)
	}
	return arn, nil
}

// Close stops the emulator and removes its temporary data folder.
func (s *Server) Close() error {
	s.once.Do(func() {
		if s.cmd != nil && s.cmd.Process != nil {
			_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
			select {
			case <-s.exited:
			case <-time.After(5 * time.Second):
			}
		}
		s.removeTmp()
	})
	return nil
}

func (s *Server) removeTmp() {
	if s.tmp != "" {
		_ = os.RemoveAll(s.tmp)
	}
}
