// Package localstack is the local stack of DESIGN.md §6: everything the
// service needs, on this machine, with no Docker and no AWS account. It
// reads the functions and routes from template.yaml and runs
//
//   - a gateway that turns HTTP requests into API Gateway HTTP API payload
//     2.0 events for the function owning each route, over HTTP and HTTPS
//     (a generated local CA), serving the reference panel (web/) too;
//   - the embedded DynamoDB (minidyn) with the table created from the
//     template, and the demo data;
//   - aws-ses-v2-local (npm) and the local SMS/voice endpoint;
//   - the five functions, in process (each wired as its main.go wires it,
//     from its own environment, as in Lambda) or, with RIE,
//     as bootstrap binaries under aws-lambda-rie.
//
// The command in cmd/local (make run) starts it; tests start it in process
// on free ports.
package localstack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"

	"push-reactivation/infra/ddblocal"
	"push-reactivation/infra/localkms"
	"push-reactivation/infra/rie"
	"push-reactivation/infra/seslocal"
	"push-reactivation/infra/smsvoicelocal"
	"push-reactivation/shared/apigw"
	"push-reactivation/shared/app"
	"push-reactivation/shared/demo"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/dynamo"
	"push-reactivation/shared/metrics"
	"push-reactivation/shared/sealing/kmswire"
	"push-reactivation/shared/secret"
	"push-reactivation/shared/tablespec"
)

// Default addresses (DESIGN.md §6, a contract).
const (
	DefaultHTTPAddr     = "127.0.0.1:3000"
	DefaultHTTPSAddr    = "localhost:3443"
	DefaultDynamoDBAddr = "127.0.0.1:8000"
	DefaultSESAddr      = "127.0.0.1:8005"
	DefaultSMSAddr      = "127.0.0.1:8006"
	// DefaultKMSAddr is local-kms (added 2026-11-30, issue 16).
	DefaultKMSAddr = "127.0.0.1:8007"
)

// OriginationIdentity is the sender number of local SMS and calls.
const OriginationIdentity = "+15555550000"

// Options configure a stack; the zero value is the stack of `make run`.
// An address with port 0 picks a free port.
type Options struct {
	// Root is the project folder (template.yaml, Makefile, web/,
	// infra/ses-local); empty means the folder of go.mod above the working
	// directory.
	Root string
	// StateDir holds generated files (tls/, rie/, bin/); empty means
	// <Root>/.local.
	StateDir string

	HTTPAddr string // the API and the panel, plain HTTP
	// HTTPSAddr is host:port of the HTTPS API. The host names API_HOST
	// (phones sign against it) and must be one the certificate covers:
	// localhost (listening on 127.0.0.1 and ::1), 127.0.0.1 or ::1.
	HTTPSAddr    string
	DynamoDBAddr string
	SESAddr      string
	SMSAddr      string
	KMSAddr      string

	// RIE runs each function's bootstrap under aws-lambda-rie instead of
	// in process.
	RIE bool
	// LogLevel overrides the template's LogLevel for the functions.
	LogLevel string
	// Log is the stack's own log; nil logs JSON to stderr.
	Log *slog.Logger
	// Output receives the output of child processes (aws-ses-v2-local,
	// make, aws-lambda-rie and the bootstraps); nil means stderr.
	Output io.Writer
	// Argon2 hashes the demo passwords; nil means the production setting.
	Argon2 *secret.Argon2Params
	// NoDemo skips loading the demo data.
	NoDemo bool
	// Timeouts of the gateway's HTTP and HTTPS servers; the zero value
	// means APIGatewayTimeouts.
	Timeouts ServerTimeouts
	// CheckAnswer, when set, is shown every function's answer with its
	// event: tests check them against the OpenAPI document
	// (apptest.ContractCheck).
	CheckAnswer func(events.APIGatewayV2HTTPRequest, events.APIGatewayV2HTTPResponse)
}

