//go:build !fuzz

package dynamo_test

import (
	"errors"
	"testing"
	"time"

	"push-reactivation/shared/domain"
	"push-reactivation/shared/dynamo"
	"push-reactivation/shared/secret"
)

// TestLookupReadsEverythingInOneRoundTrip: the items a panel request
// names up front come back from one BatchGetItem; missing ones are nil,
// a missing rate log is an empty one, and a reactivation has its
// effective status.
func TestLookupReadsEverythingInOneRoundTrip(t *testing.T) {
	f := newFixture(t)
	admin := f.seedAdmin(t, "a1", "a1@acme.example")
	r, _ := f.startReactivation(t, admin, 10*time.Minute)
	s, measure := f.countingStore(t)
	limit := dynamo.Limit{Name: "react", Window: time.Hour, Max: domain.MaxReactivationsPerAdminHour}
	var found *domain.Found
	measure("Lookup", 1, func() (err error) {
		found, err = s.Lookup(f.ctx, domain.Lookup{AccountID: "acme", AdminID: "a1", ReactivationID: r.ID, CredentialID: "none",
			RateLimit: limit, RateSubject: "a1"})
		return err
	})
	if found.Account == nil || found.Account.ID != "acme" || found.Admin == nil || found.Admin.PendingReactivationID != r.ID ||
		found.Reactivation == nil || found.Reactivation.ID != r.ID || found.Credential != nil {
		t.Fatalf("found %+v", found)
	}
	if found.Rate == nil || found.Rate.Version != 1 || len(found.Rate.Hits) != 1 {
		t.Fatalf("rate log %+v", found.Rate)
	}
	measure("empty Lookup", 0, func() (err error) { found, err = s.Lookup(f.ctx, domain.Lookup{}); return err })

	f.clock.now = f.clock.now.Add(11 * time.Minute)
	found, err := s.Lookup(f.ctx, domain.Lookup{ReactivationID: r.ID, AdminID: "gone", RateLimit: limit, RateSubject: "nobody"})
	if err != nil || found.Reactivation.Status != domain.ReactivationExpired || found.Admin != nil || found.Account != nil ||
		found.Rate == nil || found.Rate.Version != 0 {
		t.Fatalf("expired lookup %+v %v", found, err)
	}
}

// TestSessionAndAdminInOneRoundTrip pins session authentication's read.
func TestSessionAndAdminInOneRoundTrip(t *testing.T) {
	f := newFixture(t)
	admin := f.seedAdmin(t, "a1", "a1@acme.example")
	sess := domain.Session{TokenHash: secret.Hash("tok"), AdminID: admin.ID, HomeAccountID: "acme", ActingAccountID: "acme",
		AuthenticatedAt: f.clock.Now(), LastSeenAt: f.clock.Now(), AbsoluteExpiresAt: f.clock.Now().Add(time.Hour)}
	if err := f.store.PutSession(f.ctx, sess); err != nil {
		t.Fatal(err)
	}
	s, measure := f.countingStore(t)
	measure("GetSessionAndAdmin", 1, func() error {
		got, a, err := s.GetSessionAndAdmin(f.ctx, sess.TokenHash, "a1")
		if err == nil && (got.AdminID != "a1" || a == nil || a.ID != "a1") {
			t.Errorf("session %+v admin %+v", got, a)
		}
		return err
	})
	if _, a, err := s.GetSessionAndAdmin(f.ctx, sess.TokenHash, "other"); err != nil || a != nil {
		t.Fatalf("admin the token names but that does not exist: %+v %v", a, err)
	}
	if _, _, err := s.GetSessionAndAdmin(f.ctx, secret.Hash("other"), "a1"); !errors.Is(err, domain.ErrNotAuthenticated) {
		t.Fatalf("unknown session: %v", err)
	}
	f.clock.now = f.clock.now.Add(time.Hour)
	if _, _, err := s.GetSessionAndAdmin(f.ctx, sess.TokenHash, "a1"); !errors.Is(err, domain.ErrNotAuthenticated) {
		t.Fatalf("expired session: %v", err)
	}
}

// TestCreateReactivationFromALookedUpRateLog: a rate log read by Lookup
// saves CreateReactivation its own read; a log that changed since (a
// concurrent start) is re-read through the version condition, and a full
// one still refuses.
func TestCreateReactivationFromALookedUpRateLog(t *testing.T) {
	f := newFixture(t)
	admin := f.seedAdmin(t, "a1", "a1@acme.example")
	limit := dynamo.Limit{Name: "react", Window: time.Hour, Max: 2}
	s, measure := f.countingStore(t)
	create := func(log *domain.RateLog) error {
		cur, err := s.GetAdmin(f.ctx, admin.ID)
		if err != nil {
			return err
		}
		n := newOnly(t, f, admin, limit, log)
		n.ExpectedPending = cur.PendingReactivationID
		if n.ExpectedPending != "" {
			if n.Cancel, err = s.GetReactivation(f.ctx, n.ExpectedPending); err != nil {
				return err
			}
		}
		return s.CreateReactivation(f.ctx, n)
	}
	read := func() *domain.RateLog {
		found, err := s.Lookup(f.ctx, domain.Lookup{RateLimit: limit, RateSubject: admin.ID})
		if err != nil {
			t.Fatal(err)
		}
		return found.Rate
	}
	first := read()
	measure("CreateReactivation with its rate log read", 1, func() error {
		return s.CreateReactivation(f.ctx, newOnly(t, f, admin, limit, first))
	})
	// first is stale now: the write's version condition fails and the
	// store reads the log again, then counts the second hit.
	if err := create(first); err != nil {
		t.Fatalf("stale rate log: %v", err)
	}
	if err := create(read()); !errors.Is(err, domain.ErrRateLimited) {
		t.Fatalf("a full log as read: %v", err)
	}
	if err := create(first); !errors.Is(err, domain.ErrRateLimited) {
		t.Fatalf("a full log read as empty before: %v", err)
	}
}

// newOnly is a NewReactivation of an admin with nothing pending.
func newOnly(t *testing.T, f *fixture, admin domain.Admin, limit dynamo.Limit, log *domain.RateLog) dynamo.NewReactivation {
	t.Helper()
	code, _ := secret.ActivationCode(nil, domain.ActivationCodeLength)
	id, _ := secret.ID(nil)
	now := f.clock.Now()
	r := domain.Reactivation{ID: id, AdminID: admin.ID, AccountID: "acme", InitiatedBy: admin.ID, Status: domain.ReactivationPending,
		CreatedAt: now, ExpiresAt: now.Add(time.Minute), QRCodeHash: secret.Hash(code), QRExpiresAt: now.Add(time.Minute)}
	return dynamo.NewReactivation{Reactivation: r,
		QRCode: domain.ActivationCode{Hash: r.QRCodeHash, Kind: domain.CodeKindQR, ReactivationID: id, AdminID: admin.ID,
			AccountID: "acme", Status: domain.ReactivationPending, ExpiresAt: r.QRExpiresAt},
		Audit: domain.AuditEvent{ID: id, Time: now, AccountID: "acme", ActorID: admin.ID, Action: domain.ActionReactivationStart},
		Limit: limit, RateLog: log}
}
