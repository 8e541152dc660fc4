package email_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/smithy-go"

	"push-reactivation/internal/testenv/apptest"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/email"
	"push-reactivation/shared/secret"
	"push-reactivation/shared/sesmail"
)

// TestEmailedLinkActivatesPhone follows one activation email from the
// request to the phone: it goes to the address on file with the link, the
// inline QR of the email code's barcode, the expiry and the steps; the
// link opens the landing page; the phone redeems the code through the
// device API, which completes the reactivation and voids its QR code.
func TestEmailedLinkActivatesPhone(t *testing.T) {
	f := newFixture(t)
	token := f.SessionFor("admin@acme.example")
	id, qrCode := f.startSelf(token)

	s := f.sendEmail(f.email, token, id)
	wantExpiry := f.Clock.Now().Add(domain.EmailLinkValidity)
	if !s.EmailSent || s.To != "a***n@acme.example" || !s.ExpiresAt.Equal(wantExpiry) {
		t.Fatalf("answer %+v, want email_sent, masked address, expiry %s", s, wantExpiry)
	}

	e := f.lastEmail(1)
	if len(e.Destination.To) != 1 || e.Destination.To[0] != "admin@acme.example" || len(e.Destination.Cc)+len(e.Destination.Bcc) != 0 {
		t.Fatalf("recipients %+v, want only the address on file", e.Destination)
	}
	if !strings.Contains(e.From, f.Deps.Config.SenderEmail) || e.Subject != email.Subject {
		t.Fatalf("from %q subject %q", e.From, e.Subject)
	}
	code := linkCode(t, e)
	if code == qrCode || !domain.ActivationCodeWellFormed(code) {
		t.Fatal("the email must carry its own 20-character code, not the QR code")
	}
	link := "https://localhost:3443/activate/" + code
	expiry := wantExpiry.UTC().Format("Mon, 2 Jan 2006 15:04 MST")
	for _, want := range []string{"Adam Admin", link, expiry, "Duo Mobile", "contact your Owner or your security team", "cancelled"} {
		if !strings.Contains(e.Body.Text, want) {
			t.Errorf("text body lacks %q", want)
		}
		if !strings.Contains(e.Body.HTML, want) {
			t.Errorf("HTML body lacks %q", want)
		}
	}
	if strings.Contains(e.Body.Text, "an Owner of your") {
		t.Error("the admin asked: the email must not say an Owner sent it")
	}

	// The inline QR image: one related part, referenced by the HTML (the
	// local server swaps cid: for a data: URI), holding the barcode.
	if len(e.Attachments) != 1 {
		t.Fatalf("%d attachments, want the inline QR image", len(e.Attachments))
	}
	qr := e.Attachments[0]
	if qr.CID() != email.QRContentID || !qr.Related || qr.ContentDisposition != "inline" || qr.ContentType != "image/png" {
		t.Fatalf("QR part: cid %q related %v disposition %q type %q", qr.CID(), qr.Related, qr.ContentDisposition, qr.ContentType)
	}
	if !strings.Contains(e.Body.HTML, `<img src="data:image/png;base64,`) {
		t.Error("the HTML does not show the inline QR image")
	}
	wantBarcode := code + "-bG9jYWxob3N0OjM0NDM" // base64("localhost:3443") without padding
	if got, _ := apptest.DecodeQR(t, qr.Content); got != wantBarcode || got != domain.Barcode(code, "localhost:3443") {
		t.Fatalf("QR holds %q, want %q", got, wantBarcode)
	}

	// Stored: only the hash, as the reactivation's email code.
	r, err := f.Deps.Store.GetReactivation(f.Ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if r.EmailCodeHash != secret.Hash(code) || r.EmailsSent != 1 || !r.ExpiresAt.Equal(wantExpiry) || r.Status != domain.ReactivationPending {
		t.Fatalf("reactivation after email: %+v", r)
	}

	// The link opens the landing page, which hands the barcode to the app.
	page := f.landing(code)
	if page.Status != 200 || !strings.Contains(page.Body, "duo://"+wantBarcode) {
		t.Fatalf("landing page: %d %.200s", page.Status, page.Body)
	}
	// Still valid after the QR code's 10 minutes: the reactivation stays
	// pending while any of its codes is valid.
	f.Clock.Advance(time.Hour)
	if f.landing(qrCode).Status != 404 || f.landing(code).Status != 200 {
		t.Fatal("after an hour the QR code has lapsed and the emailed link still works")
	}

	resp := f.activate(code, "Android", "Pixel 9")
	if resp.Status != 200 {
		t.Fatalf("activation with the emailed code: %d %s", resp.Status, resp.Body)
	}
	var act struct {
		PKey        string `json:"pkey"`
		Reactivated bool   `json:"reactivated"`
	}
	resp.OK(t, &act)
	r, _ = f.Deps.Store.GetReactivation(f.Ctx, id)
	if !act.Reactivated || r.Status != domain.ReactivationActivated || r.CredentialID != act.PKey {
		t.Fatalf("after activation: %+v", r)
	}
	apptest.ExpectFail(t, f.activate(code, "Android", "Pixel 9"), 404, int(domain.CodeUnknownActivation))
	if f.landing(code).Status != 404 {
		t.Fatal("a used link must show the unknown-code page")
	}

	// The reactivation is done: another email is a clear 409.
	token = f.SessionFor("admin@acme.example")
	apptest.ExpectFail(t, f.Call(f.email, apptest.Request{Method: "POST", Path: emailPath(id), Token: token}), 409, int(domain.CodeConflict))

	evs, _, _ := f.Deps.Store.ListAudit(f.Ctx, "acme", domain.AuditFilter{Action: domain.ActionReactivationEmail})
	if len(evs) != 1 || evs[0].Outcome != domain.OutcomeSuccess || evs[0].Details["to"] != "a***n@acme.example" ||
		evs[0].ActorID != "acme-admin" || evs[0].TargetID != "acme-admin" || evs[0].IP == "" {
		t.Fatalf("audit %+v", evs)
	}
	f.noSecretsLogged(code, qrCode)
}

// TestEmailLimits: three emails per reactivation, each replacing the
// previous link; the fourth is 42901 with Retry-After and changes
// nothing. Ten per admin per day, across reactivations.
func TestEmailLimits(t *testing.T) {
	f := newFixture(t)
	token := f.SessionFor("admin@acme.example")
	id, _ := f.startSelf(token)

	var codes []string
	for i := range domain.MaxEmailsPerReactivation {
		f.sendEmail(f.email, token, id)
		codes = append(codes, linkCode(t, f.lastEmail(i+1)))
	}
	for i, c := range codes {
		want := 404
		if i == len(codes)-1 {
			want = 200
		}
		if got := f.landing(c).Status; got != want {
			t.Errorf("link of email %d: landing %d, want %d (each email replaces the previous link)", i+1, got, want)
		}
	}
	resp := f.Call(f.email, apptest.Request{Method: "POST", Path: emailPath(id), Token: token, Body: "{}"})
	fe := apptest.ExpectFail(t, resp, 429, int(domain.CodeRateLimited))
	// Retrying this reactivation never succeeds: Retry-After is the time
	// until it expires, 24 hours after its last email.
	if secs, err := strconv.Atoi(resp.Headers["Retry-After"]); err != nil || secs != int(domain.EmailLinkValidity/time.Second) {
		t.Fatalf("Retry-After %q, want until the reactivation expires", resp.Headers["Retry-After"])
	}
	if !strings.Contains(fe.MessageDetail, "per reactivation") {
		t.Errorf("detail %q", fe.MessageDetail)
	}
	if len(f.emails()) != 3 || f.landing(codes[2]).Status != 200 {
		t.Fatal("the refused email must send nothing and leave the last link working")
	}

	// Per admin per day: 10, counted across reactivations.
	sentToday := domain.MaxEmailsPerReactivation
	for sentToday < domain.MaxEmailsPerAdminDay {
		id, _ = f.startSelf(token)
		for range domain.MaxEmailsPerReactivation {
			if sentToday == domain.MaxEmailsPerAdminDay {
				break
			}
			f.sendEmail(f.email, token, id)
			sentToday++
		}
	}
	id, _ = f.startSelf(token)
	resp = f.Call(f.email, apptest.Request{Method: "POST", Path: emailPath(id), Token: token})
	apptest.ExpectFail(t, resp, 429, int(domain.CodeRateLimited))
	secs, err := strconv.Atoi(resp.Headers["Retry-After"])
	if err != nil || secs <= 0 || secs > 24*3600 {
		t.Fatalf("Retry-After %q", resp.Headers["Retry-After"])
	}
	if len(f.emails()) != domain.MaxEmailsPerAdminDay {
		t.Fatalf("%d emails sent, want %d", len(f.emails()), domain.MaxEmailsPerAdminDay)
	}
	r, _ := f.Deps.Store.GetReactivation(f.Ctx, id)
	if r.EmailsSent != 0 || r.EmailCodeHash != "" {
		t.Fatalf("refused email changed the reactivation: %+v", r)
	}
	f.noSecretsLogged(codes...)
}

// TestWhoMayAsk: the target admin for their own reactivation, or an Owner
// of its account; anyone else gets 404 as if it did not exist.
func TestWhoMayAsk(t *testing.T) {
	f := newFixture(t)
	adminToken := f.SessionFor("admin@acme.example")
	id, _ := f.startSelf(adminToken)
	call := func(token, path, body string) *apptest.Response {
		return f.Call(f.email, apptest.Request{Method: "POST", Path: path, Token: token, Body: body})
	}

	t.Run("another admin of the account who is not an Owner", func(t *testing.T) {
		apptest.ExpectFail(t, call(f.SessionFor("helpdesk@acme.example"), emailPath(id), ""), 404, int(domain.CodeNotFound))
	})
	t.Run("an Owner of another account", func(t *testing.T) {
		apptest.ExpectFail(t, call(f.SessionFor("msp@umbrella.example"), emailPath(id), ""), 404, int(domain.CodeNotFound))
	})
	t.Run("unknown reactivation", func(t *testing.T) {
		apptest.ExpectFail(t, call(adminToken, emailPath("0123456789abcdef0123456789abcdef"), ""), 404, int(domain.CodeNotFound))
	})
	t.Run("no session", func(t *testing.T) {
		apptest.ExpectFail(t, call("", emailPath(id), ""), 401, int(domain.CodeNotAuthenticated))
	})
	t.Run("body other than {}", func(t *testing.T) {
		apptest.ExpectFail(t, call(adminToken, emailPath(id), `{"to":"attacker@evil.example"}`), 400, int(domain.CodeInvalidParams))
		apptest.ExpectFail(t, call(adminToken, emailPath(id), `[]`), 400, int(domain.CodeInvalidParams))
	})
	if n := len(f.emails()); n != 0 {
		t.Fatalf("%d emails sent by refused requests", n)
	}

	t.Run("the Owner of the account, to the admin's address", func(t *testing.T) {
		s := f.sendEmail(f.email, f.SessionFor("owner@acme.example"), id)
		e := f.lastEmail(1)
		if s.To != "a***n@acme.example" || len(e.Destination.To) != 1 || e.Destination.To[0] != "admin@acme.example" {
			t.Fatalf("answer %+v, recipients %v: the email goes to the target admin, never to the Owner", s, e.Destination.To)
		}
		if !strings.Contains(e.Body.Text, "Olivia Owner, an Owner of your Duo administrator account, sent you this link") {
			t.Errorf("text does not say the Owner sent it:\n%s", e.Body.Text)
		}
		evs, _, _ := f.Deps.Store.ListAudit(f.Ctx, "acme", domain.AuditFilter{Action: domain.ActionReactivationEmail})
		if len(evs) != 1 || evs[0].ActorID != "acme-owner" || evs[0].TargetID != "acme-admin" {
			t.Fatalf("audit %+v", evs)
		}
	})

	t.Run("stale second factor", func(t *testing.T) {
		f.Clock.Advance(domain.RecentAuthWindow + time.Minute)
		apptest.ExpectFail(t, call(adminToken, emailPath(id), ""), 401, int(domain.CodeRecentAuthNeeded))
	})

	t.Run("expired", func(t *testing.T) {
		// The QR code's 600 s are over, but the Owner's emailed code keeps
		// the reactivation pending for 24 hours.
		f.sendEmail(f.email, f.SessionFor("admin@acme.example"), id)
		f.Clock.Advance(domain.EmailLinkValidity)
		apptest.ExpectFail(t, call(f.SessionFor("admin@acme.example"), emailPath(id), ""), 410, int(domain.CodeExpired))
	})

	t.Run("cancelled", func(t *testing.T) {
		tok := f.SessionFor("admin@acme.example")
		id3, _ := f.startSelf(tok)
		del := f.Call(f.react, apptest.Request{Method: "DELETE", Path: "/v1/reactivations/" + id3, Token: tok})
		if del.Status != 200 {
			t.Fatalf("cancel: %d %s", del.Status, del.Body)
		}
		fe := apptest.ExpectFail(t, call(tok, emailPath(id3), ""), 409, int(domain.CodeConflict))
		if !strings.Contains(fe.MessageDetail, "cancelled") {
			t.Errorf("detail %q", fe.MessageDetail)
		}
	})

	t.Run("own reactivation from a child account", func(t *testing.T) {
		tok := f.SessionFor("msp@umbrella.example")
		id4, _ := f.startSelf(tok)
		if err := f.SetActingAccount(secret.Hash(tok), "umbrella-child"); err != nil {
			t.Fatal(err)
		}
		apptest.ExpectFail(t, call(tok, emailPath(id4), ""), 403, int(domain.CodeChildAccount))
	})
}

// TestSESDownLeavesNoUsableCode: when SES cannot be reached the call is
// 503/50301, the code that was written for the email is voided, the
// reactivation is as before (the failed email counts against neither
// limit), and a later email works. When a resend fails, the earlier link,
// which was delivered, keeps working.
func TestSESDownLeavesNoUsableCode(t *testing.T) {
	f := newFixture(t)
	token := f.SessionFor("admin@acme.example")
	id, qrCode := f.startSelf(token)
	before, _ := f.Deps.Store.GetReactivation(f.Ctx, id)

	// The service as NewRouter builds it, with two changes: the mailer
	// points at a closed port, and its randomness is a seeded stream, so
	// the test can tell which code the failed request drew.
	seed := [32]byte{7}
	svc := email.NewService(f.Deps.Logic(), f.Mailer())
	svc.Mailer = f.mailerAt(closedEndpoint(t))
	svc.Random = rand.NewChaCha8(seed)
	down := svc.Router(&f.Deps.Logic().Common)
	lost, err := secret.ActivationCode(rand.NewChaCha8(seed), domain.ActivationCodeLength)
	if err != nil {
		t.Fatal(err)
	}

	resp := f.Call(down, apptest.Request{Method: "POST", Path: emailPath(id), Token: token})
	apptest.ExpectFail(t, resp, 503, int(domain.CodeUnavailable))
	if len(f.emails()) != 0 {
		t.Fatal("nothing reached SES")
	}
	if _, err := f.Deps.Store.GetActivationCode(f.Ctx, secret.Hash(lost)); !errors.Is(err, domain.ErrUnknownActivation) {
		t.Fatalf("the unsent code is usable: %v", err)
	}
	if f.landing(lost).Status != 404 {
		t.Fatal("the unsent code opens the landing page")
	}
	apptest.ExpectFail(t, f.activate(lost, "Android", "Pixel 9"), 404, int(domain.CodeUnknownActivation))
	r, _ := f.Deps.Store.GetReactivation(f.Ctx, id)
	if r.EmailCodeHash != "" || r.EmailsSent != 0 || !r.ExpiresAt.Equal(before.ExpiresAt) || r.Status != domain.ReactivationPending {
		t.Fatalf("reactivation after a failed send: %+v, want as before %+v", r, before)
	}
	if f.landing(qrCode).Status != 200 {
		t.Fatal("the QR code must still work")
	}
	evs, _, _ := f.Deps.Store.ListAudit(f.Ctx, "acme", domain.AuditFilter{Action: domain.ActionReactivationEmail})
	if len(evs) != 1 || evs[0].Outcome != domain.OutcomeFailure || evs[0].Details["reason"] != "email service unavailable" {
		t.Fatalf("audit %+v", evs)
	}

	// SES is back: the next email works and is the first one counted.
	f.sendEmail(f.email, token, id)
	delivered := linkCode(t, f.lastEmail(1))
	r, _ = f.Deps.Store.GetReactivation(f.Ctx, id)
	if r.EmailsSent != 1 || f.landing(delivered).Status != 200 {
		t.Fatalf("email after recovery: %+v", r)
	}

	// A resend fails: its code is voided, the delivered link still works.
	lost2, _ := secret.ActivationCode(rand.NewChaCha8([32]byte{8}), domain.ActivationCodeLength)
	svc.Random = rand.NewChaCha8([32]byte{8})
	apptest.ExpectFail(t, f.Call(down, apptest.Request{Method: "POST", Path: emailPath(id), Token: token}), 503, int(domain.CodeUnavailable))
	if f.landing(lost2).Status != 404 || f.landing(delivered).Status != 200 {
		t.Fatal("after a failed resend the delivered link works and the unsent one does not")
	}
	r, _ = f.Deps.Store.GetReactivation(f.Ctx, id)
	if r.EmailCodeHash != secret.Hash(delivered) || r.EmailsSent != 1 {
		t.Fatalf("after a failed resend: %+v", r)
	}
	if resp := f.activate(delivered, "iOS", "iPhone 16"); resp.Status != 200 {
		t.Fatalf("the delivered link after a failed resend: %d %s", resp.Status, resp.Body)
	}
	f.noSecretsLogged(lost, lost2, delivered, qrCode)
}

// stubSender answers SendEmail with a fixed error.
type stubSender struct{ err error }

func (s stubSender) SendEmail(context.Context, *sesv2.SendEmailInput, ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error) {
	return nil, s.err
}

// TestSESRefusals: throttling and a rejected message are 503 like an
// unreachable SES; an error that says our request is wrong is 500. Each
// voids the code.
func TestSESRefusals(t *testing.T) {
	f := newFixture(t)
	token := f.SessionFor("admin@acme.example")
	id, _ := f.startSelf(token)
	for i, tt := range []struct {
		code   string
		status int
	}{
		{"TooManyRequestsException", 503},
		{"MessageRejected", 503},
		{"BadRequestException", 500},
	} {
		svc := email.NewService(f.Deps.Logic(), f.Mailer())
		svc.Mailer = sesmail.NewWithSender(stubSender{&smithy.GenericAPIError{Code: tt.code, Message: "refused"}}, f.Deps.Config.SenderEmail, "")
		seed := [32]byte{byte(i + 1)}
		svc.Random = rand.NewChaCha8(seed)
		lost, _ := secret.ActivationCode(rand.NewChaCha8(seed), domain.ActivationCodeLength)
		resp := f.Call(svc.Router(&f.Deps.Logic().Common), apptest.Request{Method: "POST", Path: emailPath(id), Token: token})
		want := int(domain.CodeUnavailable)
		if tt.status == 500 {
			want = int(domain.CodeInternal)
		}
		apptest.ExpectFail(t, resp, tt.status, want)
		if _, err := f.Deps.Store.GetActivationCode(f.Ctx, secret.Hash(lost)); !errors.Is(err, domain.ErrUnknownActivation) {
			t.Fatalf("%s: the unsent code is usable", tt.code)
		}
	}
	r, _ := f.Deps.Store.GetReactivation(f.Ctx, id)
	if r.EmailsSent != 0 || r.EmailCodeHash != "" {
		t.Fatalf("failed sends were counted: %+v", r)
	}
	f.noSecretsLogged()
}
