package testenv

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
)

func TestStartSESServesStore(t *testing.T) {
	s := StartSES(t)
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

func TestStartSESFailsWithoutNode(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	r := &fatalRecorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		StartSES(r)
	}()
	<-done
	if !r.failed || !strings.Contains(r.msg, "node is not in PATH") || !strings.Contains(r.msg, "make ses-local") {
		t.Errorf("StartSES without node: failed=%v, message %q", r.failed, r.msg)
	}
}

// fatalRecorder stands in for a test to see StartSES fail it.
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
