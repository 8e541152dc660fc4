package device_test

import (
	"bytes"
	"encoding/base64"
	"html"
	"image/png"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"push-reactivation/internal/testenv/apptest"
	"push-reactivation/shared/apigw"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/qrpng"
	"push-reactivation/shared/tablespec"
)

var landingHeaders = map[string]string{
	"Content-Type":            "text/html; charset=utf-8",
	"Cache-Control":           "no-store",
	"Referrer-Policy":         "no-referrer",
	"Content-Security-Policy": "default-src 'none'; img-src data:; style-src 'unsafe-inline'",
	"X-Robots-Tag":            "noindex",
}

func checkLandingHeaders(t *testing.T, resp *apptest.Response) {
	t.Helper()
	for k, v := range landingHeaders {
		if resp.Headers[k] != v {
			t.Errorf("%s: %q, want %q", k, resp.Headers[k], v)
		}
	}
}

func TestLandingPage(t *testing.T) {
	f := newFixture(t)
	started := f.start("admin@acme.example")
	emailCode := f.addEmailCode(started.Reactivation)

	resp := f.call(apptest.Request{Method: "GET", Path: "/activate/" + emailCode})
	if resp.Status != 200 {
		t.Fatalf("%d %s", resp.Status, resp.Body)
	}
	checkLandingHeaders(t, resp)
	page := resp.Body
	barcode := domain.Barcode(emailCode, apptest.APIHost)
	if !strings.Contains(page, `href="duo://`+barcode+`"`) || !strings.Contains(page, "Open in Duo Mobile") {
		t.Fatalf("no Duo Mobile link for %s in\n%s", barcode, page)
	}
	// The QR image is inline and holds a PNG.
	// (html/template writes "+" as "&#43;" in attributes; browsers read it back.)
	m := regexp.MustCompile(`src="data:image/png;base64,([A-Za-z0-9+/=&#;]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no inline QR image in\n%s", page)
	}
	raw, err := base64.StdEncoding.DecodeString(html.UnescapeString(m[1]))
	if err != nil {
		t.Fatal(err)
	}
	if img, err := png.Decode(bytes.NewReader(raw)); err != nil || img.Bounds().Dx() < qrpng.Size {
		t.Fatalf("QR image: %v", err)
	}
	if want, _ := qrpng.Encode(barcode); !bytes.Equal(raw, want) {
		t.Fatal("the QR image is not the barcode's")
	}
	// The emailed link lives 24 hours.
	if !strings.Contains(page, "Fri 27 Nov 2026 at 12:00 UTC") || !strings.Contains(page, "in about 24 hours") {
		t.Fatalf("expiry not shown:\n%s", page)
	}
	// Nothing that loads from elsewhere, no script, no personal data.
	for _, bad := range []string{"<script", "http://", "https://", "admin@acme.example", "Adam Admin"} {
		if strings.Contains(page, bad) {
			t.Fatalf("page holds %q", bad)
		}
	}

	head := f.call(apptest.Request{Method: "HEAD", Path: "/activate/" + emailCode})
	if head.Status != 200 || head.Body != "" {
		t.Fatalf("HEAD: %d %q", head.Status, head.Body)
	}
	checkLandingHeaders(t, head)

	// The QR code's own code shows the page too, expiring with the QR code.
	qr := f.call(apptest.Request{Method: "GET", Path: "/activate/" + started.Code})
	if qr.Status != 200 || !strings.Contains(qr.Body, "in 10 minutes") {
		t.Fatalf("QR code page: %d\n%s", qr.Status, qr.Body)
	}
	if strings.Contains(f.Logs.String(), emailCode) {
		t.Fatal("code logged")
	}
}

// TestLandingPageNotFoundLooksTheSame: a malformed, never issued, used,
// cancelled or expired code gets the one 404 page, GET and HEAD alike.
func TestLandingPageNotFoundLooksTheSame(t *testing.T) {
	f := newFixture(t)
	used := f.start("owner@acme.example")
	f.activate(used.Code, key(0))
	cancelled := f.start("helpdesk@acme.example")
	if _, err := f.react.Cancel(f.Ctx, f.principal("helpdesk@acme.example"), cancelled.Reactivation.ID, "", ""); err != nil {
		t.Fatal(err)
	}
	expiring := f.start("admin@acme.example")

	codes := []string{"short", strings.Repeat("a", 21), "%3Cscript%3E", "ZZZZZZZZZZZZZZZZZZZZ", used.Code, cancelled.Code}
	var want string
	check := func(code string) {
		t.Helper()
		for _, method := range []string{"GET", "HEAD"} {
			resp := f.call(apptest.Request{Method: method, Path: "/activate/" + code})
			if resp.Status != 404 {
				t.Fatalf("%s %s: %d", method, code, resp.Status)
			}
			checkLandingHeaders(t, resp)
			if method == "HEAD" {
				continue
			}
			if want == "" {
				want = resp.Body
			}
			if resp.Body != want {
				t.Fatalf("404 page for %q differs", code)
			}
		}
	}
	for _, c := range codes {
		check(c)
	}
	f.Clock.Advance(domain.QRValidityDefault + time.Second)
	check(expiring.Code)
	if !strings.Contains(want, "not valid") || strings.Contains(want, "duo://") || strings.Contains(html.UnescapeString(want), "<script>") {
		t.Fatalf("404 page:\n%s", want)
	}
}

// TestRoutesMatchTemplate: the router serves exactly the DeviceFunction
// routes of template.yaml.
func TestRoutesMatchTemplate(t *testing.T) {
	f := newFixture(t)
	wd, _ := os.Getwd()
	path, err := tablespec.FindTemplate(wd)
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := tablespec.OpenTemplate(path, nil) // goformation, with SAM's AccessLogSettings
	if err != nil {
		t.Fatal(err)
	}
	fn, err := tmpl.GetServerlessFunctionWithName("DeviceFunction")
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, ev := range fn.Events {
		if h := ev.Properties.HttpApiEvent; h != nil && h.Method != nil && h.Path != nil {
			want = append(want, strings.ToUpper(*h.Method)+" "+*h.Path)
		} else if h != nil && h.Method == nil && h.Path == nil {
			want = append(want, apigw.DefaultRoute)
		}
	}
	got := f.router.Routes()
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) || len(want) != 8 {
		t.Fatalf("routes %v, template %v", got, want)
	}
}
