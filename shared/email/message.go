package email

import (
	_ "embed"
	"strings"
	"time"

	"push-reactivation/shared/domain"
	"push-reactivation/shared/qrpng"
	"push-reactivation/shared/render"
)

//go:embed templates/activation.txt
var activationText string

//go:embed templates/activation.html
var activationHTML string

// The activation email's templates, filled by shared/render (not
// text/template or html/template: see that package for why).
var (
	textTemplate = render.MustText("activation.txt", activationText)
	htmlTemplate = render.MustHTML("activation.html", activationHTML)
)

// Subject is the activation email's subject.
const Subject = "Reactivate Duo Push on your phone"

// QRContentID is the Content-ID of the inline QR image; the HTML shows it
// as cid:QRContentID.
const QRContentID = "activation-qr@push-reactivation"

// timeLayout is how the email shows the expiry: unambiguous and in UTC,
// since the service does not know the reader's time zone.
const timeLayout = "Mon, 2 Jan 2006 15:04 MST"

// message builds the activation email: the link https://<API_HOST>/activate/<code>,
// and inline the QR image of the barcode <code>-<HOST_B64> (DESIGN.md §4),
// the expiry and the steps on the phone. It carries the code, so neither
// the message nor anything derived from it is ever logged.
func (s *Service) message(to *domain.Admin, requestedBy, code string, expires time.Time) (domain.EmailMessage, error) {
	png, err := qrpng.Cached(domain.Barcode(code, s.APIHost), expires.Sub(s.Clock.Now()))
	if err != nil {
		return domain.EmailMessage{}, err
	}
	// RequestedBy is the Owner who sent it, or "" when the admin asked.
	data := render.Data{
		"Name": displayName(to), "RequestedBy": requestedBy, "Link": domain.ActivationURL(s.APIHost, code),
		"ExpiresAt": expires.UTC().Format(timeLayout), "QRContentID": QRContentID,
	}
	var text, html strings.Builder
	if err := textTemplate.Execute(&text, data); err != nil {
		return domain.EmailMessage{}, err
	}
	if err := htmlTemplate.Execute(&html, data); err != nil {
		return domain.EmailMessage{}, err
	}
	return domain.EmailMessage{
		To: to.Email, Subject: Subject, Text: text.String(), HTML: html.String(),
		Inline: []domain.EmailInline{{ContentID: QRContentID, Filename: "duo-push-activation.png", ContentType: "image/png", Data: png}},
	}, nil
}

func displayName(a *domain.Admin) string {
	if name := strings.TrimSpace(a.Name); name != "" {
		return name
	}
	return a.Email
}
