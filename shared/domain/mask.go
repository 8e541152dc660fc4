package domain

import "strings"

// MaskPhone hides all but the last four digits of a phone number, the way
// the panel shows the number on file: "+15555550100" → "+*******0100".
// It lives in the domain, free of AWS imports, so functions that show a
// phone number need not link the SMS/voice adapter (whose MaskPhone, for
// its error texts, is this one).
func MaskPhone(phone string) string {
	const keep = 4
	if len(phone) <= keep {
		return strings.Repeat("*", len(phone))
	}
	head, tail := phone[:len(phone)-keep], phone[len(phone)-keep:]
	var b strings.Builder
	for i := range len(head) {
		if i == 0 && head[0] == '+' {
			b.WriteByte('+')
			continue
		}
		b.WriteByte('*')
	}
	return b.String() + tail
}
