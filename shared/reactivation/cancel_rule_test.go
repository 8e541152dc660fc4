package reactivation_test

import (
	"testing"
	"time"

	"push-reactivation/internal/testenv/apptest"
)

// TestCancelNeedsNoRecentAuthentication: a deliberate rule (see Cancel
// and docs/security): cancelling only takes access away, so a session too
// old to start a reactivation (40103) may still cancel one, e.g. the one
// an Owner started for this admin, as the notice email tells them to.
func TestCancelNeedsNoRecentAuthentication(t *testing.T) {
	f := newFixture(t)
	token := f.SessionFor("admin@acme.example")
	s := f.start(token, map[string]any{"valid_secs": 3600}) // still pending when the session is stale
	f.Clock.Advance(16 * time.Minute)                       // past the 15-minute window, within the 30-minute idle timeout
	apptest.ExpectFail(t, f.call(apptest.Request{Method: "POST", Path: startPath, Token: token, JSON: map[string]any{}}), 401, 40103)
	var v view
	f.call(apptest.Request{Method: "DELETE", Path: "/v1/reactivations/" + s.ReactivationID, Token: token}).OK(t, &v)
	if v.Status != "cancelled" {
		t.Fatalf("cancel with a stale session: %+v", v)
	}
}
