package device

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"push-reactivation/shared/apigw"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/qrpng"
	"push-reactivation/shared/render"
	"push-reactivation/shared/secret"
)

//go:embed landing.html
var landingHTML string

// landingTemplate is filled by shared/render (not html/template: see that
// package for why), with html/template's escaping.
var landingTemplate = render.MustHTML("landing.html", landingHTML)

// landingHeaders go with every landing page. The page holds an activation
// code, so it must not be cached, indexed, framed or leaked through a
// Referer; it runs no script and loads nothing but its inline QR image.
var landingHeaders = map[string]string{
	"Content-Type":            "text/html; charset=utf-8",
	"Cache-Control":           "no-store",
	"Referrer-Policy":         "no-referrer",
	"Content-Security-Policy": "default-src 'none'; img-src data:; style-src 'unsafe-inline'",
	"X-Robots-Tag":            "noindex",
	"X-Frame-Options":         "DENY",
}

// landingPage is what the template shows.
type landingPage struct {
	Found bool
	// DuoLink and QR are typed as trusted URLs: the escaper would
	// otherwise replace the duo: and data: schemes. Both are built here
	// from a code already checked to be 20 alphanumerics and the
	// configured host, nothing else.
	DuoLink   render.URL
	QR        render.URL
	ExpiresAt string
	ExpiresIn string
}

// landing is the page behind the emailed activation link: GET and HEAD
// /activate/{code}. It only reads (store.GetActivationCode), so the mail
// scanners and link previewers that open every link in a mail consume
// nothing. An unknown, used, cancelled or expired code gets the same 404
// page, which says nothing about whether the code ever existed. One round
// trip.
func (s *Service) landing(ctx context.Context, r *apigw.Request) (*apigw.Response, error) {
	code := r.Param("code")
	if !domain.ActivationCodeWellFormed(code) {
		return s.landingResponse(http.StatusNotFound, landingPage{})
	}
	c, err := s.Store.GetActivationCode(ctx, secret.Hash(code))
	if errors.Is(err, domain.ErrUnknownActivation) {
		return s.landingResponse(http.StatusNotFound, landingPage{})
	}
	if err != nil {
		return nil, err
	}
	barcode := domain.Barcode(code, s.APIHost)
	now := s.Clock.Now()
	// Rendered once per code and process (qrpng's cache), until it expires.
	qr, err := qrpng.CachedDataURL(barcode, c.ExpiresAt.Sub(now))
	if err != nil {
		return nil, err
	}
	return s.landingResponse(http.StatusOK, landingPage{
		Found:     true,
		DuoLink:   render.URL("duo://" + barcode),
		QR:        render.URL(qr),
		ExpiresAt: c.ExpiresAt.UTC().Format("Mon 2 Jan 2006 at 15:04 UTC"),
		ExpiresIn: until(c.ExpiresAt.Sub(now)),
	})
}

func (s *Service) landingResponse(status int, p landingPage) (*apigw.Response, error) {
	var b strings.Builder
	// One allocation for the page: the template, the image's base64 (which
	// grows where the escaper writes "+" as "&#43;", 1 in 64 characters on
	// average, so an eighth is ample) and the short fields.
	b.Grow(len(landingHTML) + len(p.QR) + len(p.QR)/8 + 2*len(p.DuoLink) + 256)
	if err := landingTemplate.Execute(&b, render.Data{
		"Found": p.Found, "DuoLink": p.DuoLink, "QR": p.QR, "ExpiresAt": p.ExpiresAt, "ExpiresIn": p.ExpiresIn,
	}); err != nil {
		return nil, fmt.Errorf("device: render landing page: %w", err)
	}
	resp := apigw.Raw(status, landingHeaders["Content-Type"], b.String())
	for k, v := range landingHeaders {
		resp.Headers[k] = v
	}
	return resp, nil
}

// until says how long is left, in the words a person reads on a phone.
func until(d time.Duration) string {
	switch m := int(d.Round(time.Minute) / time.Minute); {
	case d < time.Minute:
		return "in less than a minute"
	case m == 1:
		return "in 1 minute"
	case m < 120:
		return fmt.Sprintf("in %d minutes", m)
	default:
		return fmt.Sprintf("in about %d hours", int(d.Round(time.Hour)/time.Hour))
	}
}
