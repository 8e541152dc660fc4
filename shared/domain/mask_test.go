package domain_test

import (
	"testing"

	"push-reactivation/shared/domain"
)

func TestMaskPhone(t *testing.T) {
	for in, want := range map[string]string{
		"+15555550100": "+*******0100",
		"15555550100":  "*******0100",
		"+1234":        "+1234",
		"1234":         "****",
		"":             "",
	} {
		if got := domain.MaskPhone(in); got != want {
			t.Errorf("MaskPhone(%q) = %q, want %q", in, got, want)
		}
	}
}
