package sesmail_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"net"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	qrcode "github.com/skip2/go-qrcode"

	"push-reactivation/infra/seslocal"
	"push-reactivation/internal/testenv"
	"push-reactivation/shared/sesmail"
)

const (
	from           = "Push Reactivation <no-reply@acme.example>"
	activationLink = "https://localhost:3443/activate/AbCdEfGhIjKlMnOpQrSt"
)

// newClient is the real SDK client pointed at endpoint, as the local stack
// builds it.
func newClient(endpoint string, optFns ...func(*sesv2.Options)) *sesv2.Client {
	cfg := aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDLOCAL", "local-secret", ""),
	}
	optFns = append([]func(*sesv2.Options){func(o *sesv2.Options) { o.BaseEndpoint = aws.String(endpoint) }}, optFns...)
	return sesv2.NewFromConfig(cfg, optFns...)
}

func qrPNG(t *testing.T) []byte {
	t.Helper()
	png, err := qrcode.Encode(activationLink, qrcode.Medium, 256)
	if err != nil {
		t.Fatal(err)
	}
	return png
}

func mustParse(t *testing.T, addr string) *mail.Address {
	t.Helper()
	a, err := mail.ParseAddress(addr)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func findEmail(t *testing.T, srv *seslocal.Server, id string) seslocal.Email {
	t.Helper()
	emails, err := srv.Emails(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range emails {
		if e.MessageID == id {
			return e
		}
	}
	t.Fatalf("message %q not in the store (%d emails)", id, len(emails))
	return seslocal.Email{}
}

func TestSendThroughLocalSES(t *testing.T) {
	srv := testenv.StartSES(t)
	m := sesmail.New(newClient(srv.URL()), from, "push-reactivation")
	ctx := context.Background()

	t.Run("inline QR image (Raw)", func(t *testing.T) {
		png := qrPNG(t)
		msg := sesmail.Message{
			To:      "owner@acme.example",
			Subject: "Reactivate Duo Push",
			Text:    "Open this link on your phone:\n" + activationLink + "\n",
			HTML:    `<p>Scan the code or open <a href="` + activationLink + `">the link</a>.</p><img src="cid:qr@push-reactivation" alt="QR code">`,
			Inline:  []sesmail.Inline{{ContentID: "qr@push-reactivation", Filename: "duo-push-qr.png", ContentType: "image/png", Data: png}},
		}
		id, err := m.Send(ctx, msg)
		if err != nil {
			t.Fatal(err)
		}
		e := findEmail(t, srv, id)
		// The server keeps the From header as mailparser prints it, with
		// the display name quoted.
		if got, err := mail.ParseAddress(e.From); err != nil || got.String() != mustParse(t, from).String() {
			t.Errorf("from = %q, want %q", e.From, from)
		}
		if len(e.Destination.To) != 1 || e.Destination.To[0] != msg.To {
			t.Errorf("to = %q, want [%q]", e.Destination.To, msg.To)
		}
		if e.Subject != msg.Subject {
			t.Errorf("subject = %q, want %q", e.Subject, msg.Subject)
		}
		if e.Body.Text != msg.Text {
			t.Errorf("text = %q, want %q", e.Body.Text, msg.Text)
		}
		// aws-ses-v2-local (mailparser) swaps cid: links in the HTML for
		// data: URIs of the matching image part, so the stored HTML proves
		// the link resolved to our PNG.
		wantHTML := strings.Replace(msg.HTML, "cid:qr@push-reactivation", "data:image/png;base64,"+base64.StdEncoding.EncodeToString(png), 1)
		if e.Body.HTML != wantHTML {
			t.Errorf("html = %.300q…, want %.300q…", e.Body.HTML, wantHTML)
		}
		if len(e.Attachments) != 1 {
			t.Fatalf("attachments = %d, want 1", len(e.Attachments))
		}
		a := e.Attachments[0]
		if a.CID() != "qr@push-reactivation" || a.ContentID != "<qr@push-reactivation>" {
			t.Errorf("content id = %q", a.ContentID)
		}
		if a.ContentType != "image/png" || a.ContentDisposition != "inline" || a.Filename != "duo-push-qr.png" || !a.Related {
			t.Errorf("attachment = type %q, disposition %q, filename %q, related %v", a.ContentType, a.ContentDisposition, a.Filename, a.Related)
		}
		if !bytes.Equal(a.Content, png) || a.Size != len(png) {
			t.Errorf("attachment content: %d bytes (size %d), want the %d-byte PNG", len(a.Content), a.Size, len(png))
		}
	})

	t.Run("non-ASCII subject survives", func(t *testing.T) {
		subject := "Réactivez Duo Push — 二要素認証をもう一度設定してください ✓ (lien valable 24 heures, à ouvrir sur le téléphone)"
		for _, inline := range []bool{true, false} {
			msg := sesmail.Message{To: "admin@acme.example", Subject: subject, Text: "Bonjour ✓", HTML: "<p>Bonjour ✓</p>"}
			if inline {
				msg.HTML += `<img src="cid:qr">`
				msg.Inline = []sesmail.Inline{{ContentID: "qr", Filename: "qr.png", ContentType: "image/png", Data: qrPNG(t)}}
			}
			id, err := m.Send(ctx, msg)
			if err != nil {
				t.Fatal(err)
			}
			e := findEmail(t, srv, id)
			if e.Subject != subject {
				t.Errorf("inline=%v: subject = %q, want %q", inline, e.Subject, subject)
			}
			if e.Body.Text != msg.Text {
				t.Errorf("inline=%v: text = %q, want %q", inline, e.Body.Text, msg.Text)
			}
		}
	})

	t.Run("no inline images (Simple)", func(t *testing.T) {
		msg := sesmail.Message{
			To:      "helpdesk@acme.example",
			Subject: "Your Duo Push was reactivated",
			Text:    "A new phone was activated for your account.\nIf this was not you, contact your Owner.",
			HTML:    "<p>A new phone was activated for your account.</p><p>If this was not you, contact your Owner.</p>",
		}
		id, err := m.Send(ctx, msg)
		if err != nil {
			t.Fatal(err)
		}
		e := findEmail(t, srv, id)
		if e.From != from || len(e.Destination.To) != 1 || e.Destination.To[0] != msg.To || e.Subject != msg.Subject ||
			e.Body.Text != msg.Text || e.Body.HTML != msg.HTML || len(e.Attachments) != 0 {
			t.Errorf("stored %+v, want %+v", e, msg)
		}
	})
}

func TestSendToClosedPortIsUnavailable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	endpoint := "http://" + l.Addr().String()
	l.Close()

	m := sesmail.New(newClient(endpoint), from, "")
	msg := sesmail.Message{To: "owner@acme.example", Subject: "Reactivate Duo Push", Text: activationLink, HTML: activationLink}
	for _, inline := range []bool{false, true} {
		if inline {
			msg.HTML = `<img src="cid:qr">` + activationLink
			msg.Inline = []sesmail.Inline{{ContentID: "qr", Filename: "qr.png", ContentType: "image/png", Data: qrPNG(t)}}
		}
		_, err := m.Send(context.Background(), msg)
		if err == nil {
			t.Fatal("Send to a closed port succeeded")
		}
		if !sesmail.IsUnavailable(err) {
			t.Errorf("IsUnavailable(%v) = false, want true", err)
		}
		if s := err.Error(); strings.Contains(s, "AbCdEfGh") || strings.Contains(s, "owner@") {
			t.Errorf("error leaks the body or the address: %s", s)
		}
	}
}

func TestSendTimeoutIsUnavailable(t *testing.T) {
	// A server that accepts and never answers.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	m := sesmail.New(newClient("http://"+l.Addr().String()), from, "")
	_, err = m.Send(ctx, sesmail.Message{To: "owner@acme.example", Subject: "s", Text: "t"})
	if !sesmail.IsUnavailable(err) {
		t.Errorf("IsUnavailable(%v) = false, want true", err)
	}
}
