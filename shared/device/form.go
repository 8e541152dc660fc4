package device

import (
	"net/url"
	"unicode"
	"unicode/utf8"

	"push-reactivation/shared/domain"
)

// Length limits of the form fields the service keeps or compares. Real
// values are far shorter (a model name, an FCM or APNs token of a few
// hundred bytes); the limits keep junk out of the table.
const (
	maxTextField   = 128
	maxPushToken   = 4096
	maxVerifyCode  = 16
	maxIdentifiers = 64
)

// text returns the one value of an optional form field, "" when absent.
// A repeated field, or one that is longer than max bytes, not UTF-8 or
// holds control or format characters, is 40002 naming the field: DynamoDB
// refuses invalid UTF-8, and whatever is stored is later shown on a
// screen and in notice emails, where a bidi override (U+202E) would make
// "iPhone\u202egnp.exe" read as something else and zero-width characters
// (U+200B, U+FEFF) make two names look alike.
func text(form url.Values, name string, max int) (string, error) {
	vs := form[name]
	switch {
	case len(vs) == 0:
		return "", nil
	case len(vs) > 1:
		return "", domain.Errorf(domain.CodeInvalidParams, "%s given more than once", name)
	}
	v := vs[0]
	if len(v) > max || !utf8.ValidString(v) {
		return "", domain.InvalidParam(name)
	}
	for _, r := range v {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return "", domain.InvalidParam(name)
		}
	}
	return v, nil
}

// required is text for a field that must be present and not empty.
func required(form url.Values, name string, max int) (string, error) {
	v, err := text(form, name, max)
	if err == nil && v == "" {
		err = domain.InvalidParam(name)
	}
	return v, err
}
