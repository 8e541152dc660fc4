package apptest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"push-reactivation/shared/apigw"
)

// CheckSampleEvents keeps the sample events in dir (the payload 2.0 events
// for `sam local invoke`) in step with router: each file, once
// placeholders has filled in its session token and ids, is an event of
// one of the router's routes and succeeds, and every route has one.
func (e *Env) CheckSampleEvents(router *apigw.Router, dir string, placeholders *strings.Replacer) {
	t := e.T
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no sample events in %s: %v", dir, err)
	}
	seen := map[string]bool{}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var ev events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal([]byte(placeholders.Replace(string(b))), &ev); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if ev.Version != "2.0" || ev.RequestContext.HTTP.Method == "" || !slices.Contains(router.Routes(), ev.RouteKey) {
			t.Fatalf("%s: not a payload 2.0 event of this function's routes (%q)", file, ev.RouteKey)
		}
		seen[ev.RouteKey] = true
		resp, err := router.Handle(e.Ctx, ev)
		CheckContract(t, ev, resp)
		if err != nil || resp.StatusCode >= 300 {
			t.Errorf("%s: %d %s %v", filepath.Base(file), resp.StatusCode, resp.Body, err)
		}
	}
	for _, r := range router.Routes() {
		if !seen[r] {
			t.Errorf("no sample event for %s", r)
		}
	}
}
