package apigw

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"push-reactivation/shared/domain"
)

type loginBody struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

type nestedBody struct {
	Inner struct {
		X int `json:"x"`
	} `json:"inner"`
	Tags  map[string]int `json:"tags"`
	List  []loginBody    `json:"list"`
	Embed                // untagged embedded struct: its fields are the outer object's
}

type Embed struct {
	Note string `json:"note"`
}

// decodeInto is a router with one POST /x route that decodes the body
// into a fresh value of the given kind.
func decodeInto[T any](t *testing.T) *Router {
	t.Helper()
	var logs bytes.Buffer
	return testRouter(&logs, Route{Key: "POST /x", Handler: func(_ context.Context, r *Request) (*Response, error) {
		var v T
		if err := r.DecodeJSON(&v); err != nil {
			return nil, err
		}
		return OK(v), nil
	}})
}

func post(rt *Router, contentType, body string) (int, FailEnvelope, map[string]string) {
	ev := event("POST", "/x", body)
	delete(ev.Headers, "content-type")
	if contentType != "" {
		ev.Headers["content-type"] = contentType
	}
	resp, _ := rt.Handle(context.Background(), ev)
	var f FailEnvelope
	if resp.StatusCode >= 400 {
		_ = json.Unmarshal([]byte(resp.Body), &f)
	}
	return resp.StatusCode, f, resp.Headers
}

// TestJSONNamesAreExact: encoding/json matched names case-insensitively,
// so {"EMAIL": ..., "PassWord": ...} logged in. Names must be exact.
func TestJSONNamesAreExact(t *testing.T) {
	rt := decodeInto[loginBody](t)
	for body, detail := range map[string]string{
		`{"EMAIL":"a@b.example","PassWord":"pw"}`: `unknown field "EMAIL"`,
		`{"email":"a@b.example","PassWord":"pw"}`: `unknown field "PassWord"`,
		`{"Email":"a@b.example"}`:                 `unknown field "Email"`,
		`{"emaıl":"a@b.example"}`:                 `unknown field "emaıl"`,
	} {
		status, f, _ := post(rt, "application/json", body)
		if status != 400 || f.Code != 40002 || f.MessageDetail != detail {
			t.Errorf("%s: %d %+v, want 400 40002 %q", body, status, f, detail)
		}
	}
	if status, _, _ := post(rt, "application/json", `{"email":"a@b.example","password":"pw"}`); status != 200 {
		t.Errorf("exact names refused: %d", status)
	}
}

// TestJSONRepeatedMembersRefused: encoding/json kept the last of repeated
// members; a repeated member is 40002 at any depth.
func TestJSONRepeatedMembersRefused(t *testing.T) {
	rt := decodeInto[loginBody](t)
	status, f, _ := post(rt, "application/json", `{"email":"victim@b.example","password":"x","email":"me@b.example"}`)
	if status != 400 || f.Code != 40002 || f.MessageDetail != "email given more than once" {
		t.Errorf("duplicate: %d %+v", status, f)
	}
	nested := decodeInto[nestedBody](t)
	for body, detail := range map[string]string{
		`{"inner":{"x":1,"x":2}}`:                            "inner.x given more than once",
		`{"inner":{"X":1}}`:                                  `unknown field "inner.X"`,
		`{"tags":{"a":1,"a":2}}`:                             "tags.a given more than once",
		`{"list":[{"email":"a"},{"email":"b","email":"c"}]}`: "list[].email given more than once",
		`{"list":[{"Email":"a"}]}`:                           `unknown field "list[].Email"`,
		`{"note":"a","note":"b"}`:                            "note given more than once",
		`{"Note":"a"}`:                                       `unknown field "Note"`,
		`{"inner":{"x":1}, "inner":{"x":2}}`:                 "inner given more than once",
	} {
		status, f, _ := post(nested, "application/json", body)
		if status != 400 || f.Code != 40002 || f.MessageDetail != detail {
			t.Errorf("%s: %d %+v, want 40002 %q", body, status, f, detail)
		}
	}
	if status, f, _ := post(nested, "application/json", `{"inner":{"x":1},"tags":{"a":1,"b":2},"list":[{"email":"a"},{"email":"a"}],"note":"n"}`); status != 200 {
		t.Errorf("a well-formed nested body refused: %d %+v", status, f)
	}
}