// Stack is a running local stack.
type Stack struct {
	HTTPURL     string // http://127.0.0.1:3000
	HTTPSURL    string // https://localhost:3443
	APIHost     string // localhost:3443
	PanelOrigin string // http://127.0.0.1:3000
	DynamoDBURL string
	SESURL      string
	SMSURL      string
	KMSURL      string // local-kms, with localkms.Alias
	TableName   string
	// CAFile is the local CA certificate that HTTPS clients must trust.
	CAFile string
	// Mode is "in-process" or "rie".
	Mode     string
	Template *Template
	// SMS is the local SMS/voice endpoint (what GET /messages lists).
	SMS *smsvoicelocal.Server
	// Env holds each function's environment, by logical id.
	Env map[string]map[string]string

	log      *slog.Logger
	timeouts ServerTimeouts
	// sealedCodeKey is CODE_HASH_KEY_SEALED of every function (kms.go).
	sealedCodeKey string
	certsMade     string // what EnsureCerts had to make
	invokers      map[string]Invoker
	closers       []func() error // run in reverse order
}

// Start starts the stack and returns when every part answers. On error,
// whatever had started is stopped.
func Start(ctx context.Context, o Options) (_ *Stack, err error) {
	o, err = o.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Stack{log: o.Log, timeouts: o.Timeouts, TableName: ddblocal.DefaultTable, Mode: "in-process", Env: map[string]map[string]string{}}
	if o.RIE {
		s.Mode = "rie"
	}
	defer func() {
		if err != nil {
			_ = s.Close()
		}
	}()

	// Listen first: the ports decide API_HOST and PANEL_ORIGIN, and a port
	// in use should fail before anything slow starts.
	httpLn, err := net.Listen("tcp", o.HTTPAddr)
	if err != nil {
		return nil, fmt.Errorf("localstack: HTTP: %w", err)
	}
	s.closers = append(s.closers, func() error { _ = httpLn.Close(); return nil })
	httpsLns, apiHost, err := listenHTTPS(o.HTTPSAddr)
	if err != nil {
		return nil, err
	}
	s.closers = append(s.closers, func() error {
		for _, ln := range httpsLns {
			_ = ln.Close()
		}
		return nil
	})
	s.HTTPURL = "http://" + httpLn.Addr().String()
	s.PanelOrigin = s.HTTPURL
	s.APIHost = apiHost
	s.HTTPSURL = "https://" + apiHost

	// aws-ses-v2-local (node) takes a second or two: start it alongside.
	type sesResult struct {
		srv *seslocal.Server
		err error
	}
	sesCh := make(chan sesResult, 1)
	go func() {
		srv, err := startSES(ctx, o)
		sesCh <- sesResult{srv, err}
	}()
	sesWaited := false
	var sesErr error
	waitSES := func() error {
		if !sesWaited {
			sesWaited = true
			r := <-sesCh
			if sesErr = r.err; r.srv != nil {
				s.SESURL = r.srv.URL()
				s.closers = append(s.closers, r.srv.Close)
			}
		}
		return sesErr
	}
	defer func() { _ = waitSES() }() // never leave it starting behind our back

	certs, err := EnsureCerts(filepath.Join(o.StateDir, "tls"), time.Now())
	if err != nil {
		return nil, err
	}
	s.CAFile, s.certsMade = certs.CAFile, certs.Generated

	templatePath := filepath.Join(o.Root, "template.yaml")
	params := map[string]string{
		"ApiHost": s.APIHost, "PanelOrigin": s.PanelOrigin, "OriginationIdentity": OriginationIdentity,
	}
	if o.LogLevel != "" {
		params["LogLevel"] = o.LogLevel
	}
	if s.Template, err = LoadTemplate(templatePath, params); err != nil {
		return nil, err
	}

	if err := s.startDynamoDB(ctx, o, templatePath); err != nil {
		return nil, err
	}
	if err := s.startSMS(o); err != nil {
		return nil, err
	}
	if err := s.startKMS(ctx, o); err != nil {
		return nil, err
	}

	// Building the bootstraps is the slow part of RIE mode; SES comes up
	// meanwhile. The functions' environment needs its URL.
	var bins map[string]string
	if o.RIE {
		if bins, err = s.buildBootstraps(ctx, o); err != nil {
			return nil, err
		}
	}
	if err := waitSES(); err != nil {
		return nil, err
	}
	if err := s.fillEnv(); err != nil {
		return nil, err
	}
	if o.RIE {
		s.invokers, err = s.startRIE(ctx, o, bins)
	} else {
		s.invokers, err = s.inProcess(ctx, o.Output)
	}
	if err != nil {
		return nil, err
	}
	if o.CheckAnswer != nil {
		for id, in := range s.invokers {
			s.invokers[id] = checkedInvoker{in: in, check: o.CheckAnswer}
		}
	}

	var static fs.FS
	if fi, err := os.Stat(filepath.Join(o.Root, "web")); err == nil && fi.IsDir() {
		static = os.DirFS(filepath.Join(o.Root, "web"))
	}
	gw, err := NewGateway(s.Template, s.invokers, static, s.log)
	if err != nil {
		return nil, err
	}
	h := withPanelHeaders(gw)
	s.serve(httpLn, h, nil)
	for _, ln := range httpsLns {
		s.serve(ln, h, certs)
	}
	return s, nil
}

