package domain

import (
	"encoding/xml"
	"fmt"
	"strings"
	"time"
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
	minutes := int(PasscodeValidity / time.Minute)
	return fmt.Sprintf("Duo passcode: %s. It expires in %d minutes. Never share it.", passcode, minutes)
}
