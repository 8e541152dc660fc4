package reactivation_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"push-reactivation/internal/testenv/apptest"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/profile"
	"push-reactivation/shared/reactivation"
	"push-reactivation/shared/secret"
)

var codeRE = regexp.MustCompile(`^[A-Za-z0-9]{20}$`)

// TestStartAnswersScannableQR: the PNG decodes (with an independent QR
// reader) to exactly the barcode, whose host part is the configured API
// host; only the code's hash is stored.
func TestStartAnswersScannableQR(t *testing.T) {
	f := newFixture(t)
	token := f.SessionFor("admin@acme.example")
	s := f.start(token, nil)

	png, err := base64.StdEncoding.DecodeString(s.BarcodePNG)
	if err != nil {
		t.Fatalf("barcode_png is not standard base64: %v", err)
	}
	text, size := apptest.DecodeQR(t, png)
	if text != s.Barcode {
		t.Fatalf("QR holds %q, barcode is %q", text, s.Barcode)
	}
	if size < 256 {
		t.Errorf("QR image %d px, want ≥ 256", size)
	}
	code, hostB64, ok := strings.Cut(s.Barcode, "-")
	if !ok || !codeRE.MatchString(code) {
		t.Fatalf("barcode %q is not <20-char code>-<host>", s.Barcode)
	}
	if strings.Contains(hostB64, "=") {
		t.Errorf("host part %q keeps '=' padding", hostB64)
	}
	host, err := base64.RawStdEncoding.DecodeString(hostB64)
	if err != nil || string(host) != apptest.APIHost {
		t.Fatalf("host part decodes to %q (%v), want %q", host, err, apptest.APIHost)
	}
	if s.ActivationURL != "https://"+apptest.APIHost+"/activate/"+code {
		t.Errorf("activation_url %q", s.ActivationURL)
	}
	if s.Status != "pending" || !s.ExpiresAt.Equal(f.Clock.Now().Add(600*time.Second)) {
		t.Errorf("status %s expires_at %s, want pending and now+600s", s.Status, s.ExpiresAt)
	}

	r, err := f.Deps.Store.GetReactivation(f.Ctx, s.ReactivationID)
	if err != nil {
		t.Fatal(err)
	}
	if r.QRCodeHash != secret.Hash(code) || r.AdminID != "acme-admin" || r.InitiatedBy != "acme-admin" {
		t.Fatalf("stored %+v", r)
	}
	if _, err := f.Deps.Store.GetActivationCode(f.Ctx, secret.Hash(code)); err != nil {
		t.Fatalf("code not stored under its hash: %v", err)
	}
	admin := f.Admin("admin@acme.example")
	if admin.PendingReactivationID != s.ReactivationID {
		t.Errorf("admin pending %q", admin.PendingReactivationID)
	}
	events, _, err := f.Deps.Store.ListAudit(f.Ctx, "acme", domain.AuditFilter{Action: domain.ActionReactivationStart})
	if err != nil || len(events) != 1 {
		t.Fatalf("audit: %v %v", events, err)
	}
	ev := events[0]
	if ev.ActorID != "acme-admin" || ev.TargetID != "acme-admin" || ev.Details["reactivation_id"] != s.ReactivationID || ev.IP == "" {
		t.Errorf("audit event %+v", ev)
	}
	if b, _ := json.Marshal(ev); strings.Contains(string(b), code) {
		t.Errorf("audit event holds the code: %s", b)
	}
}

