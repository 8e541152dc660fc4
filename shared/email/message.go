package email

import (
	"embed"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
	"time"

	"push-reactivation/shared/domain"
	"push-reactivation/shared/reactivation"
	"push-reactivation/shared/sesmail"
)

//go:embed templates
var templateFS embed.FS

var (
	textTemplate = texttemplate.Must(texttemplate.ParseFS(templateFS, "templates/activation.txt"))
	htmlTemplate = htmltemplate.Must(htmltemplate.ParseFS(templateFS, "templates/activation.html"))
)

// Subject is the activation email's subject.
const Subject = "Reactivate Duo Push on your phone"

// QRContentID is the Content-ID of the inline QR image; the HTML shows it
// as cid:QRContentID.
const QRContentID = "activation-qr@push-reactivation"

// timeLayout is how the email shows the expiry: unambiguous and in UTC,
// since the service does not know the reader's time zone.
const timeLayout = "Mon, 2 Jan 2006 15:04 MST"

// messageData fills templates/activation.{txt,html}.
type messageData struct {
	Name        string
	RequestedBy string // the Owner who sent it, or "" when the admin asked
	Link        string
	ExpiresAt   string
	QRContentID string
}

// message builds the activation email: the link https://<API_HOST>/activate/<code>,
// and inline the QR image of the barcode <code>-<HOST_B64> (DESIGN.md §4),
// the expiry and the steps on the phone. It carries the code, so neither
// the message nor anything derived from it is ever logged.
func (s *Service) message(to *domain.Admin, requestedBy, code string, expires time.Time) (sesmail.Message, error) {
	png, err := reactivation.QRPNG(reactivation.Barcode(code, s.APIHost))
	if err != nil {
		return sesmail.Message{}, err
	}
	data := messageData{
		Name: displayName(to), RequestedBy: requestedBy, Link: reactivation.ActivationURL(s.APIHost, code),
		ExpiresAt: expires.UTC().Format(timeLayout), QRContentID: QRContentID,
	}
	var text, html strings.Builder
	if err := textTemplate.Execute(&text, data); err != nil {
		return sesmail.Message{}, err
	}
	if err := htmlTemplate.Execute(&html, data); err != nil {
		return sesmail.Message{}, err
	}
	return sesmail.Message{
		To: to.Email, Subject: Subject, Text: text.String(), HTML: html.String(),
		Inline: []sesmail.Inline{{ContentID: QRContentID, Filename: "duo-push-activation.png", ContentType: "image/png", Data: png}},
	}, nil
}

func displayName(a *domain.Admin) string {
	if name := strings.TrimSpace(a.Name); name != "" {
		return name
	}
	return a.Email
}
