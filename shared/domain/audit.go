package domain

import "unicode/utf8"

// Limits of what a request puts in an audit event: the user agent and the
// address come from the caller, and the log is read by Owners and kept for
// a long time, so a caller cannot make its entries large.
const (
	MaxAuditUserAgent = 256 // bytes
	MaxAuditIP        = 64  // bytes: the longest IPv6 text with a zone fits
)

// NewAuditEvent is the one constructor of audit events: every event the
// logic writes goes through it, so the field limits hold for all of them
// (before, only the login's events cut the user agent). internal/archtest
// checks that no logic package writes an AuditEvent literal elsewhere.
func NewAuditEvent(e AuditEvent) AuditEvent {
	e.UserAgent = cut(e.UserAgent, MaxAuditUserAgent)
	e.IP = cut(e.IP, MaxAuditIP)
	return e
}

// CutUserAgent is a caller's user agent as the service stores it, in
// audit events and login transactions alike.
func CutUserAgent(ua string) string { return cut(ua, MaxAuditUserAgent) }

// cut shortens s to at most max bytes without splitting a UTF-8 sequence
// (at most utf8.UTFMax-1 more bytes go).
func cut(s string, max int) string {
	if len(s) <= max {
		return s
	}
	s = s[:max]
	for i := 0; i < utf8.UTFMax-1 && len(s) > 0; i++ {
		if r, size := utf8.DecodeLastRuneInString(s); r != utf8.RuneError || size != 1 {
			break
		}
		s = s[:len(s)-1]
	}
	return s
}