// TestSecondReactivationCancelsFirst: starting again cancels the earlier
// reactivation, whose code then cannot be redeemed; the new one can.
func TestSecondReactivationCancelsFirst(t *testing.T) {
	f := newFixture(t)
	token := f.SessionFor("admin@acme.example")
	first := f.start(token, nil)
	f.Clock.Advance(time.Second) // the log orders events of one instant by random id
	second := f.start(token, map[string]any{"valid_secs": 120})

	if v := f.get(token, first.ReactivationID); v.Status != "cancelled" {
		t.Fatalf("first is %s, want cancelled", v.Status)
	}
	if v := f.get(token, second.ReactivationID); v.Status != "pending" {
		t.Fatalf("second is %s, want pending", v.Status)
	}
	if err := f.redeem(first.Code(), "c1"); !errors.Is(err, domain.ErrUnknownActivation) {
		t.Fatalf("cancelled code redeemed: %v", err)
	}
	events, _, _ := f.Deps.Store.ListAudit(f.Ctx, "acme", domain.AuditFilter{Action: domain.ActionReactivationStart})
	if len(events) != 2 || events[0].Details["cancelled_reactivation_id"] != first.ReactivationID {
		t.Errorf("newest start event should name the cancelled one: %+v", events)
	}

	var p profile.View
	f.call(apptest.Request{Method: "GET", Path: profilePath, Token: token}).OK(t, &p)
	if p.SecondaryAuth.Push.Status != profile.PushPendingReactivation {
		t.Errorf("push status %s while pending", p.SecondaryAuth.Push.Status)
	}
	if err := f.redeem(second.Code(), "c2"); err != nil {
		t.Fatal(err)
	}
	v := f.get(token, second.ReactivationID)
	if v.Status != "activated" || !v.ActivatedAt.Equal(f.Clock.Now()) || v.Device == nil || v.Device.Model != "Pixel 9" {
		t.Fatalf("activated view %+v", v)
	}
	p = profile.View{}
	f.call(apptest.Request{Method: "GET", Path: profilePath, Token: token}).OK(t, &p)
	if p.SecondaryAuth.Push.Status != profile.PushActive || p.SecondaryAuth.Push.Device == nil || p.SecondaryAuth.Push.Device.Platform != "Android" {
		t.Errorf("push after activation %+v", p.SecondaryAuth.Push)
	}
}

// TestRefusedFromChildAccount: an MSP admin acting in a child account is
// told to log in to the parent account; back in the parent it works.
func TestRefusedFromChildAccount(t *testing.T) {
	f := newFixture(t)
	token := f.SessionFor("msp@umbrella.example")
	if err := f.SetActingAccount(secret.Hash(token), "umbrella-child"); err != nil {
		t.Fatal(err)
	}
	fail := apptest.ExpectFail(t, f.call(apptest.Request{Method: "POST", Path: startPath, Token: token, JSON: map[string]any{}}), 403, 40302)
	if !strings.Contains(fail.Message, "parent account") {
		t.Errorf("message %q does not tell the admin to log in to the parent account", fail.Message)
	}
	if a := f.Admin("msp@umbrella.example"); a.PendingReactivationID != "" {
		t.Fatal("refused request created a reactivation")
	}
	// The profile still answers, with the admin's own (parent) account.
	var p profile.View
	f.call(apptest.Request{Method: "GET", Path: profilePath, Token: token}).OK(t, &p)
	if p.Account.ID != "umbrella" || p.Account.Kind != domain.AccountMSPParent {
		t.Errorf("profile account %+v", p.Account)
	}

	if err := f.SetActingAccount(secret.Hash(token), "umbrella"); err != nil {
		t.Fatal(err)
	}
	f.start(token, nil)
}

// TestRefusedWithStaleAuthentication: 16 minutes after the second factor
// the session is alive (idle timeout 30 min) but too old to reactivate.
func TestRefusedWithStaleAuthentication(t *testing.T) {
	f := newFixture(t)
	token := f.SessionFor("admin@acme.example")
	f.Clock.Advance(16 * time.Minute)
	var p profile.View
	f.call(apptest.Request{Method: "GET", Path: profilePath, Token: token}).OK(t, &p) // still logged in
	apptest.ExpectFail(t, f.call(apptest.Request{Method: "POST", Path: startPath, Token: token, JSON: map[string]any{}}), 401, 40103)
	if a := f.Admin("admin@acme.example"); a.PendingReactivationID != "" {
		t.Fatal("refused request created a reactivation")
	}
	// Exactly at the 15-minute edge it is still allowed.
	fresh := f.SessionFor("admin@acme.example")
	f.Clock.Advance(domain.RecentAuthWindow)
	f.start(fresh, nil)
}

