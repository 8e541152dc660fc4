//go:build !fuzz

package owner_test

import (
	"encoding/json"
	"testing"
	"time"

	"push-reactivation/internal/testenv/apptest"
	"push-reactivation/shared/device"
	"push-reactivation/shared/domain"
)

// pendingOf is secondary_auth.push.pending_reactivation of a profile or
// admin view, as raw JSON ("null" when none).
func pendingOf(t testing.TB, resp *apptest.Response) string {
	t.Helper()
	var v struct {
		SecondaryAuth struct {
			Push map[string]json.RawMessage `json:"push"`
		} `json:"secondary_auth"`
	}
	resp.OK(t, &v)
	p, ok := v.SecondaryAuth.Push["pending_reactivation"]
	if !ok {
		t.Fatalf("no pending_reactivation in %s", resp.Body)
	}
	return string(p)
}

// pendingIDs is pending_reactivation_id of each row of GET /v1/admins,
// "null" when none.
func (f *fixture) pendingIDs(token string) map[string]string {
	f.T.Helper()
	var out struct {
		Admins []map[string]json.RawMessage `json:"admins"`
	}
	f.Call(f.owner, apptest.Request{Method: "GET", Path: "/v1/admins", Token: token}).OK(f.T, &out)
	ids := map[string]string{}
	for _, row := range out.Admins {
		var id string
		_ = json.Unmarshal(row["admin_id"], &id)
		p, ok := row["pending_reactivation_id"]
		if !ok {
			f.T.Fatalf("row of %s has no pending_reactivation_id", id)
		}
		ids[id] = string(p)
	}
	return ids
}

// views are the three places a pending reactivation of acme-admin shows:
// its own profile, the Owner's admin detail, the Owner's list row.
func (f *fixture) views(adminToken, ownerToken string) (profile, detail, row string) {
	f.T.Helper()
	profile = pendingOf(f.T, f.Call(f.self, apptest.Request{Method: "GET", Path: "/v1/profile", Token: adminToken}))
	detail = pendingOf(f.T, f.Call(f.owner, apptest.Request{Method: "GET", Path: "/v1/admins/acme-admin", Token: ownerToken}))
	return profile, detail, f.pendingIDs(ownerToken)["acme-admin"]
}

// TestPendingReactivationVisibleAndTargetMayCancel (DESIGN.md §4.1): a
// reactivation an Owner started shows on the target's profile, on the
// Owner's view of the admin and in the list row; the target may cancel it
// (another admin of the account gets 404); the log names the target as
// actor and target; afterwards all three show null.
func TestPendingReactivationVisibleAndTargetMayCancel(t *testing.T) {
	f := newFixture(t)
	ownerToken, adminToken := f.SessionFor("owner@acme.example"), f.SessionFor("admin@acme.example")
	s := f.ownerStart(ownerToken, "acme-admin")

	want := `{"reactivation_id":"` + s.ReactivationID + `","started_by":{"admin_id":"acme-owner","name":"Olivia Owner"},` +
		`"created_at":"2026-11-26T12:00:00Z","expires_at":"2026-11-26T12:10:00Z","emails_sent":0,"emails_left":3}`
	profile, detail, row := f.views(adminToken, ownerToken)
	if profile != want || detail != want {
		t.Fatalf("pending reactivation\nprofile %s\n detail %s\n   want %s", profile, detail, want)
	}
	ids := f.pendingIDs(ownerToken)
	if row != `"`+s.ReactivationID+`"` || ids["acme-owner"] != "null" || ids["acme-helpdesk"] != "null" {
		t.Fatalf("list rows %v", ids)
	}

	del := apptest.Request{Method: "DELETE", Path: "/v1/reactivations/" + s.ReactivationID}
	del.Token = f.SessionFor("helpdesk@acme.example")
	apptest.ExpectFail(t, f.Call(f.self, del), 404, 40401)
	del.Token = f.SessionFor("msp@umbrella.example")
	apptest.ExpectFail(t, f.Call(f.self, del), 404, 40401)
	del.Token = adminToken
	var v struct {
		Status string `json:"status"`
	}
	f.Call(f.self, del).OK(t, &v)
	if v.Status != "cancelled" {
		t.Fatalf("target's cancel: %+v", v)
	}
	apptest.ExpectFail(t, f.Activate(device.NewService(f.Deps.Logic()).Router(), s.Code(), "iOS", "iPhone 16"), 404, int(domain.CodeUnknownActivation))

	events, _, err := f.Deps.Store.ListAudit(f.Ctx, "acme", domain.AuditFilter{Action: domain.ActionReactivationCancel})
	if err != nil || len(events) != 1 || events[0].ActorID != "acme-admin" || events[0].TargetID != "acme-admin" ||
		events[0].Details["reactivation_id"] != s.ReactivationID {
		t.Fatalf("cancel audit %+v %v", events, err)
	}
	if profile, detail, row := f.views(adminToken, ownerToken); profile != "null" || detail != "null" || row != "null" {
		t.Fatalf("after the cancel: %s %s %s", profile, detail, row)
	}
}

// TestExpiredPendingReactivationIsNull: a reactivation whose codes have
// all lapsed shows as null everywhere, though its item still says
// pending (every read checks expiry; TTL only cleans up). A self-started
// one names the admin itself as starter.
func TestExpiredPendingReactivationIsNull(t *testing.T) {
	f := newFixture(t)
	ownerToken, adminToken := f.SessionFor("owner@acme.example"), f.SessionFor("admin@acme.example")
	s := f.StartReactivation(f.self, adminToken, apptest.SelfReactivationPath, map[string]any{"valid_secs": 60})
	want := `{"reactivation_id":"` + s.ReactivationID + `","started_by":{"admin_id":"acme-admin","name":"Adam Admin"},` +
		`"created_at":"2026-11-26T12:00:00Z","expires_at":"2026-11-26T12:01:00Z","emails_sent":0,"emails_left":3}`
	if profile, detail, row := f.views(adminToken, ownerToken); profile != want || detail != want || row != `"`+s.ReactivationID+`"` {
		t.Fatalf("while pending: %s %s %s", profile, detail, row)
	}

	f.Clock.Advance(time.Minute)
	if profile, detail, row := f.views(adminToken, ownerToken); profile != "null" || detail != "null" || row != "null" {
		t.Fatalf("after expiry: %s %s %s", profile, detail, row)
	}
	if a := f.Admin("admin@acme.example"); a.PendingReactivationID != s.ReactivationID {
		t.Fatal("the test wants the stored item still naming it")
	}
}
