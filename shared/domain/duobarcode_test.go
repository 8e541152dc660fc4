package domain_test

import (
	"strings"
	"testing"

	"push-reactivation/shared/domain"
)

func TestBarcodeFormat(t *testing.T) {
	tests := []struct{ host, want string }{
		{"localhost:3443", "ABCdef0123456789wxyz-bG9jYWxob3N0OjM0NDM"},
		{"API.Example.com", "ABCdef0123456789wxyz-YXBpLmV4YW1wbGUuY29t"},
		{"api.example.com:443", "ABCdef0123456789wxyz-YXBpLmV4YW1wbGUuY29t"},
		{"api.example.co", "ABCdef0123456789wxyz-YXBpLmV4YW1wbGUuY28"}, // "...Y28=" without padding
	}
	for _, tt := range tests {
		got := domain.Barcode("ABCdef0123456789wxyz", tt.host)
		if got != tt.want {
			t.Errorf("Barcode(%q) = %q, want %q", tt.host, got, tt.want)
		}
		if strings.Contains(got, "=") {
			t.Errorf("Barcode(%q) keeps padding", tt.host)
		}
	}
	if got := domain.ActivationURL("API.example.com:443", "ABC"); got != "https://api.example.com/activate/ABC" {
		t.Errorf("ActivationURL = %q", got)
	}
	if got := domain.ActivationURL("localhost:3443", "ABC"); got != "https://localhost:3443/activate/ABC" {
		t.Errorf("ActivationURL = %q", got)
	}
}
