// Command load (make load) starts the local stack in process on free
// ports of 127.0.0.1 with the demo data, logs the demo Owner in through
// the real login API and activates an emulated phone from a reactivation's
// QR code, then drives the device poll (GET /push/v2/device/transactions,
// signed) and GET /v1/profile at each concurrency for -duration each, and
// prints throughput, p50 and p99 beside the storeless baseline
// (GET /v1/session without a token) through the same stack. The
// functions' log and metric lines (stderr, stdout) go to -function-log,
// not the terminal. -cpuprofile and -mutexprofile write a CPU and a lock
// contention profile of the measured part.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"push-reactivation/infra/load"
)

func main() {
	duration := flag.Duration("duration", 3*time.Second, "how long each route is driven at each concurrency")
	conc := flag.String("c", "1,4,16", "concurrencies, comma-separated")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the measured part to this file")
	mutexProfile := flag.String("mutexprofile", "", "write a profile of lock contention during the measured part to this file")
	logLevel := flag.String("log-level", "", "LOG_LEVEL of the functions (default: the template's)")
	functionLog := flag.String("function-log", ".local/load/functions.log", "where the functions' stdout and stderr (metric and log lines) go")
	flag.Parse()
	if err := run(*duration, *conc, *cpuProfile, *mutexProfile, *logLevel, *functionLog); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

func run(duration time.Duration, conc, cpuProfile, mutexProfile, logLevel, functionLog string) error {
	var cs []int
	for f := range strings.SplitSeq(conc, ",") {
		c, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || c < 1 {
			return fmt.Errorf("-c: %q is not a positive number", f)
		}
		cs = append(cs, c)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	// In Lambda the functions write their log lines to stderr and their EMF
	// lines to stdout; here both go to a file, which keeps their cost (a
	// write per line) and the terminal readable. The report goes to the
	// real stdout, errors to the real stderr.
	report, errOut := os.Stdout, os.Stderr
	if err := os.MkdirAll(filepath.Dir(functionLog), 0o755); err != nil {
		return err
	}
	logFile, err := os.Create(functionLog)
	if err != nil {
		return err
	}
	defer logFile.Close()
	os.Stdout, os.Stderr = logFile, logFile
	defer func() { os.Stdout, os.Stderr = report, errOut }()

	o := load.Options{Duration: duration, Concurrency: cs, LogLevel: logLevel, Output: logFile}
	o.Measure = func(run func() error) error {
		if cpuProfile != "" {
			f, err := os.Create(cpuProfile)
			if err != nil {
				return err
			}
			defer f.Close()
			if err := pprof.StartCPUProfile(f); err != nil {
				return err
			}
			defer pprof.StopCPUProfile()
		}
		if mutexProfile != "" {
			// Every contention event: the run is short, and the waits on
			// the embedded DynamoDB's one lock are what it looks for.
			runtime.SetMutexProfileFraction(1)
			defer func() {
				runtime.SetMutexProfileFraction(0)
				if f, err := os.Create(mutexProfile); err == nil {
					_ = pprof.Lookup("mutex").WriteTo(f, 0)
					_ = f.Close()
				}
			}()
		}
		return run()
	}
	fmt.Fprintf(report, "starting the local stack; %v per route and concurrency (%s); function logs in %s\n", duration, conc, functionLog)
	began := time.Now()
	results, err := load.Run(ctx, o)
	load.WriteReport(report, results, load.Baselines)
	fmt.Fprintf(report, "done in %.1fs\n", time.Since(began).Seconds())
	return err
}
