package device_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"push-reactivation/internal/testenv/apptest"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/hotp"
)

var (
	pkeyShape = regexp.MustCompile(`^DP[A-Z0-9]{18}$`)
	akeyShape = regexp.MustCompile(`^DA[A-Z0-9]{18}$`)
	hexShape  = regexp.MustCompile(`^[0-9a-f]{40}$`)
)

func TestActivationIssuesCredential(t *testing.T) {
	f := newFixture(t)
	started := f.start("admin@acme.example")
	p := f.activate(started.Code, key(0))

	if !pkeyShape.MatchString(p.PKey) || !akeyShape.MatchString(p.AKey) || !hexShape.MatchString(p.HOTPSecret) {
		t.Fatalf("activation shapes: %+v", p.Activation)
	}
	if p.CustomerName != "Acme Corp" || !p.Reactivated {
		t.Fatalf("customer %q reactivated %v", p.CustomerName, p.Reactivated)
	}
	cred := f.credential(p.PKey)
	admin := f.Admin("admin@acme.example")
	if cred.Status != domain.CredentialActive || cred.AdminID != admin.ID || cred.AKey != p.AKey || cred.HOTPSecret != "" ||
		cred.Platform != "Android" || cred.Model != "Pixel 8" || cred.AppVersion != "4.59.0" || cred.HOTPCounter != 0 ||
		!cred.ActivatedAt.Equal(f.Clock.Now()) || cred.ReactivationID != started.Reactivation.ID {
		t.Fatalf("stored credential %+v", cred)
	}
	// Stored sealed (docs/security/kms.md); the store opens it to the
	// secret the phone was given.
	if plain, err := f.Deps.Store.HOTPSecret(f.Ctx, cred); err != nil || string(plain) != p.HOTPSecret || cred.SealedHOTPSecret == "" {
		t.Fatalf("stored HOTP secret opens to %q (%v), want the one handed out", plain, err)
	}
	if admin.ActiveCredentialID != p.PKey || admin.PendingReactivationID != "" {
		t.Fatalf("admin active=%q pending=%q", admin.ActiveCredentialID, admin.PendingReactivationID)
	}
	r, _ := f.Deps.Store.GetReactivation(f.Ctx, started.Reactivation.ID)
	if r.Status != domain.ReactivationActivated || r.CredentialID != p.PKey {
		t.Fatalf("reactivation %+v", r)
	}
	// The hotp_secret is the HOTP key as ASCII bytes (DESIGN.md §5).
	if code := hotp.Code([]byte(p.HOTPSecret), 0, domain.HOTPDigits); len(code) != 6 {
		t.Fatalf("passcode %q", code)
	}
	if _, err := hex.DecodeString(p.HOTPSecret); err != nil {
		t.Fatal(err)
	}
	// The audit event names the device, never a secret.
	evs, _, _ := f.Deps.Store.ListAudit(f.Ctx, "acme", domain.AuditFilter{Action: domain.ActionReactivationActivate})
	if len(evs) != 1 || evs[0].Details["credential_id"] != p.PKey || evs[0].TargetID != admin.ID || evs[0].IP == "" {
		t.Fatalf("audit %+v", evs)
	}
	for _, secretText := range []string{started.Code, p.HOTPSecret} {
		if strings.Contains(fmt.Sprint(evs), secretText) || strings.Contains(f.Logs.String(), secretText) {
			t.Fatalf("secret in audit or logs")
		}
	}
	// The security notice went out for this admin and this credential,
	// without the HOTP secret.
	if len(f.notes.calls) != 1 || f.notes.calls[0].ID != p.PKey || f.notes.calls[0].AdminID != admin.ID || f.notes.calls[0].HOTPSecret != "" {
		t.Fatalf("notices %+v", f.notes.calls)
	}
	// Single use.
	apptest.ExpectFail(t, f.activateRaw(started.Code, activationForm(key(1))), 404, 40403)
}

// TestActivationFieldsFromQueryString: the protocol accepts the fields in
// the query string as well as in a form body.
func TestActivationFieldsFromQueryString(t *testing.T) {
	f := newFixture(t)
	started := f.start("admin@acme.example")
	resp := f.call(apptest.Request{Method: "POST", Path: "/push/v2/activation/" + started.Code, Query: activationForm(key(0)).Encode()})
	var a struct {
		PKey string `json:"pkey"`
	}
	resp.OK(t, &a)
	if c := f.credential(a.PKey); c.Model != "Pixel 8" {
		t.Fatalf("model %q", c.Model)
	}
}

