package domain

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestErrorIsMatchesCode(t *testing.T) {
	err := fmt.Errorf("wrapped: %w", Errorf(CodeConflict, "email already in use"))
	if !errors.Is(err, ErrConflict) || errors.Is(err, ErrNotFound) {
		t.Fatal("errors.Is must match on the code alone")
	}
	de, ok := AsError(err)
	if !ok || de.Detail != "email already in use" || de.Code.HTTPStatus() != 409 {
		t.Fatalf("%+v", de)
	}
	if RateLimited(0).RetryAfter != time.Second {
		t.Fatal("Retry-After must be at least a second")
	}
}

func TestSessionExpiry(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := Session{AuthenticatedAt: now, LastSeenAt: now, AbsoluteExpiresAt: now.Add(SessionAbsoluteTimeout)}
	if !s.Valid(now.Add(29*time.Minute)) || s.Valid(now.Add(30*time.Minute)) {
		t.Fatal("idle timeout is 30 minutes")
	}
	s.LastSeenAt = now.Add(12*time.Hour - time.Minute)
	if s.Valid(now.Add(12 * time.Hour)) {
		t.Fatal("absolute timeout is 12 hours, whatever the activity")
	}
	if !s.RecentlyAuthenticated(now.Add(15*time.Minute)) || s.RecentlyAuthenticated(now.Add(15*time.Minute+time.Second)) {
		t.Fatal("recent authentication window is 15 minutes")
	}
}

func TestReactivationEffectiveStatus(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	r := Reactivation{Status: ReactivationPending, ExpiresAt: now.Add(time.Minute)}
	if r.EffectiveStatus(now) != ReactivationPending || r.EffectiveStatus(now.Add(time.Minute)) != ReactivationExpired {
		t.Fatal("a pending reactivation expires with its last code")
	}
	r.Status = ReactivationActivated
	if r.EffectiveStatus(now.Add(time.Hour)) != ReactivationActivated {
		t.Fatal("a finished reactivation keeps its status")
	}
	c := ActivationCode{Status: ReactivationPending, ExpiresAt: now.Add(time.Minute)}
	if !c.Usable(now) || c.Usable(now.Add(time.Minute)) {
		t.Fatal("code usable only before expiry")
	}
}

func TestPolicyDefaults(t *testing.T) {
	p := DefaultPolicy()
	for _, f := range AllFactors {
		if !p.Allows(f) {
			t.Fatalf("default policy must allow %s", f)
		}
	}
	if p.VerifiedPushLength != 3 || p.QRValidity() != 600*time.Second {
		t.Fatalf("%+v", p)
	}
	if NormalizeEmail(" Owner@Acme.EXAMPLE ") != "owner@acme.example" {
		t.Fatal("emails compare case-insensitively")
	}
}

// TestNormalizeEmail (issue 11 §7): every spelling of one address that
// differs only by case or Unicode compatibility form is one key, and
// normalising twice changes nothing.
func TestNormalizeEmail(t *testing.T) {
	for _, in := range []string{
		"helpdesk@acme.example",
		"helpdes\u212a@acme.example", // Kelvin sign
		"\uff48elpdesk@acme.example", // full-width h
		"HELPDESK@ACME.EXAMPLE",
		"helpdesk\uff20acme.example",   // full-width @
		" helpdesk@acme.example\u3000", // ideographic space
		"help\u0064esk@acme.\uff45xample",
	} {
		if got := NormalizeEmail(in); got != "helpdesk@acme.example" {
			t.Errorf("NormalizeEmail(%q) = %q", in, got)
		}
	}
	for _, in := range []string{"\u0130nfo@acme.example", "\u017Fupport@acme.example", "stra\u00dfe@acme.example", "e\u0301@acme.example"} {
		once := NormalizeEmail(in)
		if NormalizeEmail(once) != once {
			t.Errorf("NormalizeEmail is not idempotent on %q: %q then %q", in, once, NormalizeEmail(once))
		}
	}
	if NormalizeEmail("\u017Fupport@acme.example") != "support@acme.example" {
		t.Error("long s is s")
	}
}
