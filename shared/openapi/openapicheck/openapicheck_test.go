package openapicheck_test

import (
	"net/http"
	"strings"
	"testing"

	"push-reactivation/shared/openapi/openapicheck"
)

func validator(t *testing.T) *openapicheck.Validator {
	t.Helper()
	v, err := openapicheck.Default()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func jsonHeader(extra ...string) http.Header {
	h := http.Header{"Content-Type": {"application/json"}}
	for i := 0; i+1 < len(extra); i += 2 {
		h.Set(extra[i], extra[i+1])
	}
	return h
}

const session = `{"stat":"OK","response":{"admin":{"admin_id":"a1","name":"Ann","email":"ann@example.com","role":"owner","account_id":"acc"},` +
	`"home_account":"acc","acting_account":"acc","accounts":[{"account_id":"acc","name":"Acme","kind":"standard"}],` +
	`"factor":"sms","authenticated_at":"2026-11-30T10:00:00Z","expires_at":"2026-11-30T22:00:00Z"}}`

// TestCheckAcceptsTheContract: answers shaped as DESIGN.md §4 says pass.
func TestCheckAcceptsTheContract(t *testing.T) {
	v := validator(t)
	for name, ex := range map[string]openapicheck.Exchange{
		"session": {Method: "GET", RawPath: "/v1/session", Status: 200, Header: jsonHeader(), Body: []byte(session)},
		"fail with detail": {Method: "POST", RawPath: "/v1/login/tx1/verify", Status: 401, Header: jsonHeader(),
			Body: []byte(`{"stat":"FAIL","code":40101,"message":"Invalid credentials","message_detail":"4 tries left"}`)},
		"rate limited": {Method: "POST", RawPath: "/v1/login", Status: 429, Header: jsonHeader("Retry-After", "30"),
			Body: []byte(`{"stat":"FAIL","code":42901,"message":"Too many requests"}`)},
		"unknown route": {Method: "GET", RawPath: "/v1/nothing", Status: 404, Header: jsonHeader(),
			Body: []byte(`{"stat":"FAIL","code":40401,"message":"Not found"}`)},
		"wrong method": {Method: "PATCH", RawPath: "/v1/session", Status: 405, Header: jsonHeader("Allow", "DELETE, GET"),
			Body: []byte(`{"stat":"FAIL","code":40501,"message":"Method not allowed"}`)},
		"landing head": {Method: "HEAD", RawPath: "/activate/abc", Status: 404, Header: http.Header{"Content-Type": {"text/html; charset=utf-8"}}},
		"preflight":    {Method: "OPTIONS", RawPath: "/v1/login", Status: 204, Header: http.Header{}},
	} {
		if err := v.Check(ex); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestCheckRefusesDrift: the check catches a misspelled, missing or extra
// field, a code the route does not answer, an undocumented status, a
// missing Retry-After or Allow, and an undocumented route that answers.
func TestCheckRefusesDrift(t *testing.T) {
	v := validator(t)
	for name, tc := range map[string]struct {
		ex   openapicheck.Exchange
		want string
	}{
		"misspelled field": {openapicheck.Exchange{Method: "GET", RawPath: "/v1/session", Status: 200, Header: jsonHeader(),
			Body: []byte(strings.Replace(session, `"acting_account"`, `"actingAccount"`, 1))}, "acting"},
		"missing required field": {openapicheck.Exchange{Method: "GET", RawPath: "/v1/session", Status: 200, Header: jsonHeader(),
			Body: []byte(strings.Replace(session, `"factor":"sms",`, ``, 1))}, "factor"},
		"wrong type": {openapicheck.Exchange{Method: "GET", RawPath: "/v1/session", Status: 200, Header: jsonHeader(),
			Body: []byte(strings.Replace(session, `"factor":"sms"`, `"factor":7`, 1))}, "factor"},
		"code of another status": {openapicheck.Exchange{Method: "GET", RawPath: "/v1/session", Status: 401, Header: jsonHeader(),
			Body: []byte(`{"stat":"FAIL","code":40301,"message":"Forbidden"}`)}, "40301"},
		"code the route never answers": {openapicheck.Exchange{Method: "GET", RawPath: "/v1/session", Status: 401, Header: jsonHeader(),
			Body: []byte(`{"stat":"FAIL","code":40103,"message":"Recent authentication required"}`)}, "code"},
		"undocumented status": {openapicheck.Exchange{Method: "GET", RawPath: "/v1/session", Status: 418, Header: jsonHeader(),
			Body: []byte(`{"stat":"FAIL","code":41801,"message":"teapot"}`)}, "status is not supported"},
		"no Retry-After": {openapicheck.Exchange{Method: "POST", RawPath: "/v1/login", Status: 429, Header: jsonHeader(),
			Body: []byte(`{"stat":"FAIL","code":42901,"message":"Too many requests"}`)}, "Retry-After"},
		"envelope without stat": {openapicheck.Exchange{Method: "POST", RawPath: "/v1/login", Status: 400, Header: jsonHeader(),
			Body: []byte(`{"code":40002,"message":"Invalid request parameters"}`)}, "stat"},
		"405 without Allow": {openapicheck.Exchange{Method: "PATCH", RawPath: "/v1/session", Status: 405, Header: jsonHeader(),
			Body: []byte(`{"stat":"FAIL","code":40501,"message":"Method not allowed"}`)}, "Allow"},
		"undocumented route answers": {openapicheck.Exchange{Method: "GET", RawPath: "/v1/secret-admin", Status: 200, Header: jsonHeader(),
			Body: []byte(`{"stat":"OK","response":{}}`)}, "undocumented route"},
		"route miss with another code": {openapicheck.Exchange{Method: "GET", RawPath: "/v1/nothing", Status: 404, Header: jsonHeader(),
			Body: []byte(`{"stat":"FAIL","code":40403,"message":"Unknown activation code"}`)}, "RouteNotFound"},
		"html where JSON is documented": {openapicheck.Exchange{Method: "GET", RawPath: "/v1/session", Status: 200,
			Header: http.Header{"Content-Type": {"text/html"}}, Body: []byte(`<p>hi</p>`)}, "Content-Type"},
	} {
		err := v.Check(tc.ex)
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error does not mention %q: %v", name, tc.want, err)
		}
	}
}