func TestValidSecsBounds(t *testing.T) {
	f := newFixture(t)
	token := f.SessionFor("admin@acme.example")
	tests := []struct {
		name   string
		body   string
		status int
		detail string
		want   time.Duration
	}{
		{"below minimum", `{"valid_secs": 59}`, 400, "valid_secs", 0},
		{"minimum", `{"valid_secs": 60}`, 201, "", 60 * time.Second},
		{"maximum", `{"valid_secs": 86400}`, 201, "", 86400 * time.Second},
		{"above maximum", `{"valid_secs": 86401}`, 400, "valid_secs", 0},
		{"string", `{"valid_secs": "600"}`, 400, "valid_secs", 0},
		{"fraction", `{"valid_secs": 600.5}`, 400, "valid_secs", 0},
		{"negative", `{"valid_secs": -1}`, 400, "valid_secs", 0},
		{"huge", `{"valid_secs": 1e30}`, 400, "valid_secs", 0},
		{"default", `{}`, 201, "", 600 * time.Second},
		{"null is default", `{"valid_secs": null}`, 201, "", 600 * time.Second},
		{"empty body is default", ``, 201, "", 600 * time.Second},
		{"unknown field", `{"valid_secs": 60, "code": "x"}`, 400, "unknown field \"code\"", 0},
		{"not an object", `[60]`, 400, "body must be a JSON object", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := f.Admin("admin@acme.example").PendingReactivationID
			resp := f.call(apptest.Request{Method: "POST", Path: startPath, Token: token, Body: tt.body,
				Headers: map[string]string{"content-type": "application/json"}})
			if resp.Status != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.Status, tt.status, resp.Body)
			}
			if tt.status != 201 {
				if fail := resp.Fail(t); fail.Code != 40002 || fail.MessageDetail != tt.detail {
					t.Fatalf("fail %+v, want 40002 %q", fail, tt.detail)
				}
				if f.Admin("admin@acme.example").PendingReactivationID != before {
					t.Fatal("refused request changed the pending reactivation")
				}
				return
			}
			var s apptest.Started
			resp.OK(t, &s)
			if got := s.ExpiresAt.Sub(f.Clock.Now()); got != tt.want {
				t.Fatalf("valid for %s, want %s", got, tt.want)
			}
		})
	}
}