// panelCSP is the Content-Security-Policy of the reference panel's pages
// (DESIGN.md §4.1). The panel is one page with one script and one style
// sheet from its own origin and calls the API on that origin; the only
// other thing it loads is the QR code, a data: PNG. No inline script, no
// inline style, no framing, no <base>, forms post only to the origin.
const panelCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

// panelHSTS is the Strict-Transport-Security of the panel's files served
// over HTTPS: one year. Browsers ignore it on plain HTTP, and never apply
// it to an IP address such as the panel's http://127.0.0.1:3000.
const panelHSTS = "max-age=31536000"

// withPanelHeaders adds the security headers of DESIGN.md §4.1 to what the
// gateway serves from web/: every GET or HEAD that matches no API route
// (the API's own answers carry the functions' headers). The headers are
// set before the gateway writes, so a 404 for a missing file carries them
// too, which does no harm.
func withPanelHeaders(gw *Gateway) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			if _, _, isAPI := gw.Match(r.Method, r.URL.EscapedPath()); !isAPI {
				h := w.Header()
				h.Set("Content-Security-Policy", panelCSP)
				h.Set("X-Content-Type-Options", "nosniff")
				h.Set("Referrer-Policy", "no-referrer")
				if r.TLS != nil {
					h.Set("Strict-Transport-Security", panelHSTS)
				}
			}
		}
		gw.ServeHTTP(w, r)
	})
}

func (o Options) withDefaults() (Options, error) {
	if o.Root == "" {
		wd, err := os.Getwd()
		if err != nil {
			return o, err
		}
		p, err := tablespec.FindTemplate(wd)
		if err != nil {
			return o, fmt.Errorf("localstack: %w", err)
		}
		o.Root = filepath.Dir(p)
	}
	root, err := filepath.Abs(o.Root)
	if err != nil {
		return o, err
	}
	o.Root = root
	if o.StateDir == "" {
		o.StateDir = filepath.Join(o.Root, ".local")
	}
	if o.StateDir, err = filepath.Abs(o.StateDir); err != nil {
		return o, err
	}
	for _, d := range []struct {
		p   *string
		def string
	}{{&o.HTTPAddr, DefaultHTTPAddr}, {&o.HTTPSAddr, DefaultHTTPSAddr}, {&o.DynamoDBAddr, DefaultDynamoDBAddr},
		{&o.SESAddr, DefaultSESAddr}, {&o.SMSAddr, DefaultSMSAddr}, {&o.KMSAddr, DefaultKMSAddr}} {
		if *d.p == "" {
			*d.p = d.def
		}
	}
	if o.Output == nil {
		o.Output = os.Stderr
	}
	if o.Timeouts == (ServerTimeouts{}) {
		o.Timeouts = APIGatewayTimeouts
	}
	if o.Log == nil {
		o.Log = slog.New(slog.NewJSONHandler(os.Stderr, nil))
	}
	return o, nil
}

// listenHTTPS listens for the HTTPS API. "localhost" listens on 127.0.0.1
// and, when the machine has IPv6, on ::1 with the same port, since
// clients may resolve localhost to either.
func listenHTTPS(addr string) ([]net.Listener, string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, "", fmt.Errorf("localstack: HTTPS address %q: %w", addr, err)
	}
	if !slices.Contains(LeafHosts, host) {
		return nil, "", fmt.Errorf("localstack: HTTPS host %q is not one the local certificate covers (%v)", host, LeafHosts)
	}
	first := host
	if host == "localhost" {
		first = "127.0.0.1"
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(first, port))
	if err != nil {
		return nil, "", fmt.Errorf("localstack: HTTPS: %w", err)
	}
	lns := []net.Listener{ln}
	port = strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	if host == "localhost" {
		if ln6, err := net.Listen("tcp", net.JoinHostPort("::1", port)); err == nil {
			lns = append(lns, ln6)
		}
	}
	apiHost := net.JoinHostPort(host, port)
	if port == "443" {
		apiHost = host
	}
	return lns, apiHost, nil
}

