package openapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"push-reactivation/internal/testenv/apptest"
	"push-reactivation/shared/apigw"
	"push-reactivation/shared/openapi"
)

// arriving are routes the document describes ahead of the API (while a
// branch that adds them is under way); empty when both agree. Once a route
// is in apigw.APIRoutes the test below says to drop it from here.
var arriving []string

func operations(t *testing.T) []string {
	t.Helper()
	var doc struct {
		Paths map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal(openapi.YAML(), &doc); err != nil {
		t.Fatal(err)
	}
	var ops []string
	for path, item := range doc.Paths {
		for method := range item {
			switch method {
			case "get", "put", "post", "delete", "head", "patch", "options", "trace":
				ops = append(ops, strings.ToUpper(method)+" "+path)
			}
		}
	}
	return ops
}

// TestDocumentCoversEveryRoute: every route of the API (apigw.APIRoutes,
// which TestAPIRoutesMatchTemplate keeps equal to template.yaml) is in the
// document, and the document has no route the API does not serve.
func TestDocumentCoversEveryRoute(t *testing.T) {
	ops := operations(t)
	for _, route := range apigw.APIRoutes {
		if !slices.Contains(ops, route) {
			t.Errorf("route %s is not in openapi.yaml", route)
		}
	}
	for _, op := range ops {
		switch {
		case slices.Contains(apigw.APIRoutes, op) && slices.Contains(arriving, op):
			t.Errorf("%s is served now: drop it from arriving", op)
		case !slices.Contains(apigw.APIRoutes, op) && !slices.Contains(arriving, op):
			t.Errorf("openapi.yaml describes %s, which the API does not serve", op)
		}
	}
}

// TestServedAsJSON: GET /v1/openapi.json answers the document itself, as
// JSON, to a caller without a session.
func TestServedAsJSON(t *testing.T) {
	b, err := openapi.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var fromJSON, fromYAML any
	if err := json.Unmarshal(b, &fromJSON); err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(openapi.YAML(), &fromYAML); err != nil {
		t.Fatal(err)
	}
	again, _ := json.Marshal(fromYAML)
	if !bytes.Equal(b, again) {
		t.Fatal("the JSON is not the YAML document")
	}
	if doc := fromJSON.(map[string]any); doc["openapi"] != "3.1.0" {
		t.Fatalf("openapi = %v", doc["openapi"])
	}

	route := openapi.Route()
	if route.Auth || route.Key != "GET /v1/openapi.json" {
		t.Fatalf("route %+v", route)
	}
	rt := apigw.NewRouter(slog.New(slog.DiscardHandler), nil, "", route)
	ev := apptest.Event(apptest.Request{Method: "GET", Path: "/v1/openapi.json"})
	resp, err := rt.Handle(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	apptest.CheckContract(t, ev, resp)
	if resp.StatusCode != 200 || resp.Headers["Content-Type"] != "application/json" || resp.Body != string(b) {
		t.Fatalf("answer %d %v %.100s", resp.StatusCode, resp.Headers, resp.Body)
	}
}
