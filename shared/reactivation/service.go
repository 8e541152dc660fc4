// Package reactivation starts, shows and cancels Duo Push reactivations.
// Start is the one place a reactivation and its QR activation code are
// made, whoever asks: the admin from Edit Profile, or an Owner for another
// admin (shared/owner). It also holds the barcode format of DESIGN.md §4
// and the router of ReactivationCodeFunction.
package reactivation

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"push-reactivation/shared/deps"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/qrpng"
	"push-reactivation/shared/secret"
)

// Store is what the service needs from the store.
type Store interface {
	GetAccount(ctx context.Context, id string) (*domain.Account, error)
	Lookup(ctx context.Context, l domain.Lookup) (*domain.Found, error)
	GetReactivation(ctx context.Context, id string) (*domain.Reactivation, error)
	GetCredential(ctx context.Context, id string) (*domain.Credential, error)
	CreateReactivation(ctx context.Context, n domain.NewReactivation) error
	CancelReactivation(ctx context.Context, r *domain.Reactivation, ev domain.AuditEvent) error
	GetAdmin(ctx context.Context, id string) (*domain.Admin, error)
	ReplaceQRCode(ctx context.Context, n domain.NewQRCode) error
}

// Limit caps new reactivations per target admin: a stolen session cannot
// mint codes in bulk, nor can an Owner flood one admin with notifications.
var Limit = domain.Limit{Name: "react", Window: time.Hour, Max: domain.MaxReactivationsPerAdminHour}

// Notifier tells a target admin that an Owner started a reactivation of
// their Duo Push (DESIGN.md §3, notifications), with what to do if it was
// not expected. It is called after the reactivation is committed, so it
// must not fail it: a notice that cannot be sent is the Notifier's to log
// and audit. The notice holds no code: only the Owner hands that over.
// shared/notify implements it (issue #7).
type Notifier interface {
	OwnerStartedReactivation(ctx context.Context, owner, target *domain.Admin, r *domain.Reactivation)
}

// Service starts, reads and cancels reactivations.
type Service struct {
	Store   Store
	Clock   domain.Clock
	Random  domain.Random
	APIHost string // API_HOST, as QR codes and links carry it
	// Notifier, when not nil, is told after an Owner started a
	// reactivation for another admin. nil sends no notification.
	Notifier Notifier
}

// NewService builds the service from the shared dependencies, without a
// Notifier.
func NewService[S Store](d *deps.Deps[S]) *Service {
	return &Service{Store: d.Store, Clock: d.Clock, Random: d.Random, APIHost: d.Settings.APIHost}
}

// StartRequest asks for a new reactivation of Target's Duo Push.
type StartRequest struct {
	// Actor is the caller. Actor.Admin is the target itself (self-service)
	// or an Owner of the account the target belongs to.
	Actor  *domain.Principal
	Target *domain.Admin
	// Acting, when not nil, is what ActingAccount returned for Actor in
	// this request (the Owner routes check it first); nil reads it again.
	Acting *domain.Account
	// ValidSecs is the QR code's validity as asked; nil takes the
	// account's default.
	ValidSecs     *int
	IP, UserAgent string
}

// Started is a new reactivation with its QR code. Code, Barcode, PNG and
// ActivationURL carry the plaintext activation code: they go to the caller
// once and are never stored or logged.
type Started struct {
	Reactivation  domain.Reactivation
	Code          string
	Barcode       string
	PNG           []byte
	ActivationURL string
}

// ActingAccount is the account the principal's session acts in, checked
// against the admin's home: either the home account itself or a child
// account of it (an MSP parent's admin switched into a customer). Anything
// else is refused with 40301. Owners manage the admins of this account.
// One round trip.
func (s *Service) ActingAccount(ctx context.Context, p *domain.Principal) (*domain.Account, error) {
	if p.Session.HomeAccountID != p.Admin.AccountID {
		return nil, domain.NewError(domain.CodeForbidden)
	}
	acct, err := s.Store.GetAccount(ctx, ActingAccountID(p))
	if errors.Is(err, domain.ErrNotFound) {
		return nil, domain.NewError(domain.CodeForbidden)
	}
	if err != nil {
		return nil, err
	}
	return CheckActing(p, acct)
}

// ActingAccountID is the id of the account p's session acts in, for a
// caller that reads it together with other items (Lookup) and then checks
// it with CheckActing.
func ActingAccountID(p *domain.Principal) string {
	if p.Session.ActingAccountID == "" {
		return p.Admin.AccountID
	}
	return p.Session.ActingAccountID
}

// CheckActing is ActingAccount on an account already read (nil when it
// does not exist): acct back when p's session may act in it, else 40301.
func CheckActing(p *domain.Principal, acct *domain.Account) (*domain.Account, error) {
	home := p.Admin.AccountID
	if p.Session.HomeAccountID != home || acct == nil || acct.ID != ActingAccountID(p) {
		return nil, domain.NewError(domain.CodeForbidden)
	}
	if acct.ID != home && (acct.Kind != domain.AccountChild || acct.ParentID != home) {
		return nil, domain.NewError(domain.CodeForbidden)
	}
	return acct, nil
}

