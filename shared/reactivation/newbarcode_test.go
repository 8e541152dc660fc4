package reactivation_test

import (
	"encoding/base64"
	"errors"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"push-reactivation/internal/testenv"
	"push-reactivation/internal/testenv/apptest"
	"push-reactivation/shared/device"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/email"
	"push-reactivation/shared/owner"
	"push-reactivation/shared/profile"
	"push-reactivation/shared/secret"
)

func barcodePath(id string) string { return "/v1/reactivations/" + id + "/barcode" }

// barcode asks for a new QR code with token's session.
func (f *fixture) barcode(token, id string) *apptest.Response {
	f.T.Helper()
	return f.call(apptest.Request{Method: "POST", Path: barcodePath(id), Token: token, JSON: map[string]any{}})
}

// newBarcode asks for a new QR code and expects 201.
func (f *fixture) newBarcode(token, id string) apptest.Started {
	f.T.Helper()
	resp := f.barcode(token, id)
	if resp.Status != 201 {
		f.T.Fatalf("barcode of %s: %d %s", id, resp.Status, resp.Body)
	}
	var s apptest.Started
	resp.OK(f.T, &s)
	return s
}

// usable reports whether code can still be redeemed (the landing page's
// and the device API's first read).
func (f *fixture) usable(code string) bool {
	f.T.Helper()
	_, err := f.Deps.Store.GetActivationCode(f.Ctx, secret.Hash(code))
	if err != nil && !errors.Is(err, domain.ErrUnknownActivation) {
		f.T.Fatal(err)
	}
	return err == nil
}

var linkRE = regexp.MustCompile(`https://localhost:3443/activate/([A-Za-z0-9]{20})\b`)

// TestNewBarcodeKillsOnlyTheOldQRCode walks the whole life on real peers
// (embedded DynamoDB, aws-ses-v2-local): an Owner starts a reactivation
// for an admin (one notice email), the admin emails itself the link, the
// Owner asks for a new QR code. The answer has the start call's shape and
// a scannable QR code; the previous QR code is dead through the device
// API (40403); the new QR code and the emailed link both work; no email
// is sent for the new QR code; the administrator log names actor and
// target. Then the emailed link activates the phone.
func TestNewBarcodeKillsOnlyTheOldQRCode(t *testing.T) {
	ses := testenv.StartSES(t)
	t.Setenv("AWS_ENDPOINT_URL_SESV2", ses.URL())
	f := newFixture(t)
	ownerRouter, emailRouter, phone := owner.NewRouter(f.Deps.Logic(), f.Mailer()), email.NewRouter(f.Deps.Logic(), f.Mailer()), device.NewService(f.Deps.Logic()).Router()
	ownerToken, adminToken := f.SessionFor("owner@acme.example"), f.SessionFor("admin@acme.example")
	emails := func() int {
		t.Helper()
		es, err := ses.Emails(f.Ctx)
		if err != nil {
			t.Fatal(err)
		}
		return len(es)
	}

	first := f.StartReactivation(ownerRouter, ownerToken, apptest.OwnerReactivationPath("acme-admin"), map[string]any{"valid_secs": 600})
	if n := emails(); n != 1 {
		t.Fatalf("%d emails after an Owner's start, want the notice", n)
	}
	if resp := f.Call(emailRouter, apptest.Request{Method: "POST", Path: "/v1/reactivations/" + first.ReactivationID + "/email", Token: adminToken}); resp.Status != 202 {
		t.Fatalf("email: %d %s", resp.Status, resp.Body)
	}
	es, err := ses.Emails(f.Ctx)
	if err != nil || len(es) != 2 {
		t.Fatalf("%d emails, %v", len(es), err)
	}
	m := linkRE.FindStringSubmatch(es[1].Body.Text)
	if m == nil {
		t.Fatalf("no link in %s", es[1].Body.Text)
	}
	emailCode := m[1]
	// The admin's profile counts the email and shows the link's expiry,
	// which now keeps the reactivation pending (DESIGN.md §3, §4.1).
	var pv profile.View
	f.call(apptest.Request{Method: "GET", Path: profilePath, Token: adminToken}).OK(t, &pv)
	linkExpiry := f.Clock.Now().Add(domain.EmailLinkValidity)
	if p := pv.SecondaryAuth.Push.PendingReactivation; p == nil || p.ReactivationID != first.ReactivationID || p.EmailsSent != 1 || p.EmailsLeft != 2 ||
		!p.EmailExpiresAt.Equal(linkExpiry) || !p.ExpiresAt.Equal(linkExpiry) || p.StartedBy.AdminID != "acme-owner" || p.StartedBy.Name != "Olivia Owner" {
		t.Fatalf("pending reactivation after an email: %+v", p)
	}

	f.Clock.Advance(time.Minute)
	second := f.newBarcode(ownerToken, first.ReactivationID)
	if second.ReactivationID != first.ReactivationID || second.Status != "pending" || second.Code() == first.Code() || !codeRE.MatchString(second.Code()) {
		t.Fatalf("new barcode %+v after %+v", second, first)
	}
	if second.ActivationURL != "https://localhost:3443/activate/"+second.Code() {
		t.Errorf("activation_url %s", second.ActivationURL)
	}
	if want := f.Clock.Now().Add(domain.QRValidityDefault); !second.ExpiresAt.Equal(want) {
		t.Errorf("expires_at %s, want the new QR code's %s", second.ExpiresAt, want)
	}
	png, err := base64.StdEncoding.DecodeString(second.BarcodePNG)
	if err != nil {
		t.Fatal(err)
	}
	if text, _ := apptest.DecodeQR(t, png); text != second.Barcode {
		t.Errorf("QR holds %q, want %q", text, second.Barcode)
	}
	if n := emails(); n != 2 {
		t.Errorf("%d emails after a new QR code, want still 2: no notice for a barcode", n)
	}

	apptest.ExpectFail(t, f.Activate(phone, first.Code(), "iOS", "iPhone 16"), 404, int(domain.CodeUnknownActivation))
	if !f.usable(second.Code()) || !f.usable(emailCode) {
		t.Fatal("the new QR code and the emailed link must both work")
	}
	r, err := f.Deps.Store.GetReactivation(f.Ctx, first.ReactivationID)
	if err != nil || r.BarcodesIssued != 1 || r.EmailsSent != 1 || !r.ExpiresAt.Equal(r.EmailExpiresAt) {
		t.Fatalf("reactivation %+v %v: the email code keeps it pending for 24 h", r, err)
	}
	events, _, err := f.Deps.Store.ListAudit(f.Ctx, "acme", domain.AuditFilter{Action: domain.ActionReactivationBarcode})
	if err != nil || len(events) != 1 || events[0].ActorID != "acme-owner" || events[0].TargetID != "acme-admin" ||
		events[0].Details["reactivation_id"] != first.ReactivationID {
		t.Fatalf("barcode audit %+v %v", events, err)
	}

	var act struct {
		Reactivated bool `json:"reactivated"`
	}
	f.Activate(phone, emailCode, "Android", "Pixel 9").OK(t, &act)
	if !act.Reactivated {
		t.Fatal("the emailed link did not activate")
	}
	if f.usable(second.Code()) {
		t.Error("the new QR code outlived the activation")
	}
}

