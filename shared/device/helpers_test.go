package device_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"net/url"
	"sync"
	"testing"
	"time"

	"push-reactivation/internal/testenv/apptest"
	"push-reactivation/shared/apigw"
	"push-reactivation/shared/device"
	"push-reactivation/shared/devicesig"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/reactivation"
	"push-reactivation/shared/secret"
)

// Device keys are slow to make under the race detector, so the tests share
// a few.
var testKeys = sync.OnceValue(func() []*rsa.PrivateKey {
	keys := make([]*rsa.PrivateKey, 3)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Go(func() {
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				panic(err)
			}
			keys[i] = k
		})
	}
	wg.Wait()
	return keys
})

func key(i int) *rsa.PrivateKey { return testKeys()[i] }

func pubPEM(k *rsa.PrivateKey) string { return devicesig.MarshalPublicKeyPEM(&k.PublicKey) }

// recorder is a Notifier that remembers what it was told.
type recorder struct {
	mu    sync.Mutex
	calls []domain.Credential
}

func (r *recorder) PhoneActivated(_ context.Context, admin *domain.Admin, cred *domain.Credential) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := *cred
	c.AdminID = admin.ID
	r.calls = append(r.calls, c)
}

type fixture struct {
	*apptest.Env
	svc    *device.Service
	router *apigw.Router
	react  *reactivation.Service
	notes  *recorder
}

func newFixture(t testing.TB) *fixture {
	env := apptest.New(t)
	svc := device.NewService(env.Deps.Logic())
	notes := &recorder{}
	svc.Notifier = notes
	return &fixture{Env: env, svc: svc, router: svc.Router(), react: reactivation.NewService(env.Deps.Logic()), notes: notes}
}

// principal logs a demo admin in (directly in the store).
func (f *fixture) principal(email string) *domain.Principal {
	f.T.Helper()
	p, err := f.Deps.Sessions.Authenticate(f.Ctx, f.SessionFor(email))
	if err != nil {
		f.T.Fatal(err)
	}
	return p
}

// start begins a self-service reactivation of email's Duo Push through the
// reactivation service, as the panel would.
func (f *fixture) start(email string) *reactivation.Started {
	f.T.Helper()
	p := f.principal(email)
	s, err := f.react.Start(f.Ctx, reactivation.StartRequest{Actor: p, Target: &p.Admin, IP: "203.0.113.9", UserAgent: "panel"})
	if err != nil {
		f.T.Fatalf("start reactivation for %s: %v", email, err)
	}
	return s
}

// addEmailCode gives the reactivation an emailed code, as the activation
// email function does, and returns that code.
func (f *fixture) addEmailCode(r domain.Reactivation) string {
	f.T.Helper()
	code, _ := f.issueEmailCode(f.reread(r))
	return code
}

// reread is the reactivation as stored now.
func (f *fixture) reread(r domain.Reactivation) domain.Reactivation {
	f.T.Helper()
	before, err := f.Deps.Store.GetReactivation(f.Ctx, r.ID)
	if err != nil {
		f.T.Fatal(err)
	}
	return *before
}

// issueEmailCode is addEmailCode on the reactivation as read earlier
// (before), also returning what the store wrote, for VoidEmailCode.
func (f *fixture) issueEmailCode(before domain.Reactivation) (string, *domain.IssuedEmailCode) {
	f.T.Helper()
	code, _ := secret.ActivationCode(nil, domain.ActivationCodeLength)
	after, c := before.WithEmailCode(secret.Hash(code), f.Clock.Now())
	issued, err := f.Deps.Store.AddEmailCode(f.Ctx, domain.NewEmailCode{Before: before, After: after, Code: c,
		Audit: domain.AuditEvent{ID: "email-" + code, Time: f.Clock.Now(), AccountID: before.AccountID, Action: domain.ActionReactivationEmail},
		Limit: domain.Limit{Name: "email", Window: 24 * time.Hour, Max: domain.MaxEmailsPerAdminDay}})
	if err != nil {
		f.T.Fatal(err)
	}
	return code, issued
}

func (f *fixture) call(req apptest.Request) *apptest.Response {
	f.T.Helper()
	return f.Call(f.router, req)
}

func formBody(v url.Values) (string, map[string]string) {
	return v.Encode(), map[string]string{"content-type": "application/x-www-form-urlencoded"}
}

// activationForm is what a phone sends, like the public clients do.
func activationForm(k *rsa.PrivateKey) url.Values {
	return url.Values{
		"pkpush": {"rsa-sha512"}, "pubkey": {pubPEM(k)}, "platform": {"Android"}, "model": {"Pixel 8"},
		"app_version": {"4.59.0"}, "customer_protocol": {"1"}, "jailbroken": {"false"}, "language": {"en"},
	}
}

