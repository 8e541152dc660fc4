package localstack

import (
	"context"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"push-reactivation/infra/ddblocal"
	"push-reactivation/internal/testenv/apptest"
	"push-reactivation/shared/apigw"
	"push-reactivation/shared/openapi"
)

// TestSampleEvents: every route of template.yaml has a sample event under
// events/<function dir>/, every sample is a well-formed payload 2.0 event
// of a route of its function, and the function answers it (with an
// envelope or a page, not a crash).
func TestSampleEvents(t *testing.T) {
	tm := loadTemplate(t)
	s := startStack(t, freeOptions(t))
	covered := map[string]bool{}
	for _, fn := range tm.Functions {
		id := fn.LogicalID
		f := tm.Function(id)
		routes := map[string]Route{}
		for _, r := range f.Routes {
			routes[r.Key()] = r
		}
		// apptest.SampleEvents checks what every sample must be; this test
		// adds what the template says of its function and route.
		for file, ev := range apptest.SampleEvents(t, filepath.Join(root, "events", makeDir(t, id)), nil) {
			name, _ := filepath.Rel(root, file)
			r, ok := routes[ev.RouteKey]
			switch {
			case !ok:
				t.Errorf("%s: routeKey %q is not a route of %s", name, ev.RouteKey, id)
				continue
			case ev.RequestContext.HTTP.Method != r.Method && !r.IsDefault():
				t.Errorf("%s: method %q, the route says %q", name, ev.RequestContext.HTTP.Method, r.Method)
			}
			if r.IsDefault() {
				// What no route matches: any method and path.
				for _, other := range tm.Routes() {
					if _, match := apigw.MatchRoute(other.Key(), ev.RequestContext.HTTP.Method, ev.RawPath); match {
						t.Errorf("%s: a $default event must be a request no other route matches (%s does)", name, other.Key())
					}
				}
			}
			covered[ev.RouteKey] = true

			resp, err := s.Invoke(context.Background(), id, ev)
			if err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			var env struct {
				Stat string `json:"stat"`
			}
			// The landing page and the OpenAPI document are not in the
			// envelope; the stack's contract check reads them all.
			isPage := strings.HasPrefix(resp.Headers["Content-Type"], "text/html") || ev.RouteKey == openapi.RouteKey
			if resp.StatusCode >= 500 || (!isPage && r.Method != "HEAD" && (json.Unmarshal([]byte(resp.Body), &env) != nil || env.Stat == "")) {
				t.Errorf("%s: %s answered %d %.200s", name, id, resp.StatusCode, resp.Body)
			}
		}
	}
	for _, r := range tm.Routes() {
		if !covered[r.Key()] {
			t.Errorf("no sample event for %s (%s): add one under events/%s/", r.Key(), r.Function, makeDir(t, r.Function))
		}
	}
}

// TestEnvVarsFile: events/env.json is what `sam local start-api --env-vars`
// takes: one entry per function, only variables the template declares
// (sam ignores the others), the local stack's peers reached from a
// container through host.docker.internal.
func TestEnvVarsFile(t *testing.T) {
	tm := loadTemplate(t)
	b, err := os.ReadFile(filepath.Join(root, "events", "env.json"))
	if err != nil {
		t.Fatal(err)
	}
	var env map[string]map[string]string
	if err := json.Unmarshal(b, &env); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, f := range tm.Functions {
		ids = append(ids, f.LogicalID)
	}
	if got := slices.Sorted(maps.Keys(env)); !slices.Equal(got, ids) {
		t.Errorf("env.json has %v, template.yaml has %v", got, ids)
	}
	want := map[string]string{
		"TABLE_NAME":                             ddblocal.DefaultTable,
		"AWS_ENDPOINT_URL_DYNAMODB":              "http://host.docker.internal:8000",
		"AWS_ENDPOINT_URL_SESV2":                 "http://host.docker.internal:8005",
		"AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2": "http://host.docker.internal:8006",
	}
	for id, vars := range env {
		f := tm.Function(id)
		if f == nil {
			continue
		}
		for k := range vars {
			if _, ok := f.Env[k]; !ok {
				t.Errorf("env.json sets %s for %s, which template.yaml does not declare (sam local ignores it)", k, id)
			}
		}
		for k, v := range want {
			if vars[k] != v {
				t.Errorf("env.json: %s.%s = %q, want %q", id, k, vars[k], v)
			}
		}
	}
}
