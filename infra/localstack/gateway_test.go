package localstack

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/aws/aws-lambda-go/events"
)

// recordingInvoker remembers the event and answers with resp.
type recordingInvoker struct {
	got  events.APIGatewayV2HTTPRequest
	resp events.APIGatewayV2HTTPResponse
	err  error
}

func (r *recordingInvoker) Invoke(_ context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	r.got = ev
	return r.resp, r.err
}

func testGateway(t *testing.T, routes ...Route) (*Gateway, *recordingInvoker) {
	t.Helper()
	in := &recordingInvoker{resp: events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: `{"stat":"OK","response":{}}`,
		Headers: map[string]string{"Content-Type": "application/json"}}}
	for i := range routes {
		routes[i].Function = "Fn"
	}
	tm := &Template{
		Functions: []Function{{LogicalID: "Fn", Routes: routes, TimeoutSecs: 3}},
		CORS:      CORS{AllowOrigins: []string{"http://panel"}, AllowHeaders: []string{"Authorization", "Content-Type"}, AllowMethods: []string{"GET", "POST"}, ExposeHeaders: []string{"Retry-After"}, MaxAge: 600},
	}
	static := fstest.MapFS{"index.html": {Data: []byte("<html>panel</html>")}, "app.js": {Data: []byte("js")}}
	g, err := NewGateway(tm, map[string]Invoker{"Fn": in}, static, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return g, in
}

func serve(g http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	g.ServeHTTP(w, r)
	return w
}

// TestEventShape: the payload 2.0 event has what API Gateway puts in it.
func TestEventShape(t *testing.T) {
	g, in := testGateway(t, Route{Method: "POST", Path: "/v1/login/{txid}/verify"})
	r := httptest.NewRequest("POST", "https://localhost:3443/v1/login/ab%20c/verify?x=1&x=2&y=", strings.NewReader(`{"passcode":"1234567"}`))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("X-Custom", "a")
	r.Header.Add("X-Custom", "b")
	r.Header.Set("Cookie", "a=1; b=2")
	r.Header.Set("User-Agent", "test-agent")
	r.RemoteAddr = "203.0.113.9:5555"
	if w := serve(g, r); w.Code != 200 {
		t.Fatalf("status %d", w.Code)
	}
	ev := in.got
	checks := map[string][2]string{
		"version":                   {ev.Version, "2.0"},
		"routeKey":                  {ev.RouteKey, "POST /v1/login/{txid}/verify"},
		"requestContext.routeKey":   {ev.RequestContext.RouteKey, "POST /v1/login/{txid}/verify"},
		"rawPath":                   {ev.RawPath, "/v1/login/ab%20c/verify"},
		"rawQueryString":            {ev.RawQueryString, "x=1&x=2&y="},
		"pathParameters.txid":       {ev.PathParameters["txid"], "ab c"},
		"queryStringParameters.x":   {ev.QueryStringParameters["x"], "1,2"},
		"headers.x-custom":          {ev.Headers["x-custom"], "a,b"},
		"headers.host":              {ev.Headers["host"], "localhost:3443"},
		"headers.x-forwarded-proto": {ev.Headers["x-forwarded-proto"], "https"},
		"headers.x-forwarded-for":   {ev.Headers["x-forwarded-for"], "203.0.113.9"},
		"cookies":                   {strings.Join(ev.Cookies, "|"), "a=1|b=2"},
		"http.method":               {ev.RequestContext.HTTP.Method, "POST"},
		"http.path":                 {ev.RequestContext.HTTP.Path, "/v1/login/ab%20c/verify"},
		"http.sourceIp":             {ev.RequestContext.HTTP.SourceIP, "203.0.113.9"},
		"http.userAgent":            {ev.RequestContext.HTTP.UserAgent, "test-agent"},
		"domainName":                {ev.RequestContext.DomainName, "localhost"},
		"stage":                     {ev.RequestContext.Stage, "$default"},
		"body":                      {ev.Body, `{"passcode":"1234567"}`},
	}
	for name, c := range checks {
		if c[0] != c[1] {
			t.Errorf("%s = %q, want %q", name, c[0], c[1])
		}
	}
	if _, ok := ev.Headers["cookie"]; ok {
		t.Error("the cookie header stays in headers; API Gateway moves it to cookies")
	}
	if ev.IsBase64Encoded || ev.RequestContext.RequestID == "" || ev.RequestContext.TimeEpoch == 0 {
		t.Errorf("isBase64Encoded %v, requestId %q, timeEpoch %d", ev.IsBase64Encoded, ev.RequestContext.RequestID, ev.RequestContext.TimeEpoch)
	}
	for k := range ev.Headers {
		if k != strings.ToLower(k) {
			t.Errorf("header %q is not lower case", k)
		}
	}
}

