// Package notify sends the security notifications of DESIGN.md §3: the
// target admin hears by email when an Owner starts a reactivation of their
// Duo Push, and when a new phone has been activated for it; each notice
// says what to do if it was not them.
//
// A notice reports an action that has already been committed. So a notice
// that cannot be sent is logged and audited (notification.email, outcome
// failure) and never fails or undoes that action: the methods return
// nothing. Each send is bounded by Timeout, so a slow SES cannot hold the
// Owner's QR code or the phone's activation answer for long. A notice to
// an address SES reported as bounced for good or as a complainer
// (domain.EmailStatus) is not attempted: it is logged and audited as
// skipped, with the reason.
//
// The package never imports the packages whose actions it reports
// (shared/reactivation, shared/owner, shared/device): they define the
// Notifier hook they call, with domain types, and import this package to
// wire it in (owner.NewRouter, device.NewRouter).
package notify

import (
	"context"
	_ "embed"
	"errors"
	"log/slog"
	"maps"
	"strings"
	"time"
	"unicode"

	"push-reactivation/shared/deps"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/fanout"
	"push-reactivation/shared/render"
	"push-reactivation/shared/secret"
)

// Mailer sends one email; *sesmail.Mailer is the implementation.
type Mailer interface {
	Send(ctx context.Context, msg domain.EmailMessage) (messageID string, err error)
}

// AuditStore records the outcome of each notice.
type AuditStore interface {
	PutAudit(ctx context.Context, ev domain.AuditEvent) error
}

// DefaultTimeout bounds one notice (SES call and its retries). The notice
// comes after the action is committed, on a context without the request's
// deadline, so it is bounded on its own: domain.SendTimeout keeps the
// answer within 3 s (DESIGN.md §4.1) even when SES hangs.
const DefaultTimeout = domain.SendTimeout

// Notifier sends security notices. The zero value is not usable; build it
// with New or fill every field but Timeout.
type Notifier struct {
	Mailer Mailer
	Store  AuditStore
	Clock  domain.Clock
	Random domain.Random
	Log    *slog.Logger
	// Timeout bounds each notice; 0 means DefaultTimeout.
	Timeout time.Duration
}

// New builds a Notifier from the shared dependencies and the function's
// mailer (sesmail.FromConfig in production).
func New[S AuditStore](d *deps.Deps[S], mailer Mailer) *Notifier {
	return &Notifier{
		Mailer: mailer,
		Store:  d.Store, Clock: d.Clock, Random: d.Random, Log: d.Log,
	}
}

//go:embed templates/reactivation_started.txt
var startedText string

//go:embed templates/reactivation_started.html
var startedHTML string

//go:embed templates/phone_activated.txt
var activatedText string

//go:embed templates/phone_activated.html
var activatedHTML string

// The templates of each notice, text and HTML, filled by shared/render
// (not text/template or html/template: see that package for why).
var templates = map[domain.Notice][2]*render.Template{
	domain.NoticeReactivationStarted: {render.MustText("reactivation_started.txt", startedText), render.MustHTML("reactivation_started.html", startedHTML)},
	domain.NoticePhoneActivated:      {render.MustText("phone_activated.txt", activatedText), render.MustHTML("phone_activated.html", activatedHTML)},
}

// Subjects of the notices. They are fixed, so they can never carry a line
// break or anything a reader typed.
var subjects = map[domain.Notice]string{
	domain.NoticeReactivationStarted: "Duo Push reactivation started for your account",
	domain.NoticePhoneActivated:      "A new phone was activated for your Duo Push",
}

// timeLayout is how notices show times: unambiguous and in UTC, since the
// service does not know the reader's time zone.
const timeLayout = "Mon, 2 Jan 2006 15:04 MST"

func showTime(t time.Time) string { return t.UTC().Format(timeLayout) }

// OwnerStartedReactivation tells target that owner started reactivation r
// of target's Duo Push. Call it after the reactivation is committed. The
// notice holds no code or link: only the Owner can hand those over.
func (n *Notifier) OwnerStartedReactivation(ctx context.Context, owner, target *domain.Admin, r *domain.Reactivation) {
	data := render.Data{
		"Name": displayName(target), "OwnerName": displayName(owner), "OwnerEmail": owner.Email,
		"At": showTime(r.CreatedAt), "ExpiresAt": showTime(r.ExpiresAt),
	}
	n.send(ctx, domain.NoticeReactivationStarted, target, owner.ID, data,
		map[string]string{"reactivation_id": r.ID})
}

// PhoneActivated tells admin that cred, a new phone, was activated for
// their Duo Push. Call it after the activation is committed. Platform and
// model come from the phone, so they are cleaned and shortened first; the
// templates escape them as well.
func (n *Notifier) PhoneActivated(ctx context.Context, admin *domain.Admin, cred *domain.Credential) {
	at := cred.ActivatedAt
	if at.IsZero() {
		at = n.Clock.Now()
	}
	platform, model := deviceText(cred.Platform), deviceText(cred.Model)
	data := render.Data{"Name": displayName(admin), "At": showTime(at), "Platform": platform, "Model": model}
	n.send(ctx, domain.NoticePhoneActivated, admin, "", data,
		map[string]string{"credential_id": cred.ID, "platform": platform, "model": model})
}

