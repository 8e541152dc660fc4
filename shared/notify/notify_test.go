package notify_test

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"push-reactivation/infra/seslocal"
	"push-reactivation/internal/testenv"
	"push-reactivation/internal/testenv/apptest"
	"push-reactivation/shared/apigw"
	"push-reactivation/shared/device"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/notify"
	"push-reactivation/shared/owner"
	"push-reactivation/shared/reactivation"
	"push-reactivation/shared/sesmail"
)

// fixture runs the Owner and device functions as their Lambdas build them
// (owner.NewRouter, device.NewRouter), with SES v2 at sesEndpoint.
type fixture struct {
	*apptest.Env
	owner, device *apigw.Router
}

func newFixture(t *testing.T, sesEndpoint string) *fixture {
	t.Helper()
	// Before apptest.New builds the SDK clients.
	t.Setenv("AWS_ENDPOINT_URL_SESV2", sesEndpoint)
	env := apptest.New(t)
	return &fixture{Env: env, owner: owner.NewRouter(env.Deps.Logic(), env.Mailer()), device: device.NewRouter(env.Deps.Logic(), env.Mailer())}
}

// ownerStarts has the acme Owner reactivate admin@acme.example's Duo Push
// and returns the code in the answer's barcode.
func (f *fixture) ownerStarts() (reactivationID, code string) {
	f.T.Helper()
	st := f.StartReactivation(f.owner, f.SessionFor("owner@acme.example"), apptest.OwnerReactivationPath("acme-admin"), nil)
	return st.ReactivationID, st.Code()
}

// activate redeems a code the way a phone does.
func (f *fixture) activate(code, platform, model string) *apptest.Response {
	f.T.Helper()
	return f.Activate(f.device, code, platform, model)
}

func (f *fixture) notices() []domain.AuditEvent {
	f.T.Helper()
	evs, _, err := f.Deps.Store.ListAudit(f.Ctx, "acme", domain.AuditFilter{Action: domain.ActionNotification})
	if err != nil {
		f.T.Fatal(err)
	}
	return evs
}

func onlyEmail(t *testing.T, srv *seslocal.Server) seslocal.Email {
	t.Helper()
	es, err := srv.Emails(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 1 {
		t.Fatalf("%d emails, want 1", len(es))
	}
	return es[0]
}

// TestOwnerStartedReactivationNotice: an Owner's reactivation of another
// admin emails that admin, at the address on file, who did it and what to
// do if it was not expected; the notice carries no code or link.
func TestOwnerStartedReactivationNotice(t *testing.T) {
	srv := testenv.StartSES(t)
	f := newFixture(t, srv.URL())
	id, code := f.ownerStarts()

	e := onlyEmail(t, srv)
	if len(e.Destination.To) != 1 || e.Destination.To[0] != "admin@acme.example" {
		t.Fatalf("recipients %v, want the target admin's address on file", e.Destination.To)
	}
	if e.Subject != "Duo Push reactivation started for your account" {
		t.Errorf("subject %q", e.Subject)
	}
	for _, body := range []string{e.Body.Text, e.Body.HTML} {
		for _, want := range []string{"Hello Adam Admin", "Olivia Owner", "owner@acme.example",
			"Contact your Owner or your security team", "can be cancelled", "Edit Profile"} {
			if !strings.Contains(body, want) {
				t.Errorf("notice lacks %q:\n%s", want, body)
			}
		}
		if strings.Contains(body, code) || strings.Contains(body, "/activate/") {
			t.Fatal("the notice must not carry the activation code or link")
		}
	}
	evs := f.notices()
	if len(evs) != 1 || evs[0].Outcome != domain.OutcomeSuccess || evs[0].Details["notice"] != string(domain.NoticeReactivationStarted) ||
		evs[0].ActorID != "acme-owner" || evs[0].TargetID != "acme-admin" || evs[0].Details["reactivation_id"] != id ||
		evs[0].Details["to"] != "a***n@acme.example" {
		t.Fatalf("audit %+v", evs)
	}

	// Self-service reactivations send no notice: the admin is the one asking.
	react := reactivation.NewRouter(f.Deps.Logic())
	resp := f.Call(react, apptest.Request{Method: "POST", Path: "/v1/profile/duo-push/reactivation", Token: f.SessionFor("helpdesk@acme.example"), JSON: map[string]any{}})
	if resp.Status != 201 {
		t.Fatalf("self start: %d %s", resp.Status, resp.Body)
	}
	onlyEmail(t, srv)
	if strings.Contains(f.Logs.String(), code) {
		t.Fatal("the activation code was logged")
	}
}

// TestPhoneActivatedNotice: each activation emails the admin the phone's
// platform and model, cleaned and escaped, with what to do if it was not
// them.
func TestPhoneActivatedNotice(t *testing.T) {
	srv := testenv.StartSES(t)
	f := newFixture(t, srv.URL())
	_, code := f.ownerStarts()
	if err := srv.Clear(context.Background()); err != nil {
		t.Fatal(err)
	}

	// Platform and model come from the phone: markup and a right-to-left
	// override must not reach the reader as such. The device API refuses
	// the override outright (and the code stays redeemable); the notice's
	// own cleaning remains for anything stored before that rule.
	if resp := f.activate(code, "Android", "Pixel 9 <b>Pro</b>\u202etxt.exe"); resp.Status != 400 {
		t.Fatalf("activation with a bidi override: %d %s", resp.Status, resp.Body)
	}
	resp := f.activate(code, "Android", "Pixel 9 <b>Pro</b>txt.exe")
	if resp.Status != 200 {
		t.Fatalf("activation: %d %s", resp.Status, resp.Body)
	}
	var act struct {
		PKey       string `json:"pkey"`
		HOTPSecret string `json:"hotp_secret"`
	}
	resp.OK(t, &act)

	e := onlyEmail(t, srv)
	if len(e.Destination.To) != 1 || e.Destination.To[0] != "admin@acme.example" || e.Subject != "A new phone was activated for your Duo Push" {
		t.Fatalf("to %v subject %q", e.Destination.To, e.Subject)
	}
	for _, want := range []string{"Hello Adam Admin", "Platform: Android", "Model:    Pixel 9 <b>Pro</b>txt.exe",
		"If this was not you", "Contact your Owner or your security team", "new reactivation"} {
		if !strings.Contains(e.Body.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, e.Body.Text)
		}
	}
	if !strings.Contains(e.Body.HTML, "Pixel 9 &lt;b&gt;Pro&lt;/b&gt;txt.exe") || strings.Contains(e.Body.HTML, "<b>Pro") {
		t.Errorf("the model is not escaped in the HTML:\n%s", e.Body.HTML)
	}
	if strings.Contains(e.Body.Text+e.Body.HTML, "\u202e") {
		t.Error("a bidi override reached the notice")
	}
	cred, err := f.Deps.Store.GetCredential(f.Ctx, act.PKey)
	if err != nil {
		t.Fatal(err)
	}
	// The stored credential holds the HOTP secret only sealed: the
	// activation answer has it in plain.
	for _, secret := range []string{act.HOTPSecret, cred.SealedHOTPSecret, cred.PublicKeyPEM, act.PKey, code} {
		if strings.Contains(e.Body.Text+e.Body.HTML, secret) {
			t.Fatal("the notice carries a secret or an identifier of the credential")
		}
	}
	var phone *domain.AuditEvent
	for _, ev := range f.notices() {
		if ev.Details["notice"] == string(domain.NoticePhoneActivated) {
			phone = &ev
		}
	}
	if phone == nil || phone.Outcome != domain.OutcomeSuccess || phone.TargetID != "acme-admin" || phone.Details["model"] != "Pixel 9 <b>Pro</b>txt.exe" {
		t.Fatalf("audit %+v", phone)
	}
}

