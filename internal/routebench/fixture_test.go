package routebench_test

import (
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"push-reactivation/infra/localstack"
	"push-reactivation/infra/smsvoicelocal"
	"push-reactivation/internal/testenv"
	"push-reactivation/internal/testenv/apptest"
	"push-reactivation/internal/testenv/dynamotest"
	"push-reactivation/shared/apigw"
	"push-reactivation/shared/app"
	"push-reactivation/shared/demo"
	"push-reactivation/shared/device"
	"push-reactivation/shared/devicesig"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/email"
	"push-reactivation/shared/hotp"
	"push-reactivation/shared/login"
	"push-reactivation/shared/owner"
	"push-reactivation/shared/reactivation"
	"push-reactivation/shared/smsvoice"
)

// templatePath is the SAM template, from this package's directory.
var templatePath = filepath.Join("..", "..", "template.yaml")

// routers builds each function's router (by its logical id in
// template.yaml) as its functions/<dir>/main.go does, KMS step included,
// from counting dependencies and the environment's lenient SDK clients.
// TestEveryRouteHasACase keeps its keys equal to localstack.Routers'.
var routers = map[string]func(e *apptest.Env, d *app.Deps) *apigw.Router{
	"FallbackLoginFunction": func(e *apptest.Env, d *app.Deps) *apigw.Router {
		return login.NewRouter(d.Logic(), e.Phone()).Before(e.KMSReady)
	},
	"ReactivationCodeFunction": func(_ *apptest.Env, d *app.Deps) *apigw.Router {
		return reactivation.NewRouter(d.Logic())
	},
	"OwnerReactivationFunction": func(e *apptest.Env, d *app.Deps) *apigw.Router {
		return owner.NewRouter(d.Logic(), e.Mailer()).Before(e.KMSReady)
	},
	"ActivationEmailFunction": func(e *apptest.Env, d *app.Deps) *apigw.Router {
		return email.NewRouter(d.Logic(), e.Mailer())
	},
	"DeviceFunction": func(e *apptest.Env, d *app.Deps) *apigw.Router {
		return device.NewRouter(d.Logic(), e.Mailer()).Before(e.KMSReady)
	},
}

// Demo admins (DESIGN.md §6) and their phones.
const (
	ownerEmail = "owner@acme.example"
	adminEmail = "admin@acme.example"
	adminPhone = "+15555550101"
	mspEmail   = "msp@umbrella.example"
	adminID    = "acme-admin"
	helpdeskID = "acme-helpdesk"
)

// fixture is one environment with every function's router on one counting
// store, and the route each template route key is served by.
type fixture struct {
	*apptest.Env
	db *dynamotest.CountingAPI
	// byRoute is the router of the function template.yaml gives each
	// route key to.
	byRoute map[string]*apigw.Router
	// tmpl is template.yaml as the local stack reads it.
	tmpl *localstack.Template
	// secrets are the login secrets of the logins started here, by txid.
	secrets map[string]string
}

// startSES starts the aws-ses-v2-local that the environments of tb's
// subtests send mail to; call it before newFixture.
func startSES(tb testing.TB) {
	tb.Helper()
	tb.Setenv("AWS_ENDPOINT_URL_SESV2", testenv.StartSES(tb).URL())
}

// newFixture is a new environment for one case, so that what one case
// leaves behind (a phone, a pending reactivation, a lockout) cannot change
// the round trips of another: each case sets up the state it measures.
func newFixture(tb testing.TB) *fixture {
	tb.Helper()
	tmpl, err := localstack.LoadTemplate(templatePath, nil)
	if err != nil {
		tb.Fatal(err)
	}
	env := apptest.New(tb)
	d, db := env.CountingDeps()
	f := &fixture{Env: env, db: db, byRoute: map[string]*apigw.Router{}, tmpl: tmpl, secrets: map[string]string{}}
	for _, fn := range tmpl.Functions {
		build, ok := routers[fn.LogicalID]
		if !ok {
			continue // TestEveryRouteHasACase names it
		}
		rt := build(env, d)
		for _, r := range fn.Routes {
			f.byRoute[r.Key()] = rt
		}
	}
	return f
}

