// Package web_test drives the reference panel (web/*.html, *.js) in a
// real headless Chromium against the local stack, the way an
// administrator would: both procedures of the seed (self-service QR and
// email reactivation after an SMS or phone-call login; an Owner
// reactivating another admin from their page, with confirmation), and
// what goes wrong around them: a network blip during the QR wait, a
// reload while a reactivation is pending, double clicks, a step-up
// (40103), an MSP child account, logging out. Every view is checked at
// 1280 and 375 px (no sideways overflow, axe-core finds nothing) and
// photographed into $PANEL_SCREENSHOTS (default .local/panel-screenshots).
// Every flow also checks the panel's security rules
// (docs/security/panel.md): nothing the Content-Security-Policy blocks,
// the login secret on the login calls only, JSON bodies labelled as such,
// an Idempotency-Key on every sending call, no session token in storage.
package web_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"push-reactivation/infra/localstack"
	"push-reactivation/infra/phone"
	"push-reactivation/internal/testenv/apptest"
	"push-reactivation/shared/smsvoice"
)

func startStack(t *testing.T) *localstack.Stack {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	s, err := localstack.Start(ctx, localstack.Options{
		StateDir: t.TempDir(), HTTPAddr: "127.0.0.1:0", HTTPSAddr: "localhost:0",
		DynamoDBAddr: "127.0.0.1:0", SESAddr: "127.0.0.1:0", SMSAddr: "127.0.0.1:0", KMSAddr: "127.0.0.1:0",
		Argon2: &apptest.CheapArgon2, Log: slog.New(slog.NewJSONHandler(io.Discard, nil)), Output: io.Discard,
		CheckAnswer: apptest.ContractCheck(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// pageWatch records what the browser reports while a test drives the
// panel: the requests it sends, the headers of the answers, and every
// Content-Security-Policy violation or uncaught exception.
type pageWatch struct {
	mu        sync.Mutex
	requests  []*network.Request
	responses map[string]network.Headers // by URL, the last answer
	problems  []string                   // CSP violations, exceptions
}

// cspReporter runs in every document before the panel's own script (as
// DevTools injects it, the policy does not apply to it): it turns each
// securitypolicyviolation event into a console error the test sees.
const cspReporter = `document.addEventListener("securitypolicyviolation", (e) =>
  console.error("csp-violation: " + e.effectiveDirective + " blocked " + (e.blockedURI || "inline") + " at " + e.sourceFile + ":" + e.lineNumber));`

// watch starts recording; call it before navigating.
func watch(t *testing.T, ctx context.Context) *pageWatch {
	t.Helper()
	w := &pageWatch{responses: map[string]network.Headers{}}
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: cspReporter}); err != nil {
		t.Fatal(err)
	}
	err := chromedp.Listen(ctx, func(ev any) {
		w.mu.Lock()
		defer w.mu.Unlock()
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			w.requests = append(w.requests, ev.Request)
		case *network.EventResponseReceived:
			w.responses[ev.Response.URL] = ev.Response.Headers
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError {
				var parts []string
				for _, a := range ev.Args {
					parts = append(parts, string(a.Value))
				}
				w.problems = append(w.problems, "console.error "+strings.Join(parts, " "))
			}
		case *runtime.EventExceptionThrown:
			w.problems = append(w.problems, "exception: "+(&chromedp.ExceptionError{ExceptionDetails: ev.ExceptionDetails}).Error())
		case *log.EventEntryAdded:
			// Chromium reports what the policy refused as security
			// messages ("Refused to execute inline script ...").
			if ev.Entry.Source == log.EntrySourceSecurity || ev.Entry.Source == log.EntrySourceViolation ||
				strings.Contains(ev.Entry.Text, "Content Security Policy") {
				w.problems = append(w.problems, fmt.Sprintf("log %s/%s: %s", ev.Entry.Source, ev.Entry.Level, ev.Entry.Text))
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// Problems lists the violations and exceptions seen so far.
func (w *pageWatch) Problems() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.problems...)
}

// assertClean fails the test on any CSP violation or uncaught exception
// seen during the flow.
func (w *pageWatch) assertClean(t *testing.T) {
	t.Helper()
	for _, p := range w.Problems() {
		t.Errorf("browser reported: %s", p)
	}
}

// header reads a header case-insensitively (Chromium keeps the server's
// spelling).
func header(h network.Headers, name string) string {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			s, _ := v.(string)
			return s
		}
	}
	return ""
}

var loginCallPath = regexp.MustCompile(`^/v1/login/([^/]+)(/factor|/verify)?$`)

// assertRequests checks what the panel sent to the API: every body is
// labelled application/json (the API answers 415 otherwise), every call on
// /v1/login/{txid} carries X-Login-Secret, the same for all calls of one
// login and another for each login, and no other call carries it (it
// would leak the secret to where it is not needed); every POST, PUT and
// DELETE carries an Idempotency-Key (DESIGN §4.1).
func (w *pageWatch) assertRequests(t *testing.T) {
	t.Helper()
	w.mu.Lock()
	reqs := append([]*network.Request(nil), w.requests...)
	w.mu.Unlock()
	loginCalls := 0
	secrets := map[string]map[string]bool{} // txid → the secrets sent with it
	owner := map[string]string{}            // secret → txid
	for _, r := range reqs {
		u, err := url.Parse(r.URL)
		if err != nil || !strings.HasPrefix(u.Path, "/v1/") {
			continue
		}
		if r.HasPostData && header(r.Headers, "Content-Type") != "application/json" {
			t.Errorf("%s %s sends a body as %q, want application/json", r.Method, u.Path, header(r.Headers, "Content-Type"))
		}
		if r.Method != "GET" && r.Method != "HEAD" && r.Method != "OPTIONS" && header(r.Headers, "Idempotency-Key") == "" {
			t.Errorf("%s %s without Idempotency-Key", r.Method, u.Path)
		}
		secret := header(r.Headers, "X-Login-Secret")
		if m := loginCallPath.FindStringSubmatch(u.Path); m != nil {
			loginCalls++
			if secret == "" {
				t.Errorf("%s %s without X-Login-Secret", r.Method, u.Path)
			}
			if secrets[m[1]] == nil {
				secrets[m[1]] = map[string]bool{}
			}
			secrets[m[1]][secret] = true
			if o, ok := owner[secret]; ok && o != m[1] {
				t.Errorf("logins %s and %s sent the same secret", o, m[1])
			}
			owner[secret] = m[1]
		} else if secret != "" {
			t.Errorf("%s %s carries X-Login-Secret, which belongs to the login calls only", r.Method, u.Path)
		}
	}
	if loginCalls == 0 {
		t.Error("no call on /v1/login/{txid}")
	}
	for txid, set := range secrets {
		if len(set) != 1 {
			t.Errorf("login %s sent %d different secrets", txid, len(set))
		}
	}
}

// urls lists the URLs of the requests the panel sent with method to a
// path that starts with prefix.
func (w *pageWatch) urls(method, prefix string) []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	for _, r := range w.requests {
		if u, err := url.Parse(r.URL); err == nil && r.Method == method && strings.HasPrefix(u.Path, prefix) {
			out = append(out, r.URL)
		}
	}
	return out
}

// newFlow starts what a panel test needs: a local stack, a browser tab and
// the watch on what the tab sends and reports.
func newFlow(t *testing.T) (*localstack.Stack, context.Context, *pageWatch) {
	t.Helper()
	s := startStack(t)
	ctx := browser(t)
	return s, ctx, watch(t, ctx)
}

// assertAll runs the checks every flow ends with: the requests it sent
// and what the browser reported.
func (w *pageWatch) assertAll(t *testing.T) {
	t.Helper()
	w.assertRequests(t)
	w.assertClean(t)
}

// waitShown waits until sel is visible; when the panel shows an error
// instead, it fails at once with the panel's message.
func waitShown(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	got, err := chromedp.Run(ctx, chromedp.PollFunction[string](`(sel) => {
		const e = document.getElementById("error");
		if (!e.hidden) return "panel error: " + e.textContent;
		const el = document.querySelector(sel);
		return el && el.checkVisibility() ? "ok" : false;
	}`, chromedp.WithPollingArgs(sel)))
	if err != nil {
		t.Fatalf("waiting for %s: %v", sel, err)
	}
	if got != "ok" {
		t.Fatalf("waiting for %s: %s", sel, got)
	}
}

// waitText waits until the element's text contains want (panel errors
// fail at once, as in waitShown).
func waitText(t *testing.T, ctx context.Context, sel, want string) {
	t.Helper()
	got, err := chromedp.Run(ctx, chromedp.PollFunction[string](`(sel, want) => {
		const e = document.getElementById("error");
		if (!e.hidden) return "panel error: " + e.textContent;
		const el = document.querySelector(sel);
		return el && el.checkVisibility() && el.textContent.includes(want) ? "ok" : false;
	}`, chromedp.WithPollingArgs(sel, want)))
	if err != nil {
		last, _ := chromedp.Run(context.WithoutCancel(ctx), chromedp.Evaluate[string](fmt.Sprintf(`(document.querySelector(%q) || {}).textContent || ""`, sel)))
		t.Fatalf("waiting for %q in %s (has %q): %v", want, sel, last, err)
	}
	if got != "ok" {
		t.Fatalf("waiting for %q in %s: %s", want, sel, got)
	}
}

func css(sel string) chromedp.CSS { return chromedp.CSS(sel) }

// button is the visible button (or link) whose text starts with label.
func button(label string) chromedp.Search {
	return chromedp.Search(fmt.Sprintf(`//*[self::button or self::a][starts-with(normalize-space(.), %q)][not(ancestor-or-self::*[@hidden])]`, label))
}

func click(t *testing.T, ctx context.Context, label string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.WaitVisible(button(label)), chromedp.Click(button(label))); err != nil {
		t.Fatalf("click %q: %v", label, err)
	}
}