// TestEventBodies: text bodies pass as they are, form and binary bodies
// base64-encoded, as HTTP APIs do.
func TestEventBodies(t *testing.T) {
	g, in := testGateway(t, Route{Method: "POST", Path: "/push/v2/activation/{code}"})
	for _, tc := range []struct {
		ct, body string
		b64      bool
	}{
		{"application/json", `{"a":1}`, false},
		{"text/plain; charset=utf-8", "héllo", false},
		{"application/x-www-form-urlencoded", "pubkey=a%2Bb&pkpush=rsa-sha512", true},
		{"application/octet-stream", "\x00\x01\xff", true},
		{"", "plain", false},
		{"", "\xff\xfe", true},
	} {
		r := httptest.NewRequest("POST", "/push/v2/activation/CODE", strings.NewReader(tc.body))
		if tc.ct != "" {
			r.Header.Set("Content-Type", tc.ct)
		}
		serve(g, r)
		got := in.got.Body
		if in.got.IsBase64Encoded {
			b, err := base64.StdEncoding.DecodeString(got)
			if err != nil {
				t.Fatal(err)
			}
			got = string(b)
		}
		if in.got.IsBase64Encoded != tc.b64 || got != tc.body {
			t.Errorf("%q body %q: isBase64Encoded %v, decoded %q", tc.ct, tc.body, in.got.IsBase64Encoded, got)
		}
	}
}

// TestRouting: the most specific route wins, HEAD matches only HEAD
// routes, unmatched requests get the panel's files or API Gateway's 404,
// preflights are answered from the CORS configuration.
func TestRouting(t *testing.T) {
	g, in := testGateway(t,
		Route{Method: "GET", Path: "/v1/admins/{admin_id}"},
		Route{Method: "GET", Path: "/v1/admins/me"},
		Route{Method: "HEAD", Path: "/activate/{code}"},
	)
	serve(g, httptest.NewRequest("GET", "/v1/admins/me", nil))
	if in.got.RouteKey != "GET /v1/admins/me" {
		t.Errorf("GET /v1/admins/me went to %q", in.got.RouteKey)
	}
	serve(g, httptest.NewRequest("GET", "/v1/admins/abc", nil))
	if in.got.RouteKey != "GET /v1/admins/{admin_id}" || in.got.PathParameters["admin_id"] != "abc" {
		t.Errorf("GET /v1/admins/abc went to %q %v", in.got.RouteKey, in.got.PathParameters)
	}
	in.got = events.APIGatewayV2HTTPRequest{}
	if w := serve(g, httptest.NewRequest("GET", "/activate/X", nil)); w.Code != 404 || w.Body.String() != `{"message":"Not Found"}` || in.got.RouteKey != "" {
		t.Errorf("GET of a HEAD-only route: %d %s", w.Code, w.Body)
	}
	if w := serve(g, httptest.NewRequest("GET", "/", nil)); w.Code != 200 || !strings.Contains(w.Body.String(), "panel") {
		t.Errorf("GET /: %d %s", w.Code, w.Body)
	}
	if w := serve(g, httptest.NewRequest("GET", "/app.js", nil)); w.Code != 200 || w.Body.String() != "js" {
		t.Errorf("GET /app.js: %d %s", w.Code, w.Body)
	}
	if w := serve(g, httptest.NewRequest("POST", "/app.js", nil)); w.Code != 404 {
		t.Errorf("POST /app.js: %d", w.Code)
	}

	pre := httptest.NewRequest("OPTIONS", "/v1/admins/abc", nil)
	pre.Header.Set("Origin", "http://panel")
	pre.Header.Set("Access-Control-Request-Method", "GET")
	w := serve(g, pre)
	if w.Code != 204 || w.Header().Get("Access-Control-Allow-Origin") != "http://panel" || w.Header().Get("Access-Control-Max-Age") != "600" {
		t.Errorf("preflight: %d %v", w.Code, w.Header())
	}
	r := httptest.NewRequest("GET", "/v1/admins/abc", nil)
	r.Header.Set("Origin", "http://panel")
	w = serve(g, r)
	if w.Header().Get("Access-Control-Allow-Origin") != "http://panel" || w.Header().Get("Access-Control-Expose-Headers") != "Retry-After" {
		t.Errorf("CORS headers on an allowed origin's request: %v", w.Header())
	}
	r.Header.Set("Origin", "http://evil")
	if w := serve(g, r); w.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("another origin is allowed: %v", w.Header())
	}
}