// TestBarcodeLimit: five new QR codes per reactivation, the sixth is 429
// 42901 with Retry-After; only the newest code of all is alive.
func TestBarcodeLimit(t *testing.T) {
	f := newFixture(t)
	token := f.SessionFor("admin@acme.example")
	s := f.start(token, nil)
	codes := []string{s.Code()}
	for range domain.MaxBarcodesPerReactivation {
		codes = append(codes, f.newBarcode(token, s.ReactivationID).Code())
	}
	resp := f.barcode(token, s.ReactivationID)
	apptest.ExpectFail(t, resp, 429, int(domain.CodeRateLimited))
	if ra, err := strconv.Atoi(resp.Headers["Retry-After"]); err != nil || ra <= 0 {
		t.Errorf("Retry-After %q", resp.Headers["Retry-After"])
	}
	for i, c := range codes {
		if got, want := f.usable(c), i == len(codes)-1; got != want {
			t.Errorf("code %d usable %v, want %v", i, got, want)
		}
	}
}

// TestConcurrentBarcodes: ten requests at once for one reactivation leave
// exactly one live QR code, the one of a 201, and at most five issued,
// matching the count on the reactivation.
func TestConcurrentBarcodes(t *testing.T) {
	f := newFixture(t)
	token := f.SessionFor("admin@acme.example")
	s := f.start(token, nil)
	const n = 10
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		issued  []string
		answers = map[int]int{}
	)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := f.router.Handle(f.Ctx, apptest.Event(apptest.Request{Method: "POST", Path: barcodePath(s.ReactivationID), Token: token, JSON: map[string]any{}}))
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			answers[resp.StatusCode]++
			if resp.StatusCode == 201 {
				var st apptest.Started
				(&apptest.Response{Status: resp.StatusCode, Body: resp.Body}).OK(t, &st)
				issued = append(issued, st.Code())
			}
		}()
	}
	wg.Wait()
	t.Logf("answers %v", answers)
	if len(issued) == 0 || len(issued) > domain.MaxBarcodesPerReactivation || answers[201]+answers[429]+answers[409] != n {
		t.Fatalf("answers %v", answers)
	}
	live := 0
	for _, c := range append([]string{s.Code()}, issued...) {
		if f.usable(c) {
			live++
		}
	}
	r, err := f.Deps.Store.GetReactivation(f.Ctx, s.ReactivationID)
	if err != nil {
		t.Fatal(err)
	}
	if live != 1 || r.BarcodesIssued != len(issued) {
		t.Fatalf("%d live QR codes, %d issued, count %d", live, len(issued), r.BarcodesIssued)
	}
	var liveCode string
	for _, c := range issued {
		if f.usable(c) {
			liveCode = c
		}
	}
	if r.QRCodeHash != secret.Hash(liveCode) {
		t.Fatal("the reactivation's QR hash is not the live code's")
	}
}

