// Package openapicheck checks answers of the API against its OpenAPI
// document (shared/openapi), for tests: internal/testenv/apptest runs every answer
// its helpers receive through it, and so do the HTTP test paths
// (infra/phone/phonetest, infra/localstack's stacks), so the document and
// the code cannot drift apart unnoticed.
//
// The check is strict: an answer's status must be documented for its
// operation, its body must match that status's schema (response schemas
// refuse unknown fields), and documented required headers must be there.
// A request that matches no operation must get the API's route-miss
// answer (404 40401, or 405 40501 with Allow), so an undocumented route
// that answers anything else fails. It uses kin-openapi's openapi3filter,
// which validates OpenAPI 3.1 documents with JSON Schema 2020-12.
package openapicheck

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/aws/aws-lambda-go/events"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"push-reactivation/shared/openapi"
)

// Validator checks answers against one document.
type Validator struct {
	doc    *openapi3.T
	router routers.Router
}

// routingBase is the origin requests are routed under: the document's
// server is https://{api_host}, whose default this is; the host a test
// really used does not matter to the contract.
const routingBase = "https://localhost:3443"

func init() {
	// The landing page is HTML: its schema is a string, read as such.
	openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.PlainBodyDecoder)
}

// New loads and validates a document (YAML or JSON).
func New(src []byte) (*Validator, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(src)
	if err != nil {
		return nil, fmt.Errorf("openapicheck: load the document: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("openapicheck: the document is not valid: %w", err)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("openapicheck: route the document: %w", err)
	}
	return &Validator{doc: doc, router: router}, nil
}

// Default is the validator of the project's document, loaded once.
var Default = sync.OnceValues(func() (*Validator, error) { return New(openapi.YAML()) })

// Exchange is one request and the answer it got.
type Exchange struct {
	Method string
	// RawPath is the path as sent (escaped); RawQuery the query string.
	RawPath, RawQuery string
	Status            int
	Header            http.Header
	Body              []byte
}

// Check reports how the answer departs from the document, or nil.
func (v *Validator) Check(ex Exchange) error {
	u, err := url.Parse(routingBase + ex.RawPath)
	if err != nil || ex.RawPath == "" || !strings.HasPrefix(ex.RawPath, "/") {
		return v.checkRouteMiss(ex)
	}
	u.RawQuery = ex.RawQuery
	req := &http.Request{Method: ex.Method, URL: u, Header: http.Header{}, Host: u.Host}
	if ex.Method == http.MethodOptions {
		// CORS preflight: answered for every path, outside the
		// operations (the document's description says so).
		if ex.Status != http.StatusNoContent || len(ex.Body) != 0 {
			return fmt.Errorf("OPTIONS %s: a preflight is 204 without a body, got %d %q", ex.RawPath, ex.Status, ex.Body)
		}
		return nil
	}
	route, params, err := v.router.FindRoute(req)
	if err != nil {
		if errors.Is(err, routers.ErrPathNotFound) || errors.Is(err, routers.ErrMethodNotAllowed) {
			return v.checkRouteMiss(ex)
		}
		return fmt.Errorf("%s %s: route: %w", ex.Method, ex.RawPath, err)
	}
	where := fmt.Sprintf("%s %s → %d", ex.Method, route.Path, ex.Status)
	if ex.Method == http.MethodHead {
		// openapi3filter skips HEAD; the answer is a GET's without body.
		return v.checkHead(where, route, ex)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 ex.Status,
		Header:                 ex.Header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	in.SetBodyBytes(ex.Body)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		return fmt.Errorf("%s does not match the document: %w\nbody: %s", where, err, clip(ex.Body))
	}
	return nil
}

func (v *Validator) checkHead(where string, route *routers.Route, ex Exchange) error {
	resp := route.Operation.Responses.Status(ex.Status)
	if resp == nil || resp.Value == nil {
		return fmt.Errorf("%s: status not documented", where)
	}
	if len(ex.Body) != 0 {
		return fmt.Errorf("%s: a HEAD answer has a body", where)
	}
	if ct := ex.Header.Get("Content-Type"); resp.Value.Content.Get(ct) == nil {
		return fmt.Errorf("%s: Content-Type %q not documented", where, ct)
	}
	return nil
}

// checkRouteMiss checks the answer to a request no operation of the
// document matches: the API's route-miss answers, nothing else.
func (v *Validator) checkRouteMiss(ex Exchange) error {
	where := fmt.Sprintf("%s %s → %d (no operation of the document)", ex.Method, ex.RawPath, ex.Status)
	var name string
	switch ex.Status {
	case http.StatusNotFound:
		name = "RouteNotFound"
	case http.StatusMethodNotAllowed:
		name = "MethodNotAllowed"
		if ex.Header.Get("Allow") == "" {
			return fmt.Errorf("%s: 405 without Allow", where)
		}
	default:
		return fmt.Errorf("%s: an undocumented route answered; only 404 40401 or 405 40501 may", where)
	}
	resp := v.doc.Components.Responses[name]
	mt := resp.Value.Content.Get(ex.Header.Get("Content-Type"))
	if mt == nil {
		return fmt.Errorf("%s: Content-Type %q is not the envelope's", where, ex.Header.Get("Content-Type"))
	}
	value, err := decodeJSON(ex.Body)
	if err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	if err := mt.Schema.Value.VisitJSON(value, openapi3.EnableJSONSchema2020(), openapi3.MultiErrors()); err != nil {
		return fmt.Errorf("%s does not match components/responses/%s: %w\nbody: %s", where, name, err, clip(ex.Body))
	}
	return nil
}

// CheckEvent checks a function's answer to a payload 2.0 event.
func (v *Validator) CheckEvent(ev events.APIGatewayV2HTTPRequest, resp events.APIGatewayV2HTTPResponse) error {
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(resp.Body)
		if err != nil {
			return fmt.Errorf("openapicheck: base64 body: %w", err)
		}
		body = b
	}
	h := http.Header{}
	for k, val := range resp.Headers {
		h.Set(k, val)
	}
	for k, vals := range resp.MultiValueHeaders {
		for _, val := range vals {
			h.Add(k, val)
		}
	}
	path := ev.RawPath
	if path == "" {
		path = ev.RequestContext.HTTP.Path
	}
	method := ev.RequestContext.HTTP.Method
	return v.Check(Exchange{Method: method, RawPath: path, RawQuery: ev.RawQueryString, Status: resp.StatusCode, Header: h, Body: body})
}

func decodeJSON(b []byte) (any, error) {
	var v any
	dec := jsonDecoder(b)
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("body is not JSON: %w", err)
	}
	return v, nil
}

func clip(b []byte) string {
	const max = 600
	if len(b) > max {
		return string(b[:max]) + "…"
	}
	return string(b)
}

func jsonDecoder(b []byte) *json.Decoder {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return dec
}
