// Package openapi holds the API's contract as a document: openapi.yaml,
// the OpenAPI 3.1 description of the panel and device APIs (DESIGN.md §4,
// §4.1, §5). It is the one source: GET /v1/openapi.json serves it
// (Route, in FallbackLoginFunction), the test suite checks every response
// against it (shared/openapi/openapicheck), and make test lints it
// (infra/openapi-lint).
package openapi

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"sync"

	"gopkg.in/yaml.v3"

	"push-reactivation/shared/apigw"
)

//go:embed openapi.yaml
var source []byte

// YAML returns the document as written.
func YAML() []byte { return source }

// JSON returns the document as JSON, converted once.
var JSON = sync.OnceValues(func() ([]byte, error) {
	var doc any
	if err := yaml.Unmarshal(source, &doc); err != nil {
		return nil, fmt.Errorf("openapi: parse openapi.yaml: %w", err)
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("openapi: openapi.yaml as JSON: %w", err)
	}
	return b, nil
})

// RouteKey is the route that serves the document.
const RouteKey = "GET /v1/openapi.json"

// Route serves the document as JSON, as it is (not in the envelope), to
// anyone: it holds nothing that is not public, and the panel builders who
// read it have no session yet.
func Route() apigw.Route {
	return apigw.Route{Key: RouteKey, Handler: serve}
}

func serve(context.Context, *apigw.Request) (*apigw.Response, error) {
	b, err := JSON()
	if err != nil {
		return nil, err
	}
	return apigw.Raw(200, "application/json", string(b)), nil
}
