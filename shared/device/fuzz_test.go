package device_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"unicode"

	"github.com/aws/aws-lambda-go/events"

	"push-reactivation/internal/testenv/apptest"
	"push-reactivation/shared/device"
	"push-reactivation/shared/devicesig"
)

// FuzzDeviceRequest throws arbitrary requests at every device route: form
// bodies and query strings, Authorization headers, dates and path codes.
// Whatever comes in, the handler must not panic (the router would turn a
// panic into a 500 and log it) and must answer an envelope or the landing
// page.
func FuzzDeviceRequest(f *testing.F) {
	fx := newFixture(f)
	started := fx.start("admin@acme.example")
	p := fx.activate(started.Code, key(0))
	tx := fx.push(p, "123")
	date := devicesig.FormatDate(fx.Clock.Now())
	params := txParams(p)
	auth, _ := devicesig.Sign(p.key, p.PKey, date, "GET", apptest.APIHost, "/push/v2/device/transactions", params)
	answer := txParams(p, "answer", "approve", "verification_code", "123")
	authAnswer, _ := devicesig.Sign(p.key, p.PKey, date, "POST", apptest.APIHost, "/push/v2/device/transactions/"+tx.PushID, answer)
	fresh := fx.start("owner@acme.example")

	f.Add(uint8(0), fresh.Code, "", activationForm(key(1)).Encode(), "application/x-www-form-urlencoded", "", "")
	f.Add(uint8(0), "AAAAAAAAAAAAAAAAAAAA", "pubkey=%zz&pubkey", "pkpush=rsa-sha512&pubkey=-----BEGIN", "application/x-www-form-urlencoded", "", "")
	f.Add(uint8(1), "", devicesig.EncodeParams(params), "", "", auth, date)
	f.Add(uint8(2), tx.PushID, "", devicesig.EncodeParams(answer), "application/x-www-form-urlencoded", authAnswer, date)
	f.Add(uint8(3), "", "", "token=%ff%fe&akey=x;y", "application/x-www-form-urlencoded; charset=utf-8", "Basic "+strings.Repeat("A", 9000), date)
	f.Add(uint8(4), "", "a=1&a=2&%=", "", "", "Basic OmFiYw==", "Thu, 31 Feb 2026 23:40:00 -0000")
	f.Add(uint8(5), started.Code, "", "", "", "", "")
	f.Add(uint8(6), "%00%ff", "", "", "", "basic  ", "\x00")
	f.Add(uint8(2), "../../etc", "", "answer=approve&verification_code=\xff", "application/x-www-form-urlencoded", "Basic RFA6QUFBQQ==", date)

	// The fuzzed router is the fixture's, with a log that keeps nothing
	// but whether a handler panicked: a million requests would pile up
	// their log lines in the fixture's buffer.
	watch := &panicWatch{}
	deps := *fx.Deps
	deps.Log = slog.New(slog.NewJSONHandler(watch, &slog.HandlerOptions{Level: slog.LevelError}))
	svc := device.NewService(deps.Logic())
	svc.Notifier = &recorder{}
	router := svc.Router()
	contract := newContractMemo()

	routes := []struct{ method, prefix string }{
		{"POST", "/push/v2/activation/"},
		{"GET", "/push/v2/device/transactions"},
		{"POST", "/push/v2/device/transactions/"},
		{"POST", "/push/v2/device/registration"},
		{"GET", "/push/v2/device/info"},
		{"GET", "/activate/"},
		{"HEAD", "/activate/"},
	}
	f.Fuzz(func(t *testing.T, route uint8, param, query, body, contentType, authorization, xDuoDate string) {
		r := routes[int(route)%len(routes)]
		path := r.prefix
		if strings.HasSuffix(path, "/") {
			path += param
		}
		ev := apptest.Event(apptest.Request{Method: r.method, Path: path, Query: query, Body: body, Headers: map[string]string{
			"content-type": contentType, "authorization": authorization, "x-duo-date": xDuoDate}})
		resp, err := router.Handle(fx.Ctx, ev)
		if err != nil {
			t.Fatalf("handler error: %v", err)
		}
		if watch.panicked.Load() {
			t.Fatalf("%s %q: a handler panicked", r.method, path)
		}
		if resp.StatusCode >= 500 {
			t.Fatalf("%s %q: %d %s", r.method, path, resp.StatusCode, resp.Body)
		}
		if r.method == "HEAD" {
			// A HEAD answer is the GET answer's status and headers without
			// the body (the OpenAPI document describes the GET only), so
			// the oracle is the GET of the same request.
			get := ev
			get.RequestContext.HTTP.Method = "GET"
			getResp, err := router.Handle(fx.Ctx, get)
			if err != nil {
				t.Fatalf("handler error: %v", err)
			}
			if resp.Body != "" {
				t.Fatalf("HEAD answer with a body: %q", resp.Body)
			}
			if resp.StatusCode != getResp.StatusCode || resp.Headers["Content-Type"] != getResp.Headers["Content-Type"] {
				t.Fatalf("HEAD %q: %d %q, GET: %d %q", path, resp.StatusCode, resp.Headers["Content-Type"], getResp.StatusCode, getResp.Headers["Content-Type"])
			}
			return
		}
		// The OpenAPI document routes with net/url and gorilla/mux, which
		// part ways with API Gateway and this router on paths no client
		// sends raw (a control byte; '?' and '#' end a path) and on
		// extra slashes (x/ is routed as x): the contract is checked
		// where they route alike, a parameter of one segment without
		// those bytes (seed 114222378df711a3: a raw 0x10).
		if !strings.ContainsAny(param, "/?#") && !strings.ContainsFunc(param, unicode.IsControl) {
			contract.check(t, ev, resp, r.prefix, param)
		}
		switch ct := resp.Headers["Content-Type"]; {
		case strings.HasPrefix(ct, "text/html"):
			if r.method == "GET" && !strings.Contains(resp.Body, "</html>") {
				t.Fatalf("truncated page")
			}
		case ct == "application/json":
			var env struct{ Stat string }
			if err := json.Unmarshal([]byte(resp.Body), &env); err != nil || (env.Stat != "OK" && env.Stat != "FAIL") {
				t.Fatalf("not an envelope: %q", resp.Body)
			}
		default:
			t.Fatalf("content type %q", ct)
		}
	})
	if strings.Contains(fx.Logs.String(), "handler panicked") {
		f.Fatal("a handler panicked")
	}
}

