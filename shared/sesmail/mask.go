package sesmail

import "strings"

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
	local, domain := []rune(email[:at]), email[at+1:]
	if len(local) <= 3 {
		return string(local[0]) + "***@" + domain
	}
	return string(local[0]) + "***" + string(local[len(local)-1]) + "@" + domain
}
