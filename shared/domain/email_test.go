package domain

import (
	"errors"
	"testing"
	"time"
)

func TestWithEmailCode(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	r := Reactivation{ID: "r", AdminID: "a", AccountID: "acme", Status: ReactivationPending,
		ExpiresAt: now.Add(10 * time.Minute), QRCodeHash: "qr", EmailCodeHash: "old", EmailsSent: 1}
	after, code := r.WithEmailCode("new", now)
	if code.Kind != CodeKindEmail || code.Hash != "new" || code.Status != ReactivationPending ||
		!code.ExpiresAt.Equal(now.Add(EmailLinkValidity)) || code.ReactivationID != "r" || code.AdminID != "a" {
		t.Fatalf("code %+v", code)
	}
	if after.EmailCodeHash != "new" || after.EmailsSent != 2 || !after.ExpiresAt.Equal(code.ExpiresAt) || r.EmailsSent != 1 {
		t.Fatalf("after %+v (before must not change)", after)
	}
	// A later expiry is kept: the reactivation lives while any code does.
	r.ExpiresAt = now.Add(48 * time.Hour)
	if after, _ := r.WithEmailCode("x", now); !after.ExpiresAt.Equal(r.ExpiresAt) {
		t.Fatalf("expiry %s", after.ExpiresAt)
	}
}

func TestCheckEmail(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	pending := Reactivation{Status: ReactivationPending, ExpiresAt: now.Add(time.Hour)}
	tests := []struct {
		name string
		r    Reactivation
		want *Error
	}{
		{"pending", pending, nil},
		{"expired", Reactivation{Status: ReactivationPending, ExpiresAt: now}, ErrExpired},
		{"activated", Reactivation{Status: ReactivationActivated, ExpiresAt: now.Add(time.Hour)}, ErrConflict},
		{"cancelled", Reactivation{Status: ReactivationCancelled, ExpiresAt: now.Add(time.Hour)}, ErrConflict},
		{"emails used up", Reactivation{Status: ReactivationPending, ExpiresAt: now.Add(time.Hour), EmailsSent: MaxEmailsPerReactivation}, ErrRateLimited},
	}
	for _, tt := range tests {
		err := tt.r.CheckEmail(now)
		if (tt.want == nil) != (err == nil) || (tt.want != nil && !errors.Is(err, tt.want)) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
	used := Reactivation{Status: ReactivationPending, ExpiresAt: now.Add(time.Hour), EmailsSent: MaxEmailsPerReactivation}
	if de, _ := AsError(used.CheckEmail(now)); de.RetryAfter != time.Hour {
		t.Fatalf("Retry-After %s, want until the reactivation expires", de.RetryAfter)
	}
}
