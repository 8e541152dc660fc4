// Package web_test drives the reference panel (index.html, app.js) in a
// real headless Chromium against the local stack, the way an
// administrator would: password + SMS login, Edit Profile → Reactivate,
// and the Owner's Administrators tab. Every flow also checks the panel's
// security rules (docs/security/panel.md): nothing the Content-Security-
// Policy blocks, the login secret on the login calls only, JSON bodies
// labelled as such, no session token in Web Storage.
//
// PANEL_SCREENSHOTS=<dir> saves screenshots of the main steps there.
package web_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
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
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"push-reactivation/infra/localstack"
	"push-reactivation/infra/phone"
	"push-reactivation/internal/testenv/apptest"
	"push-reactivation/shared/smsvoice"
)

// chromiumPath finds the browser; CI installs Debian's chromium.
func chromiumPath(t *testing.T) string {
	for _, p := range []string{os.Getenv("CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"} {
		if p != "" {
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	t.Fatal("Chromium not found: install it (apt-get install chromium) or set CHROMIUM; .ci/run does this")
	return ""
}

func startStack(t *testing.T) *localstack.Stack {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	s, err := localstack.Start(ctx, localstack.Options{
		StateDir: t.TempDir(), HTTPAddr: "127.0.0.1:0", HTTPSAddr: "localhost:0",
		DynamoDBAddr: "127.0.0.1:0", SESAddr: "127.0.0.1:0", SMSAddr: "127.0.0.1:0",
		Argon2: &apptest.CheapArgon2, Log: slog.New(slog.NewJSONHandler(io.Discard, nil)), Output: io.Discard,
		CheckAnswer: apptest.ContractCheck(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func browser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	return ctx
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
// would leak the secret to where it is not needed).
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

// screenshot saves the page under $PANEL_SCREENSHOTS when that is set.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("PANEL_SCREENSHOTS")
	if dir == "" {
		return
	}
	img, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), img, 0o644); err != nil {
		t.Fatal(err)
	}
}

// loginWithSMS logs in through the panel's forms, reading the passcode
// from the local SMS endpoint like a person reads their phone.
func loginWithSMS(t *testing.T, ctx context.Context, s *localstack.Stack, email, phone string) {
	t.Helper()
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
	screenshot(t, ctx, "1-login")
	if err := chromedp.Do(ctx, chromedp.Click(css(`#login-form button[type=submit]`))); err != nil {
		t.Fatalf("login form: %v", err)
	}
	waitShown(t, ctx, `#factor-list li button`)
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.Search(`//ul[@id="factor-list"]//button[starts-with(normalize-space(.), "SMS")]`)),
	); err != nil {
		t.Fatalf("factor list: %v", err)
	}
	waitShown(t, ctx, `#passcode-form`)
	var passcode string
	for deadline := time.Now().Add(10 * time.Second); passcode == "" && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		msgs := s.SMS.Messages()
		for _, m := range msgs[before:] {
			if m.To == phone && m.Kind == "sms" {
				passcode, _ = smsvoice.ExtractPasscode(m.Body)
			}
		}
	}
	if passcode == "" {
		t.Fatal("no SMS passcode arrived")
	}
	if err := chromedp.Do(ctx, chromedp.SendKeys(css(`#passcode-form input[name=passcode]`), passcode)); err != nil {
		t.Fatalf("passcode form: %v", err)
	}
	screenshot(t, ctx, "2-sms-passcode")
	if err := chromedp.Do(ctx, chromedp.Click(css(`#passcode-form button[type=submit]`))); err != nil {
		t.Fatalf("passcode form: %v", err)
	}
	waitShown(t, ctx, `#view-profile`)
	waitShown(t, ctx, `#push-state`)
	// The profile is shown before its answer fills it in; a click while the
	// table re-lays out can land beside its button (seen on a loaded
	// machine). Wait for the answer.
	if err := chromedp.Do(ctx, chromedp.Poll[chromedp.Void](`document.getElementById("push-state").textContent !== ""`)); err != nil {
		t.Fatalf("profile never filled in: %v", err)
	}
}

func css(sel string) chromedp.CSS { return chromedp.CSS(sel) }

// text reads an element's text content.
func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.TextContent(css(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(v)
}

func TestPanelSelfServiceReactivation(t *testing.T) {
	s := startStack(t)
	ctx := browser(t)
	w := watch(t, ctx)
	loginWithSMS(t, ctx, s, "admin@acme.example", "+15555550101")

	if err := chromedp.Do(ctx, chromedp.Poll[chromedp.Void](`document.getElementById("push-state").textContent !== ""`)); err != nil {
		t.Fatal(err)
	}
	pushState := text(t, ctx, "#push-state")
	if err := chromedp.Do(ctx,
		chromedp.Click(css(`#reactivate-self`)),
		chromedp.WaitVisible(css(`#view-qr`)),
		chromedp.Poll[chromedp.Void](`document.getElementById("qr-img").src.startsWith("data:image/png;base64,")`),
	); err != nil {
		t.Fatal(err)
	}
	attr, err := chromedp.Run(ctx, chromedp.AttributeValue(css(`#qr-img`), "src"))
	if err != nil {
		t.Fatal(err)
	}
	src := attr.Value
	status := text(t, ctx, "#qr-status")
	if pushState != "inactive" {
		t.Errorf("push state before reactivation %q, want inactive", pushState)
	}
	if !strings.HasPrefix(status, "pending") {
		t.Errorf("status %q", status)
	}
	screenshot(t, ctx, "3-profile-qr")
	// The QR on the page is a real barcode for this API host.
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(src, "data:image/png;base64,"))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	bmp, _ := gozxing.NewBinaryBitmapFromImage(img)
	res, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("QR on the page does not decode: %v", err)
	}
	code, host, ok := strings.Cut(res.GetText(), "-")
	hostRaw, _ := base64.RawStdEncoding.DecodeString(host)
	if !ok || len(code) != 20 || string(hostRaw) != s.APIHost {
		t.Fatalf("barcode %q does not carry a code for %s", res.GetText(), s.APIHost)
	}

	// Email the link from the same page.
	if err := chromedp.Do(ctx,
		chromedp.Click(css(`#qr-email`)),
		chromedp.Poll[chromedp.Void](`document.getElementById("qr-email-result").textContent.startsWith("Sent to")`),
	); err != nil {
		t.Fatal(err)
	}
	sent := text(t, ctx, "#qr-email-result")
	if !strings.Contains(sent, "@acme.example") || strings.Contains(sent, "admin@acme.example") {
		t.Fatalf("email result %q should show the masked address", sent)
	}
	w.assertRequests(t)
	w.assertClean(t)
}

