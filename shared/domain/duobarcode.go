package domain

import (
	"encoding/base64"
	"strings"
)

// APIHostForCodes is the API host as QR codes and links carry it: lower
// case, with the port only when it is not 443 (DESIGN.md §4). Devices sign
// against this same string.
func APIHostForCodes(apiHost string) string {
	h := strings.ToLower(strings.TrimSpace(apiHost))
	return strings.TrimSuffix(h, ":443")
}

// Barcode is the text inside the QR code (DESIGN.md §4, a contract):
// "<CODE>-<HOST_B64>", HOST_B64 being the standard base64 of the API host
// without '=' padding. This is the format Duo Mobile clients parse: the
// code binds the phone, the host tells it where to call.
func Barcode(code, apiHost string) string {
	return code + "-" + base64.RawStdEncoding.EncodeToString([]byte(APIHostForCodes(apiHost)))
}

// ActivationURL is the link that hands a code to the phone app:
// "https://<API_HOST>/activate/<CODE>" (DESIGN.md §4).
func ActivationURL(apiHost, code string) string {
	return "https://" + APIHostForCodes(apiHost) + "/activate/" + code
}