func startSES(ctx context.Context, o Options) (*seslocal.Server, error) {
	host, portStr, err := net.SplitHostPort(o.SESAddr)
	if err != nil {
		return nil, fmt.Errorf("localstack: SES address %q: %w", o.SESAddr, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return nil, fmt.Errorf("localstack: SES port %q: %w", portStr, err)
	}
	return seslocal.Start(ctx, seslocal.Options{
		Dir: filepath.Join(o.Root, "infra", "ses-local"), Host: host, Port: port,
		Stdout: io.Discard, Stderr: prefixed(o.Output, "ses"),
	})
}

func (s *Stack) startDynamoDB(ctx context.Context, o Options, templatePath string) error {
	db, err := ddblocal.Start(o.DynamoDBAddr)
	if err != nil {
		return err
	}
	s.closers = append(s.closers, db.Close)
	s.DynamoDBURL = db.URL
	client := dynamo.NewClient(localAWSConfig(s.DynamoDBURL))
	spec, err := tablespec.Load(templatePath)
	if err != nil {
		return err
	}
	if _, err := spec.Create(ctx, client, s.TableName); err != nil {
		return err
	}
	if o.NoDemo {
		return nil
	}
	store := dynamo.New(client, s.TableName, domain.SystemClock{})
	return demo.Seed(ctx, store, time.Now(), o.Argon2)
}

func (s *Stack) startSMS(o Options) error {
	ln, err := net.Listen("tcp", o.SMSAddr)
	if err != nil {
		return fmt.Errorf("localstack: SMS/voice endpoint: %w", err)
	}
	s.SMS = smsvoicelocal.New()
	s.SMSURL = "http://" + ln.Addr().String()
	srv := &http.Server{Handler: s.SMS, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	s.closers = append(s.closers, srv.Close)
	return nil
}

// localAWSConfig is an SDK configuration for a local endpoint, built
// without reading the environment (the stack's own clients).
func localAWSConfig(endpoint string) aws.Config {
	return aws.Config{
		Region:       localRegion,
		BaseEndpoint: aws.String(endpoint),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "local", SecretAccessKey: "local", Source: "localstack"}, nil
		}),
	}
}

const localRegion = "us-east-1"

// awsLocalEnv is what every function's environment adds so that the SDK
// uses dummy credentials and never looks for real ones.
var awsLocalEnv = map[string]string{
	"AWS_ACCESS_KEY_ID":           "local",
	"AWS_SECRET_ACCESS_KEY":       "local",
	"AWS_SESSION_TOKEN":           "",
	"AWS_REGION":                  localRegion,
	"AWS_DEFAULT_REGION":          localRegion,
	"AWS_PROFILE":                 "",
	"AWS_CONFIG_FILE":             os.DevNull,
	"AWS_SHARED_CREDENTIALS_FILE": os.DevNull,
	"AWS_EC2_METADATA_DISABLED":   "true",
}

// fillEnv computes each function's environment: the template's (with the
// local parameters), the table, the local endpoints, dummy credentials, and
// the code hash key drawn at random for this run, sealed under local-kms
// (CODE_HASH_KEY_SEALED, as on AWS; startKMS) and shared by every
// function. Passcodes live minutes, so a new key at each start loses
// nothing worth keeping.
func (s *Stack) fillEnv() error {
	for _, f := range s.Template.Functions {
		env := maps.Clone(f.Env)
		maps.Copy(env, awsLocalEnv)
		env["TABLE_NAME"] = s.TableName
		env["AWS_ENDPOINT_URL_DYNAMODB"] = s.DynamoDBURL
		env["AWS_ENDPOINT_URL_SESV2"] = s.SESURL
		env["AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2"] = s.SMSURL
		env["CODE_HASH_KEY"] = ""
		env["CODE_HASH_KEY_SEALED"] = s.sealedCodeKey
		env["KMS_KEY_ID"] = localkms.Alias
		env["AWS_ENDPOINT_URL_KMS"] = s.KMSURL
		s.Env[f.LogicalID] = env
	}
	return nil
}

