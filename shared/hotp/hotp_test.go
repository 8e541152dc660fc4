package hotp_test

import (
	"math"
	"testing"

	"push-reactivation/shared/hotp"
)

// rfcKey is the secret of RFC 4226 Appendix D.
var rfcKey = []byte("12345678901234567890")

// TestRFC4226AppendixD checks the ten test values of RFC 4226 Appendix D.
func TestRFC4226AppendixD(t *testing.T) {
	want := []string{"755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"}
	for counter, w := range want {
		if got := hotp.Code(rfcKey, uint64(counter), 6); got != w {
			t.Errorf("Code(counter %d) = %s, want %s", counter, got, w)
		}
	}
}

// TestLongerCodes: Appendix D lists the truncated decimal values; 7, 8 and
// 9 digits are their last digits.
func TestLongerCodes(t *testing.T) {
	truncated := []uint32{1284755224, 1094287082, 137359152, 1726969429, 1640338314, 868254676, 1918287922, 82162583, 673399871, 645520489}
	for counter, v := range truncated {
		for digits, mod := range map[int]uint32{7: 1e7, 8: 1e8, 9: 1e9} {
			want := fmtDigits(v%mod, digits)
			if got := hotp.Code(rfcKey, uint64(counter), digits); got != want {
				t.Errorf("Code(counter %d, %d digits) = %s, want %s", counter, digits, got, want)
			}
		}
	}
}

func fmtDigits(v uint32, digits int) string {
	b := make([]byte, digits)
	for i := digits - 1; i >= 0; i-- {
		b[i] = byte('0' + v%10)
		v /= 10
	}
	return string(b)
}

func TestVerifyWindow(t *testing.T) {
	tests := []struct {
		name     string
		counter  uint64
		passcode string
		want     uint64
		ok       bool
	}{
		{"current counter", 0, "755224", 0, true},
		{"look-ahead", 0, "520489", 9, true},                         // counter 9: the 10th value of a window of 10
		{"beyond the window", 0, hotp.Code(rfcKey, 10, 6), 0, false}, // counter 10
		{"behind the counter", 3, "359152", 0, false},                // counter 2, already used
		{"wrong", 0, "000000", 0, false},
		{"too short", 0, "75522", 0, false},
		{"not digits", 0, "75522a", 0, false},
		{"empty", 0, "", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := hotp.Verify(rfcKey, tt.counter, 10, tt.passcode)
			if ok != tt.ok || got != tt.want {
				t.Errorf("Verify = %d, %v; want %d, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestVerifyNearCounterLimit(t *testing.T) {
	last := hotp.Code(rfcKey, math.MaxUint64, 6)
	if got, ok := hotp.Verify(rfcKey, math.MaxUint64-2, 10, last); !ok || got != math.MaxUint64 {
		t.Fatalf("Verify at the counter limit = %d, %v", got, ok)
	}
	if _, ok := hotp.Verify(rfcKey, math.MaxUint64, 0, last); ok {
		t.Fatal("an empty window matched")
	}
}

func TestCodeRejectsBadDigits(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("Code(5 digits) did not panic")
		}
	}()
	hotp.Code(rfcKey, 0, 5)
}

func FuzzVerify(f *testing.F) {
	f.Add([]byte("k"), uint64(0), 10, "123456")
	f.Fuzz(func(t *testing.T, key []byte, counter uint64, window int, passcode string) {
		if window > 100 {
			window = 100
		}
		if m, ok := hotp.Verify(key, counter, window, passcode); ok && hotp.Code(key, m, len(passcode)) != passcode {
			t.Fatalf("matched counter %d does not give the passcode", m)
		}
	})
}
