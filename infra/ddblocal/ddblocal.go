// Package ddblocal runs the embedded DynamoDB (github.com/truora/minidyn's
// server) for the local stack and for tests (internal/testenv), and creates the project's table on
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
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/truora/minidyn/server"

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

// Close stops the server. A connection a client dialed but never used
// (Go's transport keeps the spare of a dial race idle) counts as active
// for Shutdown during its first 5 s; after a burst of concurrent requests
// (make load) the wait ends in closing them, as the gateway does.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := s.http.Shutdown(ctx); err != nil {
		return s.http.Close()
	}
	return nil
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