// envMu serializes the temporary changes of the process environment.
var envMu sync.Mutex

// withEnv runs fn with env set in the process environment and restores
// the previous values afterwards. app.Env reads the configuration and the
// SDK configuration from the environment at once, so the router built
// inside keeps this function's settings.
func withEnv(env map[string]string, fn func() error) error {
	envMu.Lock()
	defer envMu.Unlock()
	type old struct {
		v  string
		ok bool
	}
	saved := map[string]old{}
	for k, v := range env {
		ov, ok := os.LookupEnv(k)
		saved[k] = old{ov, ok}
		if err := os.Setenv(k, v); err != nil {
			return err
		}
	}
	defer func() {
		for k, o := range saved {
			if o.ok {
				_ = os.Setenv(k, o.v)
			} else {
				_ = os.Unsetenv(k)
			}
		}
	}()
	return fn()
}

// inProcess builds each function's router the way its main.go does.
// Each function's EMF metric lines (shared/metrics), which Lambda would
// send to CloudWatch from its stdout, go to output prefixed with its
// logical id, as its bootstrap's stdout does under aws-lambda-rie.
func (s *Stack) inProcess(ctx context.Context, output io.Writer) (map[string]Invoker, error) {
	invokers := map[string]Invoker{}
	log := newFunctionLog(os.Stderr)
	s.closers = append(s.closers, log.Close)
	for _, f := range s.Template.Functions {
		newRouter, ok := Routers[f.LogicalID]
		if !ok {
			return nil, fmt.Errorf("localstack: %s has no router in localstack.Routers", f.LogicalID)
		}
		var router *apigw.Router
		var emf *metrics.Emitter
		if err := withEnv(s.Env[f.LogicalID], func() error {
			cfg, aws, err := app.Env(ctx)
			if err != nil {
				return err
			}
			d := app.Load(cfg, inProcessDynamoDB(aws))
			d.Log = log.logger(cfg.LogLevel)
			kmsReady := func(context.Context) error { return nil }
			if KMSFunctions[f.LogicalID] {
				kmsReady = kmswire.Wire(d, aws)
			}
			router = newRouter(d, cfg, aws).Before(kmsReady)
			emf = metrics.New(prefixed(output, f.LogicalID), cfg.MetricsNamespace)
			return nil
		}); err != nil {
			return nil, fmt.Errorf("localstack: %s: %w", f.LogicalID, err)
		}
		invokers[f.LogicalID] = RouterInvoker{Router: router, Metrics: emf}
	}
	return invokers, nil
}

// buildBootstraps installs aws-lambda-rie and builds every function's
// bootstrap for this machine with the Makefile's own build-<LogicalId>
// targets, as sam build would (but for the host architecture).
func (s *Stack) buildBootstraps(ctx context.Context, o Options) (map[string]string, error) {
	bins := map[string]string{}
	for _, f := range s.Template.Functions {
		dir := filepath.Join(o.StateDir, "rie", f.LogicalID)
		cmd := exec.CommandContext(ctx, "make", "--no-print-directory", "-C", o.Root, "build-"+f.LogicalID,
			"LAMBDA_GOARCH="+runtime.GOARCH, "ARTIFACTS_DIR="+dir)
		cmd.Stdout, cmd.Stderr = prefixed(o.Output, "build"), prefixed(o.Output, "build")
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("localstack: make build-%s: %w", f.LogicalID, err)
		}
		bins[f.LogicalID] = filepath.Join(dir, "bootstrap")
	}
	return bins, nil
}