// activateRaw posts an activation with fields in the body.
func (f *fixture) activateRaw(code string, form url.Values) *apptest.Response {
	f.T.Helper()
	body, headers := formBody(form)
	return f.call(apptest.Request{Method: "POST", Path: "/push/v2/activation/" + code, Body: body, Headers: headers})
}

// phone is one activated credential, as a phone keeps it.
type phone struct {
	device.Activation
	key *rsa.PrivateKey
}

// activate redeems code with key k and expects success.
func (f *fixture) activate(code string, k *rsa.PrivateKey) phone {
	f.T.Helper()
	resp := f.activateRaw(code, activationForm(k))
	if resp.Status != 200 {
		f.T.Fatalf("activate: %d %s", resp.Status, resp.Body)
	}
	var a device.Activation
	resp.OK(f.T, &a)
	return phone{Activation: a, key: k}
}

// signedReq is a signed device request; zero fields take the defaults.
type signedReq struct {
	method, path string
	params       url.Values
	date         string            // default: FormatDate(clock now)
	host         string            // default: the API host
	sendParams   url.Values        // what is sent, if not params
	headers      map[string]string // overrides
}

// signed calls the router with a request signed by p.
func (f *fixture) signed(p phone, r signedReq) *apptest.Response {
	f.T.Helper()
	if r.date == "" {
		r.date = devicesig.FormatDate(f.Clock.Now())
	}
	if r.host == "" {
		r.host = apptest.APIHost
	}
	if r.params == nil {
		r.params = url.Values{}
	}
	auth, err := devicesig.Sign(p.key, p.PKey, r.date, r.method, r.host, r.path, r.params)
	if err != nil {
		f.T.Fatal(err)
	}
	send := r.params
	if r.sendParams != nil {
		send = r.sendParams
	}
	req := apptest.Request{Method: r.method, Path: r.path, Headers: map[string]string{"authorization": auth, "x-duo-date": r.date}}
	if r.method == "GET" {
		req.Query = devicesig.EncodeParams(send)
	} else {
		req.Body = devicesig.EncodeParams(send)
		req.Headers["content-type"] = "application/x-www-form-urlencoded"
	}
	for k, v := range r.headers {
		req.Headers[k] = v
	}
	return f.call(req)
}

// txParams are the fields the public clients send with every call.
func txParams(p phone, extra ...string) url.Values {
	v := url.Values{"akey": {p.AKey}, "fips_status": {"1"}, "hsm_status": {"true"}, "pkpush": {"rsa-sha512"}}
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	return v
}

func (f *fixture) pending(p phone) []device.Transaction {
	f.T.Helper()
	resp := f.signed(p, signedReq{method: "GET", path: "/push/v2/device/transactions", params: txParams(p)})
	if resp.Status != 200 {
		f.T.Fatalf("transactions: %d %s", resp.Status, resp.Body)
	}
	var out device.Transactions
	resp.OK(f.T, &out)
	return out.Transactions
}

func (f *fixture) reply(p phone, urgid string, extra ...string) *apptest.Response {
	f.T.Helper()
	return f.signed(p, signedReq{method: "POST", path: "/push/v2/device/transactions/" + urgid, params: txParams(p, extra...)})
}

// push writes a pending login push to p's credential, as the fallback
// login does; verification is the verified-push code, or "" for none.
func (f *fixture) push(p phone, verification string) domain.LoginTx {
	f.T.Helper()
	cred, err := f.Deps.Store.GetCredential(f.Ctx, p.PKey)
	if err != nil {
		f.T.Fatal(err)
	}
	txid, _ := secret.ID(nil)
	pushID, _ := secret.ID(nil)
	now := f.Clock.Now()
	tx := domain.LoginTx{ID: txid, AdminID: cred.AdminID, AccountID: cred.AccountID, Factor: domain.FactorPush,
		Status: domain.LoginPending, CreatedAt: now, ExpiresAt: now.Add(domain.LoginTransactionValidity),
		CredentialID: cred.ID, PushID: pushID, PushExpiresAt: now.Add(domain.PushValidity), IP: "198.51.100.23", UserAgent: "Firefox"}
	if verification != "" {
		tx.VerificationCodeHash = f.Deps.Config.Codes.Hash(secret.PushVerificationCode, verification)
		tx.VerificationCodeLength = len(verification)
	}
	if err := f.PutPush(tx); err != nil {
		f.T.Fatal(err)
	}
	return tx
}

// loginStatus reads the login transaction's status as stored.
func (f *fixture) loginStatus(tx domain.LoginTx) domain.LoginStatus {
	f.T.Helper()
	got, err := f.Deps.Store.GetPush(f.Ctx, tx.CredentialID, tx.PushID)
	if err != nil {
		f.T.Fatal(err)
	}
	return got.Status
}

func (f *fixture) credential(pkey string) *domain.Credential {
	f.T.Helper()
	c, err := f.Deps.Store.GetCredential(f.Ctx, pkey)
	if err != nil {
		f.T.Fatal(err)
	}
	return c
}
