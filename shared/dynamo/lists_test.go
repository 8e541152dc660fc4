//go:build !fuzz

package dynamo_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"push-reactivation/shared/domain"
	"push-reactivation/shared/dynamo"
)

// TestListRoundTrips pins the round trips of the paged lists
// (docs/table.md): a page of admins is one Query, however long the list;
// the admins an admin-log page names are one BatchGetItem; a sparse
// admin-log filter reads at most dynamo.MaxAuditQueries times and then
// answers a short page with a cursor.
func TestListRoundTrips(t *testing.T) {
	f := newFixture(t)
	for i := range 30 {
		f.seedAdmin(t, fmt.Sprintf("a%02d", i), fmt.Sprintf("a%02d@acme.example", i))
	}
	s, measure := f.countingStore(t)
	ctx := f.ctx
	var next string
	measure("ListAdminsPage", 1, func() (err error) { _, next, err = s.ListAdminsPage(ctx, "acme", 10, ""); return err })
	var admins []domain.Admin
	measure("ListAdminsPage next", 1, func() (err error) { admins, _, err = s.ListAdminsPage(ctx, "acme", 10, next); return err })
	if len(admins) != 10 || admins[0].ID != "a10" {
		t.Fatalf("second page starts at %v", admins)
	}
	measure("AdminsByID", 1, func() error {
		m, err := s.AdminsByID(ctx, []string{"a01", "a02", "a01", "", "gone"})
		if err == nil && (len(m) != 2 || m["a02"].Email != "a02@acme.example") {
			err = fmt.Errorf("admins %v", m)
		}
		return err
	})

	base := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	n := dynamo.MaxAuditQueries*200 + 50
	for i := range n {
		action := "noise"
		if i == 0 {
			action = "rare"
		}
		if err := f.store.PutAudit(ctx, domain.AuditEvent{ID: fmt.Sprintf("e%05d", i), Time: base.Add(time.Duration(i) * time.Second),
			AccountID: "acme", Action: action}); err != nil {
			t.Fatal(err)
		}
	}
	var evs []domain.AuditEvent
	measure("ListAudit sparse", dynamo.MaxAuditQueries, func() (err error) {
		evs, next, err = s.ListAudit(ctx, "acme", dynamo.AuditFilter{Action: "rare"})
		return err
	})
	if len(evs) != 0 || next == "" {
		t.Fatalf("bounded page: %d events, next %q", len(evs), next)
	}
	measure("ListAudit sparse, continued", 1, func() (err error) {
		evs, next, err = s.ListAudit(ctx, "acme", dynamo.AuditFilter{Action: "rare", Next: next})
		return err
	})
	if len(evs) != 1 || evs[0].ID != "e00000" || next != "" {
		t.Fatalf("continued page: %v, next %q", evs, next)
	}
	measure("ListAudit page", 1, func() (err error) {
		evs, next, err = s.ListAudit(ctx, "acme", dynamo.AuditFilter{Limit: 100})
		return err
	})
	if len(evs) != 100 || next == "" {
		t.Fatalf("page: %d events", len(evs))
	}
	// A cursor from outside the time range is another query's.
	_, _, err := s.ListAudit(ctx, "acme", dynamo.AuditFilter{Until: base.Add(time.Minute), Next: next})
	if !errors.Is(err, domain.ErrInvalidParams) {
		t.Fatalf("cursor outside the range: %v", err)
	}
}
