// Package load drives the local stack (infra/localstack, in process, on
// 127.0.0.1) the way many phones and panels at once would, and reports
// throughput and latency percentiles per route and concurrency beside a
// storeless baseline through the same stack (issue 15, make load).
//
// What it measures is the whole local path: HTTP (and TLS for the phone)
// on loopback, the gateway, the function's router, and every DynamoDB
// call over HTTP to the embedded minidyn server. The load generator runs in
// the same process, which is why the phone's RSA signature is made outside
// the timed part (once a second per worker, as the device API accepts a
// signed date within its clock skew) and why the figures are read as
// ratios to the baseline rather than as absolutes.
package load

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"syscall"
	"time"

	"push-reactivation/infra/localstack"
	"push-reactivation/infra/phone"
	"push-reactivation/shared/demo"
	"push-reactivation/shared/devicesig"
	"push-reactivation/shared/secret"
)

// Options configure a run; the zero value is that of make load.
type Options struct {
	// Duration is how long each route is driven at each concurrency
	// (default 3 s).
	Duration time.Duration
	// Concurrency lists the numbers of concurrent clients (default 1, 4,
	// 16).
	Concurrency []int
	// Root and StateDir are the local stack's (localstack.Options).
	Root, StateDir string
	// LogLevel overrides the template's LogLevel of the functions.
	LogLevel string
	// Argon2 hashes the demo passwords; nil means the production setting.
	Argon2 *secret.Argon2Params
	// Output receives the output of the stack's child processes; nil
	// discards it.
	Output io.Writer
	// Measure, when set, runs around the measured part only (setup
	// excluded): the command starts and stops a CPU profile there.
	Measure func(run func() error) error
}

// Route is one thing the load drives.
type Route struct {
	Name string
	// newWorker makes one worker's request function; the worker's own
	// state (a signature it renews) lives in the closure.
	newWorker func() func(ctx context.Context) error
}

// Result is one route at one concurrency.
type Result struct {
	Route       string
	Concurrency int
	Requests    int
	Errors      int
	FirstError  error
	Elapsed     time.Duration
	P50, P99    time.Duration
	// CPU is the process's CPU time (user + system) over the run: the
	// stack's and the load generator's, which run in one process. Per
	// request it is what bounds throughput on a machine of few cores,
	// and, unlike the percentiles, barely moves with the machine's other
	// load.
	CPU time.Duration
}

// CPUPerRequest is CPU divided by the requests.
func (r Result) CPUPerRequest() time.Duration {
	if r.Requests == 0 {
		return 0
	}
	return r.CPU / time.Duration(r.Requests)
}

// Throughput is requests per second.
func (r Result) Throughput() float64 { return float64(r.Requests) / r.Elapsed.Seconds() }

// Route names, as the report shows them.
const (
	BaselineHTTP  = "baseline GET /v1/session (no token: 401)"
	BaselineHTTPS = "baseline, HTTPS"
	DevicePoll    = "GET /push/v2/device/transactions"
	Profile       = "GET /v1/profile"
)

// Run starts the stack, prepares an activated phone and a logged-in admin,
// drives every route at every concurrency, and stops the stack.
func Run(ctx context.Context, o Options) (results []Result, err error) {
	if o.Duration <= 0 {
		o.Duration = 3 * time.Second
	}
	if len(o.Concurrency) == 0 {
		o.Concurrency = []int{1, 4, 16}
	}
	if o.Output == nil {
		o.Output = io.Discard
	}
	stack, err := localstack.Start(ctx, localstack.Options{
		Root: o.Root, StateDir: o.StateDir,
		HTTPAddr: "127.0.0.1:0", HTTPSAddr: "127.0.0.1:0", DynamoDBAddr: "127.0.0.1:0",
		SESAddr: "127.0.0.1:0", SMSAddr: "127.0.0.1:0", KMSAddr: "127.0.0.1:0",
		LogLevel: o.LogLevel, Argon2: o.Argon2,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Output: o.Output,
	})
	if err != nil {
		return nil, fmt.Errorf("load: start the local stack: %w", err)
	}
	defer func() {
		if cerr := stack.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("load: stop the local stack: %w", cerr)
		}
	}()

	maxC := slices.Max(o.Concurrency)
	panel, phoneClient := newClient(maxC), newClient(maxC)
	// The stack's servers shut down gracefully: they would wait for the
	// load's keep-alive connections (HTTP/2 over TLS for the phone).
	defer panel.CloseIdleConnections()
	defer phoneClient.CloseIdleConnections()
	routes, err := prepare(ctx, stack, panel, phoneClient)
	if err != nil {
		return nil, err
	}
	measure := o.Measure
	if measure == nil {
		measure = func(run func() error) error { return run() }
	}
	err = measure(func() error {
		for _, rt := range routes {
			for _, c := range o.Concurrency {
				r := drive(ctx, rt, c, o.Duration)
				results = append(results, r)
				if r.Errors > 0 {
					return fmt.Errorf("load: %s at c=%d: %d of %d requests failed, first: %w", r.Route, c, r.Errors, r.Requests+r.Errors, r.FirstError)
				}
			}
		}
		return nil
	})
	return results, err
}

// admin is who the load logs in and whose phone it activates.
var admin = struct{ email, phone string }{"owner@acme.example", "+15555550100"}