// send renders and sends one notice to the admin's address on file, then
// logs and audits the outcome.
func (n *Notifier) send(ctx context.Context, notice domain.Notice, to *domain.Admin, actorID string, data render.Data, details map[string]string) {
	masked := domain.MaskAddress(to.Email)
	log := n.Log.With("notice", string(notice), "admin_id", to.ID, "to", masked)
	details["notice"], details["to"] = string(notice), masked

	if reason := undeliverable(to); reason != "" {
		// SES reported the address as bouncing for good or as a
		// complainer: another message would not arrive and would hurt the
		// account's sending reputation further (docs/operations.md).
		details["reason"], details["skipped"] = reason, "email_status"
		log.Warn("security notice skipped", "reason", reason)
		n.audit(ctx, to, actorID, domain.OutcomeFailure, details, log)
		return
	}

	msg, err := renderNotice(notice, to.Email, data)
	if err != nil {
		n.audit(ctx, to, actorID, n.failed(details, err, log), details, log)
		return
	}
	// The audit event is written while the mail is sent, not after it:
	// the notice follows a committed action on a hot path (a phone's
	// activation, an Owner's start), and one more DynamoDB round trip
	// after SES answered would be paid by every such request (issue 15).
	// The event says success; a send that fails rewrites the same event
	// (same key) as the failure, so the log never keeps a success for a
	// notice SES refused. A function killed mid-send could leave the
	// success standing; the send's own timeout is far inside the
	// function's, so only a crash does that.
	ev, evErr := n.event(to, actorID, domain.OutcomeSuccess, maps.Clone(details))
	var messageID string
	fanout.Do(ctx,
		func(ctx context.Context) {
			timeout := n.Timeout
			if timeout <= 0 {
				timeout = DefaultTimeout
			}
			// The action is committed: send even if the caller has gone
			// away, but never for longer than timeout.
			sendCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
			messageID, err = n.Mailer.Send(sendCtx, msg)
			cancel()
		},
		func(ctx context.Context) {
			if evErr == nil {
				evErr = n.put(ctx, ev)
			}
		})
	if err != nil {
		ev.Outcome, ev.Details = n.failed(details, err, log), details
		if evErr == nil {
			evErr = n.put(ctx, ev)
		}
	} else {
		log.Info("security notice sent", "message_id", messageID)
	}
	if evErr != nil {
		log.Error("security notice not audited", "error", evErr.Error())
	}
}

// failed records why a notice was not sent in details and the log, and
// returns the failure outcome.
func (n *Notifier) failed(details map[string]string, err error, log *slog.Logger) domain.Outcome {
	details["reason"] = "email could not be sent"
	if errors.Is(err, domain.ErrPeerUnavailable) {
		details["reason"] = "email service unavailable"
	}
	log.Error("security notice not sent", "error", err.Error())
	return domain.OutcomeFailure
}

// undeliverable says why mail to the admin's address is not sent (the
// address bounced for good, or its owner marked mail as spam), or "" when
// it may be sent.
func undeliverable(a *domain.Admin) string {
	st := a.EmailStatus
	if !st.Active(a.Email) {
		return ""
	}
	if st.State == domain.EmailComplained {
		return "recipient marked mail as spam on " + st.At.UTC().Format("2006-01-02")
	}
	return "address bounced on " + st.At.UTC().Format("2006-01-02")
}

// audit records the outcome of a notice that was not attempted.
func (n *Notifier) audit(ctx context.Context, to *domain.Admin, actorID string, outcome domain.Outcome, details map[string]string, log *slog.Logger) {
	ev, err := n.event(to, actorID, outcome, details)
	if err == nil {
		err = n.put(ctx, ev)
	}
	if err != nil {
		log.Error("security notice not audited", "error", err.Error())
	}
}

// event is the audit event of a notice to admin to, with a fresh id.
func (n *Notifier) event(to *domain.Admin, actorID string, outcome domain.Outcome, details map[string]string) (ev domain.AuditEvent, err error) {
	id, err := secret.ID(n.Random)
	if err != nil {
		return ev, err
	}
	return domain.NewAuditEvent(domain.AuditEvent{
		ID: id, Time: n.Clock.Now(), AccountID: to.AccountID, ActorID: actorID, TargetID: to.ID,
		Action: domain.ActionNotification, Outcome: outcome, Details: details,
	}), nil
}

// put stores ev (a second put of the same event replaces it), even when
// the caller has gone away: the action it reports is committed.
func (n *Notifier) put(ctx context.Context, ev domain.AuditEvent) error {
	actx, cancel := domain.Detached(ctx)
	defer cancel()
	return n.Store.PutAudit(actx, ev)
}

// render builds the message of a notice from its embedded templates.
func renderNotice(notice domain.Notice, to string, data render.Data) (domain.EmailMessage, error) {
	var text, html strings.Builder
	if err := templates[notice][0].Execute(&text, data); err != nil {
		return domain.EmailMessage{}, err
	}
	if err := templates[notice][1].Execute(&html, data); err != nil {
		return domain.EmailMessage{}, err
	}
	return domain.EmailMessage{To: to, Subject: subjects[notice], Text: text.String(), HTML: html.String()}, nil
}

func displayName(a *domain.Admin) string {
	if name := strings.TrimSpace(a.Name); name != "" {
		return name
	}
	return a.Email
}

// maxDeviceText bounds what a phone's platform or model may put in a notice.
const maxDeviceText = 64

// deviceText is a phone-supplied platform or model fit to show: control
// and format characters (line breaks, bidi overrides) removed, at most maxDeviceText
// characters, "unknown" when empty.
func deviceText(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == unicode.ReplacementChar {
			return -1
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if r := []rune(s); len(r) > maxDeviceText {
		s = string(r[:maxDeviceText]) + "…"
	}
	if s == "" {
		return "unknown"
	}
	return s
}