// TestJSONNeedsItsContentType: a text/plain body was parsed as JSON. A body
// read as JSON must be declared application/json (charset UTF-8 allowed);
// a request with no body at all means no parameters.
func TestJSONNeedsItsContentType(t *testing.T) {
	rt := decodeInto[loginBody](t)
	body := `{"email":"a@b.example","password":"pw"}`
	cases := []struct {
		contentType, body string
		status            int
	}{
		{"application/json", body, 200},
		{"application/json; charset=utf-8", body, 200},
		{"Application/JSON; charset=UTF-8", body, 200},
		{"text/plain", body, 415},
		{"text/plain;charset=UTF-8", body, 415},
		{"", body, 415},
		{"application/x-www-form-urlencoded", body, 415},
		{"multipart/form-data; boundary=x", body, 415},
		{"application/json; charset=iso-8859-1", body, 415},
		{"application/jsonx", body, 415},
		{"application/merge-patch+json", body, 415},
		{"application/json;;", body, 415},
		// No body: no parameters (routes such as reset-lockout take none).
		{"", "", 200},
		{"", "  \n", 200},
		{"application/json", "", 200},
		{"text/plain", "", 415},
	}
	for _, tc := range cases {
		status, f, h := post(rt, tc.contentType, tc.body)
		if status != tc.status {
			t.Errorf("%q with %q: %d %+v, want %d", tc.contentType, tc.body, status, f, tc.status)
		}
		if status == 415 && (f.Code != 41501 || f.Message == "" || h["Content-Type"] != "application/json") {
			t.Errorf("%q: 415 envelope %+v %v", tc.contentType, f, h)
		}
	}
}

// TestBodyLimitIs16KiB: 16 KiB is accepted, one byte more is 413 41301,
// whether API Gateway passed the body as text or base64.
func TestBodyLimitIs16KiB(t *testing.T) {
	rt := decodeInto[loginBody](t)
	fill := func(n int) string { // a valid body of exactly n bytes
		pre := `{"email":"`
		return pre + strings.Repeat("a", n-len(pre)-2) + `"}`
	}
	for _, b64 := range []bool{false, true} {
		for n, want := range map[int]int{domain.MaxBodyBytes: 200, domain.MaxBodyBytes + 1: 413, 10 * domain.MaxBodyBytes: 413} {
			body := fill(n)
			ev := event("POST", "/x", body)
			if b64 {
				ev.Body, ev.IsBase64Encoded = base64.StdEncoding.EncodeToString([]byte(body)), true
			}
			resp, _ := rt.Handle(context.Background(), ev)
			if resp.StatusCode != want {
				t.Errorf("%d bytes (base64 %v): %d, want %d", n, b64, resp.StatusCode, want)
				continue
			}
			if want == 413 {
				if f := decodeFail(t, resp.Body); f.Code != 41301 || f.Message != "Request body too large" {
					t.Errorf("%d bytes: %+v", n, f)
				}
			}
		}
	}
}

// securityHeaders are on every answer of the API adapter.
var securityHeaders = map[string]string{
	"Strict-Transport-Security": HSTS,
	"X-Content-Type-Options":    "nosniff",
	"Cache-Control":             "no-store",
}

func checkSecurityHeaders(t *testing.T, what string, h map[string]string) {
	t.Helper()
	for k, v := range securityHeaders {
		if h[k] != v {
			t.Errorf("%s: %s = %q, want %q", what, k, h[k], v)
		}
	}
}

