package domain

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestNewAuditEventAppliesLimits(t *testing.T) {
	long := strings.Repeat("a", 255) + "é" + strings.Repeat("b", 500) // é straddles byte 256
	ev := NewAuditEvent(AuditEvent{UserAgent: long, IP: strings.Repeat("1", 100), Action: ActionLogout})
	if len(ev.UserAgent) > MaxAuditUserAgent || !utf8.ValidString(ev.UserAgent) || ev.UserAgent != strings.Repeat("a", 255) {
		t.Errorf("user agent %d bytes %q", len(ev.UserAgent), ev.UserAgent[max(0, len(ev.UserAgent)-5):])
	}
	if len(ev.IP) != MaxAuditIP {
		t.Errorf("ip %d bytes", len(ev.IP))
	}
	short := AuditEvent{UserAgent: "curl/8", IP: "203.0.113.9", Action: ActionLogout}
	if got := NewAuditEvent(short); got.UserAgent != short.UserAgent || got.IP != short.IP || got.Action != short.Action {
		t.Errorf("short fields changed: %+v", got)
	}
	if got := CutUserAgent(strings.Repeat("x", 300)); len(got) != MaxAuditUserAgent {
		t.Errorf("CutUserAgent: %d bytes", len(got))
	}
}
