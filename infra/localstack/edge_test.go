package localstack

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"push-reactivation/internal/testenv/apptest"
	"push-reactivation/shared/apigw"
	"push-reactivation/shared/config"
	"push-reactivation/shared/demo"
	"push-reactivation/shared/domain"
)

// TestAPIRoutesMatchTemplate: apigw.APIRoutes, which every router uses to
// tell 405 from 404, is exactly the template's routes, and the template
// has one $default route, owned by a function whose router serves it.
func TestAPIRoutesMatchTemplate(t *testing.T) {
	tm := loadTemplate(t)
	var keys, defaults []string
	for _, r := range tm.Routes() {
		if r.IsDefault() {
			defaults = append(defaults, r.Function)
			continue
		}
		keys = append(keys, r.Key())
	}
	slices.Sort(keys)
	if got := slices.Sorted(slices.Values(apigw.APIRoutes)); !slices.Equal(got, keys) {
		t.Errorf("apigw.APIRoutes = %v\ntemplate.yaml routes = %v", got, keys)
	}
	if len(defaults) != 1 {
		t.Fatalf("template.yaml has %d $default routes (%v), want 1: route misses must get the envelope on AWS", len(defaults), defaults)
	}
	if !slices.Contains(testRouter(t, defaults[0]).Routes(), apigw.DefaultRoute) {
		t.Errorf("%s owns $default but its router does not serve it", defaults[0])
	}
}

