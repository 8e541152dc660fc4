// Command coldstart measures what each function's bootstrap costs against
// the smallest aws-lambda-go function (infra/bench/hello), built the same
// way (issue 14):
//
//   - size: every bootstrap built for Lambda with the Makefile's own
//     LAMBDA_FLAGS (GOOS=linux GOARCH=arm64 -tags lambda.norpc -trimpath
//     -ldflags "-s -w"), its bytes and its ratio to hello's; the bound is
//     2×;
//   - cold start: each bootstrap built the same way for this machine and run
//     under aws-lambda-rie, the time from the emulator's start to the answer
//     of its first invocation (the Lambda init and one request: a route
//     miss, which touches no peer), in interleaved pairs with hello (the
//     order alternating), the median of each side and their ratio; the goal
//     is 1.3×.
//
// Run it with `make bench` (or go run ./infra/bench/coldstart -pairs 12).
// It exits 1 when a ratio is over its bound. It is a benchmark, not a
// test: the figures depend on the machine, only the ratios mean anything.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"push-reactivation/infra/rie"
)

const (
	maxSizeRatio  = 2.0
	goalColdStart = 1.3
	baseline      = "hello"
)

// missEvent is an API Gateway payload 2.0 request no route matches: the
// router answers it (404 envelope) without a table, mail or phone.
const missEvent = `{"version":"2.0","routeKey":"$default","rawPath":"/bench/cold-start","headers":{},` +
	`"requestContext":{"requestId":"bench","http":{"method":"GET","path":"/bench/cold-start","sourceIp":"127.0.0.1"}}}`

func main() {
	pairs := flag.Int("pairs", 12, "interleaved cold-start pairs per function")
	root := flag.String("root", ".", "the repository root (Makefile, go.mod)")
	flag.Parse()
	log.SetFlags(0)
	if err := run(*root, *pairs); err != nil {
		log.Fatal(err)
	}
}

type target struct{ name, pkg string }

