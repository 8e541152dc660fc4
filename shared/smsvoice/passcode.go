package smsvoice

import (
	"encoding/xml"
	"fmt"
	"strings"
	"time"

	"push-reactivation/shared/domain"
)

// PasscodeSSML is the voice call that reads passcode: digit by digit (so
// "1234567" is not read as a number in the millions), twice, since the
// admin is often fetching a pen during the first reading. The passcode is
// XML-escaped, so whatever it holds the document stays well formed.
func PasscodeSSML(passcode string) string {
	var esc strings.Builder
	_ = xml.EscapeText(&esc, []byte(passcode)) // a strings.Builder never fails
	digits := `<say-as interpret-as="digits">` + esc.String() + `</say-as>`
	return `<speak>Your Duo passcode is ` + digits + `.` +
		`<break time="1s"/> Again, ` + digits + `.</speak>`
}

// PasscodeText is the SMS that carries passcode. It says how long the code
// lives and warns against sharing it, since passcode phishing starts with
// "please read me the code we just sent".
func PasscodeText(passcode string) string {
	minutes := int(domain.PasscodeValidity / time.Minute)
	return fmt.Sprintf("Duo passcode: %s. It expires in %d minutes. Never share it.", passcode, minutes)
}

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
