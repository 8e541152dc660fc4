package localstack

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"push-reactivation/internal/testenv"
	"push-reactivation/shared/correlation"
)

// TestFunctionLogDeliversWholeLines: lines logged at once by many
// goroutines all arrive whole, within the flush interval, and Close
// writes what is left (run with -race).
func TestFunctionLogDeliversWholeLines(t *testing.T) {
	out := &testenv.SyncBuffer{}
	l := newFunctionLog(out)
	log := l.logger(slog.LevelInfo)
	const goroutines, lines = 8, 50
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range lines {
				log.InfoContext(correlation.NewContext(context.Background(), "req"), "request", "g", g, "i", i)
			}
		})
	}
	wg.Wait()
	count := func() int { return strings.Count(out.String(), "\n") }
	for deadline := time.Now().Add(10 * time.Second); count() < goroutines*lines; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d lines written 10 s after logging", count(), goroutines*lines)
		}
	}
	log.Info("last")
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(got) != goroutines*lines+1 {
		t.Fatalf("%d lines after Close, want %d", len(got), goroutines*lines+1)
	}
	for _, line := range got {
		var v map[string]any
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Fatalf("not a whole JSON line: %q", line)
		}
	}
}
