package device_test

import (
	"context"
	"strings"
	"testing"

	"push-reactivation/internal/testenv/apptest"
	"push-reactivation/shared/qrpng"
)

// TestLandingRendersTheQROnce: the mail scanner, the link previewer and the
// admin open the same link; the QR image is drawn on the first visit only
// (qrpng's cache), and every visit shows the same image.
func TestLandingRendersTheQROnce(t *testing.T) {
	f := newFixture(t)
	code := f.addEmailCode(f.start("admin@acme.example").Reactivation)
	before := qrpng.Renders()
	var pages []string
	for range 3 {
		resp := f.call(apptest.Request{Method: "GET", Path: "/activate/" + code})
		if resp.Status != 200 || !strings.Contains(resp.Body, "data:image/png;base64,") {
			t.Fatalf("%d %s", resp.Status, resp.Body)
		}
		pages = append(pages, resp.Body)
	}
	if got := qrpng.Renders() - before; got != 1 {
		t.Fatalf("%d QR renders for three visits of one link, want 1", got)
	}
	if pages[1] != pages[0] || pages[2] != pages[0] {
		t.Fatal("the visits show different pages")
	}
}

// BenchmarkLanding times the landing page (GET /activate/{code}) on the
// device router itself, without the tests' contract check, beside the
// storeless baseline of apptest in the same run: read its ns/op and B/op
// as ratios to baseline. found is a live code opened again (the mail
// scanner, then the admin: its QR image comes from qrpng's cache after the
// first visit); unknown is a well-formed code the store does not hold (one
// GetItem, no image); malformed touches no store.
func BenchmarkLanding(b *testing.B) {
	f := newFixture(b)
	f.svc.Notifier = nil
	code := f.start("owner@acme.example").Code
	ctx := context.Background()
	b.Run("baseline", apptest.BenchBaseline)
	for _, c := range []struct {
		name, code string
		want       int
	}{
		{"found", code, 200},
		{"unknown", "AAAAAAAAAAAAAAAAAAAA", 404},
		{"malformed", "nope", 404},
	} {
		ev := apptest.Event(apptest.Request{Method: "GET", Path: "/activate/" + c.code})
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if resp, _ := f.router.Handle(ctx, ev); resp.StatusCode != c.want {
					b.Fatalf("%d, want %d: %s", resp.StatusCode, c.want, resp.Body)
				}
			}
		})
	}
}
