//go:build !fuzz

package login_test

import (
	"crypto/rand"
	"crypto/rsa"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"push-reactivation/infra/smsvoicelocal"
	"push-reactivation/internal/testenv/apptest"
	"push-reactivation/shared/apigw"
	"push-reactivation/shared/device"
	"push-reactivation/shared/devicesig"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/login"
	"push-reactivation/shared/reactivation"
	"push-reactivation/shared/secret"
)

// stale is how long after its login a session is used in these tests:
// still alive (idle 30 min) but past the 15 minutes that reactivation
// endpoints need.
const stale = 20 * time.Minute

// stepUp starts a step-up of token's session and expects 201; later calls
// of f on its login carry its login_secret.
func (f *fixture) stepUp(token string) login.Started {
	f.t.Helper()
	resp := f.call(http.MethodPost, "/v1/session/reauth", nil, token)
	if resp.Status != http.StatusCreated {
		f.t.Fatalf("step-up: %d %s", resp.Status, resp.Body)
	}
	var out login.Started
	resp.OK(f.t, &out)
	f.mu.Lock()
	f.secrets[out.TxID] = out.LoginSecret
	f.mu.Unlock()
	return out
}

// startReactivation calls POST /v1/profile/duo-push/reactivation, which
// needs recent authentication, with token's session.
func (f *fixture) startReactivation(token string) *apptest.Response {
	f.t.Helper()
	return f.env.Call(reactivation.NewRouter(f.env.Deps.Logic()),
		apptest.Request{Method: http.MethodPost, Path: "/v1/profile/duo-push/reactivation", JSON: map[string]any{}, Token: token})
}

func (f *fixture) sessionInfo(token string) login.SessionInfo {
	f.t.Helper()
	var info login.SessionInfo
	f.call(http.MethodGet, "/v1/session", nil, token).OK(f.t, &info)
	return info
}

// TestStepUpRefreshesTheSameSession (DESIGN.md §4.1): a session past the
// recent-authentication window gets 40103 from a reactivation start; a
// step-up by SMS answers with the same token, whose authenticated_at is
// now, and the same token then starts the reactivation. No session is
// added, the login item keeps no usable token, and the log has the start
// and the success as login.reauth.
func TestStepUpRefreshesTheSameSession(t *testing.T) {
	f := newFixture(t)
	token := f.smsLogin(owner, ownerPhone)
	f.env.Clock.Advance(stale)
	failCode(t, f.startReactivation(token), domain.CodeRecentAuthNeeded)
	sessions := f.countSessions()

	st := f.stepUp(token)
	now := f.env.Clock.Now()
	want := []login.FactorOption{
		{Factor: domain.FactorSMS, Label: "SMS passcode to +*******0100"},
		{Factor: domain.FactorPhone, Label: "Phone call to +*******0100"},
	}
	if len(st.TxID) != 32 || len(st.LoginSecret) != 43 || !slices.Equal(st.Factors, want) ||
		!st.ExpiresAt.Equal(now.Add(domain.LoginTransactionValidity)) {
		t.Fatalf("step-up answer %+v", st)
	}
	// The table holds the token's hash and a sealed copy, never the token.
	item := f.loginItem(st.TxID)
	if attrS(t, item, "session_token_hash") != secret.Hash(token) {
		t.Fatalf("step-up login bound to %q", attrS(t, item, "session_token_hash"))
	}
	for name, v := range item {
		if s, ok := v.(*types.AttributeValueMemberS); ok && (strings.Contains(s.Value, token) || strings.Contains(s.Value, st.LoginSecret)) {
			t.Fatalf("attribute %s holds the token or the login secret", name)
		}
	}

	f.factor(st.TxID, domain.FactorSMS)
	var auth login.Authenticated
	f.verify(st.TxID, f.passcode(ownerPhone, smsvoicelocal.KindSMS)).OK(t, &auth)
	if auth.SessionToken != token || auth.Admin.Email != owner || !auth.ExpiresAt.Equal(now.Add(domain.SessionIdleTimeout)) {
		t.Fatalf("step-up verify answer %+v (token same: %v)", auth, auth.SessionToken == token)
	}
	if n := f.countSessions(); n != sessions {
		t.Fatalf("%d sessions after the step-up, want %d", n, sessions)
	}
	if info := f.sessionInfo(token); !info.AuthenticatedAt.Equal(now) || info.Factor != domain.FactorSMS {
		t.Fatalf("session after step-up %+v", info)
	}
	if sealed := attrS(t, f.loginItem(st.TxID), "sealed_session_token"); sealed != "" {
		t.Fatalf("completed step-up keeps its sealed token %q", sealed)
	}
	if resp := f.startReactivation(token); resp.Status != http.StatusCreated {
		t.Fatalf("reactivation after step-up: %d %s", resp.Status, resp.Body)
	}
	// The login is spent; polling it hands out nothing more.
	failCode(t, f.verify(st.TxID, f.passcode(ownerPhone, smsvoicelocal.KindSMS)), domain.CodeConflict)
	if ps := f.pushStatus(st.TxID); ps.SessionToken != "" {
		t.Fatalf("poll of a completed step-up: %+v", ps)
	}
	var reauth []string
	for _, a := range f.auditActions("acme") {
		if strings.HasPrefix(a, domain.ActionLoginReauth+":") {
			reauth = append(reauth, a)
		}
	}
	if !slices.Equal(reauth, []string{"login.reauth:success", "login.reauth:success"}) {
		t.Fatalf("login.reauth events %v, want the start and the success", reauth)
	}
}

