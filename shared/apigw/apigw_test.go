package apigw

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"push-reactivation/shared/domain"
)

type echoBody struct {
	Name string `json:"name"`
	N    int    `json:"n"`
}

func testRouter(logs *bytes.Buffer, routes ...Route) *Router {
	return NewRouter(slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})), nil, "https://panel.example", routes...)
}

func event(method, path, body string) events.APIGatewayV2HTTPRequest {
	ev := events.APIGatewayV2HTTPRequest{RawPath: path, Body: body, Headers: map[string]string{"content-type": "application/json"}}
	ev.RequestContext.HTTP.Method = method
	ev.RequestContext.RequestID = "req-123"
	return ev
}

func decodeFail(t *testing.T, body string) FailEnvelope {
	t.Helper()
	var f FailEnvelope
	if err := json.Unmarshal([]byte(body), &f); err != nil {
		t.Fatalf("not JSON: %q", body)
	}
	if f.Stat != "FAIL" {
		t.Fatalf("stat %q", f.Stat)
	}
	return f
}

func TestEveryCodeMapsToItsStatus(t *testing.T) {
	codes := []domain.Code{domain.CodeInvalidParams, domain.CodeNotAuthenticated, domain.CodeRecentAuthNeeded, domain.CodeForbidden,
		domain.CodeChildAccount, domain.CodeNotFound, domain.CodeUnknownActivation, domain.CodeConflict, domain.CodeExpired,
		domain.CodeTooLarge, domain.CodeLocked, domain.CodeRateLimited, domain.CodeInternal, domain.CodeUnavailable}
	want := map[domain.Code]int{40002: 400, 40101: 401, 40103: 401, 40301: 403, 40302: 403, 40401: 404, 40403: 404, 40901: 409,
		41001: 410, 41301: 413, 42301: 423, 42901: 429, 50001: 500, 50301: 503}
	for _, c := range codes {
		var logs bytes.Buffer
		rt := testRouter(&logs, Route{Key: "GET /x", Handler: func(context.Context, *Request) (*Response, error) {
			if c == domain.CodeRateLimited {
				return nil, domain.RateLimited(90_500_000_000) // 90.5 s
			}
			return nil, domain.NewError(c)
		}})
		resp, err := rt.Handle(context.Background(), event("GET", "/x", ""))
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != want[c] {
			t.Errorf("code %d: status %d, want %d", c, resp.StatusCode, want[c])
		}
		f := decodeFail(t, resp.Body)
		if f.Code != int(c) || f.Message == "" {
			t.Errorf("code %d: envelope %+v", c, f)
		}
		if c == domain.CodeRateLimited && resp.Headers["Retry-After"] != "91" {
			t.Errorf("Retry-After %q", resp.Headers["Retry-After"])
		}
	}
}

func TestUnexpectedErrorIsInternalAndLogged(t *testing.T) {
	var logs bytes.Buffer
	rt := testRouter(&logs, Route{Key: "GET /x", Handler: func(context.Context, *Request) (*Response, error) {
		return nil, errors.New("dynamo: table on fire at 10.1.2.3")
	}})
	resp, _ := rt.Handle(context.Background(), event("GET", "/x", ""))
	f := decodeFail(t, resp.Body)
	if resp.StatusCode != 500 || f.Code != 50001 || f.Message != "Internal error" || f.MessageDetail != "" || strings.Contains(resp.Body, "fire") {
		t.Fatalf("leaked or wrong: %d %s", resp.StatusCode, resp.Body)
	}
	if !strings.Contains(logs.String(), "table on fire") || !strings.Contains(logs.String(), `"request_id":"req-123"`) {
		t.Fatalf("operators need the error with the request id: %s", logs.String())
	}
}

func TestPanicIsRecovered(t *testing.T) {
	var logs bytes.Buffer
	rt := testRouter(&logs, Route{Key: "POST /x", Handler: func(context.Context, *Request) (*Response, error) {
		panic("secret-in-panic")
	}})
	resp, err := rt.Handle(context.Background(), event("POST", "/x", `{}`))
	if err != nil {
		t.Fatal(err)
	}
	f := decodeFail(t, resp.Body)
	if resp.StatusCode != 500 || f.Message != "Internal error" || f.MessageDetail != "" {
		t.Fatalf("%d %s", resp.StatusCode, resp.Body)
	}
	if strings.Contains(logs.String(), "secret-in-panic") {
		t.Fatal("panic value logged")
	}
}

func TestStrictJSON(t *testing.T) {
	handler := func(_ context.Context, r *Request) (*Response, error) {
		var b echoBody
		if err := r.DecodeJSON(&b); err != nil {
			return nil, err
		}
		return OK(b), nil
	}
	cases := []struct {
		name, body string
		status     int
		code       int
		detail     string
	}{
		{"ok", `{"name":"a","n":1}`, 200, 0, ""},
		{"empty body", ``, 200, 0, ""},
		{"unknown field", `{"name":"a","evil":1}`, 400, 40002, `unknown field "evil"`},
		{"malformed", `{"name":`, 400, 40002, "malformed JSON"},
		{"trailing", `{"name":"a"}{"name":"b"}`, 400, 40002, "malformed JSON"},
		{"not object", `["a"]`, 400, 40002, "body must be a JSON object"},
		{"wrong type", `{"n":"x"}`, 400, 40002, "n"},
		{"oversized", `{"name":"` + strings.Repeat("a", domain.MaxBodyBytes) + `"}`, 413, 41301, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			rt := testRouter(&logs, Route{Key: "POST /x", Handler: handler})
			resp, _ := rt.Handle(context.Background(), event("POST", "/x", tc.body))
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d body %s", resp.StatusCode, resp.Body)
			}
			if tc.code != 0 {
				f := decodeFail(t, resp.Body)
				if f.Code != tc.code || f.MessageDetail != tc.detail {
					t.Fatalf("%+v", f)
				}
			} else if !strings.HasPrefix(resp.Body, `{"stat":"OK","response":`) {
				t.Fatalf("body %s", resp.Body)
			}
			if tc.body != "" && strings.Contains(logs.String(), tc.body) {
				t.Fatal("body logged")
			}
		})
	}
}