// text reads an element's text content.
func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.TextContent(css(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(v)
}

// passcodeFor waits for the passcode the local SMS/voice endpoint sent to
// phone after the first `before` messages, as a person reads their phone.
func passcodeFor(t *testing.T, s *localstack.Stack, phone, kind string, before int) string {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		msgs := s.SMS.Messages()
		for _, m := range msgs[min(before, len(msgs)):] {
			if m.To == phone && m.Kind == kind {
				if code, ok := smsvoice.ExtractPasscode(m.Body); ok {
					return code
				}
			}
		}
	}
	t.Fatalf("no %s passcode arrived for %s", kind, phone)
	return ""
}

// loginOpts say how a test logs in and which views it checks on the way.
type loginOpts struct {
	factor string // "SMS" (default) or "Phone call"
	check  bool   // checkView the login and factor views
	double bool   // double-click every sending button
}

// login logs in through the panel's forms, reading the passcode from the
// local SMS/voice endpoint.
func login(t *testing.T, ctx context.Context, s *localstack.Stack, email, phone string, o loginOpts) {
	t.Helper()
	if o.factor == "" {
		o.factor = "SMS"
	}
	kind := "sms"
	if o.factor == "Phone call" {
		kind = "voice"
	}
	before := len(s.SMS.Messages())
	err := chromedp.Do(ctx,
		chromedp.Navigate(s.HTTPURL+"/"),
		chromedp.WaitVisible(css(`#login-form input[name=email]`)),
		chromedp.SendKeys(css(`#login-form input[name=email]`), email),
		chromedp.SendKeys(css(`#login-form input[name=password]`), "demo-password-1"),
	)
	if err != nil {
		t.Fatalf("login form: %v", err)
	}
	if o.check {
		checkView(t, ctx, "login")
	}
	press := func(sel string) {
		t.Helper()
		if o.double {
			doubleClick(t, ctx, sel)
		} else if err := chromedp.Do(ctx, chromedp.Click(css(sel))); err != nil {
			t.Fatalf("click %s: %v", sel, err)
		}
	}
	press(`#login-form button[type=submit]`)
	waitShown(t, ctx, `#factor-list li button`)
	if o.check {
		checkView(t, ctx, "factor-choice")
	}
	if o.double {
		if err := chromedp.Do(ctx, chromedp.SetAttributeValue(button(o.factor), "id", "factor-under-test")); err != nil {
			t.Fatal(err)
		}
		press(`#factor-under-test`)
	} else {
		click(t, ctx, o.factor)
	}
	waitShown(t, ctx, `#passcode-form`)
	passcode := passcodeFor(t, s, phone, kind, before)
	if err := chromedp.Do(ctx, chromedp.SendKeys(css(`#passcode-form input[name=passcode]`), passcode)); err != nil {
		t.Fatalf("passcode form: %v", err)
	}
	if o.check {
		checkView(t, ctx, "factor-passcode")
	}
	press(`#passcode-form button[type=submit]`)
	waitProfile(t, ctx)
}

