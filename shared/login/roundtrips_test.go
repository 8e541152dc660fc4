//go:build !fuzz

package login_test

import (
	"testing"

	"push-reactivation/infra/smsvoicelocal"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/hotp"
	"push-reactivation/shared/login"
)

// TestVerifyRoundTrips pins the round trips of a second factor at the
// bounds of issue 15 (docs/table.md): verifying an SMS passcode or a Duo
// Mobile passcode is 3 (the login; admin, account and credential read
// while the attempt is reserved; the session's transaction), and starting
// a Duo Push 3 (the login; admin, account and credential; the push).
func TestVerifyRoundTrips(t *testing.T) {
	f, db := countingFixture(t)
	f.activate(owner, rfcKey)
	measure := func(name string, want int64, fn func()) {
		t.Helper()
		if got := db.Measure(fn); got != want {
			t.Errorf("%s: %d round trips, want %d", name, got, want)
		}
	}

	tx := f.login(owner)
	f.factor(tx.TxID, domain.FactorSMS)
	code := f.passcode(ownerPhone, smsvoicelocal.KindSMS)
	measure("verify an SMS passcode", 3, func() { f.verify(tx.TxID, code).OK(t, &login.Authenticated{}) })

	tx = f.login(owner)
	measure("verify a Duo Mobile passcode", 3, func() { f.verify(tx.TxID, hotp.Code([]byte(rfcKey), 0, 6)).OK(t, nil) })

	tx = f.login(owner)
	measure("start a Duo Push", 3, func() { f.factor(tx.TxID, domain.FactorPush) })
}

// TestRefusedFactorGivesItsReservationBack: the lockout's reservation is
// taken while the admin and account are read, so a verify that the read
// refuses (here the account's policy no longer allows the factor) has
// reserved before it knew; it compared nothing, so the reservation goes
// back whole: however often it is tried, no attempt stays taken, nothing
// locks, and the SMS passcode keeps all its tries.
func TestRefusedFactorGivesItsReservationBack(t *testing.T) {
	f := newFixture(t)
	f.activate(owner, rfcKey)
	setFactors := func(factors ...domain.Factor) {
		t.Helper()
		acme, err := f.env.Deps.Store.GetAccount(f.env.Ctx, "acme")
		if err != nil {
			t.Fatal(err)
		}
		acme.Policy.AllowedFactors = factors
		if err := f.env.Deps.Store.PutAccount(f.env.Ctx, *acme); err != nil {
			t.Fatal(err)
		}
	}
	reserved := func(step string) {
		t.Helper()
		if a := f.admin(owner); a.AttemptsReserved != 0 || a.FailedAttempts != 0 || a.Status != domain.AdminActive {
			t.Fatalf("%s: %d attempts reserved, %d failed, status %s", step, a.AttemptsReserved, a.FailedAttempts, a.Status)
		}
	}

	sms := f.login(owner)
	f.factor(sms.TxID, domain.FactorSMS)
	code := f.passcode(ownerPhone, smsvoicelocal.KindSMS)
	duo := f.login(owner)
	setFactors(domain.FactorPush)
	for range domain.LockoutThreshold + 2 {
		failCode(t, f.verify(sms.TxID, code), domain.CodeForbidden)
		failCode(t, f.verify(duo.TxID, hotp.Code([]byte(rfcKey), 0, 6)), domain.CodeForbidden)
	}
	reserved("after refused verifies")
	tx, err := f.env.Deps.Store.GetLogin(f.env.Ctx, sms.TxID)
	if err != nil {
		t.Fatal(err)
	}
	if tx.PasscodeTries != 0 {
		t.Fatalf("refused verifies took %d tries of the passcode", tx.PasscodeTries)
	}

	setFactors(domain.FactorSMS, domain.FactorPasscode)
	f.verify(sms.TxID, code).OK(t, nil)
	f.verify(duo.TxID, hotp.Code([]byte(rfcKey), 0, 6)).OK(t, nil)
	reserved("after the successes")
}

// TestPhoneChangedDuringTheLogin: the login names the admin's active
// credential when it started (a hint that saves a read); a phone
// activated or replaced since then is the one that counts.
func TestPhoneChangedDuringTheLogin(t *testing.T) {
	f := newFixture(t)
	const otherKey = "abcdefghijabcdefghij"

	// No phone when the login started; one activated since.
	tx := f.login(owner)
	f.activate(owner, rfcKey)
	f.verify(tx.TxID, hotp.Code([]byte(rfcKey), 0, 6)).OK(t, nil)

	// The phone the login names was replaced: its passcodes are wrong now.
	tx = f.login(owner)
	f.activate(owner, otherKey)
	failCode(t, f.verify(tx.TxID, hotp.Code([]byte(rfcKey), 1, 6)), domain.CodeNotAuthenticated)
	f.verify(tx.TxID, hotp.Code([]byte(otherKey), 0, 6)).OK(t, nil)
}
