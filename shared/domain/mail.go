package domain

import "strings"

// EmailMessage is one email to one recipient, as the logic writes it and
// a mailer (sesmail) sends it.
type EmailMessage struct {
	To      string
	Subject string
	Text    string
	HTML    string
	// Inline images, referenced from HTML as cid:<ContentID>. They need an
	// HTML body.
	Inline []EmailInline
}

// EmailInline is an image shown inside the HTML body.
type EmailInline struct {
	ContentID   string // without angle brackets, e.g. "qr@push-reactivation"
	Filename    string // e.g. "qr.png"
	ContentType string // e.g. "image/png"
	Data        []byte
}

// MaskAddress shortens an email address for logs, audit events and API
// answers: "owner@acme.example" becomes "o***r@acme.example". A local part of
// up to three characters keeps only its first ("ab@x.example" → "a***@x.example"),
// so the mask never shows most of it. Anything without a local part and a
// domain becomes "***".
func MaskAddress(email string) string {
	email = strings.TrimSpace(email)
	at := strings.LastIndexByte(email, '@')
	if at <= 0 || at == len(email)-1 {
		return "***"
	}
	local, host := []rune(email[:at]), email[at+1:]
	if len(local) <= 3 {
		return string(local[0]) + "***@" + host
	}
	return string(local[0]) + "***" + string(local[len(local)-1]) + "@" + host
}
