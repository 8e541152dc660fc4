package routebench_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	"push-reactivation/internal/testenv/apptest"
)

// latencies are the times of one sub-benchmark's calls.
type latencies []time.Duration

// quantile is the q-quantile (nearest rank) of the sorted times.
func (l latencies) quantile(q float64) time.Duration {
	if len(l) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(l))
	i := int(q*float64(len(s))+0.5) - 1
	return s[min(max(i, 0), len(s)-1)]
}

// figures are what a sub-benchmark reports, for the ratio table.
type figures struct {
	trips, calls float64
	p50, p99     time.Duration
}

// report adds the per-call metrics of a sub-benchmark to its line.
func (l latencies) report(b *testing.B, fig *figures) {
	fig.p50, fig.p99 = l.quantile(0.50), l.quantile(0.99)
	b.ReportMetric(float64(fig.p50.Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(fig.p99.Nanoseconds()), "p99-ns")
	b.ReportMetric(fig.trips, "roundtrips/op")
	b.ReportMetric(fig.calls, "calls/op")
}

// BenchmarkRoute measures every route of template.yaml on its warm
// handler: BenchmarkRoute/<METHOD>_<path template> (and
// <...>:<variant> where a route's cost depends on the state), each with
// roundtrips/op (in sequence: concurrent calls count once), calls/op,
// p50-ns and p99-ns of the handler's calls, and allocations; and
// BenchmarkRoute/baseline, the storeless route, in the same run. It ends
// with a table of each route's p50 and p99 as ratios to the baseline's.
// Only Handle is timed: building each request (signing it, preparing its
// state) and checking its answer against the contract are not.
//
//	make bench-routes
func BenchmarkRoute(b *testing.B) {
	results := map[string]*figures{}
	var order []string
	record := func(name string) *figures {
		fig := &figures{}
		results[name] = fig
		order = append(order, name)
		return fig
	}
	b.Run("baseline", func(b *testing.B) {
		fig := record("baseline")
		rt, ev := apptest.Baseline()
		ctx := context.Background()
		_, _ = rt.Handle(ctx, ev) // warm, like every case
		var times latencies
		b.ReportAllocs()
		for b.Loop() {
			start := time.Now()
			resp, _ := rt.Handle(ctx, ev)
			times = append(times, time.Since(start))
			if resp.StatusCode != 200 {
				b.Fatalf("baseline: %d %s", resp.StatusCode, resp.Body)
			}
		}
		times.report(b, fig)
	})
	startSES(b)
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			fig := record(c.name)
			k := call{f: newFixture(b), c: c, tb: b}
			next := k.warm()
			var times latencies
			var trips, calls int64
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				ev := k.event(next)
				b.StartTimer()
				resp, took, t := k.measure(ev)
				b.StopTimer()
				k.check(ev, resp)
				times = append(times, took)
				trips += t.Sequential
				calls += t.Calls
				b.StartTimer()
			}
			n := float64(len(times))
			fig.trips, fig.calls = float64(trips)/n, float64(calls)/n
			times.report(b, fig)
		})
	}
	// On stdout rather than b.Log: a parent benchmark's log is dropped
	// unless -v.
	if base := results["baseline"]; base != nil && base.p50 > 0 && len(order) > 1 {
		fmt.Print(ratioTable(order, results, base))
	}
}

// ratioTable lists each route's round trips and its p50 and p99 as
// multiples of the baseline's.
func ratioTable(order []string, results map[string]*figures, base *figures) string {
	var sb strings.Builder
	sb.WriteString("BenchmarkRoute: p50 and p99 as multiples of the baseline's in this run\n")
	w := tabwriter.NewWriter(&sb, 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "route\troundtrips\tp50\tp99\tp50/baseline\tp99/baseline\t\n")
	for _, name := range order {
		fig := results[name]
		fmt.Fprintf(w, "%s\t%.0f\t%v\t%v\t%.1f×\t%.1f×\t\n", name, fig.trips,
			fig.p50.Round(time.Microsecond), fig.p99.Round(time.Microsecond),
			float64(fig.p50)/float64(base.p50), float64(fig.p99)/float64(base.p99))
	}
	_ = w.Flush()
	return sb.String()
}