// TestBarcodeNeedsRecentAuthentication: 16 minutes after the second
// factor a new QR code is refused (40103), and nothing changed.
func TestBarcodeNeedsRecentAuthentication(t *testing.T) {
	f := newFixture(t)
	token := f.SessionFor("admin@acme.example")
	s := f.start(token, map[string]any{"valid_secs": 3600})
	f.Clock.Advance(16 * time.Minute)
	apptest.ExpectFail(t, f.barcode(token, s.ReactivationID), 401, 40103)
	if !f.usable(s.Code()) {
		t.Fatal("a refused request killed the QR code")
	}
	f.newBarcode(f.SessionFor("admin@acme.example"), s.ReactivationID)
}

// TestWhoMayAskForABarcode mirrors GET /v1/reactivations/{id}: the target
// and an Owner of its account (acting in it); another admin of the
// account, or an Owner of another account, gets 404 as if it did not
// exist; the target acting in a child account gets 40302, as for starting.
func TestWhoMayAskForABarcode(t *testing.T) {
	f := newFixture(t)
	adminToken := f.SessionFor("admin@acme.example")
	s := f.start(adminToken, map[string]any{"valid_secs": 3600})
	for _, who := range []string{"helpdesk@acme.example", "msp@umbrella.example"} {
		apptest.ExpectFail(t, f.barcode(f.SessionFor(who), s.ReactivationID), 404, 40401)
	}
	apptest.ExpectFail(t, f.barcode(adminToken, "no-such-reactivation"), 404, 40401)
	f.newBarcode(f.SessionFor("owner@acme.example"), s.ReactivationID)
	f.newBarcode(adminToken, s.ReactivationID)

	msp := f.SessionFor("msp@umbrella.example")
	own := f.start(msp, nil)
	if err := f.SetActingAccount(secret.Hash(msp), "umbrella-child"); err != nil {
		t.Fatal(err)
	}
	apptest.ExpectFail(t, f.barcode(msp, own.ReactivationID), 403, 40302)
	if !f.usable(own.Code()) {
		t.Fatal("a refused request killed the QR code")
	}
}

// TestBarcodeOnlyWhilePending: cancelled gives 409, expired 410, and
// neither gets a usable code.
func TestBarcodeOnlyWhilePending(t *testing.T) {
	f := newFixture(t)
	token := f.SessionFor("admin@acme.example")
	s := f.start(token, nil)
	f.call(apptest.Request{Method: "DELETE", Path: "/v1/reactivations/" + s.ReactivationID, Token: token}).OK(t, nil)
	apptest.ExpectFail(t, f.barcode(token, s.ReactivationID), 409, 40901)

	s = f.start(token, map[string]any{"valid_secs": 60})
	f.Clock.Advance(time.Minute)
	apptest.ExpectFail(t, f.barcode(f.SessionFor("admin@acme.example"), s.ReactivationID), 410, 41001)
}

// TestReplaceQRCodeConditions: the store refuses a swap whose reactivation
// moved on since it was read, so a stale read can never revive a dead
// code or leave two live ones.
func TestReplaceQRCodeConditions(t *testing.T) {
	f := newFixture(t)
	token := f.SessionFor("admin@acme.example")
	s := f.start(token, nil)
	before, err := f.Deps.Store.GetReactivation(f.Ctx, s.ReactivationID)
	if err != nil {
		t.Fatal(err)
	}
	second := f.newBarcode(token, s.ReactivationID)
	now := f.Clock.Now()
	after, code := before.WithQRCode(secret.Hash("stalestalestalestale"), now, time.Hour)
	err = f.Deps.Store.ReplaceQRCode(f.Ctx, domain.NewQRCode{Before: *before, After: after, Code: code,
		Audit: domain.AuditEvent{ID: "stale", Time: now, AccountID: "acme", Action: domain.ActionReactivationBarcode, Outcome: domain.OutcomeSuccess}})
	if !errors.Is(err, domain.ErrQRCodeRaced) {
		t.Fatalf("stale swap: %v", err)
	}
	if f.usable("stalestalestalestale") || !f.usable(second.Code()) {
		t.Fatal("a refused swap changed the codes")
	}
}
