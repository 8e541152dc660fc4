package sestest

import (
	"context"
	"os/exec"
	"testing"
)

// StartT starts a server for a test on a free port and stops it when the test
// ends. Missing node or npm fails the test rather than skipping it: CI
// installs both, and a skipped mail test would hide a broken mail path.
func StartT(t testing.TB) *Server {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatalf("sestest: node is not in PATH; these tests need Node.js 20+ and npm to run aws-ses-v2-local (CI installs them; locally: install nodejs and npm, then `npm ci --prefix infra/ses-local`): %v", err)
	}
	if _, err := exec.LookPath("npm"); err != nil {
		t.Fatalf("sestest: npm is not in PATH; these tests need Node.js 20+ and npm to run aws-ses-v2-local (CI installs them; locally: install nodejs and npm, then `npm ci --prefix infra/ses-local`): %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), InstallTimeout+StartTimeout)
	defer cancel()
	s, err := Start(ctx, Options{})
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
