package domain

import (
	"errors"
	"testing"
	"time"
)

func TestWithQRCode(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	r := Reactivation{ID: "r", AdminID: "a", AccountID: "acme", Status: ReactivationPending,
		ExpiresAt: now.Add(time.Hour), QRCodeHash: "old", QRExpiresAt: now.Add(time.Hour)}
	after, code := r.WithQRCode("new", now, 10*time.Minute)
	if code.Kind != CodeKindQR || code.Hash != "new" || code.Status != ReactivationPending || code.ReactivationID != "r" ||
		!code.ExpiresAt.Equal(now.Add(10*time.Minute)) {
		t.Fatalf("code %+v", code)
	}
	// The old QR code is dead, so a shorter new one shortens the life.
	if after.QRCodeHash != "new" || !after.ExpiresAt.Equal(code.ExpiresAt) || !after.QRExpiresAt.Equal(code.ExpiresAt) ||
		after.BarcodesIssued != 1 || r.BarcodesIssued != 0 {
		t.Fatalf("after %+v (before must not change)", after)
	}
	// A live email code keeps it pending until the link lapses.
	r.EmailCodeHash, r.EmailExpiresAt = "mail", now.Add(EmailLinkValidity)
	if after, _ := r.WithQRCode("new", now, 10*time.Minute); !after.ExpiresAt.Equal(r.EmailExpiresAt) || after.EmailCodeHash != "mail" {
		t.Fatalf("with an email code: %+v", after)
	}
}

func TestCheckBarcode(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name string
		r    Reactivation
		want error
	}{
		{"pending", Reactivation{Status: ReactivationPending, ExpiresAt: now.Add(time.Hour), BarcodesIssued: MaxBarcodesPerReactivation - 1}, nil},
		{"expired", Reactivation{Status: ReactivationPending, ExpiresAt: now}, ErrExpired},
		{"cancelled", Reactivation{Status: ReactivationCancelled, ExpiresAt: now.Add(time.Hour)}, ErrConflict},
		{"used up", Reactivation{Status: ReactivationPending, ExpiresAt: now.Add(time.Hour), BarcodesIssued: MaxBarcodesPerReactivation}, ErrRateLimited},
	} {
		err := tt.r.CheckBarcode(now)
		if (tt.want == nil) != (err == nil) || (tt.want != nil && !errors.Is(err, tt.want)) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
}