// waitProfile waits for Edit Profile with its answer filled in (a click
// while the section re-lays out can land beside its button).
func waitProfile(t *testing.T, ctx context.Context) {
	t.Helper()
	waitShown(t, ctx, `#view-profile`)
	waitShown(t, ctx, `#profile-auth .actions button`)
}

// qrBarcode decodes the QR code on the page, as the phone's camera would.
func qrBarcode(t *testing.T, ctx context.Context) string {
	t.Helper()
	src, err := chromedp.Run(ctx, chromedp.PollFunction[string](`() => { const s = document.getElementById("qr-img").src; return s.startsWith("data:image/png;base64,") ? s : false; }`))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(src, "data:image/png;base64,"))
	if err != nil {
		t.Fatal(err)
	}
	text, err := phone.DecodeQR(raw)
	if err != nil {
		t.Fatalf("QR on the page does not decode: %v", err)
	}
	return text
}

// newPhone is the Duo Mobile emulator pointed at the stack.
func newPhone(t *testing.T, s *localstack.Stack) *phone.Phone {
	t.Helper()
	p, err := phone.Load("", phone.WithBaseURL(s.HTTPURL))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func activate(t *testing.T, p *phone.Phone, barcode string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := p.Activate(ctx, barcode); err != nil {
		t.Fatalf("the phone could not activate %q: %v", barcode, err)
	}
}

// scanAndSeeActivated has a new phone activate barcode and waits until the
// QR view says so.
func scanAndSeeActivated(t *testing.T, ctx context.Context, s *localstack.Stack, barcode string) {
	t.Helper()
	activate(t, newPhone(t, s), barcode)
	waitText(t, ctx, "#qr-status", "Duo Push is active again")
}

// sent lists the Idempotency-Keys of the requests the panel sent with
// method to a path that pathRE matches, in order.
func (w *pageWatch) sent(method, pathRE string) []string {
	re := regexp.MustCompile(pathRE)
	w.mu.Lock()
	defer w.mu.Unlock()
	var keys []string
	for _, r := range w.requests {
		if u, err := url.Parse(r.URL); err == nil && r.Method == method && re.MatchString(u.Path) {
			keys = append(keys, header(r.Headers, "Idempotency-Key"))
		}
	}
	return keys
}

// TestPanelSelfServiceReactivation is the seed's first procedure: an admin
// whose push stopped working logs in with a phone call, opens Edit Profile
// → Reactivate and scans the QR code; the network drops while the panel
// waits, and the panel recovers by itself and shows the activation.
func TestPanelSelfServiceReactivation(t *testing.T) {
	s, ctx, w := newFlow(t)
	login(t, ctx, s, "admin@acme.example", "+15555550101", loginOpts{factor: "Phone call", check: true})
	checkView(t, ctx, "profile")
	if who := text(t, ctx, "#whoami"); !strings.Contains(who, "Adam Admin") || !strings.Contains(who, "Acme Corp") {
		t.Errorf("header says %q, want the admin and the acting account", who)
	}
	if d := text(t, ctx, "#profile-details"); !strings.Contains(d, "Administrator") || !strings.Contains(d, "Acme Corp") {
		t.Errorf("profile details %q: want the role's label and the acting account", d)
	}

	click(t, ctx, "Reactivate Duo Push")
	waitShown(t, ctx, `#view-qr`)
	assertFocus(t, ctx, "qr-title")
	barcode := qrBarcode(t, ctx)
	code, host, ok := strings.Cut(barcode, "-")
	hostRaw, _ := base64.RawStdEncoding.DecodeString(host)
	if !ok || len(code) != 20 || string(hostRaw) != s.APIHost {
		t.Fatalf("barcode %q does not carry a code for %s", barcode, s.APIHost)
	}
	// On a phone the admin cannot scan their own screen: the panel links
	// to Duo Mobile and copies the activation link.
	href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("qr-open").getAttribute("href")`))
	if err != nil || href != "duo://"+barcode {
		t.Errorf("Open in Duo Mobile links to %q (%v), want duo://%s", href, err, barcode)
	}
	click(t, ctx, "Copy link")
	if err := chromedp.Do(ctx, chromedp.Poll[chromedp.Void](`(() => { const t = document.getElementById("qr-copy-result").textContent;
		return t.startsWith("Link copied") || t.includes("/activate/"); })()`)); err != nil {
		t.Errorf("Copy link: %v (shows %q)", err, text(t, ctx, "#qr-copy-result"))
	}
	waitText(t, ctx, "#qr-status", "Waiting for the phone")
	waitText(t, ctx, "#qr-expiry", "Valid for")
	if exp := text(t, ctx, "#qr-expiry"); !regexp.MustCompile(`Valid for (9|10) min`).MatchString(exp) {
		t.Errorf("expiry %q, want minutes left", exp)
	}
	checkView(t, ctx, "qr-pending")

	// The network drops: the status checks fail, the panel says so and
	// keeps checking; meanwhile the phone activates.
	fault := failRequests(t, ctx, "/v1/reactivations/", false, 0)
	waitText(t, ctx, "#qr-status", "Connection problem")
	checkView(t, ctx, "qr-retrying")
	p := newPhone(t, s)
	activate(t, p, barcode)
	fault.heal(t, ctx)
	waitText(t, ctx, "#qr-status", "Duo Push is active again")
	if fault.failed.Load() == 0 {
		t.Error("no status check failed: the blip was not simulated")
	}
	// A used code: no live Email or Cancel, a Done instead.
	shown, err := chromedp.Run(ctx, chromedp.Evaluate[string](
		`["qr-email", "qr-cancel", "qr-live", "qr-done"].filter((id) => document.getElementById(id).checkVisibility()).join(" ")`))
	if err != nil || shown != "qr-done" {
		t.Errorf("after activation the QR view shows %q (%v), want only Done", shown, err)
	}
	checkView(t, ctx, "qr-activated")
	click(t, ctx, "Done")
	waitProfile(t, ctx)
	assertFocus(t, ctx, "profile-title")
	waitText(t, ctx, "#profile-auth", "Active")
	w.assertAll(t)
}

// TestPanelReloadDuringPendingReactivation: the admin reloads the page
// while a reactivation is pending. After logging in again the profile
// shows it (who started it, until when) with a new QR, email and cancel;
// an expired QR offers "Generate a new code"; the new code activates.
func TestPanelReloadDuringPendingReactivation(t *testing.T) {
	s, ctx, w := newFlow(t)
	login(t, ctx, s, "admin@acme.example", "+15555550101", loginOpts{})
	click(t, ctx, "Reactivate Duo Push")
	first := qrBarcode(t, ctx)

	if err := chromedp.Do(ctx, chromedp.Reload()); err != nil {
		t.Fatal(err)
	}
	login(t, ctx, s, "admin@acme.example", "+15555550101", loginOpts{})
	waitText(t, ctx, "#pending-info", "Reactivation in progress")
	info := text(t, ctx, "#pending-info")
	if !strings.Contains(info, "Started by you") || !strings.Contains(info, "3 emails left") {
		t.Errorf("pending reactivation shown as %q", info)
	}
	for _, b := range []string{"Show a new QR code", "Email the activation link", "Cancel reactivation"} {
		if err := chromedp.Do(ctx, chromedp.WaitVisible(button(b))); err != nil {
			t.Fatalf("no %q for the pending reactivation: %v", b, err)
		}
	}
	checkView(t, ctx, "profile-pending")
	click(t, ctx, "Email the activation link")
	waitText(t, ctx, "#pending-result", "Email sent to")
	if got := text(t, ctx, "#pending-result"); strings.Contains(got, "admin@acme.example") {
		t.Errorf("email result %q should show the masked address", got)
	}

	click(t, ctx, "Show a new QR code")
	second := qrBarcode(t, ctx)
	if second == first {
		t.Fatal("the new QR code is the old one")
	}
	// Ten minutes later the code on screen has expired: it says so and
	// offers a new one (the page's clock is moved, not the server's).
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const real = Date.now; window.realNow = real; Date.now = () => real() + 11 * 60 * 1000; return true; })()`)); err != nil {
		t.Fatal(err)
	}
	waitText(t, ctx, "#qr-status", "This QR code has expired")
	waitShown(t, ctx, "#qr-new")
	checkView(t, ctx, "qr-code-expired")
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { Date.now = window.realNow; return true; })()`)); err != nil {
		t.Fatal(err)
	}
	click(t, ctx, "Generate a new code")
	waitText(t, ctx, "#qr-expiry", "Valid for")
	third := qrBarcode(t, ctx)
	if third == second {
		t.Fatal("Generate a new code showed the same code")
	}
	scanAndSeeActivated(t, ctx, s, third)
	w.assertAll(t)
}

// TestPanelDoubleClicksSendOnce: an impatient admin double-clicks every
// sending button: one SMS, one login, one reactivation, one email, one
// cancel. The email's answer is lost on the way back once: the panel
// retries with the same Idempotency-Key and the server replays, so the
// retry costs nothing either.
func TestPanelDoubleClicksSendOnce(t *testing.T) {
	s, ctx, w := newFlow(t)
	login(t, ctx, s, "admin@acme.example", "+15555550101", loginOpts{double: true})
	if n := smsTo(t, s, "+15555550101"); n != 1 {
		t.Errorf("a double click on the SMS button sent %d SMS, want 1", n)
	}
	for _, c := range [][2]string{{"POST", "^/v1/login$"}, {"POST", "/factor$"}, {"POST", "/verify$"}} {
		if keys := w.sent(c[0], c[1]); len(keys) != 1 {
			t.Errorf("double click: %s %s sent %d times", c[0], c[1], len(keys))
		}
	}

	doubleClick(t, ctx, "#reactivate-self")
	qrBarcode(t, ctx)
	if keys := w.sent("POST", "/duo-push/reactivation$"); len(keys) != 1 {
		t.Errorf("double click on Reactivate: %d requests", len(keys))
	}

	fault := failRequests(t, ctx, "/email", true, 1)
	doubleClick(t, ctx, "#qr-email")
	waitText(t, ctx, "#qr-email-result", "Email sent to")
	fault.heal(t, ctx)
	if fault.failed.Load() != 1 {
		t.Errorf("%d email answers lost, want 1", fault.failed.Load())
	}
	keys := w.sent("POST", "/email$")
	if len(keys) != 2 || keys[0] != keys[1] {
		t.Errorf("email requests with keys %q: want the lost one retried once with the same key", keys)
	}
	if n := len(emailsTo(t, s, "admin@acme.example", "activat")); n != 1 {
		t.Errorf("a double click and a lost answer sent %d activation emails, want 1", n)
	}

	doubleClick(t, ctx, "#qr-cancel")
	waitProfile(t, ctx)
	waitText(t, ctx, "#notice", "cancelled")
	checkView(t, ctx, "profile-cancelled")
	if keys := w.sent("DELETE", "^/v1/reactivations/[^/]+$"); len(keys) != 1 {
		t.Errorf("double click on Cancel: %d requests", len(keys))
	}
	w.assertAll(t)
}

// TestPanelStepUpCompletesReactivation: the login is 20 minutes old, so
// Reactivate answers 40103. The panel asks for a second factor again
// (POST /v1/session/reauth), and once confirmed finishes the reactivation
// with the same Idempotency-Key, without another click.
func TestPanelStepUpCompletesReactivation(t *testing.T) {
	s, ctx, w := newFlow(t)
	login(t, ctx, s, "admin@acme.example", "+15555550101", loginOpts{})
	ageSessions(t, s, "acme-admin")

	stepUpWithSMS := func(check bool) {
		t.Helper()
		before := len(s.SMS.Messages())
		waitText(t, ctx, "#factor-title", "Confirm it's you")
		if check {
			checkView(t, ctx, "stepup")
		}
		click(t, ctx, "SMS")
		waitShown(t, ctx, `#passcode-form`)
		if err := chromedp.Do(ctx,
			chromedp.SendKeys(css(`#passcode-form input[name=passcode]`), passcodeFor(t, s, "+15555550101", "sms", before)),
			chromedp.Click(css(`#passcode-form button[type=submit]`)),
		); err != nil {
			t.Fatal(err)
		}
	}
	click(t, ctx, "Reactivate Duo Push")
	stepUpWithSMS(true)
	waitShown(t, ctx, `#view-qr`)
	barcode := qrBarcode(t, ctx)
	if n := len(w.sent("POST", "^/v1/session/reauth$")); n != 1 {
		t.Errorf("%d step-ups, want 1", n)
	}
	keys := w.sent("POST", "^/v1/profile/duo-push/reactivation$")
	if len(keys) != 2 || keys[0] != keys[1] {
		t.Errorf("reactivation requests with keys %q: want the refused one repeated once, same key", keys)
	}

	// Again from the QR view (emailing needs a recent login too): after the
	// step-up the same QR view is back, the email goes out, and the view
	// still follows the reactivation to its end.
	ageSessions(t, s, "acme-admin")
	click(t, ctx, "Email the activation link")
	stepUpWithSMS(false)
	waitText(t, ctx, "#qr-email-result", "Email sent to")
	if got := qrBarcode(t, ctx); got != barcode {
		t.Errorf("after the step-up the QR view shows another code")
	}
	scanAndSeeActivated(t, ctx, s, barcode)
	w.assertAll(t)
}

