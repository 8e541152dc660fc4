package owner_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// TestSampleEvents replays events/owner-reactivation/*.json (the payloads
// for `sam local invoke`) through the router as the acme Owner, so the
// samples stay in step with the routes.
func TestSampleEvents(t *testing.T) {
	f := newFixture(t)
	token := f.SessionFor("owner@acme.example")
	files, err := filepath.Glob("../../events/owner-reactivation/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no sample events: %v", err)
	}
	seen := map[string]bool{}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var ev events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal([]byte(strings.ReplaceAll(string(b), "REPLACE_WITH_SESSION_TOKEN", token)), &ev); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if ev.Version != "2.0" || ev.RequestContext.HTTP.Method == "" || !slices.Contains(f.owner.Routes(), ev.RouteKey) {
			t.Fatalf("%s: not a payload 2.0 event of this function's routes (%q)", file, ev.RouteKey)
		}
		seen[ev.RouteKey] = true
		resp, err := f.owner.Handle(f.Ctx, ev)
		if err != nil || resp.StatusCode >= 300 {
			t.Errorf("%s: %d %s %v", filepath.Base(file), resp.StatusCode, resp.Body, err)
		}
	}
	for _, r := range f.owner.Routes() {
		if !seen[r] {
			t.Errorf("no sample event for %s", r)
		}
	}
}
