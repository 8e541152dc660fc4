//go:build !fuzz

package dynamo_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"push-reactivation/shared/domain"
	"push-reactivation/shared/dynamo"
	"push-reactivation/shared/secret"
)

var emailLimit = dynamo.Limit{Name: "email", Window: 24 * time.Hour, Max: domain.MaxEmailsPerAdminDay}

// addEmail reads the reactivation, adds a fresh email code as the service
// does and returns the code with the receipt.
func (f *fixture) addEmail(t *testing.T, s *dynamo.Store, id string) (string, *dynamo.IssuedEmailCode, error) {
	t.Helper()
	before, err := f.store.GetReactivation(f.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	code, _ := secret.ActivationCode(nil, domain.ActivationCodeLength)
	after, c := before.WithEmailCode(secret.Hash(code), f.clock.Now())
	evID, _ := secret.ID(nil)
	issued, err := s.AddEmailCode(f.ctx, dynamo.NewEmailCode{
		Before: *before, After: after, Code: c, Limit: emailLimit,
		Audit: domain.AuditEvent{ID: evID, Time: f.clock.Now(), AccountID: before.AccountID, TargetID: before.AdminID,
			Action: domain.ActionReactivationEmail, Outcome: domain.OutcomeSuccess, Details: map[string]string{"to": "a***1@acme.example"}},
	})
	return code, issued, err
}

func (f *fixture) usable(code string) bool {
	_, err := f.store.GetActivationTarget(f.ctx, secret.Hash(code))
	return err == nil
}

func TestAddEmailCode(t *testing.T) {
	f := newFixture(t)
	admin := f.seedAdmin(t, "a1", "a1@acme.example")
	r, qr := f.startReactivation(t, admin, 10*time.Minute)

	e1, _, err := f.addEmail(t, f.store, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := f.store.GetReactivation(f.ctx, r.ID)
	wantExpiry := f.clock.Now().Add(domain.EmailLinkValidity)
	if got.EmailCodeHash != secret.Hash(e1) || !got.EmailExpiresAt.Equal(wantExpiry) || !got.ExpiresAt.Equal(wantExpiry) || got.EmailsSent != 1 {
		t.Fatalf("after first email: %+v", got)
	}
	c, err := f.store.GetActivationCode(f.ctx, secret.Hash(e1))
	if err != nil || c.Kind != domain.CodeKindEmail || c.ReactivationID != r.ID {
		t.Fatalf("email code: %+v %v", c, err)
	}
	if !f.usable(e1) || !f.usable(qr) {
		t.Fatal("both the QR code and the email code must work")
	}

	// The QR code lapses; the reactivation stays pending on its email code.
	f.clock.Add(11 * time.Minute)
	if f.usable(qr) || !f.usable(e1) {
		t.Fatal("after the QR code lapsed, only the email code works")
	}
	e2, _, err := f.addEmail(t, f.store, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if f.usable(e1) || !f.usable(e2) {
		t.Fatal("a new email replaces the earlier link")
	}
	e3, _, err := f.addEmail(t, f.store, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	// The store's condition enforces the per-reactivation limit on its own.
	before, _ := f.store.GetReactivation(f.ctx, r.ID)
	code, _ := secret.ActivationCode(nil, domain.ActivationCodeLength)
	after, c4 := before.WithEmailCode(secret.Hash(code), f.clock.Now())
	_, err = f.store.AddEmailCode(f.ctx, dynamo.NewEmailCode{Before: *before, After: after, Code: c4, Limit: emailLimit,
		Audit: domain.AuditEvent{ID: "x", Time: f.clock.Now(), AccountID: "acme", Action: domain.ActionReactivationEmail}})
	if !errors.Is(err, dynamo.ErrEmailRaced) {
		t.Fatalf("4th email: %v", err)
	}
	if _, err := f.store.GetActivationCode(f.ctx, secret.Hash(code)); err == nil {
		t.Fatal("refused email code was stored")
	}
	if err := before.CheckEmail(f.clock.Now()); !errors.Is(err, domain.ErrRateLimited) {
		t.Fatalf("CheckEmail after 3: %v", err)
	}

	// Redeeming the current email code activates the reactivation.
	if err := f.redeem(e2, "cred"); !errors.Is(err, domain.ErrUnknownActivation) {
		t.Fatalf("replaced link redeemed: %v", err)
	}
	if err := f.redeem(e3, "cred"); err != nil {
		t.Fatal(err)
	}
	got, _ = f.store.GetReactivation(f.ctx, r.ID)
	if got.Status != domain.ReactivationActivated || got.CheckEmail(f.clock.Now()) == nil {
		t.Fatalf("after redeem: %+v", got)
	}
}

func TestAddEmailCodeRefusesStaleRead(t *testing.T) {
	f := newFixture(t)
	admin := f.seedAdmin(t, "a1", "a1@acme.example")
	r, _ := f.startReactivation(t, admin, 10*time.Minute)
	stale, _ := f.store.GetReactivation(f.ctx, r.ID)
	if _, _, err := f.addEmail(t, f.store, r.ID); err != nil {
		t.Fatal(err)
	}
	after, c := stale.WithEmailCode(secret.Hash("other"), f.clock.Now())
	_, err := f.store.AddEmailCode(f.ctx, dynamo.NewEmailCode{Before: *stale, After: after, Code: c, Limit: emailLimit,
		Audit: domain.AuditEvent{ID: "y", Time: f.clock.Now(), AccountID: "acme", Action: domain.ActionReactivationEmail}})
	if !errors.Is(err, dynamo.ErrEmailRaced) {
		t.Fatalf("two emails from one read: %v", err)
	}
}

func TestEmailDailyLimit(t *testing.T) {
	f := newFixture(t)
	admin := f.seedAdmin(t, "a1", "a1@acme.example")
	sent := 0
	for sent < domain.MaxEmailsPerAdminDay {
		r, _ := f.startReactivation(t, admin, 10*time.Minute)
		for range domain.MaxEmailsPerReactivation {
			if sent == domain.MaxEmailsPerAdminDay {
				break
			}
			if _, _, err := f.addEmail(t, f.store, r.ID); err != nil {
				t.Fatalf("email %d: %v", sent+1, err)
			}
			sent++
		}
	}
	r, _ := f.startReactivation(t, admin, 10*time.Minute)
	_, _, err := f.addEmail(t, f.store, r.ID)
	var de *domain.Error
	if !errors.As(err, &de) || de.Code != domain.CodeRateLimited || de.RetryAfter <= 0 || de.RetryAfter > 24*time.Hour {
		t.Fatalf("11th email of the day: %v", err)
	}
	if got, _ := f.store.GetReactivation(f.ctx, r.ID); got.EmailsSent != 0 || got.EmailCodeHash != "" {
		t.Fatalf("refused email changed the reactivation: %+v", got)
	}
	f.clock.Add(de.RetryAfter)
	r, _ = f.startReactivation(t, admin, 10*time.Minute)
	if _, _, err := f.addEmail(t, f.store, r.ID); err != nil {
		t.Fatalf("next day: %v", err)
	}
}

func TestVoidEmailCodeRestoresFirstEmail(t *testing.T) {
	f := newFixture(t)
	admin := f.seedAdmin(t, "a1", "a1@acme.example")
	r, qr := f.startReactivation(t, admin, 10*time.Minute)
	before, _ := f.store.GetReactivation(f.ctx, r.ID)

	code, issued, err := f.addEmail(t, f.store, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.store.VoidEmailCode(f.ctx, issued, "email service unavailable"); err != nil {
		t.Fatal(err)
	}
	if f.usable(code) || !f.usable(qr) {
		t.Fatal("the voided email code must not work; the QR code must")
	}
	got, _ := f.store.GetReactivation(f.ctx, r.ID)
	if got.EmailCodeHash != "" || !got.EmailExpiresAt.IsZero() || !got.ExpiresAt.Equal(before.ExpiresAt) || got.EmailsSent != 0 {
		t.Fatalf("reactivation not restored: %+v", got)
	}
	evs, _, _ := f.store.ListAudit(f.ctx, "acme", dynamo.AuditFilter{Action: domain.ActionReactivationEmail})
	if len(evs) != 1 || evs[0].Outcome != domain.OutcomeFailure || evs[0].Details["reason"] != "email service unavailable" || evs[0].Details["to"] == "" {
		t.Fatalf("audit: %+v", evs)
	}
	// Neither limit counted the failed email: ten more fit today.
	for i := range domain.MaxEmailsPerAdminDay {
		if i%domain.MaxEmailsPerReactivation == 0 {
			r, _ = f.startReactivation(t, admin, 10*time.Minute)
		}
		if _, _, err := f.addEmail(t, f.store, r.ID); err != nil {
			t.Fatalf("email %d after a voided one: %v", i+1, err)
		}
	}
}

func TestVoidEmailCodeRevivesEarlierLink(t *testing.T) {
	f := newFixture(t)
	admin := f.seedAdmin(t, "a1", "a1@acme.example")
	r, _ := f.startReactivation(t, admin, 10*time.Minute)
	first, _, err := f.addEmail(t, f.store, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	before, _ := f.store.GetReactivation(f.ctx, r.ID)
	f.clock.Add(time.Hour)
	second, issued, err := f.addEmail(t, f.store, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if f.usable(first) {
		t.Fatal("the second email cancels the first link")
	}
	if err := f.store.VoidEmailCode(f.ctx, issued, "x"); err != nil {
		t.Fatal(err)
	}
	if f.usable(second) || !f.usable(first) {
		t.Fatal("after a failed resend the earlier, delivered link works again and the new one does not")
	}
	got, _ := f.store.GetReactivation(f.ctx, r.ID)
	if got.EmailCodeHash != before.EmailCodeHash || !got.EmailExpiresAt.Equal(before.EmailExpiresAt) ||
		!got.ExpiresAt.Equal(before.ExpiresAt) || got.EmailsSent != 1 {
		t.Fatalf("reactivation %+v, want %+v", got, before)
	}
}

func TestVoidEmailCodeAfterReactivationMovedOn(t *testing.T) {
	f := newFixture(t)
	admin := f.seedAdmin(t, "a1", "a1@acme.example")

	t.Run("cancelled meanwhile", func(t *testing.T) {
		r, _ := f.startReactivation(t, admin, 10*time.Minute)
		code, issued, err := f.addEmail(t, f.store, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		cur, _ := f.store.GetReactivation(f.ctx, r.ID)
		if err := f.store.CancelReactivation(f.ctx, cur, domain.AuditEvent{ID: "c", Time: f.clock.Now(), AccountID: "acme", Action: domain.ActionReactivationCancel}); err != nil {
			t.Fatal(err)
		}
		if err := f.store.VoidEmailCode(f.ctx, issued, "x"); err != nil {
			t.Fatal(err)
		}
		got, _ := f.store.GetReactivation(f.ctx, r.ID)
		if f.usable(code) || got.Status != domain.ReactivationCancelled || got.EmailsSent != 0 {
			t.Fatalf("%+v", got)
		}
	})

	t.Run("newer email succeeded meanwhile", func(t *testing.T) {
		r, _ := f.startReactivation(t, admin, 10*time.Minute)
		failed, issued, err := f.addEmail(t, f.store, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		newer, _, err := f.addEmail(t, f.store, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.store.VoidEmailCode(f.ctx, issued, "x"); err != nil {
			t.Fatal(err)
		}
		got, _ := f.store.GetReactivation(f.ctx, r.ID)
		if f.usable(failed) || !f.usable(newer) || got.EmailCodeHash != secret.Hash(newer) || got.EmailsSent != 1 {
			t.Fatalf("%+v", got)
		}
	})

	t.Run("redeemed meanwhile", func(t *testing.T) {
		// SES timed out after accepting the email and the admin used it:
		// nothing may be undone.
		r, _ := f.startReactivation(t, admin, 10*time.Minute)
		code, issued, err := f.addEmail(t, f.store, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.redeem(code, "cred-redeemed"); err != nil {
			t.Fatal(err)
		}
		if err := f.store.VoidEmailCode(f.ctx, issued, "x"); err != nil {
			t.Fatal(err)
		}
		got, _ := f.store.GetReactivation(f.ctx, r.ID)
		if got.Status != domain.ReactivationActivated || got.EmailsSent != 1 || got.EmailCodeHash != secret.Hash(code) {
			t.Fatalf("%+v", got)
		}
		cred, err := f.store.GetCredential(f.ctx, "cred-redeemed")
		if err != nil || cred.Status != domain.CredentialActive {
			t.Fatalf("credential %+v %v", cred, err)
		}
	})
}

func TestEmailRoundTrips(t *testing.T) {
	f := newFixture(t)
	admin := f.seedAdmin(t, "a1", "a1@acme.example")
	r, _ := f.startReactivation(t, admin, 10*time.Minute)
	s, measure := f.countingStore(t)
	if _, _, err := f.addEmail(t, s, r.ID); err != nil {
		t.Fatal(err)
	}
	var issued *dynamo.IssuedEmailCode
	measure("AddEmailCode", 2, func() (err error) { _, issued, err = f.addEmail(t, s, r.ID); return err })
	measure("VoidEmailCode", 2, func() error { return s.VoidEmailCode(f.ctx, issued, "x") })
}

// TestConcurrentEmailsOneWins: requests that read the same reactivation
// race to add their email code; exactly one wins, the others change
// nothing, and the reactivation holds the winner's code.
func TestConcurrentEmailsOneWins(t *testing.T) {
	f := newFixture(t)
	admin := f.seedAdmin(t, "a1", "a1@acme.example")
	r, _ := f.startReactivation(t, admin, 10*time.Minute)
	before, _ := f.store.GetReactivation(f.ctx, r.ID)

	const n = 10
	codes := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		codes[i], _ = secret.ActivationCode(nil, domain.ActivationCodeLength)
		after, c := before.WithEmailCode(secret.Hash(codes[i]), f.clock.Now())
		wg.Go(func() {
			<-start
			_, errs[i] = f.store.AddEmailCode(f.ctx, dynamo.NewEmailCode{Before: *before, After: after, Code: c, Limit: emailLimit,
				Audit: domain.AuditEvent{ID: fmt.Sprint(i), Time: f.clock.Now(), AccountID: "acme", Action: domain.ActionReactivationEmail}})
		})
	}
	close(start)
	wg.Wait()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Fatalf("two winners: %d and %d", winner, i)
		case err == nil:
			winner = i
		case !errors.Is(err, dynamo.ErrEmailRaced):
			t.Fatalf("loser %d: %v", i, err)
		}
	}
	if winner < 0 {
		t.Fatal("no winner")
	}
	got, _ := f.store.GetReactivation(f.ctx, r.ID)
	if got.EmailsSent != 1 || got.EmailCodeHash != secret.Hash(codes[winner]) {
		t.Fatalf("after the race: %+v", got)
	}
	for i, c := range codes {
		if f.usable(c) != (i == winner) {
			t.Fatalf("code %d usable=%v, winner %d", i, f.usable(c), winner)
		}
	}
}

// TestEndingAReactivationLeavesNoUsableCode: a cancel, a redeem or a new
// reactivation that read the reactivation before an email code was added
// must not leave that code usable beside a reactivation that is no longer
// pending (the landing page reads the code item alone). Each write either
// fails, leaving the reactivation pending, or voids every code.
func TestEndingAReactivationLeavesNoUsableCode(t *testing.T) {
	ev := func(f *fixture, id string) domain.AuditEvent {
		return domain.AuditEvent{ID: id, Time: f.clock.Now(), AccountID: "acme", Action: "t", Outcome: domain.OutcomeSuccess}
	}
	for _, tt := range []struct {
		name string
		end  func(f *fixture, stale *domain.Reactivation, qr string) error
	}{
		{"cancel", func(f *fixture, stale *domain.Reactivation, _ string) error {
			return f.store.CancelReactivation(f.ctx, stale, ev(f, "cancel"))
		}},
		{"redeem", func(f *fixture, stale *domain.Reactivation, qr string) error {
			target, err := f.store.GetActivationTarget(f.ctx, secret.Hash(qr))
			if err != nil {
				return err
			}
			target.Reactivation = *stale
			now := f.clock.Now()
			return f.store.Redeem(f.ctx, dynamo.Redemption{Target: target,
				Credential: domain.Credential{ID: "c", AdminID: stale.AdminID, AccountID: "acme", Status: domain.CredentialActive, CreatedAt: now},
				Audit:      ev(f, "redeem")})
		}},
		{"new reactivation", func(f *fixture, stale *domain.Reactivation, _ string) error {
			now := f.clock.Now()
			return f.store.CreateReactivation(f.ctx, dynamo.NewReactivation{
				Reactivation:    domain.Reactivation{ID: "r2", AdminID: stale.AdminID, AccountID: "acme", Status: domain.ReactivationPending, CreatedAt: now, ExpiresAt: now.Add(time.Minute)},
				QRCode:          domain.ActivationCode{Hash: "h2", ReactivationID: "r2", Status: domain.ReactivationPending, ExpiresAt: now.Add(time.Minute)},
				ExpectedPending: stale.ID, Cancel: stale, Audit: ev(f, "create"),
				Limit: dynamo.Limit{Name: "react", Window: time.Hour, Max: domain.MaxReactivationsPerAdminHour},
			})
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			admin := f.seedAdmin(t, "a1", "a1@acme.example")
			r, qr := f.startReactivation(t, admin, 10*time.Minute)
			stale, err := f.store.GetReactivation(f.ctx, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			emailed, _, err := f.addEmail(t, f.store, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			endErr := tt.end(f, stale, qr)
			cur, _ := f.store.GetReactivation(f.ctx, r.ID)
			_, codeErr := f.store.GetActivationCode(f.ctx, secret.Hash(emailed))
			if cur.Status != domain.ReactivationPending && codeErr == nil {
				t.Fatalf("reactivation %s (end: %v) but its emailed code is still usable", cur.Status, endErr)
			}
			if endErr == nil && cur.Status == domain.ReactivationPending {
				t.Fatal("the write succeeded but the reactivation is still pending")
			}
		})
	}
}