// panicWatch is a log sink that keeps nothing but whether a handler
// panicked (apigw logs "handler panicked" before answering 500).
type panicWatch struct{ panicked atomic.Bool }

func (w *panicWatch) Write(p []byte) (int, error) {
	if bytes.Contains(p, []byte("handler panicked")) {
		w.panicked.Store(true)
	}
	return len(p), nil
}

// contractMemo runs apptest.CheckContract once per kind of answer. The
// check compiles the answer's JSON Schema on every call (kin-openapi), about
// 0.5 ms, twenty times the handler's own time, while the fuzzer's answers
// repeat: the same few envelopes per route. Its verdict depends only on the
// operation the request reaches, the status, the headers and the body, so
// answers alike in those are checked once; a path parameter made of
// letters, digits, '-', '_' and '~' reaches the route's operation whatever
// its value, any other keys on the whole path (it may route elsewhere, or
// nowhere). Only answers that passed are remembered, up to a bound.
type contractMemo struct {
	mu     sync.Mutex
	passed map[string]bool
}

// maxContractMemo bounds the memory of contractMemo over a long run.
const maxContractMemo = 1 << 16

func newContractMemo() *contractMemo { return &contractMemo{passed: map[string]bool{}} }

func (m *contractMemo) check(t *testing.T, ev events.APIGatewayV2HTTPRequest, resp events.APIGatewayV2HTTPResponse, prefix, param string) {
	t.Helper()
	path := ev.RawPath
	if strings.HasSuffix(prefix, "/") && param != "" && strings.Trim(param, unreservedSegment) == "" {
		path = prefix + "{param}"
	}
	var key strings.Builder
	fmt.Fprintf(&key, "%s %q %d %t", ev.RequestContext.HTTP.Method, path, resp.StatusCode, resp.IsBase64Encoded)
	for _, k := range slices.Sorted(maps.Keys(resp.Headers)) {
		fmt.Fprintf(&key, " %q:%q", k, resp.Headers[k])
	}
	fmt.Fprintf(&key, " %q", resp.Body)
	m.mu.Lock()
	seen := m.passed[key.String()]
	m.mu.Unlock()
	if seen {
		return
	}
	apptest.CheckContract(t, ev, resp)
	if t.Failed() {
		return
	}
	m.mu.Lock()
	if len(m.passed) < maxContractMemo {
		m.passed[key.String()] = true
	}
	m.mu.Unlock()
}

// unreservedSegment is what a path parameter may hold and still reach its
// route's operation for any value: no '/', '%', '.', '?', '#'.
const unreservedSegment = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_~"
