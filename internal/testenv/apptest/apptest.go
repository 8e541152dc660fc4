// Package apptest builds a complete, real environment for end-to-end
// handler tests: the embedded DynamoDB, the local SMS/voice endpoint, the
// demo data, a fake clock, and helpers that call a router the way API
// Gateway would. Only the clock is fake.
package apptest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/pinpointsmsvoicev2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"push-reactivation/infra/ddblocal"
	"push-reactivation/infra/smsvoicelocal"
	"push-reactivation/internal/testenv"
	"push-reactivation/shared/apigw"
	"push-reactivation/shared/app"
	"push-reactivation/shared/config"
	"push-reactivation/shared/config/standard"
	"push-reactivation/shared/correlation"
	"push-reactivation/shared/demo"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/dynamo"
	"push-reactivation/shared/login"
	"push-reactivation/shared/metrics"
	"push-reactivation/shared/openapi/openapicheck"
	"push-reactivation/shared/secret"
	"push-reactivation/shared/sesmail"
	"push-reactivation/shared/smsvoice"
)

// APIHost is the API host of test environments.
const APIHost = "localhost:3443"

// CodeHashKey is the CODE_HASH_KEY of test environments (32 bytes), for
// tests that check the stored hashes of passcodes and verification codes.
const CodeHashKey = "apptest code hash key: 32 bytes!"

// Clock is a settable fake clock, safe for concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock at t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now returns the fake time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// Env is one test's environment.
type Env struct {
	T    testing.TB
	Ctx  context.Context
	Deps *app.Deps
	// AWS are the SDK clients the environment's functions use, pointed at
	// its local peers; Mailer and Phone wrap them as main.go does.
	AWS   *Clients
	Clock *Clock
	SMS   *smsvoicelocal.Server
	// Logs collects every JSON log line of the handlers, so tests can check
	// that no secret was logged.
	Logs *testenv.SyncBuffer
	// Metrics collects the EMF lines of every call made with Ctx
	// (shared/metrics).
	Metrics *testenv.SyncBuffer
	// KMSURL is the local-kms the store seals HOTP secrets with (through
	// the fault proxy in NewParallel environments); KMSReady is the
	// router step of kmswire.Wire (unwraps a sealed code hash key).
	KMSURL   string
	KMSReady func(context.Context) error
	kmsOpts  []config.ClientOption
}

// Clients are the SDK clients of an environment. Production builds only
// those a function calls (functions/<name>/main.go); tests build all three.
type Clients struct {
	DynamoDB *dynamodb.Client
	SESv2    *sesv2.Client
	SMSVoice *pinpointsmsvoicev2.Client
}

// Mailer is the SES v2 mailer of the environment, as sesmail.FromConfig
// builds it in production.
func (e *Env) Mailer() *sesmail.Mailer {
	return sesmail.New(e.AWS.SESv2, e.Deps.Config.SenderEmail, e.Deps.Config.SESConfigurationSet)
}

// Phone is the SMS/voice sender of the environment, as smsvoice.FromConfig
// builds it in production.
func (e *Env) Phone() *smsvoice.Sender {
	return smsvoice.New(e.AWS.SMSVoice, e.Deps.Config.OriginationIdentity, e.Deps.Config.SMSConfigurationSet)
}

// CheapArgon2 keeps password hashing fast in tests.
var CheapArgon2 = secret.Argon2Params{Memory: 1024, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}

