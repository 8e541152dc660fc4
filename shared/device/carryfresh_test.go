package device_test

import (
	"testing"
	"time"

	"push-reactivation/internal/testenv/apptest"
)

// TestRedeemAfterANewCodeInTwoRoundTrips: the transactions that change a
// reactivation's codes (an email, a new QR code, an email undone) also
// rewrite the carry of its other live code (dynamo/codecarry.go), so that
// redeeming that code afterwards takes the redeem's two round trips, not a
// stale carry's three, and still leaves no usable code behind.
func TestRedeemAfterANewCodeInTwoRoundTrips(t *testing.T) {
	f := newFixture(t)
	redeem, dead := f.countedRedeems(t, 2)

	s := f.start("admin@acme.example")
	email := f.addEmailCode(s.Reactivation)
	redeem("QR code redeemed after an email", s.Code, 0)
	dead("the email code", email)

	s = f.start("owner@acme.example")
	email = f.addEmailCode(s.Reactivation)
	qr := f.replaceQRCode(s.Reactivation)
	redeem("email code redeemed after a new QR code", email, 1)
	dead("the new QR code", qr)
	dead("the first QR code", s.Code)

	// An email that could not be sent is undone: the codes left usable
	// carry the reactivation as restored.
	f.Clock.Advance(time.Hour) // a fresh hourly allowance of reactivations
	s = f.start("admin@acme.example")
	_, unsent := f.issueEmailCode(f.reread(s.Reactivation))
	if err := f.Deps.Store.VoidEmailCode(f.Ctx, unsent, "send failed"); err != nil {
		t.Fatal(err)
	}
	redeem("QR code redeemed after an unsent email", s.Code, 0)

	s = f.start("owner@acme.example")
	first := f.addEmailCode(s.Reactivation)
	_, unsent = f.issueEmailCode(f.reread(s.Reactivation))
	if err := f.Deps.Store.VoidEmailCode(f.Ctx, unsent, "send failed"); err != nil {
		t.Fatal(err)
	}
	redeem("earlier email code redeemed after an unsent email", first, 1)
	dead("the QR code", s.Code)
	if resp := f.call(apptest.Request{Method: "GET", Path: "/activate/" + s.Code}); resp.Status != 404 {
		t.Fatalf("the QR code: landing page %d after the redeem", resp.Status)
	}
}

// TestRedeemFromACarryStaleAfterARace: a carry still goes stale when the
// codes change in a race (a QR code replaced between an email's read and
// its commit, or between an email and its undo). The redeem's first
// transaction then fails (domain.ErrRedeemStale) and is made again from
// the read issued beside it: 3 round trips, and no usable code left.
func TestRedeemFromACarryStaleAfterARace(t *testing.T) {
	f := newFixture(t)
	redeem, dead := f.countedRedeems(t, 3)

	// The email was read before the new QR code and committed after it:
	// the new QR code's carry names no email code, the email code's names
	// the first QR code.
	s := f.start("admin@acme.example")
	read := f.reread(s.Reactivation)
	qr := f.replaceQRCode(s.Reactivation)
	email, _ := f.issueEmailCode(read)
	redeem("new QR code, email committed after it", qr, 0)
	dead("the email code", email)

	s = f.start("owner@acme.example")
	read = f.reread(s.Reactivation)
	qr = f.replaceQRCode(s.Reactivation)
	email, _ = f.issueEmailCode(read)
	redeem("email code read before the new QR code", email, 1)
	dead("the new QR code", qr)

	// A new QR code between an email and its undo carries the email code
	// the undo took back.
	f.Clock.Advance(time.Hour) // a fresh hourly allowance of reactivations
	s = f.start("admin@acme.example")
	_, unsent := f.issueEmailCode(f.reread(s.Reactivation))
	qr = f.replaceQRCode(s.Reactivation)
	if err := f.Deps.Store.VoidEmailCode(f.Ctx, unsent, "send failed"); err != nil {
		t.Fatal(err)
	}
	redeem("QR code issued between an email and its undo", qr, 0)
	dead("the first QR code", s.Code)
}

// countedRedeems returns redeem, which activates a code with key k and
// checks that it took want round trips, and dead, which checks that a code
// can no longer be redeemed.
func (f *fixture) countedRedeems(t *testing.T, want int64) (redeem func(name, code string, k int), dead func(name, code string)) {
	counter := f.counting()
	redeem = func(name, code string, k int) {
		t.Helper()
		counter.Reset()
		if resp := f.activateRaw(code, activationForm(key(k))); resp.Status != 200 {
			t.Fatalf("%s: %d %s", name, resp.Status, resp.Body)
		}
		if got := counter.Count(); got != want {
			t.Errorf("%s: %d round trips, want %d", name, got, want)
		}
	}
	dead = func(name, code string) {
		t.Helper()
		if resp := f.activateRaw(code, activationForm(key(2))); resp.Status != 404 {
			t.Fatalf("%s after the redeem: %d %s", name, resp.Status, resp.Body)
		}
	}
	return redeem, dead
}
