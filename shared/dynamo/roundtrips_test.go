//go:build !fuzz

package dynamo_test

import (
	"testing"
	"time"

	"push-reactivation/internal/testenv/dynamotest"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/dynamo"
	"push-reactivation/shared/secret"
)

// countingStore returns a store whose round trips are counted, and measure,
// which runs an operation on it and checks that it made exactly the number
// of round trips docs/table.md gives.
func (f *fixture) countingStore(t *testing.T) (s *dynamo.Store, measure func(name string, want int64, op func() error)) {
	counter := dynamotest.NewCountingAPI(f.client)
	return dynamo.New(counter, f.table, f.clock), func(name string, want int64, op func() error) {
		t.Helper()
		var err error
		if got := counter.Measure(func() { err = op() }); err != nil {
			t.Fatalf("%s: %v", name, err)
		} else if got != want {
			t.Errorf("%s: %d round trips, docs/table.md says %d", name, got, want)
		}
	}
}

// TestRoundTrips pins the documented round trips of the core operations.
func TestRoundTrips(t *testing.T) {
	f := newFixture(t)
	admin := f.seedAdmin(t, "a1", "a1@acme.example")
	_, code := f.startReactivation(t, admin, 10*time.Minute)
	s, measure := f.countingStore(t)
	ctx := f.ctx
	measure("GetAdmin", 1, func() error { _, err := s.GetAdmin(ctx, "a1"); return err })
	measure("GetAdminByEmail", 2, func() error { _, err := s.GetAdminByEmail(ctx, "A1@acme.example"); return err })
	measure("ListAdmins", 1, func() error { _, err := s.ListAdmins(ctx, "acme"); return err })
	measure("CreateAdmin", 1, func() error {
		return s.CreateAdmin(ctx, domain.Admin{ID: "a2", AccountID: "acme", Email: "a2@acme.example", Status: domain.AdminActive})
	})
	var target *dynamo.ActivationTarget
	measure("GetActivationTarget", 2, func() (err error) { target, err = s.GetActivationTarget(ctx, secret.Hash(code)); return err })
	measure("Redeem", 1, func() error {
		return s.Redeem(ctx, dynamo.Redemption{Target: target,
			Credential: domain.Credential{ID: "c", AdminID: "a1", Status: domain.CredentialActive},
			Audit:      domain.AuditEvent{ID: "e", Time: f.clock.Now(), AccountID: "acme", Action: "x"}})
	})
	lockout := dynamo.Lockout{Max: domain.LockoutThreshold, Lease: time.Minute}
	measure("ReserveAttempt", 1, func() error { return s.ReserveAttempt(ctx, "a1", lockout) })
	measure("FailAttempt", 1, func() error { _, _, err := s.FailAttempt(ctx, "a1", lockout); return err })
	measure("ReturnAttempt", 1, func() error { return s.ReturnAttempt(ctx, "a1") })
	measure("ListAudit", 1, func() error { _, _, err := s.ListAudit(ctx, "acme", dynamo.AuditFilter{}); return err })
	measure("RateHit", 2, func() error { return s.RateHit(ctx, dynamo.Limit{Name: "x", Window: time.Hour, Max: 2}, "a1") })
}