// TestFunctionFailures: a function error or crash is API Gateway's 500,
// never its details; a too-large body is 413.
func TestFunctionFailures(t *testing.T) {
	g, in := testGateway(t, Route{Method: "POST", Path: "/x"})
	in.err = errors.New("secret detail")
	w := serve(g, httptest.NewRequest("POST", "/x", nil))
	if w.Code != 500 || w.Body.String() != `{"message":"Internal Server Error"}` {
		t.Errorf("function error: %d %s", w.Code, w.Body)
	}
	in.err = nil
	w = serve(g, httptest.NewRequest("POST", "/x", io.LimitReader(zeros{}, MaxPayloadBytes+1)))
	if w.Code != 413 {
		t.Errorf("oversized body: %d", w.Code)
	}

	panicking := RouterInvoker{} // nil router: calling it panics
	if _, err := panicking.Invoke(context.Background(), events.APIGatewayV2HTTPRequest{}); err == nil {
		t.Error("a panicking function is not an error")
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// TestDecodeResponse reads what a function returns through the runtime
// API, as API Gateway does for payload 2.0.
func TestDecodeResponse(t *testing.T) {
	resp, err := DecodeResponse([]byte(`{"statusCode":201,"headers":{"A":"b"},"body":"aGk=","isBase64Encoded":true,"cookies":["c=1"]}`))
	if err != nil || resp.StatusCode != 201 || resp.Headers["A"] != "b" || !resp.IsBase64Encoded || resp.Cookies[0] != "c=1" {
		t.Errorf("full response: %+v %v", resp, err)
	}
	w := httptest.NewRecorder()
	WriteResponse(w, resp)
	if w.Code != 201 || w.Body.String() != "hi" || w.Header().Get("Set-Cookie") != "c=1" {
		t.Errorf("written: %d %q %v", w.Code, w.Body, w.Header())
	}
	if resp, err := DecodeResponse([]byte(`{"hello":"world"}`)); err != nil || resp.StatusCode != 200 || resp.Body != `{"hello":"world"}` {
		t.Errorf("inferred response: %+v %v", resp, err)
	}
	if _, err := DecodeResponse([]byte(`{"errorMessage":"boom","errorType":"Panic"}`)); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("runtime error document: %v", err)
	}
	if _, err := DecodeResponse([]byte(`not json`)); err == nil {
		t.Error("invalid JSON accepted")
	}
}