func TestActivationRejectsBadInputWithoutConsumingTheCode(t *testing.T) {
	f := newFixture(t)
	started := f.start("admin@acme.example")

	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecDER, _ := x509.MarshalPKIXPublicKey(&ec.PublicKey)
	smallDER, _ := x509.MarshalPKIXPublicKey(&small.PublicKey)
	private := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(small)}))
	good := pubPEM(key(0))
	cases := map[string]url.Values{
		"no pubkey":       {"pkpush": {"rsa-sha512"}},
		"empty pubkey":    {"pubkey": {""}},
		"garbage pubkey":  {"pubkey": {"hello"}},
		"1024-bit key":    {"pubkey": {string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: smallDER}))}},
		"EC key":          {"pubkey": {string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: ecDER}))}},
		"private key":     {"pubkey": {private}},
		"two pubkeys":     {"pubkey": {good, good}},
		"other pkpush":    {"pubkey": {good}, "pkpush": {"rsa-sha1"}},
		"model too long":  {"pubkey": {good}, "model": {strings.Repeat("x", 129)}},
		"model not utf-8": {"pubkey": {good}, "model": {"\xff"}},
		"control chars":   {"pubkey": {good}, "platform": {"a\nb"}},
	}
	for name, form := range cases {
		resp := f.activateRaw(started.Code, form)
		fe := apptest.ExpectFail(t, resp, 400, 40002)
		if strings.Contains(resp.Body, started.Code) {
			t.Fatalf("%s: response echoes the code", name)
		}
		t.Logf("%s: %s", name, fe.MessageDetail)
	}
	// A malformed form body is refused the same way.
	apptest.ExpectFail(t, f.call(apptest.Request{Method: "POST", Path: "/push/v2/activation/" + started.Code, Body: "pubkey=%zz",
		Headers: map[string]string{"content-type": "application/x-www-form-urlencoded"}}), 400, 40002)

	f.activate(started.Code, key(0))
}

// TestUnknownActivationCodesLookAlike: malformed, never issued, used,
// expired, cancelled, and the other code of a redeemed reactivation all get
// the very same 404.
func TestUnknownActivationCodesLookAlike(t *testing.T) {
	f := newFixture(t)

	used := f.start("owner@acme.example")
	emailOfUsed := f.addEmailCode(used.Reactivation)
	f.activate(used.Code, key(0))

	cancelled := f.start("helpdesk@acme.example")
	if _, err := f.react.Cancel(f.Ctx, f.principal("helpdesk@acme.example"), cancelled.Reactivation.ID, "", ""); err != nil {
		t.Fatal(err)
	}

	// A second reactivation replaces the first, whose code is then void.
	replaced := f.start("msp@umbrella.example")
	f.start("msp@umbrella.example")

	expiring := f.start("admin@acme.example")

	codes := map[string]string{
		"malformed short":      "abc",
		"malformed long":       strings.Repeat("A", 21),
		"malformed symbols":    "AAAAAAAAAAAAAAAAAA-_",
		"never issued":         "ZZZZZZZZZZZZZZZZZZZZ",
		"used":                 used.Code,
		"other code, redeemed": emailOfUsed,
		"cancelled":            cancelled.Code,
		"replaced":             replaced.Code,
	}
	var want *apptest.Response
	check := func(name, code string) {
		t.Helper()
		resp := f.activateRaw(code, activationForm(key(1)))
		apptest.ExpectFail(t, resp, 404, 40403)
		if want == nil {
			want = resp
		}
		if resp.Body != want.Body || resp.Headers["Content-Type"] != want.Headers["Content-Type"] {
			t.Fatalf("%s: %s differs from %s", name, resp.Body, want.Body)
		}
		if !strings.Contains(resp.Body, `"message":"Unknown activation code"`) {
			t.Fatalf("%s: message %s", name, resp.Body)
		}
	}
	for name, code := range codes {
		check(name, code)
	}
	disabled := f.start("msp@umbrella.example")
	if err := f.Deps.Store.SetAdminStatus(f.Ctx, f.Admin("msp@umbrella.example").ID, domain.AdminDisabled); err != nil {
		t.Fatal(err)
	}
	check("admin disabled since", disabled.Code)

	f.Clock.Advance(domain.QRValidityDefault)
	check("expired", expiring.Code)

	creds, _ := f.Deps.Store.ListCredentials(f.Ctx, f.Admin("owner@acme.example").ID)
	if len(creds) != 1 {
		t.Fatalf("owner has %d credentials", len(creds))
	}
}

