package smsvoice

import "push-reactivation/shared/domain"

// PasscodeSSML is the domain's voice message (domain.PasscodeSSML), kept
// here beside ExtractPasscode, which reads it back.
func PasscodeSSML(passcode string) string { return domain.PasscodeSSML(passcode) }

// PasscodeText is the domain's SMS (domain.PasscodeText), kept here beside
// ExtractPasscode, which reads it back.
func PasscodeText(passcode string) string { return domain.PasscodeText(passcode) }

// ExtractPasscode returns the first run of 6 to 8 consecutive ASCII digits in
// body (a run is bounded by non-digits, so a longer number never yields a
// slice of itself). It reads passcodes back from PasscodeText and
// PasscodeSSML output, in tests and in the local stack's message list.
func ExtractPasscode(body string) (string, bool) {
	start := -1
	for i := 0; i <= len(body); i++ {
		isDigit := i < len(body) && body[i] >= '0' && body[i] <= '9'
		switch {
		case isDigit && start < 0:
			start = i
		case !isDigit && start >= 0:
			if n := i - start; n >= 6 && n <= 8 {
				return body[start:i], true
			}
			start = -1
		}
	}
	return "", false
}