// prepare makes what the routes need through the real APIs: a session of
// the demo Owner (password + SMS passcode read from the local SMS
// endpoint's /messages) and a phone activated from a reactivation's QR
// code over HTTPS.
func prepare(ctx context.Context, s *localstack.Stack, panel, phoneClient *http.Client) ([]Route, error) {
	token, err := panelLogin(ctx, panel, s.HTTPURL, s.SMSURL, admin.email, demo.Password, admin.phone)
	if err != nil {
		return nil, err
	}
	var react struct {
		Barcode    string `json:"barcode"`
		BarcodePNG string `json:"barcode_png"`
	}
	if err := call(ctx, panel, "POST", s.HTTPURL+"/v1/profile/duo-push/reactivation", token, map[string]any{}, 201, &react); err != nil {
		return nil, err
	}
	png, err := base64.StdEncoding.DecodeString(react.BarcodePNG)
	if err != nil {
		return nil, fmt.Errorf("load: barcode_png: %w", err)
	}
	text, err := phone.DecodeQR(png)
	if err != nil || text != react.Barcode {
		return nil, fmt.Errorf("load: the QR code reads %q (%v), barcode is %q", text, err, react.Barcode)
	}
	target, err := phone.ParseBarcode(text)
	if err != nil {
		return nil, err
	}
	ca, err := phone.HTTPClient(s.CAFile)
	if err != nil {
		return nil, err
	}
	// The phone trusts the stack's CA.
	phoneClient.Transport.(*http.Transport).TLSClientConfig = ca.Transport.(*http.Transport).TLSClientConfig.Clone()
	ph, err := phone.Load("", phone.WithHTTPClient(phoneClient))
	if err != nil {
		return nil, err
	}
	cred, err := ph.ActivateTarget(ctx, target)
	if err != nil {
		return nil, fmt.Errorf("load: activate the phone: %w", err)
	}

	get := func(c *http.Client, u, token string, want int) func() func(context.Context) error {
		return func() func(context.Context) error {
			return func(ctx context.Context) error { return call(ctx, c, "GET", u, token, nil, want, nil) }
		}
	}
	return []Route{
		{Name: BaselineHTTP, newWorker: get(panel, s.HTTPURL+"/v1/session", "", 401)},
		{Name: BaselineHTTPS, newWorker: get(phoneClient, s.HTTPSURL+"/v1/session", "", 401)},
		{Name: DevicePoll, newWorker: func() func(context.Context) error {
			return devicePoller(phoneClient, ph, cred, s.HTTPSURL)
		}},
		{Name: Profile, newWorker: get(panel, s.HTTPURL+"/v1/profile", token, 200)},
	}, nil
}

// devicePoller is one phone polling for pushes, signed as Duo Mobile signs.
// The signature is renewed when its date is a second old, outside the
// timed request: the device API accepts a date within its clock skew, and
// an RSA-2048 signature per request would time the client, not the stack.
func devicePoller(c *http.Client, ph *phone.Phone, cred phone.Credential, base string) func(context.Context) error {
	const path = "/push/v2/device/transactions"
	params := url.Values{"akey": {cred.AKey}, "fips_status": {"1"}, "hsm_status": {"true"}, "pkpush": {"rsa-sha512"}}
	u := base + path + "?" + devicesig.EncodeParams(params)
	var date, auth string
	var signedAt time.Time
	return func(ctx context.Context) error {
		if now := time.Now(); now.Sub(signedAt) >= time.Second {
			d := devicesig.FormatDate(now)
			a, err := devicesig.Sign(ph.Key(), cred.PKey, d, "GET", cred.Host, path, params)
			if err != nil {
				return err
			}
			date, auth, signedAt = d, a, now
		}
		return do(ctx, c, "GET", u, http.Header{"Authorization": {auth}, "X-Duo-Date": {date}}, nil, 200, nil)
	}
}

// drive runs rt with c workers for d. A worker starts no request after
// the deadline, and the requests under way finish (a cancelled request
// would be a 500 and an error line in the stack, not a measurement).
func drive(ctx context.Context, rt Route, c int, d time.Duration) Result {
	res := Result{Route: rt.Name, Concurrency: c}
	var mu sync.Mutex
	var all []time.Duration
	var wg sync.WaitGroup
	cpu0 := processCPU()
	start := time.Now()
	deadline := start.Add(d)
	for range c {
		wg.Go(func() {
			do := rt.newWorker()
			var lat []time.Duration
			var errs int
			var first error
			for ctx.Err() == nil && time.Now().Before(deadline) {
				t0 := time.Now()
				if err := do(ctx); err != nil {
					if errs++; first == nil {
						first = err
					}
					continue
				}
				lat = append(lat, time.Since(t0))
			}
			mu.Lock()
			defer mu.Unlock()
			all = append(all, lat...)
			if res.Errors += errs; res.FirstError == nil {
				res.FirstError = first
			}
		})
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	res.CPU = processCPU() - cpu0
	res.Requests = len(all)
	slices.Sort(all)
	res.P50, res.P99 = percentile(all, 0.50), percentile(all, 0.99)
	return res
}

// processCPU is the CPU time this process has used, user and system.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// percentile is the nearest-rank percentile of sorted.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// newClient is an HTTP client for the load: keep-alive connections for
// every worker (the default keeps two per host, which would make the
// client open a connection per request beyond c=2 and time that instead).
func newClient(maxConns int) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 2 * maxConns
	t.MaxIdleConnsPerHost = 2 * maxConns
	return &http.Client{Timeout: 30 * time.Second, Transport: t}
}