// TestStepUpNeedsASession: no token, a wrong one or an expired session is
// 401 40101, as for any authenticated call; the step-up's login ends no
// later than its session would.
func TestStepUpNeedsASession(t *testing.T) {
	f := newFixture(t)
	failCode(t, f.call(http.MethodPost, "/v1/session/reauth", nil, ""), domain.CodeNotAuthenticated)
	failCode(t, f.call(http.MethodPost, "/v1/session/reauth", nil, "not-a-token"), domain.CodeNotAuthenticated)
	token := f.smsLogin(owner, ownerPhone)
	f.env.Clock.Advance(domain.SessionIdleTimeout)
	failCode(t, f.call(http.MethodPost, "/v1/session/reauth", nil, token), domain.CodeNotAuthenticated)

	// Near its absolute end, the step-up lives only as long as the session.
	token = f.smsLogin(owner, ownerPhone)
	for _, step := range slices.Repeat([]time.Duration{29 * time.Minute}, 24) {
		f.env.Clock.Advance(step) // 11 h 36 min, used every 29 minutes
		f.sessionInfo(token)
	}
	f.env.Clock.Advance(20 * time.Minute) // 4 minutes before the absolute end
	st := f.stepUp(token)
	info := f.sessionInfo(token)
	if !st.ExpiresAt.Equal(info.ExpiresAt) || !st.ExpiresAt.Before(f.env.Clock.Now().Add(domain.LoginTransactionValidity)) {
		t.Fatalf("step-up expires %s, session %s", st.ExpiresAt, info.ExpiresAt)
	}
}

// TestStepUpKeepsTheActingAccount: an MSP session acting in a child
// account is still acting there after a step-up.
func TestStepUpKeepsTheActingAccount(t *testing.T) {
	f := newFixture(t)
	const mspPhone = "+15555550200"
	token := f.smsLogin(msp, mspPhone)
	f.call(http.MethodPut, "/v1/session/account", map[string]string{"account_id": "umbrella-child"}, token).OK(t, nil)
	f.env.Clock.Advance(stale)
	st := f.stepUp(token)
	f.factor(st.TxID, domain.FactorPhone)
	var auth login.Authenticated
	f.verify(st.TxID, f.passcode(mspPhone, smsvoicelocal.KindVoice)).OK(t, &auth)
	info := f.sessionInfo(token)
	if auth.SessionToken != token || info.ActingAccount != "umbrella-child" || info.HomeAccount != "umbrella" ||
		!info.AuthenticatedAt.Equal(f.env.Clock.Now()) || info.Factor != domain.FactorPhone {
		t.Fatalf("session after step-up %+v", info)
	}
}