// TestPanelOwnerReactivatesAdministrator is the seed's second procedure:
// an Owner opens Administrators → the admin → Secondary authentication →
// Reactivate, confirms, and emails the QR code and link to that admin,
// whose phone then activates. Then the administrator log (names, labels,
// details, a filter), and logging out, which leaves nothing on the page.
func TestPanelOwnerReactivatesAdministrator(t *testing.T) {
	s, ctx, w := newFlow(t)
	login(t, ctx, s, "owner@acme.example", "+15555550100", loginOpts{})
	click(t, ctx, "Administrators")
	if err := chromedp.Do(ctx, chromedp.Poll[chromedp.Void](`document.querySelectorAll("#admin-rows tr").length === 3`)); err != nil {
		t.Fatal(err)
	}
	rows := text(t, ctx, "#admin-rows")
	for _, want := range []string{"Olivia Owner", "admin@acme.example", "Help Desk", "Not activated"} {
		if !strings.Contains(rows, want) {
			t.Errorf("Administrators lacks %q: %q", want, rows)
		}
	}
	if strings.Contains(rows, "umbrella") || strings.Contains(rows, "help_desk") {
		t.Errorf("another account's admin or a raw value listed: %q", rows)
	}
	checkView(t, ctx, "admins")

	// SES reported a permanent bounce of Adam's address (shared/sesevents):
	// his page says so beside the address, with what to do instead.
	recordBounce(t, s, "admin@acme.example", "smtp; 550 5.1.1 user unknown")
	click(t, ctx, "Adam Admin")
	waitText(t, ctx, "#admin-title", "Adam Admin")
	waitShown(t, ctx, "#reactivate-admin")
	if got := text(t, ctx, "#admin-details"); !strings.Contains(got, "Bounced on") || !strings.Contains(got, "550 5.1.1 user unknown") || !strings.Contains(got, "use the QR code") {
		t.Errorf("the admin page does not say the address bounced: %q", got)
	}
	checkView(t, ctx, "admin-detail")
	clearEmailStatus(t, s, "acme-admin") // the procedure below emails Adam the link
	click(t, ctx, "Reactivate Duo Push for Adam Admin")
	waitText(t, ctx, "#confirm-title", "Reactivate Duo Push for Adam Admin?")
	if n := len(w.sent("POST", "/duo-push/reactivation$")); n != 0 {
		t.Fatalf("Reactivate started %d reactivations before the confirmation", n)
	}
	checkView(t, ctx, "admin-confirm")
	click(t, ctx, "Yes, reactivate")
	waitText(t, ctx, "#qr-for", "Adam Admin")
	barcode := qrBarcode(t, ctx)
	click(t, ctx, "Email the activation link to Adam Admin")
	waitText(t, ctx, "#qr-email-result", "Email sent to")
	if n := len(emailsTo(t, s, "admin@acme.example", "/activate/")); n != 1 {
		t.Errorf("%d emails with the activation link to the admin, want 1", n)
	}
	scanAndSeeActivated(t, ctx, s, barcode)
	click(t, ctx, "Done")
	waitText(t, ctx, "#admin-title", "Adam Admin")
	waitText(t, ctx, "#admin-auth", "Active")

	// A locked-out admin: their page says so; clearing the lockout asks
	// first and says it is done.
	lockOut(t, s, "helpdesk@acme.example")
	// The locked-out admin, at another desk, is told whom to ask.
	other := browser(t)
	if err := chromedp.Do(other,
		chromedp.Navigate(s.HTTPURL+"/"),
		chromedp.SendKeys(css(`#login-form input[name=email]`), "helpdesk@acme.example"),
		chromedp.SendKeys(css(`#login-form input[name=password]`), "demo-password-1"),
		chromedp.Click(css(`#login-form button[type=submit]`)),
	); err != nil {
		t.Fatal(err)
	}
	waitShownEvenError(t, other, "#error")
	if msg := text(t, other, "#error"); !strings.Contains(msg, "Ask an Owner") {
		t.Errorf("a locked-out admin is shown %q, want to ask an Owner", msg)
	}
	checkView(t, other, "error-locked-out")
	click(t, ctx, "Administrators")
	click(t, ctx, "Hana Helpdesk")
	waitText(t, ctx, "#admin-details", "Locked out")
	checkView(t, ctx, "admin-locked")
	click(t, ctx, "Reset lockout")
	waitText(t, ctx, "#confirm-title", "Clear the lockout of Hana Helpdesk?")
	if n := len(w.sent("POST", "/reset-lockout$")); n != 0 {
		t.Fatalf("Reset lockout cleared it before the confirmation (%d requests)", n)
	}
	click(t, ctx, "Yes, clear the lockout")
	waitText(t, ctx, "#notice", "The lockout of Hana Helpdesk is cleared")
	waitText(t, ctx, "#admin-details", "Active")
	checkView(t, ctx, "admin-lockout-cleared")

	click(t, ctx, "Administrator log")
	waitText(t, ctx, "#log-rows", "Lockout cleared") // the newest event
	checkView(t, ctx, "log")
	// Paging: the first page holds 20 events (the flow made more);
	// "Show older events" asks for the next with the cursor the API gave.
	rowsNow := func() int {
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#log-rows tr").length`))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := rowsNow(); n != 20 {
		t.Errorf("first log page has %d events, want 20", n)
	}
	click(t, ctx, "Show older events")
	if err := chromedp.Do(ctx, chromedp.Poll[chromedp.Void](`document.querySelectorAll("#log-rows tr").length > 20`)); err != nil {
		t.Errorf("Show older events added nothing: %v", err)
	}
	if !strings.Contains(strings.Join(w.urls("GET", "/v1/admin-log"), " "), "next=") {
		t.Error("the second log page was not asked for with next")
	}
	logText := text(t, ctx, "#log-rows")
	for _, want := range []string{"Reactivation started", "Duo Push activated", "Olivia Owner", "Adam Admin", "reactivation id:", "Lockout cleared", "Locked out"} {
		if !strings.Contains(logText, want) {
			t.Errorf("administrator log lacks %q", want)
		}
	}
	if strings.Contains(logText, "reactivation.start") {
		t.Error("administrator log shows raw action codes")
	}
	if err := chromedp.Do(ctx, chromedp.SetValue(css(`#log-action`), "reactivation.email"), chromedp.Click(button("Apply filters"))); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Poll[chromedp.Void](`(() => { const r = [...document.querySelectorAll("#log-rows tr")];
		return r.length > 0 && r.every((tr) => tr.textContent.includes("Activation link emailed")); })()`)); err != nil {
		t.Fatalf("action filter: %v (rows %q)", err, text(t, ctx, "#log-rows"))
	}
	// since/until: a window that holds this run's events, then one that
	// holds none.
	setWindow := func(since, until string) {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(`(() => { const f = document.getElementById("log-filters");
			f.elements.since.value = %q; f.elements.until.value = %q; return true; })()`, since, until))); err != nil {
			t.Fatal(err)
		}
		click(t, ctx, "Apply filters")
	}
	setWindow("2020-01-01T00:00", "2099-01-01T00:00")
	if err := chromedp.Do(ctx, chromedp.Poll[chromedp.Void](`(() => { const r = [...document.querySelectorAll("#log-rows tr")];
		return r.length > 0 && r.every((tr) => tr.textContent.includes("Activation link emailed")); })()`)); err != nil {
		t.Fatalf("since/until: %v (rows %q)", err, text(t, ctx, "#log-rows"))
	}
	checkView(t, ctx, "log-filtered")
	setWindow("2020-01-01T00:00", "2020-01-02T00:00")
	waitText(t, ctx, "#log-rows", "No events match these filters.")
	if !strings.Contains(strings.Join(w.urls("GET", "/v1/admin-log"), " "), "until=2020-01-0") {
		t.Error("the until filter was not sent")
	}

	// Logging out leaves nothing for the next person at the desk.
	click(t, ctx, "Log out")
	waitShown(t, ctx, "#login-form")
	left, err := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify({
		values: [...document.querySelectorAll("input, select")].filter((e) => e.value !== "" && e.type !== "submit").map((e) => (e.name || e.id) + "=" + e.value),
		shown: ["nav", "whoami", "nav-admins", "nav-log", "logout"].filter((id) => document.getElementById(id).checkVisibility()),
		names: ["Olivia", "Adam Admin", "acme.example"].filter((n) => document.body.textContent.includes(n)),
	})`))
	if err != nil {
		t.Fatal(err)
	}
	if left != `{"values":[],"shown":[],"names":[]}` {
		t.Errorf("after logout the page still holds %s", left)
	}
	checkView(t, ctx, "logged-out")
	w.assertAll(t)
}

// TestPanelMSPChildAccount: an MSP admin acting in a child account sees
// Reactivate disabled with the reason and a switch back to the parent,
// which enables it.
func TestPanelMSPChildAccount(t *testing.T) {
	s, ctx, w := newFlow(t)
	login(t, ctx, s, "msp@umbrella.example", "+15555550200", loginOpts{})
	// SetValue fires the select's change event itself, as a person's
	// choice does; a second dispatch made two switches race (two PUTs,
	// two profile renders, the button gone mid-check).
	if err := chromedp.Do(ctx, chromedp.WaitVisible(css("#account-switch")), chromedp.SetValue(css("#account-switch"), "umbrella-child")); err != nil {
		t.Fatal(err)
	}
	waitText(t, ctx, "#notice", "Umbrella Child")
	waitShown(t, ctx, "#child-why")
	waitShown(t, ctx, "#reactivate-self")
	disabled, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("reactivate-self").disabled`))
	if err != nil || !disabled {
		t.Errorf("Reactivate enabled in a child account (%v)", err)
	}
	if d := text(t, ctx, "#profile-details"); !strings.Contains(d, "Acting accountUmbrella Child") {
		t.Errorf("profile %q does not name the acting child account", d)
	}
	if who := text(t, ctx, "#whoami"); !strings.Contains(who, "acting in Umbrella Child for Umbrella MSP") {
		t.Errorf("header %q", who)
	}
	checkView(t, ctx, "profile-child-account")
	// Should the API refuse anyway (40302, e.g. a page left open across a
	// switch), the error offers the same way out.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { document.getElementById("reactivate-self").disabled = false; return true; })()`)); err != nil {
		t.Fatal(err)
	}
	click(t, ctx, "Reactivate Duo Push")
	waitShownEvenError(t, ctx, "#error")
	if msg := text(t, ctx, "#error"); !strings.Contains(msg, "child account") || !strings.Contains(msg, "Switch to Umbrella MSP") {
		t.Errorf("40302 shown as %q, want the switch back offered", msg)
	}
	if err := chromedp.Do(ctx, chromedp.Click(css("#error-actions button"))); err != nil {
		t.Fatal(err)
	}
	waitText(t, ctx, "#notice", "Umbrella MSP")
	waitShown(t, ctx, "#reactivate-self")
	disabled, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("reactivate-self").disabled`))
	if err != nil || disabled {
		t.Errorf("Reactivate still disabled in the parent account (%v)", err)
	}
	// And back to the child, then the profile's own switch.
	if err := chromedp.Do(ctx, chromedp.SetValue(css("#account-switch"), "umbrella-child")); err != nil {
		t.Fatal(err)
	}
	waitText(t, ctx, "#notice", "Umbrella Child")
	click(t, ctx, "Switch to Umbrella MSP")
	waitText(t, ctx, "#notice", "Umbrella MSP")
	waitShown(t, ctx, "#reactivate-self")
	disabled, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("reactivate-self").disabled`))
	if err != nil || disabled {
		t.Errorf("Reactivate still disabled in the parent account (%v)", err)
	}
	w.assertAll(t)
}