// startRIE runs each bootstrap under its own aws-lambda-rie.
func (s *Stack) startRIE(ctx context.Context, o Options, bins map[string]string) (map[string]Invoker, error) {
	bin, err := rie.Install(ctx, filepath.Join(o.StateDir, "bin"), prefixed(o.Output, "rie"))
	if err != nil {
		return nil, err
	}
	invokers := map[string]Invoker{}
	for _, f := range s.Template.Functions {
		env := maps.Clone(s.Env[f.LogicalID])
		env["AWS_LAMBDA_FUNCTION_NAME"] = f.LogicalID
		env["AWS_LAMBDA_FUNCTION_TIMEOUT"] = strconv.Itoa(f.TimeoutSecs)
		env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = strconv.Itoa(f.MemoryMB)
		env["PATH"] = "/usr/local/bin:/usr/bin:/bin"
		env["TZ"] = ":UTC"
		var list []string
		for _, k := range slices.Sorted(maps.Keys(env)) {
			list = append(list, k+"="+env[k])
		}
		p, err := rie.Start(ctx, rie.Options{Binary: bin, Bootstrap: bins[f.LogicalID], Env: list, Output: prefixed(o.Output, f.LogicalID)})
		if err != nil {
			return nil, fmt.Errorf("localstack: %s: %w", f.LogicalID, err)
		}
		s.closers = append(s.closers, p.Close)
		// The emulator enforces the function's timeout and handles one
		// invocation at a time: wait for its answer even if the caller
		// goes away, or the next invocation would find it busy.
		limit := time.Duration(f.TimeoutSecs)*time.Second + 5*time.Second
		invokers[f.LogicalID] = PayloadInvoker(func(ctx context.Context, payload []byte) ([]byte, error) {
			ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), limit)
			defer cancel()
			return p.Invoke(ctx, payload)
		})
	}
	return invokers, nil
}

func (s *Stack) serve(ln net.Listener, h http.Handler, certs *Certs) {
	srv := s.timeouts.Server(h, s.log)
	if certs != nil {
		srv.TLSConfig = certs.Config.Clone() // ServeTLS adds to it
		go func() { _ = srv.ServeTLS(ln, "", "") }()
	} else {
		go func() { _ = srv.Serve(ln) }()
	}
	s.closers = append(s.closers, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			return srv.Close()
		}
		return nil
	})
}

// Close stops everything the stack started, newest first, and reports
// what failed to stop. It is safe to call more than once.
func (s *Stack) Close() error {
	var errs []error
	for i := len(s.closers) - 1; i >= 0; i-- {
		if err := s.closers[i](); err != nil && !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
			errs = append(errs, err)
		}
	}
	s.closers = nil
	return errors.Join(errs...)
}

// Invoke hands an event straight to a function, as `sam local invoke -e`
// does, bypassing the gateway.
func (s *Stack) Invoke(ctx context.Context, functionID string, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	in, ok := s.invokers[functionID]
	if !ok {
		return events.APIGatewayV2HTTPResponse{}, fmt.Errorf("localstack: no function %s", functionID)
	}
	return in.Invoke(ctx, ev)
}

// WriteBanner prints where everything is and the demo logins.
func (s *Stack) WriteBanner(w io.Writer) {
	fmt.Fprintf(w, "push-reactivation local stack (%s functions)\n\n", s.Mode)
	rows := [][2]string{
		{"API, HTTP", s.HTTPURL},
		{"API, HTTPS", s.HTTPSURL + "   (API_HOST=" + s.APIHost + ")"},
		{"CA certificate", s.CAFile},
		{"reference panel", s.PanelOrigin + "/"},
		{"DynamoDB", s.DynamoDBURL + "   (table " + s.TableName + ")"},
		{"SES v2 inbox", s.SESURL + "   (GET /store)"},
		{"SMS / voice", s.SMSURL + "   (GET /messages)"},
		{"KMS", s.KMSURL + "   (" + localkms.Alias + ")"},
	}
	for _, r := range rows {
		fmt.Fprintf(w, "  %-16s %s\n", r[0], r[1])
	}
	if s.certsMade == "ca+leaf" {
		fmt.Fprintf(w, "\n  (a new local CA was made: clients that trusted the old ca.pem must trust this one)\n")
	}
	fmt.Fprintf(w, "\nDemo logins (password %q):\n", demo.Password)
	accounts := map[string]domain.Account{}
	for _, a := range demo.Accounts {
		accounts[a.ID] = a
	}
	for _, a := range demo.Admins {
		fmt.Fprintf(w, "  %-24s %-14s %-13s %s (%s)\n", a.Email, a.Role, a.Phone, accounts[a.AccountID].Name, a.AccountID)
	}
	for _, a := range demo.Accounts {
		if a.Kind == domain.AccountChild {
			fmt.Fprintf(w, "  (%s (%s) is a child account of %s)\n", a.Name, a.ID, a.ParentID)
		}
	}
	fmt.Fprintf(w, "\nPhone emulator: go run ./infra/phone/cmd/phone --help\n")
}