// Start creates a reactivation of the target's Duo Push and its QR code,
// cancelling the target's earlier pending reactivation (DESIGN.md §3: at
// most one pending per admin). The rules, in the order they are checked:
//
//   - someone else's push: only an Owner (else 40301), only for an admin
//     of the account the Owner's session acts in (else 40401);
//   - one's own push: not from a child account (40302), since the
//     credential belongs to the parent account's admin;
//   - the session passed its second factor within the last 15 minutes
//     (40103);
//   - valid_secs within 60…86400 (40002);
//   - the target is not disabled (40901; a locked admin may be helped);
//   - at most MaxReactivationsPerAdminHour per target admin (42901).
//
// The code is 20 characters from crypto/rand (via Random) and only its
// SHA-256 is stored. Everything is written in one transaction with the
// audit event (store.CreateReactivation). Round trips: one Lookup of the
// acting account (unless given), the earlier pending reactivation if any
// and the target's rate log, then the transaction, which needs no read of
// its own.
func (s *Service) Start(ctx context.Context, req StartRequest) (*Started, error) {
	actor, target, now := req.Actor, req.Target, s.Clock.Now()
	self := actor.Admin.ID == target.ID
	if !self && actor.Admin.Role != domain.RoleOwner {
		return nil, domain.NewError(domain.CodeForbidden)
	}
	acct := req.Acting
	l := domain.Lookup{ReactivationID: target.PendingReactivationID, RateLimit: Limit, RateSubject: target.ID}
	if acct == nil {
		if actor.Session.HomeAccountID != actor.Admin.AccountID {
			return nil, domain.NewError(domain.CodeForbidden)
		}
		l.AccountID = ActingAccountID(actor)
	}
	found, err := s.Store.Lookup(ctx, l)
	if err != nil {
		return nil, err
	}
	if acct == nil {
		if acct, err = CheckActing(actor, found.Account); err != nil {
			return nil, err
		}
	}
	switch {
	case self && acct.ID != actor.Admin.AccountID:
		return nil, domain.NewError(domain.CodeChildAccount)
	case !self && target.AccountID != acct.ID:
		return nil, domain.NewError(domain.CodeNotFound)
	}
	if !actor.Session.RecentlyAuthenticated(now) {
		return nil, domain.NewError(domain.CodeRecentAuthNeeded)
	}
	validity, err := qrValidity(req.ValidSecs, acct.Policy)
	if err != nil {
		return nil, err
	}
	if target.Status == domain.AdminDisabled {
		return nil, domain.Errorf(domain.CodeConflict, "administrator is disabled")
	}

	// The earlier pending reactivation is cancelled in the same
	// transaction, on condition that the admin still names it
	// (ExpectedPending) and its email code is still the one read here.
	var previous *domain.Reactivation
	if r := found.Reactivation; r != nil && r.Status == domain.ReactivationPending {
		previous = r
	}

	code, err := secret.ActivationCode(s.Random, domain.ActivationCodeLength)
	if err != nil {
		return nil, err
	}
	id, err := secret.ID(s.Random)
	if err != nil {
		return nil, err
	}
	eventID, err := secret.ID(s.Random)
	if err != nil {
		return nil, err
	}
	started := &Started{Code: code, Barcode: domain.Barcode(code, s.APIHost), ActivationURL: domain.ActivationURL(s.APIHost, code)}
	// Render before writing: a failure here leaves nothing behind.
	if started.PNG, err = qrpng.Cached(started.Barcode, validity); err != nil {
		return nil, err
	}
	expires := now.Add(validity)
	r := domain.Reactivation{
		ID: id, AdminID: target.ID, AccountID: target.AccountID, InitiatedBy: actor.Admin.ID, InitiatedByName: actor.Admin.Name,
		Status: domain.ReactivationPending, CreatedAt: now, ExpiresAt: expires,
		QRCodeHash: secret.Hash(code), QRExpiresAt: expires,
		HolderCredentialID: target.ActiveCredentialID, // carried by its codes for the redeem (issue 15)
	}
	details := map[string]string{"reactivation_id": id, "valid_secs": strconv.Itoa(int(validity / time.Second)), "initiated_by": "self"}
	if !self {
		details["initiated_by"] = "owner"
	}
	if previous != nil {
		details["cancelled_reactivation_id"] = previous.ID
	}
	n := domain.NewReactivation{
		Reactivation: r,
		QRCode: domain.ActivationCode{Hash: r.QRCodeHash, Kind: domain.CodeKindQR, ReactivationID: id, AdminID: target.ID,
			AccountID: target.AccountID, Status: domain.ReactivationPending, ExpiresAt: expires},
		ExpectedPending: target.PendingReactivationID,
		Cancel:          previous,
		Audit: domain.NewAuditEvent(domain.AuditEvent{ID: eventID, Time: now, AccountID: target.AccountID, ActorID: actor.Admin.ID, TargetID: target.ID,
			Action: domain.ActionReactivationStart, Outcome: domain.OutcomeSuccess, IP: req.IP, UserAgent: req.UserAgent, Details: details}),
		Limit:   Limit,
		RateLog: found.Rate,
	}
	if err := s.Store.CreateReactivation(ctx, n); err != nil {
		return nil, err
	}
	started.Reactivation = r
	if !self && s.Notifier != nil {
		s.Notifier.OwnerStartedReactivation(ctx, &actor.Admin, target, &r)
	}
	return started, nil
}