// TestPanelHelpDeskHasNoAdministratorsTab: a help-desk admin sees no Owner
// tabs and their role's label; when the session ends on the server, the
// panel says so and goes back to the login.
func TestPanelHelpDeskHasNoAdministratorsTab(t *testing.T) {
	s := startStack(t)
	ctx := browser(t)
	login(t, ctx, s, "helpdesk@acme.example", "+15555550102", loginOpts{})
	shown, err := chromedp.Run(ctx, chromedp.Evaluate[string](`["nav-admins", "nav-log"].filter((id) => document.getElementById(id).checkVisibility()).join(" ")`))
	if err != nil {
		t.Fatal(err)
	}
	if shown != "" {
		t.Fatalf("a help-desk admin is offered the Owner's %s", shown)
	}
	if d := text(t, ctx, "#profile-details"); !strings.Contains(d, "Help Desk") {
		t.Errorf("role shown as %q, want its label", d)
	}

	// The session ends on the server (expiry): the next call says so and
	// the panel goes back to the login, holding nothing of the session.
	endSessions(t, s, "acme-helpdesk")
	click(t, ctx, "Edit Profile")
	waitShownEvenError(t, ctx, "#error")
	if msg := text(t, ctx, "#error-text"); msg != "Your session has ended. Log in again." {
		t.Errorf("an ended session is shown as %q", msg)
	}
	waitShownEvenError(t, ctx, "#login-form")
	if shown, err := chromedp.Run(ctx, chromedp.Evaluate[string](`["nav", "whoami"].filter((id) => document.getElementById(id).checkVisibility()).join(" ")`)); err != nil || shown != "" {
		t.Errorf("after the session ended the page still shows %q (%v)", shown, err)
	}
}

