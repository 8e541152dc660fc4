package sesmail

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	"time"
)

// buildRaw renders msg as an RFC 5322 message for SES Raw content:
//
//	multipart/related; type="multipart/alternative"
//	├── multipart/alternative
//	│   ├── text/plain; charset=UTF-8 (quoted-printable)
//	│   └── text/html; charset=UTF-8 (quoted-printable)
//	└── image/png, Content-ID: <id>, Content-Disposition: inline (base64)
//
// Without a text body the HTML part takes the alternative's place.
// multipart/related is what lets clients resolve cid: links to the images
// and keeps them out of the attachment list.
func buildRaw(from string, to *mail.Address, msg Message, now time.Time) ([]byte, error) {
	sender, err := mail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("%w: sender address: %v", ErrInvalidMessage, err)
	}

	var buf bytes.Buffer
	related := multipart.NewWriter(&buf)
	rootType := "text/html"
	if msg.Text != "" {
		rootType = "multipart/alternative"
	}
	header := func(name, value string) { fmt.Fprintf(&buf, "%s: %s\r\n", name, value) }
	header("From", sender.String())
	header("To", to.String())
	header("Subject", encodeSubject(msg.Subject))
	header("Date", now.Format(time.RFC1123Z))
	header("MIME-Version", "1.0")
	header("Content-Type", mime.FormatMediaType("multipart/related",
		map[string]string{"boundary": related.Boundary(), "type": rootType}))
	buf.WriteString("\r\n")

	if msg.Text != "" {
		// The nested part's header needs its boundary before the part's
		// writer exists: draw one from a throwaway writer.
		boundary := multipart.NewWriter(io.Discard).Boundary()
		part, err := related.CreatePart(textproto.MIMEHeader{
			"Content-Type": {mime.FormatMediaType("multipart/alternative", map[string]string{"boundary": boundary})},
		})
		if err != nil {
			return nil, err
		}
		alt := multipart.NewWriter(part)
		if err := alt.SetBoundary(boundary); err != nil {
			return nil, err
		}
		if err := writeText(alt, "text/plain", msg.Text); err != nil {
			return nil, err
		}
		if err := writeText(alt, "text/html", msg.HTML); err != nil {
			return nil, err
		}
		if err := alt.Close(); err != nil {
			return nil, err
		}
	} else if err := writeText(related, "text/html", msg.HTML); err != nil {
		return nil, err
	}

	for _, in := range msg.Inline {
		part, err := related.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {mime.FormatMediaType(in.ContentType, map[string]string{"name": in.Filename})},
			"Content-Transfer-Encoding": {"base64"},
			"Content-Id":                {"<" + in.ContentID + ">"},
			"Content-Disposition":       {mime.FormatMediaType("inline", map[string]string{"filename": in.Filename})},
		})
		if err != nil {
			return nil, err
		}
		if err := writeBase64(part, in.Data); err != nil {
			return nil, err
		}
	}
	if err := related.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// encodeSubject returns the subject as it goes in the header: unchanged when
// printable ASCII, else RFC 2047 encoded words, one per folded line so no
// line grows past the 78 characters RFC 5322 recommends.
func encodeSubject(s string) string {
	enc := mime.QEncoding.Encode("UTF-8", s)
	// Whitespace between two encoded words is not part of the text, so
	// folding there changes nothing.
	return strings.ReplaceAll(enc, "?= =?", "?=\r\n =?")
}

func writeText(w *multipart.Writer, contentType, body string) error {
	part, err := w.CreatePart(textproto.MIMEHeader{
		"Content-Type":              {mime.FormatMediaType(contentType, map[string]string{"charset": "UTF-8"})},
		"Content-Transfer-Encoding": {"quoted-printable"},
	})
	if err != nil {
		return err
	}
	qp := quotedprintable.NewWriter(part)
	if _, err := io.WriteString(qp, body); err != nil {
		return err
	}
	return qp.Close()
}

// writeBase64 writes data base64-encoded in lines of 76 characters.
func writeBase64(w io.Writer, data []byte) error {
	enc := base64.StdEncoding.EncodeToString(data)
	for len(enc) > 0 {
		n := min(76, len(enc))
		if _, err := io.WriteString(w, enc[:n]+"\r\n"); err != nil {
			return err
		}
		enc = enc[n:]
	}
	return nil
}
