package reactivation

import (
	"encoding/base64"
	"fmt"
	"strings"

	qrcode "github.com/skip2/go-qrcode"
)

// QRSize is the side of the QR image in pixels: large enough for a phone
// camera to read from a laptop screen. go-qrcode returns a larger image
// when the text needs more modules.
const QRSize = 256

// Host is the API host as QR codes and links carry it: lower case, with the
// port only when it is not 443 (DESIGN.md §4).
func Host(apiHost string) string {
	h := strings.ToLower(strings.TrimSpace(apiHost))
	return strings.TrimSuffix(h, ":443")
}

// Barcode is the text inside the QR code (DESIGN.md §4, a contract):
// "<CODE>-<HOST_B64>", HOST_B64 being the standard base64 of the API host
// without '=' padding. This is the format Duo Mobile clients parse: the
// code binds the phone, the host tells it where to call.
func Barcode(code, apiHost string) string {
	return code + "-" + base64.RawStdEncoding.EncodeToString([]byte(Host(apiHost)))
}

// ActivationURL is the link that hands a code to the phone app:
// "https://<API_HOST>/activate/<CODE>" (DESIGN.md §4).
func ActivationURL(apiHost, code string) string {
	return "https://" + Host(apiHost) + "/activate/" + code
}

// QRPNG renders text as a PNG QR code of at least QRSize pixels with
// medium (15 %) error recovery, which survives a glare or a smudged screen
// without making the symbol too dense to scan.
func QRPNG(text string) ([]byte, error) {
	png, err := qrcode.Encode(text, qrcode.Medium, QRSize)
	if err != nil {
		// The text is the barcode, which holds the code: keep it out of the error.
		return nil, fmt.Errorf("reactivation: render QR code of %d characters: %w", len(text), err)
	}
	return png, nil
}