func TestRoutingAndCORS(t *testing.T) {
	var logs bytes.Buffer
	var got map[string]string
	rt := testRouter(&logs, Route{Key: "GET /v1/admins/{admin_id}", Handler: func(_ context.Context, r *Request) (*Response, error) {
		got = r.PathParams
		return OK(map[string]string{"id": r.Param("admin_id")}), nil
	}})
	ev := event("GET", "/v1/admins/a%2Fb", "")
	ev.Headers["origin"] = "https://panel.example"
	resp, _ := rt.Handle(context.Background(), ev)
	if resp.StatusCode != 200 || got["admin_id"] != "a/b" || resp.Headers["Access-Control-Allow-Origin"] != "https://panel.example" {
		t.Fatalf("%d %v %v", resp.StatusCode, got, resp.Headers)
	}
	ev.Headers["origin"] = "https://evil.example"
	resp, _ = rt.Handle(context.Background(), ev)
	if _, ok := resp.Headers["Access-Control-Allow-Origin"]; ok {
		t.Fatal("CORS allowed a foreign origin")
	}
	resp, _ = rt.Handle(context.Background(), event("GET", "/v1/nothing", ""))
	if resp.StatusCode != 404 || decodeFail(t, resp.Body).Code != 40401 {
		t.Fatalf("unknown route %d", resp.StatusCode)
	}
	// API Gateway's own route key and path parameters take precedence.
	ev = event("GET", "/v1/admins/x", "")
	ev.RouteKey, ev.PathParameters = "GET /v1/admins/{admin_id}", map[string]string{"admin_id": "from-gateway"}
	rt.Handle(context.Background(), ev)
	if got["admin_id"] != "from-gateway" {
		t.Fatalf("route key params %v", got)
	}
}

type fakeAuth struct{ token string }

func (f fakeAuth) Authenticate(_ context.Context, token string) (*domain.Principal, error) {
	if token != f.token {
		return nil, domain.NewError(domain.CodeNotAuthenticated)
	}
	return &domain.Principal{Admin: domain.Admin{ID: "a1"}}, nil
}

func TestBearerHook(t *testing.T) {
	var logs bytes.Buffer
	rt := testRouter(&logs, Route{Key: "GET /me", Auth: true, Handler: func(_ context.Context, r *Request) (*Response, error) {
		return OK(r.Principal.Admin.ID), nil
	}})
	rt.Auth = fakeAuth{token: "tok-secret-value"}
	for hdr, want := range map[string]int{"": 401, "Bearer wrong": 401, "Basic tok-secret-value": 401, "Bearer tok-secret-value": 200, "bearer tok-secret-value": 200} {
		ev := event("GET", "/me", "")
		if hdr != "" {
			ev.Headers["authorization"] = hdr
		}
		resp, _ := rt.Handle(context.Background(), ev)
		if resp.StatusCode != want {
			t.Errorf("%q: %d, want %d", hdr, resp.StatusCode, want)
		}
	}
	if strings.Contains(logs.String(), "tok-secret-value") {
		t.Fatal("token logged")
	}
}

func TestFormMergesQueryAndBody(t *testing.T) {
	ev := event("POST", "/f", "b=2&a=3")
	ev.RawQueryString = "a=1"
	ev.Headers["content-type"] = "application/x-www-form-urlencoded; charset=utf-8"
	r := &Request{Event: ev, Body: []byte(ev.Body)}
	f, err := r.Form()
	if err != nil || f.Get("b") != "2" || len(f["a"]) != 2 {
		t.Fatalf("%v %v", f, err)
	}
}

func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{`{}`, `{"name":"x"}`, `{"n":1e999}`, `[`, `{"name":"\u0000"}`, "\xff", `{"inner":{"x":1,"x":2}}`, `{"list":[{"Email":1}]}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var b nestedBody
		err := (&Request{Event: event("POST", "/", body), Body: []byte(body)}).DecodeJSON(&b)
		if err != nil {
			if de, ok := domain.AsError(err); !ok || de.Code != domain.CodeInvalidParams {
				t.Fatalf("decode error not 40002: %v", err)
			}
		}
	})
}

func FuzzForm(f *testing.F) {
	f.Add("a=1&b=%zz", "x=y")
	f.Fuzz(func(t *testing.T, query, body string) {
		ev := event("POST", "/", body)
		ev.RawQueryString = query
		ev.Headers["content-type"] = "application/x-www-form-urlencoded"
		_, _ = (&Request{Event: ev, Body: []byte(body)}).Form()
	})
}