// router is the router that serves key.
func (f *fixture) router(key string) *apigw.Router {
	f.T.Helper()
	rt := f.byRoute[key]
	if rt == nil {
		f.T.Fatalf("no function of template.yaml serves %s", key)
	}
	return rt
}

// do is a call made to set a case up (not measured): through the router
// of key, checked against the contract, expecting want.
func (f *fixture) do(key string, want int, req apptest.Request) *apptest.Response {
	f.T.Helper()
	resp := f.Call(f.router(key), req)
	if resp.Status != want {
		f.T.Fatalf("%s: %d, want %d: %s", key, resp.Status, want, resp.Body)
	}
	return resp
}

// handle is the measured call: the router's Handle alone, with the event
// built beforehand; the answer is checked by the caller.
func (f *fixture) handle(key string, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, time.Duration, dynamotest.Trips) {
	rt := f.router(key)
	var resp events.APIGatewayV2HTTPResponse
	var took time.Duration
	trips := f.db.MeasureTrips(func() {
		start := time.Now()
		resp, _ = rt.Handle(f.Ctx, ev)
		took = time.Since(start)
	})
	return resp, took, trips
}

// fresh moves the clock on by an hour (a new window of every hourly
// limit: reactivations, passcode sends, password tries) and returns a new
// session of email, whose second factor is then recent.
func (f *fixture) fresh(email string) string {
	f.Clock.Advance(time.Hour)
	return f.SessionFor(email)
}

// soon moves the clock on by 7 minutes and returns a new session of
// email: a pending reactivation started before is still pending (its QR
// code lasts ten minutes), yet fewer than ten are started within any hour
// (MaxReactivationsPerAdminHour).
func (f *fixture) soon(email string) string {
	f.Clock.Advance(7 * time.Minute)
	return f.SessionFor(email)
}

// start starts a self-service reactivation of email in a fresh hour, and
// returns it with the fresh session that started it (use that session
// for the case's call: the QR code lasts ten minutes).
func (f *fixture) start(email string) (apptest.Started, string) {
	f.T.Helper()
	token := f.fresh(email)
	return f.StartReactivation(f.router("POST "+apptest.SelfReactivationPath), token, apptest.SelfReactivationPath, nil), token
}

// login does the password step of email.
func (f *fixture) login(email string) login.Started {
	f.T.Helper()
	var out login.Started
	f.do("POST /v1/login", http.StatusOK, apptest.Request{Method: "POST", Path: "/v1/login",
		JSON: map[string]string{"email": email, "password": demo.Password}}).OK(f.T, &out)
	f.secrets[out.TxID] = out.LoginSecret
	return out
}

// loginReq is a request on /v1/login/{txid}..., with that login's secret.
func (f *fixture) loginReq(method, txid, rest string, body any) apptest.Request {
	return apptest.Request{Method: method, Path: "/v1/login/" + txid + rest, JSON: body,
		Headers: map[string]string{login.LoginSecretHeader: f.secrets[txid]}}
}

// factor chooses a second factor of a login.
func (f *fixture) factor(txid string, factor domain.Factor) login.Delivery {
	f.T.Helper()
	var out login.Delivery
	f.do("POST /v1/login/{txid}/factor", http.StatusOK, f.loginReq("POST", txid, "/factor", map[string]string{"factor": string(factor)})).OK(f.T, &out)
	return out
}

// passcode is the passcode of the newest message to phone (the cases
// reset the SMS/voice endpoint before each login).
func (f *fixture) passcode(phone string) string {
	f.T.Helper()
	msgs := slices.DeleteFunc(f.SMS.Messages(), func(m smsvoicelocal.Message) bool { return m.To != phone })
	if len(msgs) > 0 {
		if code, ok := smsvoice.ExtractPasscode(msgs[len(msgs)-1].Body); ok {
			return code
		}
	}
	f.T.Fatalf("no passcode sent to %s", phone)
	return ""
}

