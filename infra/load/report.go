package load

import (
	"fmt"
	"io"
	"time"
)

// WriteReport prints one line per route and concurrency: throughput,
// p50, p99, the p99 as a ratio to its storeless baseline at the same
// concurrency in the same run, and the process's CPU time per request.
func WriteReport(w io.Writer, results []Result, routes map[string]string) {
	base := map[string]map[int]Result{}
	for _, r := range results {
		if base[r.Route] == nil {
			base[r.Route] = map[int]Result{}
		}
		base[r.Route][r.Concurrency] = r
	}
	fmt.Fprintf(w, "%-42s %4s %9s %9s %9s %10s %10s %10s\n", "route", "c", "requests", "req/s", "p50", "p99", "p99/base", "cpu/req")
	for _, r := range results {
		ratio := "-"
		if b, ok := base[routes[r.Route]][r.Concurrency]; ok && b.P99 > 0 {
			ratio = fmt.Sprintf("%.1f×", float64(r.P99)/float64(b.P99))
		}
		fmt.Fprintf(w, "%-42s %4d %9d %9.0f %9s %10s %10s %10s\n", r.Route, r.Concurrency, r.Requests, r.Throughput(), ms(r.P50), ms(r.P99), ratio, ms(r.CPUPerRequest()))
	}
}

// Baselines maps each route of Run to the baseline its ratio is taken
// against.
var Baselines = map[string]string{DevicePoll: BaselineHTTPS, Profile: BaselineHTTP}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond)) }