func TestPanelOwnerSeesAdministrators(t *testing.T) {
	s := startStack(t)
	ctx := browser(t)
	w := watch(t, ctx)
	loginWithSMS(t, ctx, s, "owner@acme.example", "+15555550100")
	if err := chromedp.Do(ctx,
		chromedp.WaitVisible(css(`#nav-admins`)),
		chromedp.Click(css(`#nav-admins`)),
		chromedp.Poll[chromedp.Void](`document.querySelectorAll("#admin-rows tr").length === 3`),
	); err != nil {
		t.Fatal(err)
	}
	rows := text(t, ctx, "#admin-rows")
	errorShown, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!document.getElementById("error").hidden`))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"owner@acme.example", "admin@acme.example", "helpdesk@acme.example"} {
		if !strings.Contains(rows, want) {
			t.Errorf("Administrators tab lacks %s: %q", want, rows)
		}
	}
	if errorShown || strings.Contains(rows, "umbrella") {
		t.Fatalf("error shown=%v or another account's admin listed: %q", errorShown, rows)
	}
	w.assertClean(t)
}

func TestPanelHelpDeskHasNoAdministratorsTab(t *testing.T) {
	s := startStack(t)
	ctx := browser(t)
	loginWithSMS(t, ctx, s, "helpdesk@acme.example", "+15555550102")
	hidden, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("nav-admins").hidden`))
	if err != nil {
		t.Fatal(err)
	}
	if !hidden {
		t.Fatal("a help-desk admin is offered the Owner's Administrators tab")
	}
}

// TestPanelSessionTokenOnlyInMemory: after login the session token is in
// no Web Storage and no cookie, and not reachable from the page's global
// scope (app.js is a module); the cost, a reload asks to log in again, is
// what the panel does (docs/security/panel.md).
func TestPanelSessionTokenOnlyInMemory(t *testing.T) {
	s := startStack(t)
	ctx := browser(t)
	w := watch(t, ctx)
	loginWithSMS(t, ctx, s, "helpdesk@acme.example", "+15555550102")

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
		for _, p := range []string{"/", "/app.js", "/style.css"} {
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
	s := startStack(t)
	ctx := browser(t)
	w := watch(t, ctx)
	loginWithSMS(t, ctx, s, "admin@acme.example", "+15555550101")
	if err := chromedp.Do(ctx,
		chromedp.Click(css(`#reactivate-self`)),
		chromedp.Poll[chromedp.Void](`document.getElementById("qr-img").src.startsWith("data:image/png;base64,")`),
	); err != nil {
		t.Fatal(err)
	}
	src, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("qr-img").src`))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(src, "data:image/png;base64,"))
	if err != nil {
		t.Fatal(err)
	}
	barcode, err := phone.DecodeQR(raw)
	if err != nil {
		t.Fatal(err)
	}
	p, err := phone.Load("", phone.WithBaseURL(s.HTTPURL))
	if err != nil {
		t.Fatal(err)
	}
	pctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := p.Activate(pctx, barcode); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx,
		chromedp.Poll[chromedp.Void](`document.getElementById("qr-status").textContent.startsWith("activated")`),
		chromedp.Click(css(`#logout`)),
	); err != nil {
		t.Fatal(err)
	}
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

	// A denied push ends the login: the panel drops its secret and asks
	// for the password again without calling the API.
	code := pushLogin()
	if status, err := p.Answer(pctx, "", "", false, code); err != nil || status != "denied" {
		t.Fatalf("phone answer: %q %v", status, err)
	}
	if err := chromedp.Do(ctx, chromedp.Poll[chromedp.Void](`document.getElementById("push-status").textContent === "Status: denied"`)); err != nil {
		t.Fatal(err)
	}
	before := loginCalls()
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.Search(`//ul[@id="factor-list"]//button[starts-with(normalize-space(.), "SMS")]`)),
		chromedp.Poll[chromedp.Void](`!document.getElementById("error").hidden`),
	); err != nil {
		t.Fatal(err)
	}
	if msg := text(t, ctx, "#error"); !strings.Contains(msg, "No login in progress") || loginCalls() != before {
		t.Fatalf("after a denied push: error %q, %d login calls (had %d)", msg, loginCalls(), before)
	}

	code = pushLogin()
	screenshot(t, ctx, "4-push-code")
	if status, err := p.Answer(pctx, "", "", true, code); err != nil || status != "approved" {
		t.Fatalf("phone answer: %q %v", status, err)
	}
	waitShown(t, ctx, `#view-profile`)
	waitShown(t, ctx, `#push-state`)
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
	w.assertRequests(t)
	w.assertClean(t)
}
