package reactivation_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// TestSampleEvents replays events/reactivation-code/*.json (the payloads
// for `sam local invoke`) through the router with a real session, so the
// samples stay in step with the routes.
func TestSampleEvents(t *testing.T) {
	f := newFixture(t)
	token := f.SessionFor("owner@acme.example")
	pending := f.start(f.SessionFor("admin@acme.example"), nil)
	files, err := filepath.Glob("../../events/reactivation-code/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no sample events: %v", err)
	}
	seen := map[string]bool{}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		s := strings.NewReplacer("REPLACE_WITH_SESSION_TOKEN", token, "REPLACE_WITH_REACTIVATION_ID", pending.ReactivationID).Replace(string(b))
		var ev events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal([]byte(s), &ev); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if ev.Version != "2.0" || ev.RequestContext.HTTP.Method == "" || !slices.Contains(f.router.Routes(), ev.RouteKey) {
			t.Fatalf("%s: not a payload 2.0 event of this function's routes (%q)", file, ev.RouteKey)
		}
		seen[ev.RouteKey] = true
		resp, err := f.router.Handle(f.Ctx, ev)
		if err != nil || resp.StatusCode >= 300 {
			t.Errorf("%s: %d %s %v", filepath.Base(file), resp.StatusCode, resp.Body, err)
		}
	}
	for _, r := range f.router.Routes() {
		if !seen[r] {
			t.Errorf("no sample event for %s", r)
		}
	}
}
