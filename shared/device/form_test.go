package device_test

import (
	"net/url"
	"testing"

	"push-reactivation/internal/testenv/apptest"
)

// TestActivationRefusesFormatCharacters: the device text fields that end
// up in notice emails and the panel refuse Unicode format characters
// (category Cf) as well as controls, so a phone cannot name itself
// "iPhone\u202egnp.exe" (a bidi override that reverses what follows) or
// pad a name with invisible characters. The refusal names the field and
// leaves the code redeemable.
func TestActivationRefusesFormatCharacters(t *testing.T) {
	f := newFixture(t)
	started := f.start("admin@acme.example")
	good := pubPEM(key(0))
	for _, field := range []string{"platform", "model", "app_version", "device_name"} {
		for _, r := range []rune{'\u202e', '\u200b', '\u2066', '\ufeff', '\u00ad', '\u0000', '\u001b', '\u0085'} {
			form := url.Values{"pubkey": {good}, field: {"iPhone" + string(r) + "gnp.exe"}}
			fe := apptest.ExpectFail(t, f.activateRaw(started.Code, form), 400, 40002)
			if fe.MessageDetail != field {
				t.Errorf("%s with %U: detail %q, want the field's name", field, r, fe.MessageDetail)
			}
		}
	}
	// Ordinary non-ASCII text is still fine, and the code was not spent.
	ok := url.Values{"pubkey": {good}, "model": {"Pixel 9 — Größe ü 日本"}, "device_name": {"Zoë's phone"}}
	if resp := f.activateRaw(started.Code, ok); resp.Status != 200 {
		t.Fatalf("plain Unicode refused: %d %s", resp.Status, resp.Body)
	}
}