// edgeGateway is the gateway of the real template in front of the real
// routers router builds, on a real HTTP server.
func edgeGateway(t *testing.T, router func(t *testing.T, id string) *apigw.Router, timeouts ServerTimeouts) string {
	t.Helper()
	tm := loadTemplate(t)
	invokers := map[string]Invoker{}
	for _, f := range tm.Functions {
		invokers[f.LogicalID] = RouterInvoker{Router: router(t, f.LogicalID)}
	}
	g, err := NewGateway(tm, invokers, nil, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(nil)
	srv.Config = timeouts.Server(g, nil)
	srv.Start()
	t.Cleanup(srv.Close)
	return srv.URL
}

type edgeAnswer struct {
	status int
	header http.Header
	env    apigw.FailEnvelope
	raw    string
}

func edgeCall(t *testing.T, base, method, path, contentType, body string, hdr map[string]string) edgeAnswer {
	t.Helper()
	req, err := http.NewRequest(method, base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := edgeAnswer{status: resp.StatusCode, header: resp.Header, raw: string(b)}
	_ = json.Unmarshal(b, &a.env)
	return a
}

// TestGatewayStrictRequestsAndUniformAnswers: DESIGN.md §4.1 "Strict
// requests, uniform answers" through the local stack's gateway and the
// real routers, over HTTP: each request below got through (or got API
// Gateway's bare {"message":"Not Found"}) before.
func TestGatewayStrictRequestsAndUniformAnswers(t *testing.T) {
	env := apptest.New(t) // the embedded DynamoDB with the demo data
	base := edgeGateway(t, func(t *testing.T, id string) *apigw.Router {
		// apptest.New points the SDK at its peers through the
		// environment, so config.Lambda reaches them as main.go would.
		aws, err := config.Lambda()
		if err != nil {
			t.Fatal(err)
		}
		return Routers[id](env.Deps, env.Deps.Config, aws)
	}, APIGatewayTimeouts)
	origin := map[string]string{"Origin": "http://127.0.0.1:3000"} // the template's PanelOrigin
	login := `{"email":"owner@acme.example","password":"` + demo.Password + `"}`
	cases := []struct {
		name, method, path, contentType, body string
		status, code                          int
		allow                                 string
	}{
		{"unknown route", "GET", "/v1/nothing", "", "", 404, 40401, ""},
		{"unknown route, POST", "POST", "/v2/login", "application/json", login, 404, 40401, ""},
		{"root", "GET", "/", "", "", 404, 40401, ""},
		{"wrong method", "GET", "/v1/login", "", "", 405, 40501, "POST"},
		{"wrong method, two allowed", "PUT", "/v1/session", "", "", 405, 40501, "DELETE, GET"},
		{"wrong method, device API", "PATCH", "/push/v2/device/info", "", "", 405, 40501, "GET"},
		{"text/plain JSON", "POST", "/v1/login", "text/plain", login, 415, 41501, ""},
		{"no content type", "POST", "/v1/login", "", login, 415, 41501, ""},
		{"case-variant names", "POST", "/v1/login", "application/json", `{"EMAIL":"owner@acme.example","PassWord":"` + demo.Password + `"}`, 400, 40002, ""},
		{"repeated name", "POST", "/v1/login", "application/json; charset=utf-8", `{"email":"x@acme.example","password":"p","email":"owner@acme.example"}`, 400, 40002, ""},
		{"over 16 KiB", "POST", "/v1/login", "application/json", `{"email":"` + strings.Repeat("a", domain.MaxBodyBytes) + `"}`, 413, 41301, ""},
	}
	for _, tc := range cases {
		a := edgeCall(t, base, tc.method, tc.path, tc.contentType, tc.body, origin)
		if a.status != tc.status || a.env.Stat != "FAIL" || a.env.Code != tc.code || a.header.Get("Allow") != tc.allow {
			t.Errorf("%s: %d Allow %q %s, want %d %d Allow %q", tc.name, a.status, a.header.Get("Allow"), a.raw, tc.status, tc.code, tc.allow)
		}
		for k, v := range map[string]string{
			"Strict-Transport-Security": apigw.HSTS, "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store",
			"Content-Type": "application/json", "Access-Control-Allow-Origin": origin["Origin"],
		} {
			if got := a.header.Get(k); got != v {
				t.Errorf("%s: %s = %q, want %q", tc.name, k, got, v)
			}
		}
		if strings.Contains(a.raw, demo.Password) {
			t.Errorf("%s: the answer echoes the password", tc.name)
		}
	}
	// The same login, exact and declared as JSON, goes through.
	if a := edgeCall(t, base, "POST", "/v1/login", "application/json; charset=utf-8", login, origin); a.status != 200 {
		t.Errorf("a strict login: %d %s", a.status, a.raw)
	}
	// CORS preflights are still answered, on any path, by the gateway.
	for _, path := range []string{"/v1/login", "/v1/nothing"} {
		a := edgeCall(t, base, "OPTIONS", path, "", "", map[string]string{"Origin": origin["Origin"], "Access-Control-Request-Method": "POST"})
		if a.status != 204 || a.header.Get("Access-Control-Allow-Origin") != origin["Origin"] {
			t.Errorf("preflight %s: %d %v", path, a.status, a.header)
		}
	}
}

// TestGatewayCutsOffSlowBodies: a client that sends its body one byte per
// second held a connection for as long as it liked (over 25 s observed).
// With the server's read timeout the gateway stops reading and the
// connection ends within a bound; the short timeouts stand in for
// APIGatewayTimeouts' 10 s.
func TestGatewayCutsOffSlowBodies(t *testing.T) {
	base := edgeGateway(t, testRouter, ServerTimeouts{ReadHeader: time.Second, Read: time.Second, Write: 5 * time.Second, Idle: time.Second})
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	const bodyLen = 60 // a minute at one byte a second
	fmt.Fprintf(conn, "POST /v1/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", bodyLen)
	start := time.Now()
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for range bodyLen {
			select {
			case <-stop:
				return
			case <-time.After(time.Second):
			}
			if _, err := conn.Write([]byte("{")); err != nil {
				return
			}
		}
	}()
	// The hard bound: generous for a loaded machine, far below the minute
	// the trickle would take.
	const bound = 15 * time.Second
	_ = conn.SetReadDeadline(time.Now().Add(bound))
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		_, err = br.ReadByte() // then the server closes the connection
	}
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("the connection was still open after %v of a trickled body", bound)
	}
	if took := time.Since(start); took > bound {
		t.Fatalf("cut off after %v, want within %v", took, bound)
	}
}

// TestStackServerTimeouts: the local stack serves with API Gateway's
// timeouts unless told otherwise, and those bound a request as API
// Gateway does (a response may take the 30 s integration timeout).
func TestStackServerTimeouts(t *testing.T) {
	o, err := Options{Root: root}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if o.Timeouts != APIGatewayTimeouts {
		t.Errorf("default timeouts %+v, want APIGatewayTimeouts", o.Timeouts)
	}
	tt := APIGatewayTimeouts
	if tt.ReadHeader <= 0 || tt.ReadHeader > 10*time.Second || tt.Read <= 0 || tt.Read > 10*time.Second ||
		tt.Write < 30*time.Second || tt.Idle <= 0 {
		t.Errorf("APIGatewayTimeouts %+v: reads within 10 s, writes at least the 30 s integration timeout, idle bounded", tt)
	}
	srv := tt.Server(http.NotFoundHandler(), nil)
	got := map[string]time.Duration{"ReadHeaderTimeout": srv.ReadHeaderTimeout, "ReadTimeout": srv.ReadTimeout, "WriteTimeout": srv.WriteTimeout, "IdleTimeout": srv.IdleTimeout}
	for k, v := range got {
		if v == 0 {
			t.Errorf("server %s not set: %v", k, slices.Collect(maps.Keys(got)))
		}
	}
}
