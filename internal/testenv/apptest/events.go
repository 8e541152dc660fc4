package apptest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"push-reactivation/shared/apigw"
)

// SampleEvents reads the sample events in dir (events/<function>/*.json,
// the payload 2.0 events for `sam local invoke`), fills in placeholders
// (nil for none) and checks that each is well formed as API Gateway sends
// it: version 2.0, a requestContext that agrees with the event, a path that
// matches the route key with those path parameters (a $default event
// matches anything and has none), lower-case header names, a base64 body
// when isBase64Encoded. It returns the events by file name. The function
// tests (CheckSampleEvents) and the local stack's template-wide test share
// it, so a sample is judged by one set of rules.
func SampleEvents(t testing.TB, dir string, placeholders *strings.Replacer) map[string]events.APIGatewayV2HTTPRequest {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no sample events in %s: %v", dir, err)
	}
	out := map[string]events.APIGatewayV2HTTPRequest{}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		text := string(b)
		if placeholders != nil {
			text = placeholders.Replace(text)
		}
		var ev events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal([]byte(text), &ev); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if err := wellFormed(ev); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		out[file] = ev
	}
	return out
}

func wellFormed(ev events.APIGatewayV2HTTPRequest) error {
	if ev.Version != "2.0" {
		return fmt.Errorf("version %q, want 2.0", ev.Version)
	}
	if ev.RequestContext.HTTP.Method == "" || ev.RequestContext.RouteKey != ev.RouteKey || ev.RequestContext.HTTP.Path != ev.RawPath {
		return fmt.Errorf("requestContext (routeKey %q, method %q, path %q) disagrees with the event (routeKey %q, rawPath %q)",
			ev.RequestContext.RouteKey, ev.RequestContext.HTTP.Method, ev.RequestContext.HTTP.Path, ev.RouteKey, ev.RawPath)
	}
	if ev.RouteKey != apigw.DefaultRoute {
		params, ok := apigw.MatchRoute(ev.RouteKey, ev.RequestContext.HTTP.Method, ev.RawPath)
		if !ok {
			return fmt.Errorf("%s %s does not match %s", ev.RequestContext.HTTP.Method, ev.RawPath, ev.RouteKey)
		}
		if len(params) == 0 {
			params = nil
		}
		if !maps.Equal(params, ev.PathParameters) {
			return fmt.Errorf("pathParameters %v, the path says %v", ev.PathParameters, params)
		}
	} else if ev.PathParameters != nil {
		return fmt.Errorf("a $default event has no path parameters, got %v", ev.PathParameters)
	}
	for k := range ev.Headers {
		if k != strings.ToLower(k) {
			return fmt.Errorf("header %q is not lower case (API Gateway lower-cases them)", k)
		}
	}
	if ev.IsBase64Encoded {
		if _, err := base64.StdEncoding.DecodeString(ev.Body); err != nil {
			return fmt.Errorf("isBase64Encoded but the body is not base64")
		}
	}
	return nil
}

// CheckSampleEvents keeps the sample events in dir in step with router:
// each file, once placeholders has filled in its session token and ids, is
// a well-formed event (SampleEvents) of one of the router's routes, the
// router answers it within the API contract and with a success, and every
// route has one.
func (e *Env) CheckSampleEvents(router *apigw.Router, dir string, placeholders *strings.Replacer) {
	e.T.Helper()
	e.CheckSampleEventsWith(router, dir, placeholders, func(_ events.APIGatewayV2HTTPRequest, resp events.APIGatewayV2HTTPResponse) error {
		if resp.StatusCode >= 300 {
			return fmt.Errorf("answer %d %s", resp.StatusCode, resp.Body)
		}
		return nil
	})
}

// CheckSampleEventsWith is CheckSampleEvents with the caller judging each
// answer, for samples whose placeholders are meant to fail (an unknown
// login's 404, say).
func (e *Env) CheckSampleEventsWith(router *apigw.Router, dir string, placeholders *strings.Replacer, accept func(events.APIGatewayV2HTTPRequest, events.APIGatewayV2HTTPResponse) error) {
	t := e.T
	t.Helper()
	seen := map[string]bool{}
	for file, ev := range SampleEvents(t, dir, placeholders) {
		if !slices.Contains(router.Routes(), ev.RouteKey) {
			t.Fatalf("%s: route %q is not one of this function's routes", file, ev.RouteKey)
		}
		seen[ev.RouteKey] = true
		resp, err := router.Handle(e.Ctx, ev)
		CheckContract(t, ev, resp)
		if err == nil {
			err = accept(ev, resp)
		}
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(file), err)
		}
	}
	for _, r := range router.Routes() {
		if !seen[r] {
			t.Errorf("no sample event for %s", r)
		}
	}
}
