// Package hotp is RFC 4226 HOTP: the Duo Mobile passcode. The key is the
// ASCII bytes of a credential's hotp_secret string (DESIGN.md §5), the hash
// is SHA-1, and the verifier looks ahead a few counters because the phone
// advances its counter each time the admin asks for a passcode, whether or
// not the passcode is used.
package hotp

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/binary"
	"fmt"
)

// MinDigits and MaxDigits bound the passcode length: RFC 4226 §5.3 asks
// for at least 6, and 9 is the most a 31-bit truncated value can fill.
const (
	MinDigits = 6
	MaxDigits = 9
)

// Code returns the HOTP value of key at counter, digits long with leading
// zeros (RFC 4226 §5.3). digits outside MinDigits…MaxDigits panics: it is
// a programming error, never input.
func Code(key []byte, counter uint64, digits int) string {
	if digits < MinDigits || digits > MaxDigits {
		panic(fmt.Sprintf("hotp: %d digits", digits))
	}
	mac := hmac.New(sha1.New, key)
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], counter)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	// Dynamic truncation: the low nibble of the last byte picks 4 bytes,
	// whose top bit is dropped so the value is the same signed or unsigned.
	off := sum[len(sum)-1] & 0x0f
	bin := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	mod := uint32(1)
	for range digits {
		mod *= 10
	}
	return fmt.Sprintf("%0*d", digits, bin%mod)
}

// Verify looks for passcode among the values of the window counters
// counter, counter+1, …, counter+window-1, and returns the counter that
// matched; the caller stores matched+1 so the passcode (and every earlier
// one) can never be accepted again. The passcode's length is its number of
// digits. Every candidate is computed and compared in constant time, match
// or not, so the response time says nothing about which one matched.
func Verify(key []byte, counter uint64, window int, passcode string) (matched uint64, ok bool) {
	digits := len(passcode)
	if digits < MinDigits || digits > MaxDigits {
		return 0, false
	}
	found := 0
	for i := range uint64(max(window, 0)) {
		c := counter + i
		if c < counter { // wrapped past 2^64-1: no counters beyond
			break
		}
		hit := subtle.ConstantTimeCompare([]byte(Code(key, c, digits)), []byte(passcode))
		if hit == 1 && found == 0 {
			matched, found = c, 1
		}
	}
	return matched, found == 1
}