// qrValidity is the QR code's validity: the asked valid_secs, which must
// lie within the bounds of DESIGN.md §3, or the account's default, kept
// within the same bounds.
func qrValidity(validSecs *int, p domain.Policy) (time.Duration, error) {
	if validSecs == nil {
		return min(max(p.QRValidity(), domain.QRValidityMin), domain.QRValidityMax), nil
	}
	v := *validSecs
	if v < int(domain.QRValidityMin/time.Second) || v > int(domain.QRValidityMax/time.Second) {
		return 0, domain.InvalidParam("valid_secs")
	}
	return time.Duration(v) * time.Second, nil
}

// Get returns a reactivation to its target admin or to an Owner of the
// account it belongs to (the account the Owner's session acts in). Anyone
// else gets 40401, as if it did not exist, so ids cannot be probed.
func (s *Service) Get(ctx context.Context, actor *domain.Principal, id string) (*domain.Reactivation, error) {
	r, _, err := s.visible(ctx, actor, id, false)
	return r, err
}

// visible is Get, also returning the account the caller's session acts in:
// for an Owner, always (the reactivation's, checked); for the target,
// when withAccount asks for it (nil when it does not exist). One round
// trip: the reactivation and that account in one Lookup.
func (s *Service) visible(ctx context.Context, actor *domain.Principal, id string, withAccount bool) (*domain.Reactivation, *domain.Account, error) {
	if id == "" || len(id) > 64 {
		return nil, nil, domain.NewError(domain.CodeNotFound)
	}
	owner := actor.Admin.Role == domain.RoleOwner
	l := domain.Lookup{ReactivationID: id}
	if owner || withAccount {
		l.AccountID = ActingAccountID(actor)
	}
	found, err := s.Store.Lookup(ctx, l)
	if err != nil {
		return nil, nil, err
	}
	r := found.Reactivation
	if r == nil {
		return nil, nil, domain.NewError(domain.CodeNotFound)
	}
	if r.AdminID == actor.Admin.ID {
		return r, found.Account, nil
	}
	if !owner {
		return nil, nil, domain.NewError(domain.CodeNotFound)
	}
	acct, err := CheckActing(actor, found.Account)
	if err != nil || acct.ID != r.AccountID {
		return nil, nil, domain.NewError(domain.CodeNotFound)
	}
	return r, acct, nil
}

// Cancel cancels a pending reactivation visible to actor (see Get): its
// codes can never be redeemed afterwards, because the cancel and a redeem
// both condition on the code still being pending. An expired reactivation
// gives 41001, an activated or cancelled one 40901. The audit event is
// written in the same transaction.
//
// Unlike Start, Cancel deliberately does not require recent
// authentication (40103): it only takes access away (the codes die, the
// admin's current Duo Push is untouched), so the worst a stolen session
// can do with it is what the admin can undo by starting again, and the
// target of an Owner-started reactivation must be able to refuse it at
// once, as the notice email says, without a new second factor first.
func (s *Service) Cancel(ctx context.Context, actor *domain.Principal, id, ip, userAgent string) (*domain.Reactivation, error) {
	r, err := s.Get(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	switch r.Status {
	case domain.ReactivationPending:
	case domain.ReactivationExpired:
		return nil, domain.NewError(domain.CodeExpired)
	default:
		return nil, domain.Errorf(domain.CodeConflict, "reactivation is %s", r.Status)
	}
	eventID, err := secret.ID(s.Random)
	if err != nil {
		return nil, err
	}
	ev := domain.NewAuditEvent(domain.AuditEvent{ID: eventID, Time: s.Clock.Now(), AccountID: r.AccountID, ActorID: actor.Admin.ID, TargetID: r.AdminID,
		Action: domain.ActionReactivationCancel, Outcome: domain.OutcomeSuccess, IP: ip, UserAgent: userAgent,
		Details: map[string]string{"reactivation_id": r.ID, "initiated_by": startedBy(r)}})
	if err := s.Store.CancelReactivation(ctx, r, ev); err != nil {
		return nil, err
	}
	r.Status = domain.ReactivationCancelled
	return r, nil
}

// Device returns the device a reactivation activated, or nil.
func (s *Service) Device(ctx context.Context, r *domain.Reactivation) (*domain.Credential, error) {
	if r.Status != domain.ReactivationActivated || r.CredentialID == "" {
		return nil, nil
	}
	c, err := s.Store.GetCredential(ctx, r.CredentialID)
	if errors.Is(err, domain.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reactivation: device of %s: %w", r.ID, err)
	}
	return c, nil
}

// startedBy says who started r, as the start event's initiated_by does:
// "self" or "owner".
func startedBy(r *domain.Reactivation) string {
	if r.InitiatedBy == r.AdminID {
		return "self"
	}
	return "owner"
}
