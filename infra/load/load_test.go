package load_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"push-reactivation/infra/load"
	"push-reactivation/internal/testenv/apptest"
)

// TestRunBriefly runs the whole load script for a moment per route and
// concurrency, so that it cannot rot: the stack starts, the login through
// SMS and the phone's activation work, every route answers what it
// should at every concurrency (Run fails on any error), and the report
// has a line per route and concurrency with its baseline ratio.
func TestRunBriefly(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	results, err := load.Run(ctx, load.Options{
		Duration: 150 * time.Millisecond, Concurrency: []int{1, 4},
		Root: "../..", StateDir: t.TempDir(), LogLevel: "WARN", Argon2: &apptest.CheapArgon2,
	})
	if err != nil {
		t.Fatal(err)
	}
	routes := []string{load.BaselineHTTP, load.BaselineHTTPS, load.DevicePoll, load.Profile}
	if len(results) != len(routes)*2 {
		t.Fatalf("%d results, want %d", len(results), len(routes)*2)
	}
	for i, r := range results {
		if r.Route != routes[i/2] || r.Concurrency != []int{1, 4}[i%2] || r.Requests == 0 || r.Errors != 0 || r.P50 <= 0 || r.P99 < r.P50 || r.CPUPerRequest() <= 0 {
			t.Errorf("result %d: %+v", i, r)
		}
	}
	var report strings.Builder
	load.WriteReport(&report, results, load.Baselines)
	lines := strings.Split(strings.TrimSpace(report.String()), "\n")
	if len(lines) != 1+len(results) {
		t.Fatalf("report:\n%s", report.String())
	}
	for _, l := range lines[1:] {
		isBaseline := strings.HasPrefix(l, "baseline")
		if hasRatio := strings.Contains(l, "× "); hasRatio == isBaseline {
			t.Errorf("report line %q: a route has its p99 ratio to the baseline, a baseline none", l)
		}
	}
	t.Logf("\n%s", report.String())
}
