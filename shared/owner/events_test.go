//go:build !fuzz

package owner_test

import (
	"strings"
	"testing"
)

// TestSampleEvents replays events/owner-reactivation/*.json (the payloads
// for `sam local invoke`) through the router as the acme Owner, so the
// samples stay in step with the routes.
func TestSampleEvents(t *testing.T) {
	f := newFixture(t)
	f.CheckSampleEvents(f.owner, "../../events/owner-reactivation",
		strings.NewReplacer("REPLACE_WITH_SESSION_TOKEN", f.SessionFor("owner@acme.example")))
}
