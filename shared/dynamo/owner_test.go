//go:build !fuzz

package dynamo_test

import (
	"fmt"
	"testing"
	"time"

	"push-reactivation/internal/testenv/dynamotest"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/dynamo"
)

// TestGetReactivations: one round trip per 100 ids, missing ids absent,
// expired pending reactivations reported as expired.
func TestGetReactivations(t *testing.T) {
	f := newFixture(t)
	var ids []string
	for i := range 3 {
		a := f.seedAdmin(t, fmt.Sprintf("a%d", i), fmt.Sprintf("a%d@acme.example", i))
		validity := 10 * time.Minute
		if i == 2 {
			validity = time.Minute
		}
		r, _ := f.startReactivation(t, a, validity)
		ids = append(ids, r.ID)
	}
	f.clock.Add(2 * time.Minute)
	counter := dynamotest.NewCountingAPI(f.client)
	s := dynamo.New(counter, f.table, f.clock)

	got, err := s.GetReactivations(f.ctx, append(ids, "missing", ids[0], ""))
	if err != nil {
		t.Fatal(err)
	}
	if counter.Count() != 1 {
		t.Errorf("%d round trips, want 1", counter.Count())
	}
	if len(got) != 3 || got[ids[0]].Status != domain.ReactivationPending || got[ids[2]].Status != domain.ReactivationExpired {
		t.Fatalf("got %+v", got)
	}

	counter.Reset()
	many := make([]string, 0, 150)
	for i := range 150 {
		many = append(many, fmt.Sprintf("none-%d", i))
	}
	got, err = s.GetReactivations(f.ctx, append(many, ids[1]))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || counter.Count() != 2 {
		t.Fatalf("151 ids: %d found, %d round trips, want 1 and 2", len(got), counter.Count())
	}
	counter.Reset()
	if got, err := s.GetReactivations(f.ctx, nil); err != nil || len(got) != 0 || counter.Count() != 0 {
		t.Fatalf("no ids: %v %v, %d round trips", got, err, counter.Count())
	}
}
