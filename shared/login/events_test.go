//go:build !fuzz

package login_test

import (
	"encoding/json"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"push-reactivation/shared/apigw"
	"push-reactivation/shared/apptest"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/openapi"
)

// TestSampleEvents keeps events/fallback-login (for sam local invoke) in
// step with the router: every file is a payload 2.0 event of one of its
// routes, every route has an event, and the handler answers each with an
// envelope (the placeholders give 404 and 401, never a routing miss).
func TestSampleEvents(t *testing.T) {
	f := newFixture(t)
	files, err := filepath.Glob("../../events/fallback-login/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no sample events: %v", err)
	}
	covered := map[string]bool{}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var ev events.APIGatewayV2HTTPRequest
			if err := json.Unmarshal(b, &ev); err != nil {
				t.Fatal(err)
			}
			if ev.Version != "2.0" || ev.RouteKey != ev.RequestContext.RouteKey || ev.RawPath != ev.RequestContext.HTTP.Path {
				t.Fatalf("inconsistent event: %+v", ev)
			}
			if !slices.Contains(f.r.Routes(), ev.RouteKey) {
				t.Fatalf("route %q is not a fallback-login route", ev.RouteKey)
			}
			params, ok := apigw.MatchRoute(ev.RouteKey, ev.RequestContext.HTTP.Method, ev.RawPath)
			if !ok || !maps.Equal(params, ev.PathParameters) {
				t.Fatalf("path %s %s does not match %s with %v", ev.RequestContext.HTTP.Method, ev.RawPath, ev.RouteKey, ev.PathParameters)
			}
			covered[ev.RouteKey] = true
			resp, _ := f.r.Handle(f.env.Ctx, ev)
			apptest.CheckContract(t, ev, resp)
			if ev.RouteKey == openapi.RouteKey {
				return // the document, outside the envelope
			}
			switch resp.StatusCode {
			case http.StatusOK, http.StatusNotFound, http.StatusUnauthorized:
			default:
				t.Fatalf("answer %d %s", resp.StatusCode, resp.Body)
			}
			var env apigw.FailEnvelope
			if err := json.Unmarshal([]byte(resp.Body), &env); err != nil || (env.Stat != "OK" && env.Stat != "FAIL") {
				t.Fatalf("no envelope: %s", resp.Body)
			}
			if resp.StatusCode == http.StatusNotFound && (env.Code != int(domain.CodeNotFound) || ev.PathParameters["txid"] == "") {
				t.Fatalf("routing miss: %s", resp.Body)
			}
		})
	}
	for _, route := range f.r.Routes() {
		if !covered[route] {
			t.Errorf("no sample event for %s", route)
		}
	}
}