// TestFailedNoticeNeverFailsTheAction: with SES down, the Owner still gets
// the reactivation and the phone its activation; each notice is logged and
// audited as failed, within the notice timeout.
func TestFailedNoticeNeverFailsTheAction(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	l.Close()
	f := newFixture(t, closed)

	start := time.Now()
	id, code := f.ownerStarts()
	if took := time.Since(start); took > notify.DefaultTimeout+2*time.Second {
		t.Errorf("the Owner waited %s for a failed notice", took)
	}
	r, err := f.Deps.Store.GetReactivation(f.Ctx, id)
	if err != nil || r.Status != domain.ReactivationPending {
		t.Fatalf("reactivation %+v %v", r, err)
	}
	if resp := f.activate(code, "iOS", "iPhone 16"); resp.Status != 200 {
		t.Fatalf("activation with SES down: %d %s", resp.Status, resp.Body)
	}
	r, _ = f.Deps.Store.GetReactivation(f.Ctx, id)
	if r.Status != domain.ReactivationActivated {
		t.Fatalf("activation rolled back: %+v", r)
	}

	evs := f.notices()
	// One event per notice: the success written while the mail was being
	// sent was replaced by the failure, not left beside it.
	if len(evs) != 2 {
		t.Errorf("%d notification events, want 2: %+v", len(evs), evs)
	}
	got := map[string]domain.AuditEvent{}
	for _, ev := range evs {
		got[ev.Details["notice"]] = ev
	}
	for _, n := range []domain.Notice{domain.NoticeReactivationStarted, domain.NoticePhoneActivated} {
		ev, ok := got[string(n)]
		if !ok || ev.Outcome != domain.OutcomeFailure || ev.Details["reason"] != "email service unavailable" || ev.TargetID != "acme-admin" {
			t.Errorf("%s: audit %+v", n, ev)
		}
	}
	if logs := f.Logs.String(); strings.Count(logs, "security notice not sent") != 2 || strings.Contains(logs, code) {
		t.Errorf("want two logged failures and no code in the logs:\n%s", logs)
	}
}

// failing is a Mailer and an AuditStore that always fail.
type failing struct{}

func (failing) Send(context.Context, sesmail.Message) (string, error) {
	return "", errors.New("boom")
}
func (failing) PutAudit(context.Context, domain.AuditEvent) error { return errors.New("table gone") }

// TestNoticeWithoutMailOrAudit: even when neither the mail nor the audit
// can be written, the methods return (they never panic or block), and
// the failures are logged.
func TestNoticeWithoutMailOrAudit(t *testing.T) {
	var logs strings.Builder
	n := &notify.Notifier{Mailer: failing{}, Store: failing{}, Clock: apptest.NewClock(time.Now()),
		Log: slog.New(slog.NewJSONHandler(&logs, nil))}
	admin := &domain.Admin{ID: "a", AccountID: "acme", Email: "a@acme.example"}
	n.OwnerStartedReactivation(context.Background(), &domain.Admin{ID: "o", Name: "O"}, admin, &domain.Reactivation{ID: "r"})
	n.PhoneActivated(context.Background(), admin, &domain.Credential{ID: "c"})
	if got := logs.String(); strings.Count(got, "security notice not sent") != 2 || strings.Count(got, "security notice not audited") != 2 {
		t.Fatalf("logs:\n%s", got)
	}
}
