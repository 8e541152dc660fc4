// Package email is ActivationEmailFunction (DESIGN.md §4, activation-email
// row): "If you are unable to scan the QR code you can email yourself the
// activation link", and the Owner's "email the QR code and link to that
// admin". POST /v1/reactivations/{id}/email gives the reactivation a new
// emailed activation code and sends it, with its QR image, to the target
// admin's address on file through SES v2.
//
// The code is written before the email is sent, so the link works the
// moment it arrives; if SES then fails, the write is undone
// (store.VoidEmailCode), so no usable code is left that nobody received
// and the failed attempt counts against neither email limit.
package email

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"push-reactivation/shared/deps"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/reactivation"
	"push-reactivation/shared/secret"
)

// Store is what the service needs from the store.
type Store interface {
	Lookup(ctx context.Context, l domain.Lookup) (*domain.Found, error)
	GetReactivation(ctx context.Context, id string) (*domain.Reactivation, error)
	AddEmailCode(ctx context.Context, n domain.NewEmailCode) (*domain.IssuedEmailCode, error)
	VoidEmailCode(ctx context.Context, issued *domain.IssuedEmailCode, reason string) error
}

// ServiceStore is what NewService needs: the store of the service and of
// the reactivations it reads (reactivation.NewService).
type ServiceStore interface {
	Store
	reactivation.Store
}

// Reactivations finds a reactivation for a caller, applying the one
// visibility rule of reactivations (shared/reactivation): its target
// admin, or an Owner of the account it belongs to; anyone else gets 40401.
type Reactivations interface {
	Get(ctx context.Context, actor *domain.Principal, id string) (*domain.Reactivation, error)
}

// Mailer sends one email; *sesmail.Mailer is the implementation.
type Mailer interface {
	Send(ctx context.Context, msg domain.EmailMessage) (messageID string, err error)
}

// Limit is the per-admin daily email limit (DESIGN.md §3, emails row),
// counted for the admin the email goes to.
var Limit = domain.Limit{Name: "email", Window: 24 * time.Hour, Max: domain.MaxEmailsPerAdminDay}

// SendTimeout bounds the SES call (domain.SendTimeout): the answer is due
// within 3 s of the request (DESIGN.md §4.1), so the send is cut off early
// enough that undoing a failed send (on domain.Detached) still fits.
const SendTimeout = domain.SendTimeout

// Service sends activation emails.
type Service struct {
	Store         Store
	Reactivations Reactivations
	Mailer        Mailer
	Clock         domain.Clock
	Random        domain.Random
	APIHost       string // API_HOST, as links and QR codes carry it
	Log           *slog.Logger
}

// NewService builds the service from the shared dependencies and the
// function's mailer (sesmail.FromConfig in production).
func NewService[S ServiceStore](d *deps.Deps[S], mailer Mailer) *Service {
	return &Service{
		Store:         d.Store,
		Reactivations: reactivation.NewService(d),
		Mailer:        mailer,
		Clock:         d.Clock, Random: d.Random, APIHost: d.Settings.APIHost, Log: d.Log,
	}
}

// Request asks for an activation email for a reactivation.
type Request struct {
	Actor          *domain.Principal
	ReactivationID string
	IP, UserAgent  string
	RequestID      string // for the logs
}

// Sent is the answer (DESIGN.md §4): the address only masked, and when the
// emailed link expires.
type Sent struct {
	EmailSent bool      `json:"email_sent"`
	To        string    `json:"to"`
	ExpiresAt time.Time `json:"expires_at"`
}

