package sesmail_test

import (
	"testing"

	"push-reactivation/shared/sesmail"
)

func TestMaskAddress(t *testing.T) {
	tests := []struct{ in, want string }{
		{"owner@acme.example", "o***r@acme.example"},
		{"admin@acme.example", "a***n@acme.example"},
		{"msp@umbrella.example", "m***@umbrella.example"},
		{"ab@acme.example", "a***@acme.example"},
		{"a@acme.example", "a***@acme.example"},
		{"abcd@acme.example", "a***d@acme.example"},
		{"  owner@acme.example ", "o***r@acme.example"},
		{"zoë.müller@acme.example", "z***r@acme.example"},
		{"ünï@acme.example", "ü***@acme.example"},
		{`"a@b"@acme.example`, `"***"@acme.example`},
		{"", "***"},
		{"owner", "***"},
		{"@acme.example", "***"},
		{"owner@", "***"},
	}
	for _, tt := range tests {
		if got := sesmail.MaskAddress(tt.in); got != tt.want {
			t.Errorf("MaskAddress(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
