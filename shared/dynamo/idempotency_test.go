//go:build !fuzz

package dynamo_test

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"push-reactivation/shared/domain"
)

func idemRecord(now time.Time, claimID, mac string) domain.IdempotencyRecord {
	return domain.IdempotencyRecord{KeyHash: "kh", RequestMAC: mac, State: domain.IdempotencyRunning, ClaimID: claimID,
		LeaseUntil: now.Add(30 * time.Second), ExpiresAt: now.Add(24 * time.Hour)}
}

// TestIdempotencyClaim walks one record through its states and pins the
// round trips of docs/table.md.
func TestIdempotencyClaim(t *testing.T) {
	f := newFixture(t)
	s, measure := f.countingStore(t)
	ctx, now := f.ctx, f.clock.Now()
	claim := func(rec domain.IdempotencyRecord) (bool, *domain.IdempotencyRecord) {
		t.Helper()
		ok, cur, err := s.ClaimIdempotency(ctx, rec, f.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		return ok, cur
	}
	measure("ClaimIdempotency", 1, func() error {
		if ok, _ := claim(idemRecord(now, "c1", "mac")); !ok {
			t.Fatal("first claim refused")
		}
		return nil
	})
	measure("ClaimIdempotency refused", 2, func() error {
		ok, cur := claim(idemRecord(now, "c2", "mac"))
		if ok || cur == nil || cur.ClaimID != "c1" || cur.State != domain.IdempotencyRunning || !cur.Leased(f.clock.Now()) {
			t.Fatalf("a leased claim was taken: %v %+v", ok, cur)
		}
		return nil
	})
	f.clock.Add(31 * time.Second)
	if ok, _ := claim(idemRecord(f.clock.Now(), "c3", "other mac")); ok {
		t.Fatal("another request took over a claim")
	}
	if ok, _ := claim(idemRecord(f.clock.Now(), "c4", "mac")); !ok {
		t.Fatal("the same request could not take over after the lease")
	}
	// The claim that was taken over can neither complete nor release it.
	if err := s.CompleteIdempotency(ctx, "kh", "c1", []byte("late")); !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("stale complete: %v", err)
	}
	if err := s.ReleaseIdempotency(ctx, "kh", "c1"); err != nil {
		t.Fatal(err)
	}
	measure("CompleteIdempotency", 1, func() error { return s.CompleteIdempotency(ctx, "kh", "c4", []byte{0, 1, 2}) })
	ok, cur := claim(idemRecord(f.clock.Now(), "c5", "mac"))
	if ok || cur.State != domain.IdempotencyDone || string(cur.Answer) != "\x00\x01\x02" {
		t.Fatalf("done record: %v %+v", ok, cur)
	}
	// A done record is never released, and expires after its day.
	if err := s.ReleaseIdempotency(ctx, "kh", "c4"); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(24 * time.Hour)
	if ok, _ := claim(idemRecord(f.clock.Now(), "c6", "another")); !ok {
		t.Fatal("an expired record kept its key")
	}
	measure("ReleaseIdempotency", 1, func() error { return s.ReleaseIdempotency(ctx, "kh", "c6") })
	if ok, _ := claim(idemRecord(f.clock.Now(), "c7", "x")); !ok {
		t.Fatal("a released key stayed claimed")
	}
}

// TestIdempotencyClaimConcurrent: of 20 concurrent claims of one key,
// exactly one wins.
func TestIdempotencyClaimConcurrent(t *testing.T) {
	f := newFixture(t)
	var wins atomic.Int32
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			ok, _, err := f.store.ClaimIdempotency(f.ctx, idemRecord(f.clock.Now(), string(rune('a'+i)), "mac"), f.clock.Now())
			if err != nil {
				t.Error(err)
			}
			if ok {
				wins.Add(1)
			}
		})
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d claims won, want 1", wins.Load())
	}
}
