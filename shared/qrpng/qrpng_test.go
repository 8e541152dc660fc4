package qrpng_test

import (
	"testing"

	"push-reactivation/internal/testenv/apptest"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/qrpng"
)

func TestEncodeDecodes(t *testing.T) {
	text := domain.Barcode("ABCdef0123456789wxyz", "localhost:3443")
	b, err := qrpng.Encode(text)
	if err != nil {
		t.Fatal(err)
	}
	got, size := apptest.DecodeQR(t, b)
	if got != text || size < qrpng.Size {
		t.Fatalf("decoded %q at %d px, want %q at ≥ %d px", got, size, text, qrpng.Size)
	}
}