// TestPanelSessionTokenOnlyInMemory: after login the session token is in
// no Web Storage and no cookie, and not reachable from the page's global
// scope (app.js is a module); the cost, a reload asks to log in again, is
// what the panel does (docs/security/panel.md).
func TestPanelSessionTokenOnlyInMemory(t *testing.T) {
	s, ctx, w := newFlow(t)
	login(t, ctx, s, "helpdesk@acme.example", "+15555550102", loginOpts{})

	stored, err := chromedp.Run(ctx, chromedp.Evaluate[string](
		`JSON.stringify({session: Object.entries(sessionStorage), local: Object.entries(localStorage), cookie: document.cookie,
			state: typeof state, login: typeof login,
			forms: [...document.querySelectorAll("#login-form input, #passcode-form input")].map((i) => i.value).join("")})`))
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"session":[],"local":[],"cookie":"","state":"undefined","login":"undefined","forms":""}`; stored != want {
		t.Errorf("after login the page holds %s, want %s", stored, want)
	}
	var token string
	w.mu.Lock()
	for _, r := range w.requests {
		if a := header(r.Headers, "Authorization"); strings.HasPrefix(a, "Bearer ") {
			token = strings.TrimPrefix(a, "Bearer ")
		}
	}
	w.mu.Unlock()
	if token == "" || strings.Contains(stored, token) {
		t.Errorf("token %q not used or found in storage", token)
	}
	w.assertRequests(t)

	if err := chromedp.Do(ctx, chromedp.Reload()); err != nil {
		t.Fatal(err)
	}
	waitShown(t, ctx, `#login-form`)
	// checkVisibility, not the hidden attribute: the style sheet must not
	// show a "Log out" button on the login page.
	shown, err := chromedp.Run(ctx, chromedp.Evaluate[string](
		`["nav", "logout", "view-profile"].filter((id) => document.getElementById(id).checkVisibility()).join(" ")`))
	if err != nil {
		t.Fatal(err)
	}
	if shown != "" {
		t.Errorf("after a reload the login page also shows %q", shown)
	}
	w.assertClean(t)
}

