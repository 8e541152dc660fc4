package reactivation_test

import (
	"strings"
	"testing"
)

// TestSampleEvents replays events/reactivation-code/*.json (the payloads
// for `sam local invoke`) through the router with a real session, so the
// samples stay in step with the routes. The barcode sample names a
// reactivation of its own: the cancel sample ends the other one.
func TestSampleEvents(t *testing.T) {
	f := newFixture(t)
	pending := f.start(f.SessionFor("admin@acme.example"), nil)
	other := f.start(f.SessionFor("helpdesk@acme.example"), nil)
	f.CheckSampleEvents(f.router, "../../events/reactivation-code", strings.NewReplacer(
		"REPLACE_WITH_SESSION_TOKEN", f.SessionFor("owner@acme.example"), "REPLACE_WITH_REACTIVATION_ID", pending.ReactivationID,
		"REPLACE_WITH_PENDING_REACTIVATION_ID", other.ReactivationID))
}