// TestRouteMissesGetTheEnvelope: an unknown path is 404 40401 and a known
// path with the wrong method 405 40501 with Allow, both in the envelope
// with the headers of every answer; on AWS these arrive through the
// $default route, with routeKey "$default".
func TestRouteMissesGetTheEnvelope(t *testing.T) {
	var logs bytes.Buffer
	ok := func(context.Context, *Request) (*Response, error) { return OK("hi"), nil }
	rt := testRouter(&logs, Route{Key: "POST /v1/login", Handler: ok}, Route{Key: "GET /v1/x/{id}", Handler: ok}, RouteMisses())
	cases := []struct {
		method, path string
		status, code int
		allow        string
	}{
		{"GET", "/v1/nothing", 404, 40401, ""},
		{"GET", "/", 404, 40401, ""},
		{"POST", "/v1/login/extra/segments/here", 404, 40401, ""},
		{"GET", "/v1/login", 405, 40501, "POST"},                   // this router's route
		{"DELETE", "/v1/x/abc", 405, 40501, "GET"},                 // this router's pattern
		{"PUT", "/v1/reactivations/r1", 405, 40501, "DELETE, GET"}, // another function's routes
		{"POST", "/v1/session", 405, 40501, "DELETE, GET"},         // another function's routes
		// GET /activate/{code} is a route of the API (another
		// function's), so this is no miss: a router that receives it
		// anyway answers 404 and logs the wiring mistake.
		{"GET", "/activate/ABC", 404, 40401, ""},
		{"PATCH", "/push/v2/device/info", 405, 40501, "GET"},
		{"HEAD", "/v1/profile", 405, 40501, "GET"},
	}
	for _, tc := range cases {
		for _, viaDefault := range []bool{false, true} {
			ev := event(tc.method, tc.path, "")
			if viaDefault {
				ev.RouteKey = DefaultRoute
				ev.RequestContext.RouteKey = DefaultRoute
			}
			ev.Headers["origin"] = "https://panel.example"
			resp, err := rt.Handle(context.Background(), ev)
			if err != nil {
				t.Fatal(err)
			}
			what := tc.method + " " + tc.path
			if resp.StatusCode != tc.status || resp.Headers["Allow"] != tc.allow {
				t.Errorf("%s: %d Allow %q, want %d Allow %q", what, resp.StatusCode, resp.Headers["Allow"], tc.status, tc.allow)
				continue
			}
			if tc.method == http.MethodHead {
				if resp.Body != "" {
					t.Errorf("%s: HEAD answer has a body", what)
				}
			} else if f := decodeFail(t, resp.Body); f.Code != tc.code || f.Message != domain.DefaultMessage(domain.Code(tc.code)) {
				t.Errorf("%s: envelope %+v", what, f)
			}
			checkSecurityHeaders(t, what, resp.Headers)
			if resp.Headers["Content-Type"] != "application/json" || resp.Headers["Access-Control-Allow-Origin"] != "https://panel.example" {
				t.Errorf("%s: headers %v", what, resp.Headers)
			}
		}
	}
	if !strings.Contains(logs.String(), "route served by another function") {
		t.Error("a route of another function reaching this router is not logged")
	}
	// A CORS preflight still works anywhere.
	ev := event("OPTIONS", "/v1/nothing", "")
	ev.Headers["origin"] = "https://panel.example"
	ev.Headers["access-control-request-method"] = "POST"
	resp, _ := rt.Handle(context.Background(), ev)
	if resp.StatusCode != 204 || resp.Headers["Access-Control-Allow-Origin"] != "https://panel.example" {
		t.Errorf("preflight: %d %v", resp.StatusCode, resp.Headers)
	}
}

// TestEveryAnswerCarriesSecurityHeaders: OK, FAIL, raw pages, preflights.
func TestEveryAnswerCarriesSecurityHeaders(t *testing.T) {
	var logs bytes.Buffer
	rt := testRouter(&logs,
		Route{Key: "GET /ok", Handler: func(context.Context, *Request) (*Response, error) { return OK(1), nil }},
		Route{Key: "GET /fail", Handler: func(context.Context, *Request) (*Response, error) { return nil, domain.RateLimited(5e9) }},
		Route{Key: "GET /page", Handler: func(context.Context, *Request) (*Response, error) { return Raw(200, "text/html", "<p>"), nil }},
		Route{Key: "GET /boom", Handler: func(context.Context, *Request) (*Response, error) { panic("x") }},
	)
	for _, m := range []string{"GET /ok", "GET /fail", "GET /page", "GET /boom", "OPTIONS /ok", "GET /missing"} {
		method, path, _ := strings.Cut(m, " ")
		resp, _ := rt.Handle(context.Background(), event(method, path, ""))
		checkSecurityHeaders(t, m, resp.Headers)
	}
}
