package profile_test

import (
	"testing"
	"time"

	"push-reactivation/shared/domain"
	"push-reactivation/shared/profile"
)

func TestStatusOf(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	pending := &domain.Reactivation{ID: "r1", AdminID: "a1", Status: domain.ReactivationPending, ExpiresAt: now.Add(time.Minute)}
	expired := &domain.Reactivation{ID: "r1", AdminID: "a1", Status: domain.ReactivationPending, ExpiresAt: now}
	other := &domain.Reactivation{ID: "r2", AdminID: "a1", Status: domain.ReactivationPending, ExpiresAt: now.Add(time.Minute)}
	for _, tt := range []struct {
		name    string
		admin   domain.Admin
		pending *domain.Reactivation
		want    profile.PushStatus
	}{
		{"nothing", domain.Admin{ID: "a1"}, nil, profile.PushInactive},
		{"active", domain.Admin{ID: "a1", ActiveCredentialID: "c"}, nil, profile.PushActive},
		{"pending", domain.Admin{ID: "a1", PendingReactivationID: "r1"}, pending, profile.PushPendingReactivation},
		{"pending wins over active", domain.Admin{ID: "a1", PendingReactivationID: "r1", ActiveCredentialID: "c"}, pending, profile.PushPendingReactivation},
		{"expired is not pending", domain.Admin{ID: "a1", PendingReactivationID: "r1", ActiveCredentialID: "c"}, expired, profile.PushActive},
		{"not the admin's pending one", domain.Admin{ID: "a1", PendingReactivationID: "r1"}, other, profile.PushInactive},
		{"pending id but none found", domain.Admin{ID: "a1", PendingReactivationID: "r1"}, nil, profile.PushInactive},
	} {
		if got := profile.StatusOf(&tt.admin, tt.pending, now); got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
}
