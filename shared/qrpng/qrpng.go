// Package qrpng renders a barcode's text (domain.Barcode) as the PNG QR
// image the panel shows and the activation email carries. It is apart from
// domain so that only the functions that draw QR codes link the encoder.
package qrpng

import (
	"fmt"

	qrcode "github.com/skip2/go-qrcode"
)

// Size is the side of the QR image in pixels: large enough for a phone
// camera to read from a laptop screen. go-qrcode returns a larger image
// when the text needs more modules.
const Size = 256

// Encode renders text as a PNG QR code of at least Size pixels with
// medium (15 %) error recovery, which survives a glare or a smudged screen
// without making the symbol too dense to scan.
func Encode(text string) ([]byte, error) {
	png, err := qrcode.Encode(text, qrcode.Medium, Size)
	if err != nil {
		// The text is the barcode, which holds the code: keep it out of the error.
		return nil, fmt.Errorf("qrpng: render QR code of %d characters: %w", len(text), err)
	}
	return png, nil
}