// TestStepUpFailuresCountTowardLockout: a wrong passcode in a step-up is a
// counted failure like any login's (one mechanism, lockout.go), with the
// tries left in its answer; the failure that reaches the threshold locks
// the admin, whose session then stops working.
func TestStepUpFailuresCountTowardLockout(t *testing.T) {
	f := newFixture(t)
	token := f.smsLogin(owner, ownerPhone)
	f.env.Clock.Advance(stale)
	st := f.stepUp(token)
	f.factor(st.TxID, domain.FactorSMS)
	right := f.passcode(ownerPhone, smsvoicelocal.KindSMS)
	fe := failCode(t, f.verify(st.TxID, wrongPasscode(right)), domain.CodeNotAuthenticated)
	if fe.MessageDetail != "wrong passcode: 4 tries left for this passcode" {
		t.Fatalf("wrong passcode in a step-up: %+v", fe)
	}
	if n := f.admin(owner).FailedAttempts; n != 1 {
		t.Fatalf("failure count %d after a wrong step-up passcode, want 1", n)
	}
	f.env.FailAttempts("acme-owner", domain.LockoutThreshold-3)
	fe = failCode(t, f.verify(st.TxID, wrongPasscode(right)), domain.CodeNotAuthenticated)
	if fe.MessageDetail != "wrong passcode: 1 try left before this administrator is locked out" {
		t.Fatalf("one failure from the lock: %+v", fe)
	}
	failCode(t, f.verify(st.TxID, wrongPasscode(right)), domain.CodeLocked)
	if a := f.admin(owner); a.Status != domain.AdminLocked || a.FailedAttempts != domain.LockoutThreshold {
		t.Fatalf("admin after the 10th failure: %s with %d", a.Status, a.FailedAttempts)
	}
	failCode(t, f.verify(st.TxID, right), domain.CodeLocked)
	failCode(t, f.call(http.MethodGet, "/v1/session", nil, token), domain.CodeNotAuthenticated)
}

// TestStepUpNeedsItsLoginSecret: the step-up's factor, verify and status
// calls without its login_secret, with a wrong one or with another
// login's answer as for an unknown login and do nothing; the secret of a
// step-up does not open another step-up.
func TestStepUpNeedsItsLoginSecret(t *testing.T) {
	f := newFixture(t)
	token := f.smsLogin(owner, ownerPhone)
	f.env.Clock.Advance(stale)
	st := f.stepUp(token)
	other := f.stepUp(token)
	sent := len(f.env.SMS.Messages())
	for _, s := range []string{"", "wrong-secret", other.LoginSecret} {
		headers := map[string]string{}
		if s != "" {
			headers[login.LoginSecretHeader] = s
		}
		for _, c := range []struct{ method, suffix string }{
			{http.MethodPost, "/factor"}, {http.MethodPost, "/verify"}, {http.MethodGet, ""},
		} {
			var body any
			switch c.suffix {
			case "/factor":
				body = map[string]string{"factor": "sms"}
			case "/verify":
				body = map[string]string{"passcode": "1234567"}
			}
			resp := f.env.Call(f.r, apptest.Request{Method: c.method, Path: "/v1/login/" + st.TxID + c.suffix, JSON: body, Headers: headers, Token: token})
			if fe := failCode(t, resp, domain.CodeNotFound); fe.MessageDetail != "" {
				t.Fatalf("%s%s with secret %q: %+v", c.method, c.suffix, s, fe)
			}
		}
	}
	if n := len(f.env.SMS.Messages()); n != sent {
		t.Fatalf("%d messages sent without the secret", n-sent)
	}
	if a := f.admin(owner); a.FailedAttempts != 0 || a.AttemptsReserved != 0 {
		t.Fatalf("calls without the secret counted: %+v", a)
	}
	// With it, the step-up goes on.
	f.factor(st.TxID, domain.FactorSMS)
	var auth login.Authenticated
	f.verify(st.TxID, f.passcode(ownerPhone, smsvoicelocal.KindSMS)).OK(t, &auth)
	if auth.SessionToken != token {
		t.Fatal("step-up answered another token")
	}
}

