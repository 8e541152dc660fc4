// Package ddblocal runs the embedded DynamoDB (github.com/truora/minidyn's
// server) for tests and the local stack, and creates the project's table on
// it from template.yaml. The real SDK client reaches it through the
// standard AWS_ENDPOINT_URL_DYNAMODB variable.
//
// Gaps of minidyn v0.8.2 met so far, and how the code copes:
//   - no UpdateTimeToLive: tablespec.Create treats it as "TTL not enabled";
//     nothing depends on TTL because every read checks expiry itself;
//   - no valid CRC32 response header: config.DynamoDB switches response
//     checksum validation off for loopback endpoints only.
package ddblocal

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/truora/minidyn/server"

	"push-reactivation/shared/config"
	"push-reactivation/shared/tablespec"
)

// DefaultTable is the table name used locally and in tests.
const DefaultTable = "push-reactivation"

// Server is a running embedded DynamoDB endpoint.
type Server struct {
	URL  string
	http *http.Server
	ln   net.Listener
}

// Start serves an embedded DynamoDB on addr ("127.0.0.1:0" picks a port).
func Start(addr string) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("ddblocal: listen %s: %w", addr, err)
	}
	s := &Server{URL: "http://" + ln.Addr().String(), ln: ln, http: &http.Server{Handler: server.NewServer(), ReadHeaderTimeout: 5 * time.Second}}
	go func() {
		if err := s.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			panic(fmt.Sprintf("ddblocal: serve: %v", err))
		}
	}()
	return s, nil
}

// Close stops the server.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return s.http.Shutdown(ctx)
}

// loadSpec parses template.yaml once per process: parsing is slow, and
// goformation registers its YAML tags in a global map without a lock, so
// parallel tests that each parsed it raced.
var loadSpec = sync.OnceValues(tablespec.LoadDefault)

// CreateTable creates the template's table called name through client.
func CreateTable(ctx context.Context, client *dynamodb.Client, name string) error {
	spec, err := loadSpec()
	if err != nil {
		return err
	}
	_, err = spec.Create(ctx, client, name)
	return err
}

// StartT starts an embedded DynamoDB for one test, points
// AWS_ENDPOINT_URL_DYNAMODB (and dummy credentials) at it, creates the
// table and returns a client built as production builds it, with the
// lenient time bounds of tests that load the machine (config.Lenient).
// It uses t.Setenv, so the calling test cannot be parallel.
func StartT(t testing.TB) (*dynamodb.Client, string) {
	t.Helper()
	srv, err := Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	SetTestEnv(t)
	t.Setenv("AWS_ENDPOINT_URL_DYNAMODB", srv.URL)
	ctx := context.Background()
	cfg, err := config.AWS(ctx)
	if err != nil {
		t.Fatal(err)
	}
	client := config.DynamoDB(cfg, config.Lenient())
	if err := CreateTable(ctx, client, DefaultTable); err != nil {
		t.Fatal(err)
	}
	return client, DefaultTable
}

// SetTestEnv sets the dummy credentials and region that local endpoints
// need, and keeps the SDK away from shared config files and IMDS.
func SetTestEnv(t testing.TB) {
	t.Setenv("AWS_ACCESS_KEY_ID", "local")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "local")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}