// TestAccountPolicyValidity: without valid_secs the account's QR
// validity applies.
func TestAccountPolicyValidity(t *testing.T) {
	f := newFixture(t)
	acct, err := f.Deps.Store.GetAccount(f.Ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	acct.Policy.QRValiditySecs = 300
	if err := f.Deps.Store.PutAccount(f.Ctx, *acct); err != nil {
		t.Fatal(err)
	}
	s := f.start(f.SessionFor("admin@acme.example"), nil)
	if got := s.ExpiresAt.Sub(f.Clock.Now()); got != 300*time.Second {
		t.Fatalf("valid for %s, want the policy's 300s", got)
	}
}

// TestOtherAdminsReactivationIsNotFound: only the target admin and Owners
// of its account see or cancel a reactivation; everyone else gets 404,
// the same as for an id that does not exist.
func TestOtherAdminsReactivationIsNotFound(t *testing.T) {
	f := newFixture(t)
	mine := f.SessionFor("admin@acme.example")
	s := f.start(mine, nil)
	path := "/v1/reactivations/" + s.ReactivationID

	for _, email := range []string{"helpdesk@acme.example", "msp@umbrella.example"} {
		other := f.SessionFor(email)
		apptest.ExpectFail(t, f.call(apptest.Request{Method: "GET", Path: path, Token: other}), 404, 40401)
		apptest.ExpectFail(t, f.call(apptest.Request{Method: "DELETE", Path: path, Token: other}), 404, 40401)
	}
	apptest.ExpectFail(t, f.call(apptest.Request{Method: "GET", Path: "/v1/reactivations/0123456789abcdef0123456789abcdef", Token: mine}), 404, 40401)
	apptest.ExpectFail(t, f.call(apptest.Request{Method: "GET", Path: "/v1/reactivations/" + strings.Repeat("a", 300), Token: mine}), 404, 40401)
	if v := f.get(mine, s.ReactivationID); v.Status != "pending" {
		t.Fatalf("refused cancels changed it: %s", v.Status)
	}
	// The acme Owner may see it.
	if v := f.get(f.SessionFor("owner@acme.example"), s.ReactivationID); v.AdminID != "acme-admin" {
		t.Fatalf("owner view %+v", v)
	}
}

// TestRateLimit: the 11th reactivation within the hour is refused with
// Retry-After and creates nothing; the next hour allows it again.
func TestRateLimit(t *testing.T) {
	f := newFixture(t)
	token := f.SessionFor("admin@acme.example")
	var last apptest.Started
	for range domain.MaxReactivationsPerAdminHour {
		last = f.start(token, nil)
	}
	resp := f.call(apptest.Request{Method: "POST", Path: startPath, Token: token, JSON: map[string]any{}})
	apptest.ExpectFail(t, resp, 429, 42901)
	retry, err := strconv.Atoi(resp.Headers["Retry-After"])
	if err != nil || retry <= 0 || retry > 3600 {
		t.Fatalf("Retry-After %q", resp.Headers["Retry-After"])
	}
	if a := f.Admin("admin@acme.example"); a.PendingReactivationID != last.ReactivationID {
		t.Fatal("refused request replaced the pending reactivation")
	}
	if v := f.get(token, last.ReactivationID); v.Status != "pending" {
		t.Fatalf("refused request cancelled the pending one: %s", v.Status)
	}
	f.Clock.Advance(time.Duration(retry) * time.Second)
	f.start(f.SessionFor("admin@acme.example"), nil)
}

// TestLogsHoldNoSecrets: a whole reactivation (profile, start, read,
// cancel, refusals) logs neither the code nor the session token.
func TestLogsHoldNoSecrets(t *testing.T) {
	f := newFixture(t)
	token := f.SessionFor("admin@acme.example")
	f.call(apptest.Request{Method: "GET", Path: profilePath, Token: token})
	s := f.start(token, map[string]any{"valid_secs": 300})
	f.get(token, s.ReactivationID)
	f.call(apptest.Request{Method: "DELETE", Path: "/v1/reactivations/" + s.ReactivationID, Token: token})
	f.call(apptest.Request{Method: "DELETE", Path: "/v1/reactivations/" + s.ReactivationID, Token: token})
	f.call(apptest.Request{Method: "POST", Path: startPath, Token: token, JSON: map[string]any{"valid_secs": 1}})
	f.call(apptest.Request{Method: "GET", Path: profilePath, Token: token + "x"})

	logs := f.Logs.String()
	if strings.Count(logs, `"request_id"`) < 7 {
		t.Fatalf("expected a log line per request, got:\n%s", logs)
	}
	for name, secretValue := range map[string]string{"code": s.Code(), "token": token, "token hash": secret.Hash(token), "png": s.BarcodePNG[:40]} {
		if strings.Contains(logs, secretValue) {
			t.Errorf("logs contain the %s:\n%s", name, logs)
		}
	}
	events, _, _ := f.Deps.Store.ListAudit(f.Ctx, "acme", domain.AuditFilter{})
	b, _ := json.Marshal(events)
	if strings.Contains(string(b), s.Code()) || strings.Contains(string(b), token) {
		t.Errorf("audit events hold a secret: %s", b)
	}
}

// TestCancelledCodeCannotBeRedeemed: after DELETE the code is dead, even
// for a redeemer that resolved it just before the cancel.
func TestCancelledCodeCannotBeRedeemed(t *testing.T) {
	f := newFixture(t)
	token := f.SessionFor("admin@acme.example")
	s := f.start(token, nil)
	target, err := f.Deps.Store.GetActivationTarget(f.Ctx, secret.Hash(s.Code()))
	if err != nil {
		t.Fatal(err)
	}

	resp := f.call(apptest.Request{Method: "DELETE", Path: "/v1/reactivations/" + s.ReactivationID, Token: token})
	var v view
	resp.OK(t, &v)
	if resp.Status != 200 || v.Status != "cancelled" || v.ReactivationID != s.ReactivationID {
		t.Fatalf("cancel: %d %+v", resp.Status, v)
	}

	if _, err := f.Deps.Store.GetActivationTarget(f.Ctx, secret.Hash(s.Code())); !errors.Is(err, domain.ErrUnknownActivation) {
		t.Fatalf("cancelled code still resolves: %v", err)
	}
	// The code item itself is cancelled too: the landing page reads it alone.
	if _, err := f.Deps.Store.GetActivationCode(f.Ctx, secret.Hash(s.Code())); !errors.Is(err, domain.ErrUnknownActivation) {
		t.Fatalf("cancelled code item still usable: %v", err)
	}
	if err := f.RedeemTarget(target, "late", "Android", "Pixel 9"); !errors.Is(err, domain.ErrUnknownActivation) {
		t.Fatalf("cancelled code redeemed by a redeemer that raced the cancel: %v", err)
	}
	if _, err := f.Deps.Store.GetCredential(f.Ctx, "late"); !errors.Is(err, domain.ErrNotFound) {
		t.Fatal("refused redeem left a credential")
	}
	apptest.ExpectFail(t, f.call(apptest.Request{Method: "DELETE", Path: "/v1/reactivations/" + s.ReactivationID, Token: token}), 409, 40901)
	if a := f.Admin("admin@acme.example"); a.PendingReactivationID != "" {
		t.Errorf("admin still has pending %q", a.PendingReactivationID)
	}
	events, _, _ := f.Deps.Store.ListAudit(f.Ctx, "acme", domain.AuditFilter{Action: domain.ActionReactivationCancel})
	if len(events) != 1 || events[0].ActorID != "acme-admin" || events[0].TargetID != "acme-admin" {
		t.Errorf("cancel audit %+v", events)
	}
	// A new start after a cancel works (no stale pending id).
	f.start(token, nil)
}

func TestProfile(t *testing.T) {
	f := newFixture(t)
	token := f.SessionFor("owner@acme.example")
	resp := f.call(apptest.Request{Method: "GET", Path: profilePath, Token: token})
	var raw map[string]any
	resp.OK(t, &raw)
	want := `{"account":{"account_id":"acme","kind":"standard","name":"Acme Corp"},"admin_id":"acme-owner","email":"owner@acme.example","email_status":null,` +
		`"name":"Olivia Owner","role":"owner","secondary_auth":{"phone":{"phone":"+*******0100"},"push":{"pending_reactivation":null,"status":"inactive"},"sms":{"phone":"+*******0100"}}}`
	if b, _ := json.Marshal(raw); string(b) != want {
		t.Fatalf("profile\n got %s\nwant %s", b, want)
	}
	if strings.Contains(resp.Body, "5555550100") {
		t.Error("profile shows the full phone number")
	}
}

func TestUnauthenticatedIsRefused(t *testing.T) {
	f := newFixture(t)
	for _, req := range []apptest.Request{
		{Method: "GET", Path: profilePath},
		{Method: "POST", Path: startPath, JSON: map[string]any{}},
		{Method: "GET", Path: "/v1/reactivations/x"},
		{Method: "DELETE", Path: "/v1/reactivations/x"},
		{Method: "GET", Path: profilePath, Token: "not-a-session"},
	} {
		apptest.ExpectFail(t, f.call(req), 401, 40101)
	}
}

// TestStartForAnotherAdmin: the service itself, whoever calls it, lets
// only an Owner start a reactivation for someone else, and only within the
// account its session acts in.
func TestStartForAnotherAdmin(t *testing.T) {
	f := newFixture(t)
	svc := reactivation.NewService(f.Deps.Logic())
	principal := func(email string) *domain.Principal { return f.Principal(f.Admin(email)) }
	helpdesk := f.Admin("helpdesk@acme.example")
	for _, tt := range []struct {
		actor  string
		target *domain.Admin
		want   domain.Code
	}{
		{"admin@acme.example", helpdesk, domain.CodeForbidden},
		{"helpdesk@acme.example", f.Admin("owner@acme.example"), domain.CodeForbidden},
		{"msp@umbrella.example", helpdesk, domain.CodeNotFound},
		{"owner@acme.example", f.Admin("msp@umbrella.example"), domain.CodeNotFound},
	} {
		_, err := svc.Start(f.Ctx, reactivation.StartRequest{Actor: principal(tt.actor), Target: tt.target})
		if de, ok := domain.AsError(err); !ok || de.Code != tt.want {
			t.Errorf("%s for %s: %v, want %d", tt.actor, tt.target.Email, err, tt.want)
		}
	}
	st, err := svc.Start(f.Ctx, reactivation.StartRequest{Actor: principal("owner@acme.example"), Target: helpdesk})
	if err != nil || st.Reactivation.AdminID != helpdesk.ID || st.Reactivation.InitiatedBy != "acme-owner" {
		t.Fatalf("owner for helpdesk: %+v %v", st, err)
	}
	if a := f.Admin("helpdesk@acme.example"); a.PendingReactivationID != st.Reactivation.ID {
		t.Fatal("only the owner's start should have been written")
	}
}