// TestPanelSecurityHeadersOnTheStack: the running stack serves the panel
// with the headers of DESIGN.md §4.1 over HTTP and HTTPS (HSTS there), and
// Chromium enforces the policy: an injected inline script does not run
// and an inline style attribute is refused, and the test's violation
// watch sees both (so it would see the panel's own).
func TestPanelSecurityHeadersOnTheStack(t *testing.T) {
	s := startStack(t)
	caPEM, err := os.ReadFile(s.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	httpsClient := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	for _, base := range []string{s.HTTPURL, s.HTTPSURL} {
		for _, p := range []string{"/", "/app.js", "/api.js", "/ui.js", "/reactivation.js", "/owner.js", "/style.css"} {
			resp, err := httpsClient.Get(base + p)
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			h := resp.Header
			csp := h.Get("Content-Security-Policy")
			if resp.StatusCode != 200 || !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") ||
				strings.Contains(csp, "unsafe-inline") || h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "no-referrer" {
				t.Errorf("GET %s%s: %d %v", base, p, resp.StatusCode, h)
			}
			if hsts := h.Get("Strict-Transport-Security"); (base == s.HTTPSURL) != strings.HasPrefix(hsts, "max-age=") {
				t.Errorf("GET %s%s: Strict-Transport-Security %q", base, p, hsts)
			}
		}
	}

	ctx := browser(t)
	w := watch(t, ctx)
	if err := chromedp.Do(ctx, chromedp.Navigate(s.HTTPURL+"/")); err != nil {
		t.Fatal(err)
	}
	waitShown(t, ctx, `#login-form`)
	if p := w.Problems(); len(p) != 0 {
		t.Fatalf("the login page alone reports %v", p)
	}
	ran, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
		window.inlineRan = false;
		const s = document.createElement("script");
		s.textContent = "window.inlineRan = true";
		document.body.append(s);
		document.querySelector("h1").setAttribute("style", "color: red");
		return window.inlineRan;
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	if ran {
		t.Error("an injected inline script ran: the CSP does not forbid inline script")
	}
	var seen []string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		seen = w.Problems()
		joined := strings.Join(seen, "\n")
		if strings.Contains(joined, "csp-violation: script-src-elem") && strings.Contains(joined, "csp-violation: style-src-attr") {
			return
		}
	}
	t.Fatalf("violations seen: %q, want the inline script and the inline style refused", seen)
}