// New starts the embedded DynamoDB and the local SMS/voice endpoint, points
// the SDK at them through the standard AWS_ENDPOINT_URL_* variables, loads
// the demo data and returns the environment. It uses t.Setenv, so the test
// cannot be parallel.
func New(t testing.TB) *Env {
	t.Helper()
	testenv.StartDynamoDB(t)
	sms := smsvoicelocal.New()
	smsSrv := httptest.NewServer(sms)
	t.Cleanup(smsSrv.Close)
	t.Setenv("AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2", smsSrv.URL)
	for k, v := range map[string]string{
		"TABLE_NAME": ddblocal.DefaultTable, "API_HOST": APIHost, "PANEL_ORIGIN": "http://127.0.0.1:3000",
		"SENDER_EMAIL": "no-reply@push-reactivation.example", "ORIGINATION_IDENTITY": "+15555550000", "LOG_LEVEL": "DEBUG",
		"CODE_HASH_KEY": base64.StdEncoding.EncodeToString([]byte(CodeHashKey)),
	} {
		t.Setenv(k, v)
	}
	ctx := context.Background()
	cfg, err := config.FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	// Lenient clients, for the same reason as loadedDeadline below.
	base, err := standard.AWS(ctx)
	if err != nil {
		t.Fatal(err)
	}
	clients := &Clients{
		DynamoDB: dynamo.NewClient(base, config.Lenient()),
		SESv2:    sesmail.NewClient(base, config.Lenient()),
		SMSVoice: smsvoice.NewClient(base, config.Lenient()),
	}
	env := newEnv(t, cfg, clients, sms)
	wireKMS(t, env, "", config.Lenient()) // HOTP secrets sealed under local-kms, as in production
	// Tests here race dozens of requests on a small machine under the race
	// detector: give each more than the production deadline. The fault
	// tests (NewParallel) keep the production one.
	env.Ctx = apigw.WithRequestDeadline(env.Ctx, loadedDeadline)
	return env
}

// loadedDeadline is the request deadline of New's environments.
const loadedDeadline = 30 * time.Second

