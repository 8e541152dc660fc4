package domain

// The store's vocabulary: what the logic (login, reactivation, email,
// device, owner) asks the store to write and read, the limits it counts
// and the races it reports, in the domain's words. Each logic package
// states the interface it needs in these types; shared/dynamo implements
// them (and names them too, as aliases, for its own code).

import (
	"errors"
	"time"
)

// AuditFilter narrows the administrator log.
type AuditFilter struct {
	AdminID string    // events whose actor or target is this admin
	Action  string    // events of this action
	Since   time.Time // events at or after this time (zero: no bound)
	Until   time.Time // events at or before this time (zero: no bound)
	Limit   int       // page size, 1…100, default 50
	Next    string    // opaque cursor from a previous page of the same filter
}

// MaxAuditQueries bounds the Query calls of one ListAudit: with a sparse
// filter, DynamoDB's Limit counts items read before filtering, so filling
// a page may take several reads; past this many the page is returned
// short (even empty) with a cursor to continue.
const MaxAuditQueries = 5

// NewQRCode is everything ReplaceQRCode writes.
type NewQRCode struct {
	// Before is the reactivation as read. The write requires it still
	// pending and unexpired, with the same QR and email codes and fewer
	// than MaxBarcodesPerReactivation new QR codes issued, so of
	// concurrent requests read at the same state exactly one wins.
	Before Reactivation
	// After and Code are Before.WithQRCode(hash, now, validity).
	After Reactivation
	Code  ActivationCode
	Audit AuditEvent
}

// ErrQRCodeRaced is returned by ReplaceQRCode when the reactivation no
// longer matches what was read. Callers re-read it to retry or to tell
// the caller why.
var ErrQRCodeRaced = Errorf(CodeConflict, "the reactivation changed; try again")

// NewEmailCode is everything AddEmailCode writes.
type NewEmailCode struct {
	// Before is the reactivation as read. The write requires it still
	// pending and unexpired, with the same email code, so two concurrent
	// emails cannot both replace the same earlier code.
	Before Reactivation
	// After and Code are Before.WithEmailCode(hash, now).
	After Reactivation
	Code  ActivationCode
	Audit AuditEvent
	// Limit is the per-admin daily email limit, counted for After.AdminID.
	Limit Limit
	// RateLog, when not nil, is that log as read with the other reads of
	// the request (Lookup), so the write needs no read of its own.
	RateLog *RateLog
}

// ErrEmailRaced is returned by AddEmailCode when the reactivation no longer
// matches what was read (status, expiry, email count or email code
// changed). Callers re-read it to tell the caller why.
var ErrEmailRaced = Errorf(CodeConflict, "the reactivation changed; try again")

// Lockout is what the store needs to know of the lockout rule.
type Lockout struct {
	// Max is how many attempts (counted failures plus attempts in flight)
	// may be reserved; the Max-th counted failure locks the admin.
	Max int
	// Lease is how long a reserved attempt that was never resolved (its
	// function died between reserving and resolving it) is presumed to be
	// still in flight.
	Lease time.Duration
}

// ErrAttemptsInFlight is a refused reservation of an active admin: Max
// attempts are reserved and not all are resolved yet, or the admin item
// was busy in another transaction. Nothing was counted; a moment later the
// attempt may be made again.
var ErrAttemptsInFlight = errors.New("store: second-factor attempts in flight")

// ErrLockedNow is a refused reservation that locked the admin: Max
// attempts were reserved longer than Lease ago and never resolved, so
// they are settled as the failures they may have been.
var ErrLockedNow = errors.New("store: admin locked by unresolved attempts")

// HOTPAdvance moves a credential's HOTP counter past an accepted Duo
// Mobile passcode.
type HOTPAdvance struct {
	CredentialID string
	// From is the counter as read; To is one past the matched counter.
	From, To uint64
}

// LoginCompletion is everything CompleteLogin writes.
type LoginCompletion struct {
	TxID string
	// From is the status the login must still have: pending for a
	// passcode, approved for an approved push.
	From LoginStatus
	// PasscodeHash, for an SMS/voice passcode, must still be the login's
	// current passcode (a resend meanwhile voids the match).
	PasscodeHash string
	// PushID, for an approved push, must still be the login's push.
	PushID string
	// Factor is the factor that passed; it goes on the login and the session.
	Factor  Factor
	Session Session
	// HOTP, for a Duo Mobile passcode, advances the credential's counter.
	HOTP  *HOTPAdvance
	Audit AuditEvent

	// StepUp: Session is not new but the existing session the login is
	// bound to (Session.TokenHash, the login's session_token_hash), whose
	// authenticated_at, last_seen_at and factor become Session's.
	StepUp bool
}

// LoginPasscode is a new SMS or voice passcode for a login transaction.
type LoginPasscode struct {
	TxID    string
	AdminID string
	Factor  Factor // sms or phone
	// Hash is the SHA-256 of the passcode; the passcode itself is never stored.
	Hash      string
	ExpiresAt time.Time
	// MaxSends caps the sends of this login transaction.
	MaxSends int
	// Limit caps the sends of the admin (subject AdminID).
	Limit Limit
	Audit AuditEvent
}