// TestStepUpCannotCompleteIntoAnotherSession: admin A's step-up refreshes
// A's session and answers A's token, whatever session the completing call
// presents; B's session stays as it was. A login item altered to point at
// B's session is refused rather than completed into it.
func TestStepUpCannotCompleteIntoAnotherSession(t *testing.T) {
	f := newFixture(t)
	tokenA := f.smsLogin(owner, ownerPhone)
	tokenB := f.env.SessionFor("admin@acme.example")
	f.env.Clock.Advance(stale)
	authB := f.sessionInfo(tokenB).AuthenticatedAt

	st := f.stepUp(tokenA)
	f.factor(st.TxID, domain.FactorSMS)
	resp := f.env.Call(f.r, apptest.Request{Method: http.MethodPost, Path: "/v1/login/" + st.TxID + "/verify", Token: tokenB,
		JSON:    map[string]string{"passcode": f.passcode(ownerPhone, smsvoicelocal.KindSMS)},
		Headers: map[string]string{login.LoginSecretHeader: st.LoginSecret}})
	var auth login.Authenticated
	resp.OK(t, &auth)
	if auth.SessionToken != tokenA || auth.Admin.Email != owner {
		t.Fatalf("A's step-up answered %+v", auth.Admin)
	}
	if info := f.sessionInfo(tokenB); !info.AuthenticatedAt.Equal(authB) {
		t.Fatalf("B's session was refreshed by A's step-up: %+v", info)
	}
	failCode(t, f.startReactivation(tokenB), domain.CodeRecentAuthNeeded)

	// A's next step-up, bound (by tampering) to B's session.
	st = f.stepUp(tokenA)
	_, err := f.env.AWS.DynamoDB.UpdateItem(f.env.Ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(f.env.Deps.Config.TableName),
		Key: map[string]types.AttributeValue{
			"PK": &types.AttributeValueMemberS{Value: "LOGIN#" + st.TxID}, "SK": &types.AttributeValueMemberS{Value: "#LOGIN"},
		},
		UpdateExpression:          aws.String("SET session_token_hash = :b"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":b": &types.AttributeValueMemberS{Value: secret.Hash(tokenB)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	f.env.Clock.Advance(time.Minute)
	f.factor(st.TxID, domain.FactorSMS)
	resp = f.verify(st.TxID, f.passcode(ownerPhone, smsvoicelocal.KindSMS))
	if resp.Status == http.StatusOK || strings.Contains(resp.Body, tokenB) || strings.Contains(resp.Body, tokenA) {
		t.Fatalf("tampered step-up: %d %s", resp.Status, resp.Body)
	}
	if info := f.sessionInfo(tokenB); !info.AuthenticatedAt.Equal(authB) {
		t.Fatalf("B's session was refreshed by a tampered step-up: %+v", info)
	}
}

// phoneKey is the RSA key of the test phone (slow to make under -race, so
// made once).
var phoneKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

// testPhone is a Duo Mobile client activated through the real device API.
type testPhone struct {
	f   *fixture
	dev *apigw.Router
	act device.Activation
}

// phoneFor activates a phone for token's admin: a self-service
// reactivation, then the phone's activation call.
func (f *fixture) phoneFor(token string) testPhone {
	f.t.Helper()
	started := f.env.StartReactivation(reactivation.NewRouter(f.env.Deps.Logic()), token, "/v1/profile/duo-push/reactivation", nil)
	dev := device.NewRouter(f.env.Deps.Logic(), f.env.Mailer())
	form := url.Values{"pkpush": {"rsa-sha512"}, "pubkey": {devicesig.MarshalPublicKeyPEM(&phoneKey().PublicKey)},
		"platform": {"Android"}, "model": {"Pixel 9"}, "app_version": {"4.80.0"}}
	resp := f.env.Call(dev, apptest.Request{Method: http.MethodPost, Path: "/push/v2/activation/" + started.Code(), Body: form.Encode(),
		Headers: map[string]string{"content-type": "application/x-www-form-urlencoded"}})
	p := testPhone{f: f, dev: dev}
	resp.OK(f.t, &p.act)
	return p
}

// signed sends a signed device request with the fields the clients send.
func (p testPhone) signed(method, path string, extra ...string) *apptest.Response {
	p.f.t.Helper()
	params := url.Values{"akey": {p.act.AKey}, "pkpush": {"rsa-sha512"}}
	for i := 0; i+1 < len(extra); i += 2 {
		params.Set(extra[i], extra[i+1])
	}
	date := devicesig.FormatDate(p.f.env.Clock.Now())
	auth, err := devicesig.Sign(phoneKey(), p.act.PKey, date, method, apptest.APIHost, path, params)
	if err != nil {
		p.f.t.Fatal(err)
	}
	req := apptest.Request{Method: method, Path: path, Headers: map[string]string{"authorization": auth, "x-duo-date": date}}
	if method == http.MethodGet {
		req.Query = devicesig.EncodeParams(params)
	} else {
		req.Body = devicesig.EncodeParams(params)
		req.Headers["content-type"] = "application/x-www-form-urlencoded"
	}
	return p.f.env.Call(p.dev, req)
}

// TestStepUpWithVerifiedPush: a step-up by Duo Push with a verification
// code, answered by the phone through the device API: the approval needs
// the code, the poll hands back the same token once, and the session is
// freshly authenticated by push.
func TestStepUpWithVerifiedPush(t *testing.T) {
	f := newFixture(t)
	token := f.smsLogin(owner, ownerPhone)
	phone := f.phoneFor(token)
	f.env.Clock.Advance(stale)
	failCode(t, f.startReactivation(token), domain.CodeRecentAuthNeeded)

	st := f.stepUp(token)
	if st.Factors[0].Factor != domain.FactorPush {
		t.Fatalf("step-up factors %+v", st.Factors)
	}
	d := f.factor(st.TxID, domain.FactorPush)
	if len(d.VerificationCode) != domain.DefaultVerifiedPushLength || d.SendsLeft != domain.MaxPushesPerLogin-1 {
		t.Fatalf("push answer %+v", d)
	}
	resp := phone.signed(http.MethodGet, "/push/v2/device/transactions")
	var list device.Transactions
	resp.OK(t, &list)
	if len(list.Transactions) != 1 || !list.Transactions[0].RequiresVerificationCode {
		t.Fatalf("phone lists %+v", list.Transactions)
	}
	urgid := list.Transactions[0].URGID
	failCode(t, phone.signed(http.MethodPost, "/push/v2/device/transactions/"+urgid, "answer", "approve"), domain.CodeVerificationCodeNeeded)
	if ps := f.pushStatus(st.TxID); ps.Status != "pending" || ps.SessionToken != "" {
		t.Fatalf("before the approval: %+v", ps)
	}
	phone.signed(http.MethodPost, "/push/v2/device/transactions/"+urgid, "answer", "approve", "verification_code", d.VerificationCode).OK(t, nil)

	ps := f.pushStatus(st.TxID)
	if ps.Status != "approved" || ps.SessionToken != token || ps.ExpiresAt == nil ||
		!ps.ExpiresAt.Equal(f.env.Clock.Now().Add(domain.SessionIdleTimeout)) {
		t.Fatalf("poll after approval: %+v (same token: %v)", ps, ps.SessionToken == token)
	}
	if again := f.pushStatus(st.TxID); again.Status != "approved" || again.SessionToken != "" {
		t.Fatalf("second poll: %+v", again)
	}
	if info := f.sessionInfo(token); !info.AuthenticatedAt.Equal(f.env.Clock.Now()) || info.Factor != domain.FactorPush {
		t.Fatalf("session after push step-up %+v", info)
	}
	if resp := f.startReactivation(token); resp.Status != http.StatusCreated {
		t.Fatalf("reactivation after step-up: %d %s", resp.Status, resp.Body)
	}
}

// TestStepUpOnceUnderConcurrency sends a step-up's right passcode 20 times
// at once: one answer carries the token, no session is added, and the
// session is the one it was (same token, still working). Under load some
// answers may be 429 (attempts in flight) or 503 (store timeouts); none
// may be a second success.
func TestStepUpOnceUnderConcurrency(t *testing.T) {
	f := newFixture(t)
	token := f.smsLogin(owner, ownerPhone)
	f.env.Clock.Advance(stale)
	st := f.stepUp(token)
	f.factor(st.TxID, domain.FactorSMS)
	code := f.passcode(ownerPhone, smsvoicelocal.KindSMS)
	sessions := f.countSessions()
	const n = 20
	var wg sync.WaitGroup
	resps := make([]*apptest.Response, n)
	for i := range n {
		wg.Go(func() { resps[i] = f.verify(st.TxID, code) })
	}
	wg.Wait()
	ok := 0
	for _, r := range resps {
		switch r.Status {
		case http.StatusOK:
			ok++
			var auth login.Authenticated
			r.OK(t, &auth)
			if auth.SessionToken != token {
				t.Fatal("a concurrent step-up answered another token")
			}
		case http.StatusConflict, http.StatusUnauthorized, http.StatusTooManyRequests, http.StatusServiceUnavailable:
		default:
			t.Errorf("unexpected answer %d %s", r.Status, r.Body)
		}
	}
	if ok != 1 {
		t.Fatalf("%d step-up verifies succeeded, want 1", ok)
	}
	if got := f.countSessions(); got != sessions {
		t.Fatalf("%d sessions stored, want %d", got, sessions)
	}
	if info := f.sessionInfo(token); !info.AuthenticatedAt.Equal(f.env.Clock.Now()) {
		t.Fatalf("session after the burst %+v", info)
	}
	if a := f.admin(owner); a.Status != domain.AdminActive || a.FailedAttempts != 0 {
		t.Fatalf("admin after the burst: %s, %d failures", a.Status, a.FailedAttempts)
	}
}