// phoneKey is the key of every phone here.
var phoneKey = apptest.PhoneKey

// phone is a Duo Mobile activated through the device route.
type phone struct {
	device.Activation
	counter uint64 // the next HOTP counter
}

// activationReq is the activation of code, as a phone sends it.
func activationReq(code string) apptest.Request {
	form := url.Values{"pkpush": {"rsa-sha512"}, "pubkey": {devicesig.MarshalPublicKeyPEM(&phoneKey().PublicKey)},
		"platform": {"Android"}, "model": {"Pixel 9"}, "app_version": {"4.80.0"}}
	return apptest.Request{Method: "POST", Path: "/push/v2/activation/" + code, Body: form.Encode(),
		Headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}}
}

// activate gives email's admin a new phone: a reactivation started and
// redeemed through the routes.
func (f *fixture) activate(email string) *phone {
	f.T.Helper()
	var p phone
	f.do("POST /push/v2/activation/{code}", http.StatusOK, activationReq(started(f.start(email)).Code())).OK(f.T, &p.Activation)
	return &p
}

// signed is a device request signed by p, with the fields the public
// clients send and extra ones (name, value, ...).
func (f *fixture) signed(p *phone, method, path string, extra ...string) apptest.Request {
	f.T.Helper()
	params := url.Values{"akey": {p.AKey}, "fips_status": {"1"}, "hsm_status": {"true"}, "pkpush": {"rsa-sha512"}}
	for i := 0; i+1 < len(extra); i += 2 {
		params.Set(extra[i], extra[i+1])
	}
	date := devicesig.FormatDate(f.Clock.Now())
	auth, err := devicesig.Sign(phoneKey(), p.PKey, date, method, apptest.APIHost, path, params)
	if err != nil {
		f.T.Fatal(err)
	}
	req := apptest.Request{Method: method, Path: path, Headers: map[string]string{"authorization": auth, "x-duo-date": date}}
	if method == "GET" {
		req.Query = devicesig.EncodeParams(params)
	} else {
		req.Body = devicesig.EncodeParams(params)
		req.Headers["content-type"] = "application/x-www-form-urlencoded"
	}
	return req
}

// push starts a login of email with a Duo Push to its phone p and returns
// the login, the push's urgid as the phone lists it, and the verified
// push code the panel shows.
func (f *fixture) push(email string, p *phone) (txid, urgid, verification string) {
	f.T.Helper()
	f.Clock.Advance(time.Hour) // fresh password tries
	txid = f.login(email).TxID
	verification = f.factor(txid, domain.FactorPush).VerificationCode
	var list device.Transactions
	f.do("GET /push/v2/device/transactions", http.StatusOK, f.signed(p, "GET", "/push/v2/device/transactions")).OK(f.T, &list)
	if len(list.Transactions) == 0 {
		f.T.Fatal("the phone lists no push")
	}
	return txid, list.Transactions[0].URGID, verification
}

// approve answers a push from the phone.
func (f *fixture) approve(p *phone, urgid, verification string) apptest.Request {
	return f.signed(p, "POST", "/push/v2/device/transactions/"+urgid, "answer", "approve", "verification_code", verification)
}

// hotp is p's next Duo Mobile passcode; the counter moves on.
func (p *phone) hotp() string {
	code := hotp.Code([]byte(p.HOTPSecret), p.counter, 6)
	p.counter++
	return code
}

// seq is a source of distinct strings (push tokens).
type seq int

func (s *seq) next(prefix string) string { *s++; return fmt.Sprintf("%s-%d", prefix, *s) }

// started is the reactivation of start, without its session.
func started(s apptest.Started, _ string) apptest.Started { return s }