// LoginPush is a Duo Push for a login transaction.
type LoginPush struct {
	TxID         string
	CredentialID string
	// PushID is the urgid the phone sees; a new push replaces the old one,
	// which can then no longer be answered.
	PushID string
	// VerificationCodeHash is the keyed hash (secret.CodeHasher) of the
	// verified-push code, or "" when the account's verified_push_length is 0.
	VerificationCodeHash string
	ExpiresAt            time.Time
	MaxPushes            int
	Audit                AuditEvent

	// VerificationCodeLength is the code's number of digits (0 without a
	// code), stored with the push so a later policy change alters nothing.
	VerificationCodeLength int
}

// ErrHOTPCounterMoved is returned by CompleteLogin when the credential's
// HOTP counter moved since it was read: the same Duo Mobile passcode (or a
// later one) was accepted concurrently, so this use is a replay.
var ErrHOTPCounterMoved = errors.New("store: hotp counter moved")

// ErrLoginChanged is returned when a conditional write finds the login
// transaction no longer as expected (completed, expired, out of sends or
// tries, passcode replaced, push answered). The caller reads it again to
// tell which; it never reaches a client as such.
var ErrLoginChanged = errors.New("store: login transaction changed")

// ErrSessionGone is returned by CompleteLogin for a step-up whose session
// no longer exists (logged out, expired) or is not the login's admin's.
var ErrSessionGone = errors.New("store: step-up session gone")

// PasswordGuard is the set of limits of the password step.
type PasswordGuard struct {
	// PerEmailAddress counts failed attempts per email and source address:
	// the attacker's own address runs out, the real user's does not.
	PerEmailAddress Limit
	// PerAddress counts failed attempts per source address, whatever the
	// email (password spraying over many accounts).
	PerAddress Limit
	// PerAccount counts attempts per email from every address, and applies
	// only once SlowAfter consecutive failures are reached: past that an
	// account is slowed, never locked.
	PerAccount Limit
	SlowAfter  int
	// Remember is how long consecutive failures are remembered after the
	// last attempt (the TTL of the per-account log).
	Remember time.Duration
}

// PushReply is a phone's answer to a push, as AnswerPush writes it.
type PushReply struct {
	// Tx is the login transaction as read by GetPush; its push id and
	// verification code hash become conditions of the write, so an answer
	// judged against one push can never land on a newer one.
	Tx *LoginTx
	// CredentialID is the credential that signed the answer.
	CredentialID string
	// Status is LoginApproved or LoginDenied.
	Status LoginStatus
	// DenyReason is PushDeniedByUser or PushDeniedWrongCode
	// when Status is denied.
	DenyReason string
	Audit      AuditEvent
}

// Limit is a sliding-window rate limit: at most Max events for one subject
// (an admin id, an address, a hashed email) in ANY stretch of time Window
// long, not just in windows aligned to the clock.
//
// Why a sliding log and not fixed windows or a two-bucket counter: fixed
// windows let 2×Max events through around a boundary (18 SMS in 25 s
// against "10 per hour"), and the weighted two-bucket "sliding-window
// counter" is only an estimate that still lets some windows exceed Max.
// Keeping the times of the last Max events makes the rule exact: an event
// is allowed only when fewer than Max events happened in the Window before
// it, so no Window-long stretch can ever hold Max+1 events; and when full,
// Retry-After is exact (when the oldest of those events leaves the window).
//
// Storage: one item per limit and subject (RATE#<name>#<subject>, #RATE)
// with the hits (at most Max, each "<unix nanoseconds, 19 digits>/<tag>",
// oldest first, space-separated) and a version. A hit reads the item (one GetItem, or one
// BatchGetItem for several limits) and writes it back with a condition on
// the version it read, inside the transaction of the action it counts:
// still one conditional write per action. A concurrent hit that wrote
// first makes the condition fail; the hit then reads again and retries, at
// most maxRateAttempts times, so Max is never exceeded under contention.
type Limit struct {
	Name   string // what is limited, e.g. "sms" or "react"
	Window time.Duration
	Max    int
}

// ActivationTarget is what a code activates.
type ActivationTarget struct {
	Code         ActivationCode
	Reactivation Reactivation
	Admin        Admin
	Account      Account
}

// NewReactivation is everything CreateReactivation writes.
type NewReactivation struct {
	Reactivation Reactivation
	QRCode       ActivationCode
	// ExpectedPending is the admin's pending_reactivation_id as read
	// before; the write fails with a conflict if it changed meanwhile.
	ExpectedPending string
	// Cancel is the earlier reactivation to cancel, when it is still pending.
	Cancel *Reactivation
	Audit  AuditEvent
	Limit  Limit
	// RateLog, when not nil, is the target's log of Limit as read together
	// with the other reads of the start (Lookup), so the write needs no
	// read of its own; it still conditions on the log's version.
	RateLog *RateLog
}

// Redemption is everything Redeem writes.
type Redemption struct {
	Target     *ActivationTarget
	Credential Credential
	Audit      AuditEvent
	// Carried says Target is a code's CarriedTarget, not a fresh read: a
	// transaction refused for anything but the code itself gives
	// ErrRedeemStale instead of ErrUnknownActivation.
	Carried bool
}
