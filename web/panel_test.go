// Package web_test drives the reference panel (index.html, app.js) in a
// real headless Chromium against the local stack, the way an
// administrator would: password + SMS login, Edit Profile → Reactivate,
// and the Owner's Administrators tab.
package web_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"image/png"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"push-reactivation/infra/localstack"
	"push-reactivation/shared/apptest"
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
		chromedp.Click(css(`#login-form button[type=submit]`)),
		chromedp.WaitVisible(css(`#factor-list li button`)),
		chromedp.Click(chromedp.Search(`//ul[@id="factor-list"]//button[starts-with(normalize-space(.), "SMS")]`)),
		chromedp.WaitVisible(css(`#passcode-form`)),
	)
	if err != nil {
		t.Fatalf("login form: %v", err)
	}
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
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(css(`#passcode-form input[name=passcode]`), passcode),
		chromedp.Click(css(`#passcode-form button[type=submit]`)),
		chromedp.WaitVisible(css(`#view-profile`)),
		chromedp.WaitVisible(css(`#push-state`)),
	); err != nil {
		t.Fatalf("passcode form: %v", err)
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
}

func TestPanelOwnerSeesAdministrators(t *testing.T) {
	s := startStack(t)
	ctx := browser(t)
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