// Send emails a new activation link and QR code of a reactivation to its
// target admin's address on file. The rules, in the order they are checked:
//
//   - the reactivation exists and the caller may see it: its target admin,
//     or an Owner of the account it belongs to (else 40401, whatever its
//     state, so ids cannot be probed);
//   - one's own reactivation: not from a child account (40302), as for
//     starting it;
//   - the session passed its second factor within the last 15 minutes
//     (40103), as for every reactivation endpoint;
//   - the reactivation is pending: expired gives 41001, activated or
//     cancelled 40901 (the caller may see it, so it gets a clear answer);
//   - at most MaxEmailsPerReactivation per reactivation and
//     MaxEmailsPerAdminDay per target admin (42901 with Retry-After);
//   - the target admin is not disabled (40901).
//
// SES failing with domain.ErrPeerUnavailable gives 50301, any other send
// failure 50001; both undo the new code. Round trips: the reactivation
// (with the acting account for an Owner, one Lookup), the target's email
// log (with the target admin for an Owner, one Lookup), one transaction,
// the SES call.
func (s *Service) Send(ctx context.Context, req Request) (*Sent, error) {
	actor, now := req.Actor, s.Clock.Now()
	if req.ReactivationID == "" || len(req.ReactivationID) > 64 {
		return nil, domain.NewError(domain.CodeNotFound)
	}
	r, err := s.Reactivations.Get(ctx, actor, req.ReactivationID)
	if err != nil {
		return nil, err
	}
	self := r.AdminID == actor.Admin.ID
	if self && actor.Session.ActingAccountID != "" && actor.Session.ActingAccountID != actor.Admin.AccountID {
		return nil, domain.NewError(domain.CodeChildAccount)
	}
	if !actor.Session.RecentlyAuthenticated(now) {
		return nil, domain.NewError(domain.CodeRecentAuthNeeded)
	}
	if err := r.CheckEmail(now); err != nil {
		return nil, err
	}
	// The target's daily email log is read now, with the target admin
	// for an Owner, so the transaction needs no read of its own.
	l := domain.Lookup{RateLimit: Limit, RateSubject: r.AdminID}
	if !self {
		l.AdminID = r.AdminID
	}
	found, err := s.Store.Lookup(ctx, l)
	if err != nil {
		return nil, err
	}
	target := &actor.Admin
	if !self {
		if target = found.Admin; target == nil {
			return nil, fmt.Errorf("email: target %s of %s: %w", r.AdminID, r.ID, domain.ErrNotFound)
		}
	}
	if target.Status == domain.AdminDisabled {
		return nil, domain.Errorf(domain.CodeConflict, "administrator is disabled")
	}
	if err := undeliverable(target); err != nil {
		return nil, err
	}

	code, err := secret.ActivationCode(s.Random, domain.ActivationCodeLength)
	if err != nil {
		return nil, err
	}
	eventID, err := secret.ID(s.Random)
	if err != nil {
		return nil, err
	}
	after, emailCode := r.WithEmailCode(secret.Hash(code), now)
	requestedBy := ""
	if !self {
		requestedBy = displayName(&actor.Admin)
	}
	// Render before writing: a failure here leaves nothing behind.
	msg, err := s.message(target, requestedBy, code, emailCode.ExpiresAt)
	if err != nil {
		return nil, err
	}
	masked := domain.MaskAddress(target.Email)
	log := s.Log.With("request_id", req.RequestID, "reactivation_id", r.ID, "target_id", target.ID, "to", masked)

	issued, err := s.Store.AddEmailCode(ctx, domain.NewEmailCode{
		Before: *r, After: after, Code: emailCode, Limit: Limit, RateLog: found.Rate,
		Audit: domain.NewAuditEvent(domain.AuditEvent{
			ID: eventID, Time: now, AccountID: r.AccountID, ActorID: actor.Admin.ID, TargetID: target.ID,
			Action: domain.ActionReactivationEmail, Outcome: domain.OutcomeSuccess, IP: req.IP, UserAgent: req.UserAgent,
			Details: map[string]string{"reactivation_id": r.ID, "to": masked, "emails_sent": strconv.Itoa(after.EmailsSent)},
		}),
	})
	if errors.Is(err, domain.ErrEmailRaced) {
		return nil, s.whyRaced(ctx, r.ID, now, err)
	}
	if err != nil {
		return nil, err
	}

	sendCtx, cancel := context.WithTimeout(ctx, SendTimeout)
	messageID, err := s.Mailer.Send(sendCtx, msg)
	cancel()
	if err != nil {
		return nil, s.undo(ctx, log, issued, err)
	}
	log.Info("activation email sent", "message_id", messageID, "emails_sent", after.EmailsSent)
	return &Sent{EmailSent: true, To: masked, ExpiresAt: emailCode.ExpiresAt.UTC()}, nil
}

// whyRaced re-reads a reactivation whose write was refused, to answer with
// what changed (expired, activated, cancelled, emails used up) rather
// than a bare conflict.
func (s *Service) whyRaced(ctx context.Context, id string, now time.Time, raced error) error {
	cur, err := s.Store.GetReactivation(ctx, id)
	if err != nil {
		return err
	}
	if err := cur.CheckEmail(now); err != nil {
		return err
	}
	return raced
}

// undo voids the code of an email that was not sent, and turns the send
// error into the answer: 50301 when SES is unavailable, else 50001.
func (s *Service) undo(ctx context.Context, log *slog.Logger, issued *domain.IssuedEmailCode, sendErr error) error {
	unavailable := errors.Is(sendErr, domain.ErrPeerUnavailable)
	reason := "email could not be sent"
	if unavailable {
		reason = "email service unavailable"
	}
	// Undo even when the caller has gone away: the code must not outlive
	// the failed send.
	uctx, cancel := domain.Detached(ctx)
	defer cancel()
	if err := s.Store.VoidEmailCode(uctx, issued, reason); err != nil {
		// The code was never delivered, so nobody holds it; it lapses with
		// its expiry. Operators should still know.
		log.Error("activation email: could not void the unsent code", "error", err.Error())
	}
	log.Error("activation email not sent", "reason", reason, "error", sendErr.Error())
	if unavailable {
		return domain.Unavailable("email")
	}
	return fmt.Errorf("email: send activation email: %w", sendErr)
}