// newEnv wires the dependencies with the fake clock and the log capture,
// and loads the demo data.
func newEnv(t testing.TB, cfg config.Config, clients *Clients, sms *smsvoicelocal.Server) *Env {
	t.Helper()
	ctx := context.Background()
	logs := &testenv.SyncBuffer{}
	clock := NewClock(time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC))
	log := slog.New(correlation.NewHandler(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	deps := app.New(cfg, log, clock, domain.SystemRandom, clients.DynamoDB)
	if err := demo.Seed(ctx, deps.Store, clock.Now(), &CheapArgon2); err != nil {
		t.Fatal(err)
	}
	emf := &testenv.SyncBuffer{}
	ctx = metrics.NewContext(ctx, metrics.New(emf, metrics.DefaultNamespace))
	return &Env{T: t, Ctx: ctx, Deps: deps, AWS: clients, Clock: clock, SMS: sms, Logs: logs, Metrics: emf}
}

// Response is a handler's answer, decoded.
type Response struct {
	Status  int
	Headers map[string]string
	Body    string
}

// OK decodes the OK envelope's response into v, failing the test on a
// FAIL envelope.
func (r *Response) OK(t testing.TB, v any) {
	t.Helper()
	var env struct {
		Stat     string          `json:"stat"`
		Response json.RawMessage `json:"response"`
	}
	if err := json.Unmarshal([]byte(r.Body), &env); err != nil || env.Stat != "OK" {
		t.Fatalf("want OK envelope, got %d %s", r.Status, r.Body)
	}
	if v != nil {
		if err := json.Unmarshal(env.Response, v); err != nil {
			t.Fatalf("decode response: %v: %s", err, env.Response)
		}
	}
}

// Fail returns the FAIL envelope, failing the test on anything else.
func (r *Response) Fail(t testing.TB) apigw.FailEnvelope {
	t.Helper()
	var f apigw.FailEnvelope
	if err := json.Unmarshal([]byte(r.Body), &f); err != nil || f.Stat != "FAIL" {
		t.Fatalf("want FAIL envelope, got %d %s", r.Status, r.Body)
	}
	return f
}

// Request describes one call.
type Request struct {
	Method, Path string
	Token        string            // bearer session token
	JSON         any               // marshalled as the body when not nil
	Body         string            // raw body when JSON is nil, sent as application/json unless Headers say otherwise
	Query        string            // raw query string
	Headers      map[string]string // extra headers
}

// Call hands the request to router as an API Gateway HTTP API payload 2.0
// event, the way the gateway would (route matched by the router itself).
func (e *Env) Call(router *apigw.Router, req Request) *Response {
	e.T.Helper()
	ev := Event(req)
	resp, err := router.Handle(e.Ctx, ev)
	if err != nil {
		e.T.Fatalf("handler returned an error: %v", err)
	}
	CheckContract(e.T, ev, resp)
	return &Response{Status: resp.StatusCode, Headers: resp.Headers, Body: resp.Body}
}

// CallOffContract is Call for a router a test builds around the adapter
// itself, with routes that are not the API's (shared/apigw's own tests):
// its answers are not checked against the OpenAPI document, which rightly
// knows nothing of those routes. Every router of the service goes through
// Call.
func (e *Env) CallOffContract(router *apigw.Router, req Request) *Response {
	e.T.Helper()
	resp, err := router.Handle(e.Ctx, Event(req))
	if err != nil {
		e.T.Fatalf("handler returned an error: %v", err)
	}
	return &Response{Status: resp.StatusCode, Headers: resp.Headers, Body: resp.Body}
}

// CheckContract fails t (Errorf: callers may be goroutines) when resp,
// a function's answer to ev, departs from the OpenAPI document
// (shared/openapi): every answer the helpers here receive goes through
// it, so the document and the handlers cannot drift apart. Tests that
// call a router's Handle themselves call it too.
func CheckContract(t testing.TB, ev events.APIGatewayV2HTTPRequest, resp events.APIGatewayV2HTTPResponse) {
	t.Helper()
	v, err := openapicheck.Default()
	if err != nil {
		t.Errorf("OpenAPI document: %v", err)
		return
	}
	if err := v.CheckEvent(ev, resp); err != nil {
		t.Errorf("OpenAPI contract: %v", err)
	}
}

// ContractCheck is CheckContract for t, as a function, for the HTTP
// test paths that turn requests into events themselves
// (infra/phone/phonetest, infra/localstack).
func ContractCheck(t testing.TB) func(events.APIGatewayV2HTTPRequest, events.APIGatewayV2HTTPResponse) {
	return func(ev events.APIGatewayV2HTTPRequest, resp events.APIGatewayV2HTTPResponse) {
		CheckContract(t, ev, resp)
	}
}

// Event builds the payload 2.0 event of a request.
func Event(req Request) events.APIGatewayV2HTTPRequest {
	body := req.Body
	headers := map[string]string{"user-agent": "apptest"}
	if body != "" {
		headers["content-type"] = "application/json" // what the panel sends
	}
	if req.JSON != nil {
		b, _ := json.Marshal(req.JSON)
		body = string(b)
		headers["content-type"] = "application/json"
	}
	if req.Token != "" {
		headers["authorization"] = "Bearer " + req.Token
	}
	for k, v := range req.Headers {
		headers[strings.ToLower(k)] = v
	}
	ev := events.APIGatewayV2HTTPRequest{Version: "2.0", RawPath: req.Path, RawQueryString: req.Query, Headers: headers, Body: body}
	ev.RequestContext.HTTP.Method = req.Method
	ev.RequestContext.HTTP.Path = req.Path
	ev.RequestContext.HTTP.SourceIP = "203.0.113.7"
	ev.RequestContext.HTTP.UserAgent = "apptest"
	id, _ := secret.ID(nil)
	ev.RequestContext.RequestID = id
	return ev
}

// Admin returns a demo admin by email, from the store.
func (e *Env) Admin(email string) *domain.Admin {
	e.T.Helper()
	a, err := e.Deps.Store.GetAdminByEmail(e.Ctx, email)
	if err != nil {
		e.T.Fatalf("admin %s: %v", email, err)
	}
	return a
}

// SessionFor creates a session for an admin directly in the store, for
// tests of endpoints behind login. The session is authenticated now (by
// the fake clock) with factor sms.
func (e *Env) SessionFor(email string) string {
	e.T.Helper()
	a := e.Admin(email)
	token, sess, err := newSession(a, e.Clock.Now())
	if err != nil {
		e.T.Fatal(err)
	}
	if err := e.Deps.Store.PutSession(e.Ctx, sess); err != nil {
		e.T.Fatal(err)
	}
	return token
}

// FailAttempts makes n failed second-factor attempts of an admin through
// the lockout's own store operations, each reserved and then counted as a
// wrong passcode's would be (shared/login/lockout.go), so the 10th locks.
func (e *Env) FailAttempts(adminID string, n int) {
	e.T.Helper()
	for range n {
		if err := e.Deps.Store.ReserveAttempt(e.Ctx, adminID, login.LockoutRule); err != nil {
			e.T.Fatalf("reserve an attempt of %s: %v", adminID, err)
		}
		if _, _, err := e.Deps.Store.FailAttempt(e.Ctx, adminID, login.LockoutRule); err != nil {
			e.T.Fatalf("fail an attempt of %s: %v", adminID, err)
		}
	}
}