func run(root string, pairs int) error {
	root, err := filepath.Abs(root)
	if err != nil {
		return err
	}
	flags, dirs, err := readMakefile(filepath.Join(root, "Makefile"))
	if err != nil {
		return err
	}
	targets := []target{{baseline, "./infra/bench/hello"}}
	for _, d := range dirs {
		targets = append(targets, target{d, "./functions/" + d})
	}
	work, err := os.MkdirTemp("", "coldstart-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)

	over := false
	shown := slices.Clone(flags)
	for i, f := range shown {
		if strings.Contains(f, " ") {
			shown[i] = `"` + f + `"`
		}
	}
	fmt.Printf("bootstrap size, GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build %s\n", strings.Join(shown, " "))
	sizes := map[string]int64{}
	for _, t := range targets {
		bin := filepath.Join(work, "arm64", t.name, "bootstrap")
		if err := build(root, bin, "arm64", flags, t.pkg); err != nil {
			return err
		}
		fi, err := os.Stat(bin)
		if err != nil {
			return err
		}
		sizes[t.name] = fi.Size()
	}
	for _, t := range targets {
		ratio := float64(sizes[t.name]) / float64(sizes[baseline])
		verdict := ""
		if t.name != baseline {
			verdict = fmt.Sprintf("(bound %.1f×)", maxSizeRatio)
			if ratio > maxSizeRatio {
				verdict, over = fmt.Sprintf("OVER the bound %.1f×", maxSizeRatio), true
			}
		}
		fmt.Printf("  %-20s %10d bytes  %5.2f× %s\n", t.name, sizes[t.name], ratio, verdict)
	}

	ctx := context.Background()
	emulator, err := rie.Install(ctx, filepath.Join(work, "bin"), os.Stderr)
	if err != nil {
		return err
	}
	for _, t := range targets {
		if err := build(root, filepath.Join(work, "host", t.name, "bootstrap"), runtime.GOARCH, flags, t.pkg); err != nil {
			return err
		}
	}
	fmt.Printf("\ncold start under aws-lambda-rie (%s/%s), emulator start to first answer, %d interleaved pairs with %s\n",
		runtime.GOOS, runtime.GOARCH, pairs, baseline)
	fmt.Printf("  %-20s %12s %12s %7s\n", "function", "median", baseline, "ratio")
	for _, t := range targets[1:] {
		var fn, base []time.Duration
		for i := range pairs {
			order := []string{baseline, t.name}
			if i%2 == 1 {
				order = []string{t.name, baseline}
			}
			for _, name := range order {
				d, err := coldStart(ctx, emulator, filepath.Join(work, "host", name, "bootstrap"))
				if err != nil {
					return fmt.Errorf("%s: %w", name, err)
				}
				if name == baseline {
					base = append(base, d)
				} else {
					fn = append(fn, d)
				}
			}
		}
		m, mb := median(fn), median(base)
		ratio := float64(m) / float64(mb)
		verdict := fmt.Sprintf("(goal %.1f×)", goalColdStart)
		if ratio > goalColdStart {
			verdict, over = fmt.Sprintf("OVER the goal %.1f×", goalColdStart), true
		}
		fmt.Printf("  %-20s %12s %12s %6.2f× %s\n", t.name, m.Round(100*time.Microsecond), mb.Round(100*time.Microsecond), ratio, verdict)
	}
	if over {
		os.Exit(1)
	}
	return nil
}

// readMakefile reads LAMBDA_FLAGS and the function folders (the values of
// FUNCTION_DIR_<LogicalId>) from the Makefile, so the benchmark builds
// exactly what `make build` builds.
func readMakefile(path string) (flags []string, dirs []string, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		name, value, ok := strings.Cut(line, ":=")
		if !ok {
			continue
		}
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		switch {
		case name == "LAMBDA_FLAGS":
			flags, err = splitFlags(value)
			if err != nil {
				return nil, nil, err
			}
		case strings.HasPrefix(name, "FUNCTION_DIR_"):
			dirs = append(dirs, value)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, nil, err
	}
	if flags == nil || len(dirs) == 0 {
		return nil, nil, fmt.Errorf("%s: no LAMBDA_FLAGS or FUNCTION_DIR_ lines", path)
	}
	slices.Sort(dirs)
	return flags, dirs, nil
}

// splitFlags splits LAMBDA_FLAGS as the shell does for its simple quoting
// (-ldflags "-s -w").
func splitFlags(s string) ([]string, error) {
	var out []string
	for s = strings.TrimSpace(s); s != ""; s = strings.TrimSpace(s) {
		if s[0] == '"' {
			end := strings.IndexByte(s[1:], '"')
			if end < 0 {
				return nil, fmt.Errorf("unbalanced quote in LAMBDA_FLAGS")
			}
			out = append(out, s[1:end+1])
			s = s[end+2:]
			continue
		}
		word, rest, _ := strings.Cut(s, " ")
		out = append(out, word)
		s = rest
	}
	return out, nil
}

func build(root, out, goarch string, flags []string, pkg string) error {
	args := append([]string{"build"}, flags...)
	args = append(args, "-o", out, pkg)
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+goarch, "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s (%s): %w\n%s", pkg, goarch, err, b)
	}
	return nil
}

// coldStart starts bootstrap under a fresh emulator and times its first
// invocation from the emulator's start. The environment is what the
// functions need to initialise (no peer is called for a route miss).
func coldStart(ctx context.Context, emulator, bootstrap string) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	began := time.Now()
	p, err := rie.Start(ctx, rie.Options{Binary: emulator, Bootstrap: bootstrap, Env: []string{
		"AWS_REGION=us-east-1", "AWS_ACCESS_KEY_ID=bench", "AWS_SECRET_ACCESS_KEY=bench",
		"AWS_EC2_METADATA_DISABLED=true", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_LAMBDA_FUNCTION_TIMEOUT=30", "TABLE_NAME=push-reactivation", "API_HOST=localhost:3443",
		"LOG_LEVEL=ERROR", "CODE_HASH_KEY=YmVuY2htYXJrLWtleS1ub3Qtc2VjcmV0LTMyLWJ5dGVzISE=",
		"SENDER_EMAIL=no-reply@example.com", "ORIGINATION_IDENTITY=+15555550000",
	}})
	if err != nil {
		return 0, err
	}
	defer p.Close()
	out, err := p.Invoke(ctx, []byte(missEvent))
	d := time.Since(began)
	if err != nil {
		return 0, err
	}
	if strings.Contains(string(out), "errorMessage") {
		return 0, fmt.Errorf("invocation failed: %s", out)
	}
	return d, nil
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
