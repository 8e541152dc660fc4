// Package login is the fallback login of the panel (FallbackLoginFunction):
// email and password, then a second factor — SMS passcode, phone callback,
// Duo Push or Duo Mobile passcode — then a session; and the session
// endpoints (read, log out, switch between an MSP parent and its
// children). The rules are DESIGN.md §3, the endpoints the fallback-login
// rows of §4.
//
// A login transaction (txid) carries the admin from the password step to
// the second factor. Every step that must happen once is a conditional
// write or a transaction in the store (shared/dynamo/login.go); this
// package decides, the store enforces under concurrency.
package login

import (
	"context"
	"log/slog"
	"time"

	"push-reactivation/shared/deps"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/secret"
)

// Phone delivers passcodes by text message and by voice call
// (*smsvoice.Sender in production).
type Phone interface {
	SendText(ctx context.Context, to, body string) error
	SendVoice(ctx context.Context, to, ssml string) error
}

// Service is the fallback login.
type Service struct {
	Store  Store
	Phone  Phone
	Clock  domain.Clock
	Random domain.Random
	Log    *slog.Logger
	// Codes keys the stored hashes of passcodes and verification codes
	// (CODE_HASH_KEY): a table dump alone does not reveal them.
	Codes *secret.CodeHasher
}

// NewService builds the service from the shared dependencies and the
// function's SMS/voice sender (smsvoice.FromConfig in production).
func NewService[S Store](d *deps.Deps[S], phone Phone) *Service {
	return &Service{
		Store:  d.Store,
		Phone:  phone,
		Clock:  d.Clock,
		Random: d.Random,
		Log:    d.Log,
		Codes:  d.Settings.Codes,
	}
}

// Client is who is calling, as the audit log records it.
type Client struct {
	IP        string
	UserAgent string
}

// userAgent is the caller's user agent as it is stored (domain.CutUserAgent).
func (c Client) userAgent() string { return domain.CutUserAgent(c.UserAgent) }

// sendLimit is the admin's SMS/voice allowance (DESIGN.md §3): text and
// voice share it, since both cost money and both can be abused to pump
// messages.
var sendLimit = domain.Limit{Name: "passcode", Window: time.Hour, Max: domain.MaxSendsPerAdminHour}

// AdminView is the public view of an administrator that login and session
// responses carry.
type AdminView struct {
	AdminID   string      `json:"admin_id"`
	Name      string      `json:"name"`
	Email     string      `json:"email"`
	Role      domain.Role `json:"role"`
	AccountID string      `json:"account_id"`
}

func viewAdmin(a *domain.Admin) AdminView {
	return AdminView{AdminID: a.ID, Name: a.Name, Email: a.Email, Role: a.Role, AccountID: a.AccountID}
}

// event builds an audit event about admin acting on itself. details must
// hold plain facts only (factor, reason, counts), never a secret.
func (s *Service) event(admin *domain.Admin, c Client, action string, outcome domain.Outcome, details map[string]string) domain.AuditEvent {
	// Audit ids need uniqueness, not secrecy; crypto/rand never fails.
	id, _ := secret.ID(nil)
	return domain.NewAuditEvent(domain.AuditEvent{
		ID: id, Time: s.Clock.Now().UTC(), AccountID: admin.AccountID, ActorID: admin.ID, TargetID: admin.ID,
		Action: action, Outcome: outcome, IP: c.IP, UserAgent: c.userAgent(), Details: details,
	})
}

// audit writes an event on its own, for refusals and failures: losing one
// of those to a store error must not change the answer the caller gets
// (which could otherwise tell an existing admin from an unknown one), so
// the error is logged for operators instead.
func (s *Service) audit(ctx context.Context, ev domain.AuditEvent) {
	if err := s.Store.PutAudit(ctx, ev); err != nil {
		s.Log.ErrorContext(ctx, "audit write failed", "action", ev.Action, "admin_id", ev.TargetID, "error", err.Error())
	}
}

// validTxID reports whether txid has the form secret.ID gives (32 lower-case
// hex digits), so malformed ids are refused before any store call.
func validTxID(txid string) bool {
	if len(txid) != 32 {
		return false
	}
	for i := range len(txid) {
		if c := txid[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

func isDigits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