// TestPanelPushLogin: after a reactivation through the panel (the phone
// emulator scans the QR code), the admin logs out and in again with
// verified Duo Push: the panel shows the code, polls GET /v1/login/{txid}
// with that login's secret, forgets the login when the phone denies, and
// opens the session when the phone approves the next one.
func TestPanelPushLogin(t *testing.T) {
	s, ctx, w := newFlow(t)
	login(t, ctx, s, "admin@acme.example", "+15555550101", loginOpts{})
	click(t, ctx, "Reactivate Duo Push")
	barcode := qrBarcode(t, ctx)
	p := newPhone(t, s)
	pctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	activate(t, p, barcode)
	waitText(t, ctx, "#qr-status", "Duo Push is active again")
	click(t, ctx, "Log out")
	waitShown(t, ctx, `#login-form`)
	pushLogin := func() string {
		t.Helper()
		if err := chromedp.Do(ctx,
			chromedp.SetValue(css(`#login-form input[name=email]`), "admin@acme.example"),
			chromedp.SetValue(css(`#login-form input[name=password]`), "demo-password-1"),
			chromedp.Click(css(`#login-form button[type=submit]`)),
		); err != nil {
			t.Fatal(err)
		}
		waitShown(t, ctx, `#factor-list li button`)
		if err := chromedp.Do(ctx,
			chromedp.Click(chromedp.Search(`//ul[@id="factor-list"]//button[starts-with(normalize-space(.), "Duo Push")]`)),
		); err != nil {
			t.Fatal(err)
		}
		waitShown(t, ctx, `#push-code`)
		if _, err := p.WaitPending(pctx, "", 200*time.Millisecond); err != nil {
			t.Fatal(err)
		}
		return text(t, ctx, "#push-code")
	}
	loginCalls := func() int {
		w.mu.Lock()
		defer w.mu.Unlock()
		n := 0
		for _, r := range w.requests {
			if u, err := url.Parse(r.URL); err == nil && loginCallPath.MatchString(u.Path) {
				n++
			}
		}
		return n
	}

	// A denied push ends the login: the panel drops its secret, offers
	// no factor of the dead login, and "Start again" asks for the
	// password again without calling the API.
	code := pushLogin()
	checkView(t, ctx, "factor-push")
	if status, err := p.Answer(pctx, "", "", false, code); err != nil || status != "denied" {
		t.Fatalf("phone answer: %q %v", status, err)
	}
	waitText(t, ctx, "#push-status", "The push was denied")
	checkView(t, ctx, "factor-push-denied")
	before := loginCalls()
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#factor-list button").length`)); err != nil || n != 0 {
		t.Errorf("after a denied push %d factor buttons of the dead login remain (%v)", n, err)
	}
	click(t, ctx, "Start again")
	waitShown(t, ctx, "#login-form")
	if loginCalls() != before {
		t.Fatalf("after a denied push: %d login calls (had %d)", loginCalls(), before)
	}

	code = pushLogin()
	if status, err := p.Answer(pctx, "", "", true, code); err != nil || status != "approved" {
		t.Fatalf("phone answer: %q %v", status, err)
	}
	waitProfile(t, ctx)
	w.mu.Lock()
	polled := map[string]bool{}
	for _, r := range w.requests {
		if u, err := url.Parse(r.URL); err == nil && r.Method == "GET" {
			if m := loginCallPath.FindStringSubmatch(u.Path); m != nil {
				polled[m[1]] = true
			}
		}
	}
	w.mu.Unlock()
	if len(polled) != 2 {
		t.Errorf("the panel polled %d logins, want both push logins", len(polled))
	}
	w.assertAll(t)
}

// TestPanelServiceDownAndLimits: the SMS service is down when the admin
// asks for a passcode: the panel says it is retrying (the button counts
// down), retries the same intent, and the SMS goes out once when the
// service is back. A fourth passcode for one login is refused (42901):
// the panel shows the wait in minutes, never "598 s", and offers to start
// again.
func TestPanelServiceDownAndLimits(t *testing.T) {
	s, ctx, w := newFlow(t)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(s.HTTPURL+"/"),
		chromedp.SendKeys(css(`#login-form input[name=email]`), "helpdesk@acme.example"),
		chromedp.SendKeys(css(`#login-form input[name=password]`), "demo-password-1"),
		chromedp.Click(css(`#login-form button[type=submit]`)),
	); err != nil {
		t.Fatal(err)
	}
	waitShown(t, ctx, `#factor-list li button`)
	s.SMS.SetFailure(true)
	click(t, ctx, "SMS")
	waitText(t, ctx, "#factor-list", "Retrying in")
	if dis, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("#factor-list button").disabled`)); err != nil || !dis {
		t.Errorf("the SMS button is not disabled while the panel retries (%v)", err)
	}
	checkView(t, ctx, "factor-retrying")
	s.SMS.SetFailure(false)
	waitText(t, ctx, "#passcode-hint", "2 more sends left")
	if n := smsTo(t, s, "+15555550102"); n != 1 {
		t.Errorf("%d SMS after the service came back, want 1", n)
	}
	if keys := w.sent("POST", "/factor$"); len(keys) < 2 || keys[0] != keys[len(keys)-1] {
		t.Errorf("factor requests with keys %q: want retries of one intent", keys)
	}

	// A wrong passcode says how many tries are left, and the login goes on.
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(css(`#passcode-form input[name=passcode]`), "0000000"),
		chromedp.Click(css(`#passcode-form button[type=submit]`)),
	); err != nil {
		t.Fatal(err)
	}
	waitShownEvenError(t, ctx, "#error")
	if msg := text(t, ctx, "#error-text"); msg != "That passcode is not right: 4 tries left for this passcode." {
		t.Errorf("wrong passcode shown as %q", msg)
	}
	checkView(t, ctx, "factor-wrong-passcode")

	for _, left := range []string{"1 more send left", "That was the last send"} {
		click(t, ctx, "SMS")
		waitText(t, ctx, "#passcode-hint", left)
	}
	click(t, ctx, "SMS")
	waitShownEvenError(t, ctx, "#error")
	msg := text(t, ctx, "#error")
	if !regexp.MustCompile(`try again in \d+ min`).MatchString(msg) || regexp.MustCompile(`\d{3,} s`).MatchString(msg) {
		t.Errorf("rate limit shown as %q, want the wait in minutes", msg)
	}
	checkView(t, ctx, "error-rate-limited")
	click(t, ctx, "Start again")
	waitShown(t, ctx, "#login-form")
	w.assertClean(t)
}

// assertFocus checks that focus moved to the new view's heading (id), so a
// screen reader announces it and Tab starts there, not on <body>.
func assertFocus(t *testing.T, ctx context.Context, id string) {
	t.Helper()
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement ? document.activeElement.id || document.activeElement.tagName : ""`))
	if err != nil || got != id {
		t.Errorf("focus on %q (%v), want the heading #%s", got, err, id)
	}
}

// waitShownEvenError waits until sel is visible, the error box included.
func waitShownEvenError(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.WaitVisible(css(sel))); err != nil {
		t.Fatalf("waiting for %s: %v", sel, err)
	}
}
