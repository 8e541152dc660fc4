package notify_test

import (
	"strings"
	"testing"
	"time"

	"push-reactivation/internal/testenv"
	"push-reactivation/shared/domain"
)

// TestNoNoticeToBouncedAddress: with admin@acme.example recorded as
// bounced, then as a complainer (SES events, docs/operations.md), neither
// the Owner's reactivation nor the phone's activation sends it a notice;
// each is audited and logged as skipped with the reason, and the actions
// themselves succeed. Once the status is cleared, notices go out again.
func TestNoNoticeToBouncedAddress(t *testing.T) {
	srv := testenv.StartSES(t)
	f := newFixture(t, srv.URL())
	at := time.Date(2026, 11, 26, 9, 30, 0, 0, time.UTC)

	for i, c := range []struct {
		state  domain.EmailState
		reason string
	}{
		{domain.EmailBounced, "address bounced on 2026-11-26"},
		{domain.EmailComplained, "recipient marked mail as spam on 2026-11-26"},
	} {
		recorded, err := f.Deps.Store.RecordEmailStatus(f.Ctx, domain.EmailStatus{State: c.state, At: at.Add(time.Duration(i) * time.Minute),
			Detail: "Permanent (smtp; 550 5.1.1 user unknown)", Email: "admin@acme.example", MessageID: "ses-" + string(c.state)})
		if err != nil || !recorded {
			t.Fatalf("record %s: %v %v", c.state, recorded, err)
		}
		seen := map[string]bool{}
		for _, ev := range f.notices() {
			seen[ev.ID] = true
		}
		_, code := f.ownerStarts()
		if resp := f.activate(code, "iOS", "iPhone 16"); resp.Status != 200 {
			t.Fatalf("%s: activation %d %s", c.state, resp.Status, resp.Body)
		}
		es, err := srv.Emails(f.Ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(es) != 0 {
			t.Fatalf("%s: %d emails sent to an undeliverable address", c.state, len(es))
		}
		var evs []domain.AuditEvent
		for _, ev := range f.notices() {
			if !seen[ev.ID] {
				evs = append(evs, ev)
			}
		}
		if len(evs) != 2 {
			t.Fatalf("%s: %d new notice audit events, want 2", c.state, len(evs))
		}
		for _, ev := range evs {
			if ev.Outcome != domain.OutcomeFailure || ev.Details["reason"] != c.reason || ev.Details["skipped"] != "email_status" ||
				ev.TargetID != "acme-admin" || ev.Details["to"] != "a***n@acme.example" {
				t.Errorf("%s: audit %+v", c.state, ev)
			}
		}
		if n := strings.Count(f.Logs.String(), `"msg":"security notice skipped","notice":`); n != 2*(i+1) {
			t.Errorf("%s: %d skipped notices logged, want %d", c.state, n, 2*(i+1))
		}
	}
	if strings.Contains(f.Logs.String(), "security notice sent") || strings.Contains(f.Logs.String(), "security notice not sent") {
		t.Error("a notice to the undeliverable address was attempted")
	}

	if err := f.Deps.Store.ClearEmailStatus(f.Ctx, "acme-admin"); err != nil {
		t.Fatal(err)
	}
	f.ownerStarts()
	onlyEmail(t, srv)
}
