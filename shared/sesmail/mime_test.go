package sesmail

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
	"testing"
	"time"
)

// TestBuildRawStructure reads the Raw message back with the standard
// library, independently of aws-ses-v2-local's parser.
func TestBuildRawStructure(t *testing.T) {
	subject := "Réactivez Duo Push — 二要素認証をもう一度設定してください ✓ (lien valable 24 heures)"
	png := bytes.Repeat([]byte{0x89, 'P', 'N', 'G', 0, 1, 2, 0xff}, 40)
	msg := Message{
		To:      "owner@acme.example",
		Subject: subject,
		Text:    "Open this link: https://localhost:3443/activate/AbCdEfGhIjKlMnOpQrSt\nÇa marche.\n",
		HTML:    `<p style="margin:0">Çа marche — <img src="cid:qr@push-reactivation"></p>` + strings.Repeat("x", 200),
		Inline:  []Inline{{ContentID: "qr@push-reactivation", Filename: "duo-push-qr.png", ContentType: "image/png", Data: png}},
	}
	to := &mail.Address{Address: msg.To}
	raw, err := buildRaw("Duo Admin Panel <no-reply@acme.example>", to, msg, time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	// RFC 5322: lines end in CRLF and are at most 998 characters. Bodies
	// (quoted-printable, base64) keep to 76; so does each encoded word of a
	// long subject, which is folded onto lines of its own.
	header, body, _ := strings.Cut(string(raw), "\r\n\r\n")
	for i, line := range strings.Split(string(raw), "\r\n") {
		if len(line) > 998 || strings.Contains(line, "\n") {
			t.Errorf("line %d: %d characters or a bare LF: %.80q", i+1, len(line), line)
		}
	}
	for _, line := range strings.Split(body, "\r\n") {
		if len(line) > 76 && !strings.HasPrefix(line, "Content-") { // part headers may be longer
			t.Errorf("body line of %d characters: %.80q", len(line), line)
		}
	}
	if n := strings.Count(header, "\r\n =?UTF-8?q?"); n < 2 {
		t.Errorf("long subject folded %d times:\n%s", n, header)
	}

	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var dec mime.WordDecoder
	if got, err := dec.DecodeHeader(m.Header.Get("Subject")); err != nil || got != subject {
		t.Errorf("subject = %q (%v), want %q", got, err, subject)
	}
	if got := m.Header.Get("To"); got != "<owner@acme.example>" {
		t.Errorf("To = %q", got)
	}
	if from, err := m.Header.AddressList("From"); err != nil || len(from) != 1 || from[0].Name != "Duo Admin Panel" || from[0].Address != "no-reply@acme.example" {
		t.Errorf("From = %v (%v)", from, err)
	}
	if got := m.Header.Get("Date"); got != "Thu, 26 Nov 2026 12:00:00 +0000" {
		t.Errorf("Date = %q", got)
	}
	if m.Header.Get("MIME-Version") != "1.0" {
		t.Errorf("MIME-Version = %q", m.Header.Get("MIME-Version"))
	}

	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/related" || params["type"] != "multipart/alternative" {
		t.Fatalf("Content-Type = %q", m.Header.Get("Content-Type"))
	}
	related := multipart.NewReader(m.Body, params["boundary"])

	// Part 1: the alternative with text then HTML (clients show the last
	// one they understand).
	alt, err := related.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	mt, altParams, _ := mime.ParseMediaType(alt.Header.Get("Content-Type"))
	if mt != "multipart/alternative" {
		t.Fatalf("first part is %q", mt)
	}
	altReader := multipart.NewReader(alt, altParams["boundary"])
	for _, want := range []struct{ typ, body string }{{"text/plain", msg.Text}, {"text/html", msg.HTML}} {
		p, err := altReader.NextPart() // decodes quoted-printable
		if err != nil {
			t.Fatal(err)
		}
		mt, ps, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		if mt != want.typ || !strings.EqualFold(ps["charset"], "utf-8") {
			t.Errorf("part Content-Type = %q, want %s; charset=UTF-8", p.Header.Get("Content-Type"), want.typ)
		}
		body, _ := io.ReadAll(p)
		if got := strings.ReplaceAll(string(body), "\r\n", "\n"); got != want.body {
			t.Errorf("%s body = %q, want %q", want.typ, got, want.body)
		}
	}
	if _, err := altReader.NextPart(); err != io.EOF {
		t.Errorf("alternative has more than two parts: %v", err)
	}

	// Part 2: the image.
	img, err := related.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	if got := img.Header.Get("Content-Id"); got != "<qr@push-reactivation>" {
		t.Errorf("Content-ID = %q", got)
	}
	if d, ps, _ := mime.ParseMediaType(img.Header.Get("Content-Disposition")); d != "inline" || ps["filename"] != "duo-push-qr.png" {
		t.Errorf("Content-Disposition = %q", img.Header.Get("Content-Disposition"))
	}
	if mt, ps, _ := mime.ParseMediaType(img.Header.Get("Content-Type")); mt != "image/png" || ps["name"] != "duo-push-qr.png" {
		t.Errorf("Content-Type = %q", img.Header.Get("Content-Type"))
	}
	if img.Header.Get("Content-Transfer-Encoding") != "base64" {
		t.Errorf("Content-Transfer-Encoding = %q", img.Header.Get("Content-Transfer-Encoding"))
	}
	// multipart.Reader hides the encoding header only for quoted-printable,
	// so decode base64 here.
	data, _ := io.ReadAll(img)
	decoded, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(string(data), "\r\n", ""))
	if err != nil || !bytes.Equal(decoded, png) {
		t.Errorf("image data differs (%v)", err)
	}
	if _, err := related.NextPart(); err != io.EOF {
		t.Errorf("related has more than two parts: %v", err)
	}
}

func TestBuildRawHTMLOnly(t *testing.T) {
	msg := Message{To: "a@acme.example", Subject: "Plain ASCII", HTML: `<img src="cid:qr">`,
		Inline: []Inline{{ContentID: "qr", Filename: "qr.png", ContentType: "image/png", Data: []byte{1, 2, 3}}}}
	raw, err := buildRaw("no-reply@acme.example", &mail.Address{Address: msg.To}, msg, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if m.Header.Get("Subject") != "Plain ASCII" {
		t.Errorf("ASCII subject was encoded: %q", m.Header.Get("Subject"))
	}
	_, params, _ := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if params["type"] != "text/html" {
		t.Errorf("related type = %q, want text/html", params["type"])
	}
	p, err := multipart.NewReader(m.Body, params["boundary"]).NextPart()
	if err != nil {
		t.Fatal(err)
	}
	if mt, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type")); mt != "text/html" {
		t.Errorf("first part = %q, want text/html", mt)
	}
}