// TestConcurrentRedeemsThroughTheEndpoint: 50 phones race for one code;
// exactly one gets a credential, the others 40403, and the admin ends with
// exactly one active credential.
func TestConcurrentRedeemsThroughTheEndpoint(t *testing.T) {
	f := newFixture(t)
	started := f.start("admin@acme.example")
	body, headers := formBody(activationForm(key(0)))

	const n = 50
	statuses := make([]int, n)
	bodies := make([]string, n)
	var wg sync.WaitGroup
	gate := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-gate
			ev := apptest.Event(apptest.Request{Method: "POST", Path: "/push/v2/activation/" + started.Code, Body: body, Headers: headers})
			resp, err := f.router.Handle(f.Ctx, ev)
			if err != nil {
				t.Error(err)
				return
			}
			apptest.CheckContract(t, ev, resp)
			statuses[i], bodies[i] = resp.StatusCode, resp.Body
		})
	}
	close(gate)
	wg.Wait()
	ok, unknown := 0, 0
	for i, s := range statuses {
		switch {
		case s == 200:
			ok++
		case s == 404 && strings.Contains(bodies[i], `"code":40403`):
			unknown++
		default:
			t.Errorf("redeem %d: %d %s", i, s, bodies[i])
		}
	}
	if ok != 1 || unknown != n-1 {
		t.Fatalf("%d succeeded, %d got 40403; want 1 and %d", ok, unknown, n-1)
	}
	admin := f.Admin("admin@acme.example")
	creds, err := f.Deps.Store.ListCredentials(f.Ctx, admin.ID)
	if err != nil {
		t.Fatal(err)
	}
	active := 0
	for _, c := range creds {
		if c.Status == domain.CredentialActive {
			active++
			if c.ID != admin.ActiveCredentialID {
				t.Fatalf("active credential %s is not the admin's %s", c.ID, admin.ActiveCredentialID)
			}
		}
	}
	if len(creds) != 1 || active != 1 {
		t.Fatalf("%d credentials, %d active", len(creds), active)
	}
	if len(f.notes.calls) != 1 {
		t.Fatalf("%d notices", len(f.notes.calls))
	}
}

// TestSharedPhoneReactivation: one device key holds two admins'
// credentials. Reactivating one admin revokes only that admin's previous
// credential: its signed requests get 401 and its pushes cannot be
// answered, the new credential works, and the other admin keeps working.
func TestSharedPhoneReactivation(t *testing.T) {
	f := newFixture(t)
	shared := key(0)
	oldAdmin := f.activate(f.start("admin@acme.example").Code, shared)
	other := f.activate(f.start("owner@acme.example").Code, shared)
	if oldAdmin.PKey == other.PKey {
		t.Fatal("one credential for two admins")
	}
	stalePush := f.push(oldAdmin, "")
	otherPush := f.push(other, "")

	f.Clock.Advance(time.Minute)
	newAdmin := f.activate(f.start("admin@acme.example").Code, key(1))

	if c := f.credential(oldAdmin.PKey); c.Status != domain.CredentialRevoked || c.RevokedAt.IsZero() {
		t.Fatalf("old credential %s", c.Status)
	}
	if c := f.credential(other.PKey); c.Status != domain.CredentialActive {
		t.Fatalf("other admin's credential %s", c.Status)
	}
	// The old credential is shut out, whatever it asks.
	unauth := f.signed(oldAdmin, signedReq{method: "GET", path: "/push/v2/device/transactions", params: txParams(oldAdmin)})
	apptest.ExpectFail(t, unauth, 401, 40101)
	apptest.ExpectFail(t, f.reply(oldAdmin, stalePush.PushID, "answer", "approve"), 401, 40101)
	apptest.ExpectFail(t, f.signed(oldAdmin, signedReq{method: "GET", path: "/push/v2/device/info"}), 401, 40101)
	if st := f.loginStatus(stalePush); st != domain.LoginPending {
		t.Fatalf("stale push %s", st)
	}
	// The new credential cannot answer a push that was sent to the old one.
	apptest.ExpectFail(t, f.reply(newAdmin, stalePush.PushID, "answer", "approve"), 404, 40401)
	if st := f.loginStatus(stalePush); st != domain.LoginPending {
		t.Fatalf("stale push %s", st)
	}
	// The new credential works.
	fresh := f.push(newAdmin, "")
	if txs := f.pending(newAdmin); len(txs) != 1 || txs[0].URGID != fresh.PushID {
		t.Fatalf("new credential sees %+v", txs)
	}
	f.reply(newAdmin, fresh.PushID, "answer", "approve").OK(t, nil)
	// The other admin on the same phone keeps working.
	if txs := f.pending(other); len(txs) != 1 || txs[0].URGID != otherPush.PushID {
		t.Fatalf("other admin sees %+v", txs)
	}
	var ans struct{ Status string }
	f.reply(other, otherPush.PushID, "answer", "approve").OK(t, &ans)
	if ans.Status != "approved" || f.loginStatus(otherPush) != domain.LoginApproved {
		t.Fatalf("other admin's answer %+v", ans)
	}
	if owner := f.Admin("owner@acme.example"); owner.ActiveCredentialID != other.PKey {
		t.Fatalf("owner's active credential %s", owner.ActiveCredentialID)
	}
}

// TestLandingPageLeavesCodeRedeemable: 100 GETs and HEADs of the emailed
// link consume nothing.
func TestLandingPageLeavesCodeRedeemable(t *testing.T) {
	f := newFixture(t)
	started := f.start("admin@acme.example")
	for i := range 100 {
		method := "GET"
		if i%2 == 1 {
			method = "HEAD"
		}
		resp := f.call(apptest.Request{Method: method, Path: "/activate/" + started.Code})
		if resp.Status != 200 {
			t.Fatalf("%s %d: %d %s", method, i, resp.Status, resp.Body)
		}
	}
	f.activate(started.Code, key(0))
}
