package localstack

import (
	"net/http/httptest"
	"strings"
	"testing"
)

// TestPanelSecurityHeaders: the panel's files carry the headers of
// DESIGN.md §4.1 (CSP without inline script, no framing, nosniff,
// no-referrer; HSTS over HTTPS), and the API's answers are left to the
// functions. web/panel_test.go checks the same on the running stack and
// that Chromium enforces the policy.
func TestPanelSecurityHeaders(t *testing.T) {
	g, _ := testGateway(t, Route{Method: "GET", Path: "/v1/session"})
	h := withPanelHeaders(g)
	for _, target := range []string{"http://127.0.0.1:3000/", "http://127.0.0.1:3000/app.js", "https://localhost:3443/", "https://localhost:3443/app.js"} {
		for _, method := range []string{"GET", "HEAD"} {
			w := serve(h, httptest.NewRequest(method, target, nil))
			if w.Code != 200 {
				t.Errorf("%s %s: %d", method, target, w.Code)
			}
			got := w.Header()
			csp := got.Get("Content-Security-Policy")
			for _, want := range []string{"script-src 'self'", "frame-ancestors 'none'", "default-src 'none'", "base-uri 'none'"} {
				if !strings.Contains(csp, want) {
					t.Errorf("%s %s: CSP %q lacks %s", method, target, csp, want)
				}
			}
			if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
				t.Errorf("%s %s: CSP %q allows inline script or eval", method, target, csp)
			}
			if got.Get("X-Content-Type-Options") != "nosniff" || got.Get("Referrer-Policy") != "no-referrer" {
				t.Errorf("%s %s: headers %v", method, target, got)
			}
			hsts := got.Get("Strict-Transport-Security")
			if strings.HasPrefix(target, "https:") != (hsts != "") {
				t.Errorf("%s %s: Strict-Transport-Security %q (only over HTTPS)", method, target, hsts)
			}
			if hsts != "" && !strings.HasPrefix(hsts, "max-age=31536000") {
				t.Errorf("%s %s: Strict-Transport-Security %q, want a year", method, target, hsts)
			}
		}
	}
	// An API answer is the function's: no panel policy bolted on.
	w := serve(h, httptest.NewRequest("GET", "http://127.0.0.1:3000/v1/session", nil))
	if w.Code != 200 || w.Header().Get("Content-Security-Policy") != "" {
		t.Errorf("API answer: %d %v", w.Code, w.Header())
	}
}
