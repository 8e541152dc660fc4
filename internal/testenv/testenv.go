// Package testenv is the test support shared by the module's tests: it
// starts the local peers (embedded DynamoDB, aws-ses-v2-local) for one test
// and points the real SDK clients at them. It imports testing, so it lives
// under internal/ and apart from the runtime packages: no Lambda bootstrap,
// nor the local stack, links it (the import-rule test in
// internal/archtest checks that). The peers themselves are runtime code in
// infra/ddblocal and infra/seslocal, which the local stack starts too.
package testenv

import (
	"context"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"push-reactivation/infra/ddblocal"
	"push-reactivation/infra/seslocal"
	"push-reactivation/shared/config"
	"push-reactivation/shared/config/standard"
	"push-reactivation/shared/dynamo"
)

// StartDynamoDB starts an embedded DynamoDB for one test, points
// AWS_ENDPOINT_URL_DYNAMODB (and dummy credentials) at it, creates the
// table and returns a client built as production builds it, with the
// lenient time bounds of tests that load the machine (config.Lenient).
// It uses t.Setenv, so the calling test cannot be parallel.
func StartDynamoDB(t testing.TB) (*dynamodb.Client, string) {
	t.Helper()
	srv, err := ddblocal.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	SetAWSEnv(t)
	t.Setenv("AWS_ENDPOINT_URL_DYNAMODB", srv.URL)
	ctx := context.Background()
	cfg, err := standard.AWS(ctx)
	if err != nil {
		t.Fatal(err)
	}
	client := dynamo.NewClient(cfg, config.Lenient())
	if err := ddblocal.CreateTable(ctx, client, ddblocal.DefaultTable); err != nil {
		t.Fatal(err)
	}
	return client, ddblocal.DefaultTable
}

// SetAWSEnv sets the dummy credentials and region that local endpoints
// need, and keeps the SDK away from shared config files and IMDS.
func SetAWSEnv(t testing.TB) {
	t.Setenv("AWS_ACCESS_KEY_ID", "local")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "local")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

// StartSES starts aws-ses-v2-local for a test on a free port and stops it
// when the test ends. A missing node or install fails the test rather than
// skipping it, naming what to run: `make test` and .ci/run install it, and a
// skipped mail test would hide a broken mail path.
func StartSES(t testing.TB) *seslocal.Server {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatalf("testenv: node is not in PATH; these tests need Node.js 20+ and npm to run aws-ses-v2-local (`make test` installs the package with `make %s`): %v", seslocal.MakeTarget, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), seslocal.StartTimeout)
	defer cancel()
	s, err := seslocal.Start(ctx, seslocal.Options{})
	if err != nil {
		t.Fatalf("%v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			if tail := s.Stderr(); tail != "" {
				t.Logf("aws-ses-v2-local stderr:\n%s", tail)
			}
		}
		if err := s.Close(); err != nil {
			t.Errorf("%v", err)
		}
	})
	return s
}

// SyncBuffer is a goroutine-safe sink for logs and process output.
type SyncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns everything written so far.
func (s *SyncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }
