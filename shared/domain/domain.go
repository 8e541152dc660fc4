// Package domain holds the entities, rules and errors of Duo Push
// reactivation. It knows nothing of Lambda, API Gateway or DynamoDB: the
// adapters around it (apigw, dynamo, sesmail, smsvoice) translate to and
// from these types. The dynamodbav struct tags are plain strings, not an
// AWS import; they keep the store from repeating every struct by hand.
package domain

import (
	"crypto/rand"
	"io"
	"slices"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"
)

// AccountKind says where an account sits in an MSP hierarchy.
type AccountKind string

// Account kinds (DESIGN.md §3).
const (
	AccountStandard  AccountKind = "standard"
	AccountMSPParent AccountKind = "msp_parent"
	AccountChild     AccountKind = "child"
)

// Valid reports whether k is a known kind.
func (k AccountKind) Valid() bool {
	return k == AccountStandard || k == AccountMSPParent || k == AccountChild
}

// Factor is a second authentication factor.
type Factor string

// Factors (DESIGN.md §3).
const (
	FactorPush     Factor = "push"
	FactorSMS      Factor = "sms"
	FactorPhone    Factor = "phone"
	FactorPasscode Factor = "passcode"
)

// AllFactors is the default allowed_factors of an account.
var AllFactors = []Factor{FactorPush, FactorSMS, FactorPhone, FactorPasscode}

// Valid reports whether f is a known factor.
func (f Factor) Valid() bool { return slices.Contains(AllFactors, f) }

// Policy is an account's authentication policy.
type Policy struct {
	AllowedFactors []Factor `dynamodbav:"allowed_factors" json:"allowed_factors"`
	// VerifiedPushLength is the number of digits the panel shows and the
	// phone must send back with a push approval; 0 turns it off.
	VerifiedPushLength int `dynamodbav:"verified_push_length" json:"verified_push_length"`
	// QRValiditySecs is the account's default valid_secs for new QR codes;
	// 0 means QRValidityDefault.
	QRValiditySecs int `dynamodbav:"qr_validity_secs,omitempty" json:"qr_validity_secs,omitempty"`
}

// DefaultPolicy is the policy of a new account: every factor, verified push
// of DefaultVerifiedPushLength digits.
func DefaultPolicy() Policy {
	return Policy{AllowedFactors: slices.Clone(AllFactors), VerifiedPushLength: DefaultVerifiedPushLength}
}

// Allows reports whether the policy allows factor f.
func (p Policy) Allows(f Factor) bool { return slices.Contains(p.AllowedFactors, f) }

// QRValidity is the default QR code validity under this policy.
func (p Policy) QRValidity() time.Duration {
	if p.QRValiditySecs == 0 {
		return QRValidityDefault
	}
	return time.Duration(p.QRValiditySecs) * time.Second
}

// Account is a customer account of the panel.
type Account struct {
	ID       string      `dynamodbav:"account_id" json:"account_id"`
	Name     string      `dynamodbav:"name" json:"name"`
	Kind     AccountKind `dynamodbav:"kind" json:"kind"`
	ParentID string      `dynamodbav:"parent_id,omitempty" json:"parent_id,omitempty"`
	Policy   Policy      `dynamodbav:"policy" json:"policy"`
}

// Role is an administrator role of the panel.
type Role string

// The seven roles (DESIGN.md §3).
const (
	RoleOwner              Role = "owner"
	RoleAdministrator      Role = "administrator"
	RoleApplicationManager Role = "application_manager"
	RoleUserManager        Role = "user_manager"
	RoleHelpDesk           Role = "help_desk"
	RoleBilling            Role = "billing"
	RoleReadOnly           Role = "read_only"
)

// AllRoles lists every role, for validation and for the authorization matrix.
var AllRoles = []Role{RoleOwner, RoleAdministrator, RoleApplicationManager, RoleUserManager, RoleHelpDesk, RoleBilling, RoleReadOnly}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(AllRoles, r) }

// AdminStatus is whether an administrator may log in.
type AdminStatus string

// Administrator statuses (DESIGN.md §3).
const (
	AdminActive   AdminStatus = "active"
	AdminLocked   AdminStatus = "locked"
	AdminDisabled AdminStatus = "disabled"
)

// Admin is an administrator of the panel.
type Admin struct {
	ID        string      `dynamodbav:"admin_id" json:"admin_id"`
	AccountID string      `dynamodbav:"account_id" json:"account_id"`
	Email     string      `dynamodbav:"email" json:"email"`
	Name      string      `dynamodbav:"name" json:"name"`
	Role      Role        `dynamodbav:"role" json:"role"`
	Phone     string      `dynamodbav:"phone,omitempty" json:"phone,omitempty"`
	Status    AdminStatus `dynamodbav:"status" json:"status"`
	// PasswordHash is an argon2id hash in PHC string form (see secret.HashPassword).
	PasswordHash string `dynamodbav:"password_hash" json:"-"`
	// FailedAttempts counts consecutive failed second-factor attempts.
	FailedAttempts int `dynamodbav:"failed_attempts" json:"-"`
	// AttemptsReserved counts the second-factor attempts taken since the
	// last reset: counted failures plus attempts in flight (the lockout,
	// shared/login/lockout.go).
	AttemptsReserved int `dynamodbav:"attempts_reserved" json:"-"`
	// ActiveCredentialID is the pkey of the admin's one active push
	// credential, or empty. Kept on the admin so the redeem transaction can
	// revoke the previous credential under a condition on this very field.
	ActiveCredentialID string `dynamodbav:"active_credential_id,omitempty" json:"-"`
	// PendingReactivationID is the admin's one pending reactivation, or empty.
	PendingReactivationID string    `dynamodbav:"pending_reactivation_id,omitempty" json:"-"`
	CreatedAt             time.Time `dynamodbav:"created_at" json:"-"`
	// EmailStatus is the last SES bounce or complaint of Email, or nil
	// (emailstatus.go).
	EmailStatus *EmailStatus `dynamodbav:"email_status,omitempty" json:"-"`
}

// NormalizeEmail is the one form in which emails are compared, indexed
// (the EMAIL# claim), throttled and stored; every path (login, claims,
// throttle keys, adminctl) goes through it. Uniqueness is case-insensitive
// (DESIGN.md §3).
//
// Why NFKC before lower case, rather than strings.ToLower alone: lower
// case alone leaves compatibility forms apart ("ｈelpdesk" with a
// full-width h, "ſ" for s), so one address had several spellings that
// reached the same mailbox in practice but different keys here, and any
// per-email key (a throttle) could be sidestepped by respelling. NFKC folds
// those forms (and the Kelvin sign K into K) first; lower case then folds
// case; NFKC again because lowering can leave a non-normalised sequence
// (U+0130 İ becomes i + combining dot). The result is idempotent.
//
// Why not refuse non-ASCII instead: DESIGN.md §3 only says "unique,
// case-insensitive", and internationalised addresses (RFC 6531) are real;
// one canonical form keeps them working while giving every spelling one key.
func NormalizeEmail(email string) string {
	s := strings.TrimSpace(norm.NFKC.String(email))
	return norm.NFKC.String(strings.ToLower(s))
}

// CredentialStatus is whether a push credential still works.
type CredentialStatus string

// Credential statuses.
const (
	CredentialActive  CredentialStatus = "active"
	CredentialRevoked CredentialStatus = "revoked"
)

// Credential is one admin's Duo Push registration on one device. Several
// admins may hold credentials with the same device key (a shared phone);
// each is a separate credential and revoking one leaves the others alone.
type Credential struct {
	// ID is the pkey the phone sends in signed requests.
	ID        string `dynamodbav:"credential_id" json:"credential_id"`
	AKey      string `dynamodbav:"akey" json:"akey"`
	AdminID   string `dynamodbav:"admin_id" json:"admin_id"`
	AccountID string `dynamodbav:"account_id" json:"account_id"`
	// PublicKeyPEM is the device's RSA public key (≥ MinRSABits).
	PublicKeyPEM string `dynamodbav:"public_key_pem" json:"-"`
	PushToken    string `dynamodbav:"push_token,omitempty" json:"-"`
	Platform     string `dynamodbav:"platform,omitempty" json:"platform,omitempty"`
	Model        string `dynamodbav:"model,omitempty" json:"model,omitempty"`
	AppVersion   string `dynamodbav:"app_version,omitempty" json:"app_version,omitempty"`
	DisplayName  string `dynamodbav:"display_name,omitempty" json:"display_name,omitempty"`
	// HOTPSecret is the shared HOTP key as handed to the phone. Unlike codes
	// and passcodes it cannot be stored as a hash: verifying a passcode
	// needs the key itself. The store never writes it: it keeps
	// SealedHOTPSecret instead (docs/security/kms.md). Only credentials
	// written before issue 16, not yet resealed, are read with it set.
	HOTPSecret string `dynamodbav:"hotp_secret,omitempty" json:"-"`
	// SealedHOTPSecret is HOTPSecret encrypted under a KMS data key bound to
	// the credential id (shared/sealing); opaque outside the store.
	SealedHOTPSecret string           `dynamodbav:"hotp_secret_sealed,omitempty" json:"-"`
	HOTPCounter      uint64           `dynamodbav:"hotp_counter" json:"-"`
	Status           CredentialStatus `dynamodbav:"status" json:"status"`
	ReactivationID   string           `dynamodbav:"reactivation_id,omitempty" json:"-"`
	CreatedAt        time.Time        `dynamodbav:"created_at" json:"created_at"`
	ActivatedAt      time.Time        `dynamodbav:"activated_at" json:"activated_at"`
	RevokedAt        time.Time        `dynamodbav:"revoked_at,omitempty" json:"revoked_at,omitzero"`
}

// ReactivationStatus is the life cycle of a reactivation.
type ReactivationStatus string

// Reactivation statuses (DESIGN.md §3).
const (
	ReactivationPending   ReactivationStatus = "pending"
	ReactivationActivated ReactivationStatus = "activated"
	ReactivationExpired   ReactivationStatus = "expired"
	ReactivationCancelled ReactivationStatus = "cancelled"
)

// CodeKind says how an activation code was delivered.
type CodeKind string

// Activation code kinds.
const (
	CodeKindQR    CodeKind = "qr"
	CodeKindEmail CodeKind = "email"
)

// Reactivation is one attempt to bind a fresh Duo Push credential to an
// admin. It holds only hashes of its codes.
type Reactivation struct {
	ID          string             `dynamodbav:"reactivation_id" json:"reactivation_id"`
	AdminID     string             `dynamodbav:"admin_id" json:"admin_id"`
	AccountID   string             `dynamodbav:"account_id" json:"account_id"`
	InitiatedBy string             `dynamodbav:"initiated_by" json:"initiated_by"`
	Status      ReactivationStatus `dynamodbav:"status" json:"status"`
	CreatedAt   time.Time          `dynamodbav:"created_at" json:"created_at"`
	// ExpiresAt is the latest expiry of its codes: the reactivation stays
	// pending while any of its codes is valid (DESIGN.md §3).
	ExpiresAt      time.Time `dynamodbav:"expires_at,unixtime" json:"expires_at"`
	QRCodeHash     string    `dynamodbav:"qr_code_hash" json:"-"`
	QRExpiresAt    time.Time `dynamodbav:"qr_expires_at,unixtime" json:"-"`
	EmailCodeHash  string    `dynamodbav:"email_code_hash,omitempty" json:"-"`
	EmailExpiresAt time.Time `dynamodbav:"email_expires_at,unixtime,omitempty" json:"-"`
	EmailsSent     int       `dynamodbav:"emails_sent" json:"-"`
	// BarcodesIssued counts the QR codes issued after the first (POST
	// /v1/reactivations/{id}/barcode), at most MaxBarcodesPerReactivation.
	BarcodesIssued int       `dynamodbav:"barcodes_issued,omitempty" json:"-"`
	ActivatedAt    time.Time `dynamodbav:"activated_at,omitempty" json:"activated_at,omitzero"`
	CredentialID   string    `dynamodbav:"credential_id,omitempty" json:"-"`

	// InitiatedByName is the starter's display name when it started, so
	// the Secondary Authentication section names who started it without
	// reading that admin (docs/table.md, round trips).
	InitiatedByName string `dynamodbav:"initiated_by_name,omitempty" json:"-"`

	// HolderCredentialID is the target admin's active credential when the
	// reactivation started, the one its redeem revokes; its codes carry
	// it (CodeCarry). Only a redeem of this admin's pending reactivation
	// changes the admin's active credential, and a new reactivation
	// cancels the pending one, so it stays right while this one is
	// pending; the redeem re-checks it in its condition anyway.
	HolderCredentialID string `dynamodbav:"holder_credential_id,omitempty" json:"-"`
}

// EffectiveStatus is the status as of now: a pending reactivation whose
// codes have all expired is expired, whatever the stored item says
// (DynamoDB TTL may keep items for days).
func (r *Reactivation) EffectiveStatus(now time.Time) ReactivationStatus {
	if r.Status == ReactivationPending && !now.Before(r.ExpiresAt) {
		return ReactivationExpired
	}
	return r.Status
}

// ActivationCode is the stored form of one activation code: its hash and
// what it activates. The code itself exists only in the QR image, the email
// and the response that created it.
type ActivationCode struct {
	Hash           string             `dynamodbav:"code_hash" json:"-"`
	Kind           CodeKind           `dynamodbav:"kind" json:"kind"`
	ReactivationID string             `dynamodbav:"reactivation_id" json:"reactivation_id"`
	AdminID        string             `dynamodbav:"admin_id" json:"admin_id"`
	AccountID      string             `dynamodbav:"account_id" json:"account_id"`
	Status         ReactivationStatus `dynamodbav:"status" json:"status"`
	ExpiresAt      time.Time          `dynamodbav:"expires_at,unixtime" json:"expires_at"`
	// Carried is its reactivation as it was when the code was written
	// (codecarry.go), so a redeem needs no other read; nil on codes
	// written before it existed.
	Carried *CodeCarry `dynamodbav:"carried,omitempty" json:"-"`
}

// Usable reports whether the code may still be redeemed at now.
func (c *ActivationCode) Usable(now time.Time) bool {
	return c.Status == ReactivationPending && now.Before(c.ExpiresAt)
}

// LoginStatus is the life cycle of a login transaction.
type LoginStatus string

// Login transaction statuses. "approved" and "denied" are the push answers;
// "completed" means a session was issued and the transaction is spent.
const (
	LoginPending   LoginStatus = "pending"
	LoginApproved  LoginStatus = "approved"
	LoginDenied    LoginStatus = "denied"
	LoginCompleted LoginStatus = "completed"
	LoginExpired   LoginStatus = "expired"
)

// LoginTx is a login in progress: the password was right, the second
// factor is pending.
type LoginTx struct {
	ID        string      `dynamodbav:"txid" json:"txid"`
	AdminID   string      `dynamodbav:"admin_id" json:"admin_id"`
	AccountID string      `dynamodbav:"account_id" json:"account_id"`
	Factor    Factor      `dynamodbav:"factor,omitempty" json:"factor,omitempty"`
	Status    LoginStatus `dynamodbav:"status" json:"status"`
	CreatedAt time.Time   `dynamodbav:"created_at" json:"created_at"`
	ExpiresAt time.Time   `dynamodbav:"expires_at,unixtime" json:"expires_at"`
	// LoginSecretHash is the SHA-256 of the login_secret handed out by the
	// password step; every later call must present the secret (DESIGN.md
	// §4.1, login secrecy), since the txid itself shows in the audit log.
	LoginSecretHash string `dynamodbav:"login_secret_hash" json:"-"`
	// PasscodeHash is the keyed hash (secret.CodeHasher, HMAC-SHA-256) of
	// the current SMS/voice passcode.
	PasscodeHash      string    `dynamodbav:"passcode_hash,omitempty" json:"-"`
	PasscodeExpiresAt time.Time `dynamodbav:"passcode_expires_at,unixtime,omitempty" json:"-"`
	// PasscodeTries counts wrong tries of the current passcode.
	PasscodeTries int `dynamodbav:"passcode_tries" json:"-"`
	// Sends counts SMS/voice sends in this transaction.
	Sends int `dynamodbav:"sends" json:"-"`
	// Push: the credential asked, the push id the phone sees (urgid), the
	// keyed hash of the verified-push code, and when the push lapses.
	CredentialID         string    `dynamodbav:"credential_id,omitempty" json:"-"`
	PushID               string    `dynamodbav:"push_id,omitempty" json:"-"`
	VerificationCodeHash string    `dynamodbav:"verification_code_hash,omitempty" json:"-"`
	PushExpiresAt        time.Time `dynamodbav:"push_expires_at,unixtime,omitempty" json:"-"`
	IP                   string    `dynamodbav:"ip,omitempty" json:"-"`
	UserAgent            string    `dynamodbav:"user_agent,omitempty" json:"-"`

	// VerificationCodeLength is the verified-push code's number of digits,
	// fixed when the push starts: the phone is told this length and the
	// answer is checked against it, whatever the policy says later.
	VerificationCodeLength int `dynamodbav:"verification_code_length,omitempty" json:"-"`

	// Pushes counts Duo Pushes started in this transaction.
	Pushes int `dynamodbav:"pushes,omitempty" json:"-"`

	// ActiveCredentialID is the admin's active push credential when the
	// login started, a hint only: it lets the second-factor steps read the
	// credential in the same BatchGetItem as the admin; the admin's own
	// active_credential_id decides (issue 15).
	ActiveCredentialID string `dynamodbav:"active_credential_id,omitempty" json:"-"`

	// Step-up (DESIGN.md §4.1): a login started by POST /v1/session/reauth
	// refreshes the session whose token hashes to SessionTokenHash instead
	// of issuing a new one. SealedSessionToken is that session's token,
	// encrypted under a key derived from the login_secret (which the table
	// never holds), so the completing call can hand the same token back;
	// it is removed when the login completes. SessionAbsoluteExpiresAt is
	// the session's absolute end, which a step-up does not move.
	SessionTokenHash         string    `dynamodbav:"session_token_hash,omitempty" json:"-"`
	SealedSessionToken       string    `dynamodbav:"sealed_session_token,omitempty" json:"-"`
	SessionAbsoluteExpiresAt time.Time `dynamodbav:"session_absolute_expires_at,unixtime,omitempty" json:"-"`
}

// Session is a logged-in panel session. The token is never stored: the
// store keys sessions by the token's SHA-256.
type Session struct {
	TokenHash       string    `dynamodbav:"token_hash" json:"-"`
	AdminID         string    `dynamodbav:"admin_id" json:"admin_id"`
	HomeAccountID   string    `dynamodbav:"home_account_id" json:"home_account"`
	ActingAccountID string    `dynamodbav:"acting_account_id" json:"acting_account"`
	Factor          Factor    `dynamodbav:"factor" json:"factor"`
	AuthenticatedAt time.Time `dynamodbav:"authenticated_at" json:"authenticated_at"`
	LastSeenAt      time.Time `dynamodbav:"last_seen_at" json:"-"`
	// AbsoluteExpiresAt is the first AuthenticatedAt + SessionAbsoluteTimeout:
	// a step-up re-authentication moves AuthenticatedAt, never this.
	AbsoluteExpiresAt time.Time `dynamodbav:"absolute_expires_at,unixtime" json:"-"`
}

// ExpiresAt is when the session ends unless used again: the earlier of the
// idle and absolute limits.
func (s *Session) ExpiresAt() time.Time {
	idle := s.LastSeenAt.Add(SessionIdleTimeout)
	if idle.Before(s.AbsoluteExpiresAt) {
		return idle
	}
	return s.AbsoluteExpiresAt
}

// Valid reports whether the session may be used at now.
func (s *Session) Valid(now time.Time) bool { return now.Before(s.ExpiresAt()) }

// RecentlyAuthenticated reports whether the second factor was passed within
// RecentAuthWindow, as reactivation endpoints require.
func (s *Session) RecentlyAuthenticated(now time.Time) bool {
	return now.Sub(s.AuthenticatedAt) <= RecentAuthWindow
}

// Outcome says how an audited action ended.
type Outcome string

// Audit outcomes.
const (
	OutcomeSuccess Outcome = "success"
	OutcomeFailure Outcome = "failure"
)

// AuditEvent is one line of the administrator log. It never holds a
// secret, a code or a token: Details takes plain facts (factor, device
// model, reason).
type AuditEvent struct {
	ID        string            `dynamodbav:"event_id" json:"event_id"`
	Time      time.Time         `dynamodbav:"time" json:"time"`
	AccountID string            `dynamodbav:"account_id" json:"account_id"`
	ActorID   string            `dynamodbav:"actor_id,omitempty" json:"actor_id,omitempty"`
	TargetID  string            `dynamodbav:"target_id,omitempty" json:"target_id,omitempty"`
	Action    string            `dynamodbav:"action" json:"action"`
	Outcome   Outcome           `dynamodbav:"outcome" json:"outcome"`
	IP        string            `dynamodbav:"ip,omitempty" json:"ip,omitempty"`
	UserAgent string            `dynamodbav:"user_agent,omitempty" json:"user_agent,omitempty"`
	Details   map[string]string `dynamodbav:"details,omitempty" json:"details,omitempty"`
	// Count, when set, is how many times this event happened in its
	// bucket: repeated failures (wrong passwords) are aggregated into one
	// event per admin per bucket so they cannot flood the log.
	Count int `dynamodbav:"count,omitempty" json:"count,omitempty"`
	// RequestID is the correlation id (the API Gateway request id) of the
	// request that wrote the event, stamped by the store from the context
	// (shared/correlation): it joins the event to that request's log
	// lines and access log entry. Not part of the API's log view.
	RequestID string `dynamodbav:"request_id,omitempty" json:"-"`
}

// Audit actions, so the log can be filtered by a fixed vocabulary.
const (
	ActionLoginPassword        = "login.password"
	ActionLoginFactor          = "login.factor"
	ActionLoginVerify          = "login.verify"
	ActionLoginPush            = "login.push"
	ActionLoginLocked          = "login.locked"
	ActionSessionSwitch        = "session.switch_account"
	ActionLogout               = "session.logout"
	ActionReactivationStart    = "reactivation.start"
	ActionReactivationCancel   = "reactivation.cancel"
	ActionReactivationEmail    = "reactivation.email"
	ActionReactivationActivate = "reactivation.activate"
	ActionReactivationBarcode  = "reactivation.barcode"
	ActionLockoutReset         = "admin.reset_lockout"
	ActionNotification         = "notification.email"
	ActionDeviceRegistration   = "device.registration"
)

// ActionLoginReauth is a step-up re-authentication of a session (POST
// /v1/session/reauth): its start and its success. Its factor and verify
// steps in between are logged as those of any login.
const ActionLoginReauth = "login.reauth"

// Clock tells the time; tests pass a fake one.
type Clock interface{ Now() time.Time }

// SystemClock is the real clock.
type SystemClock struct{}

// Now returns the current time.
func (SystemClock) Now() time.Time { return time.Now() }

// Random is the source of randomness for codes, ids and tokens; production
// uses crypto/rand, tests may pass a deterministic reader.
type Random = io.Reader

// SystemRandom is crypto/rand's reader.
var SystemRandom Random = rand.Reader

// Principal is who is calling an authenticated panel endpoint: the session
// and the admin it belongs to, as loaded for this request.
type Principal struct {
	Session Session
	Admin   Admin
	// TokenHash identifies the session in the store (logout, switch).
	TokenHash string
	// Touch, when not nil, delivers the outcome of the session's
	// once-a-minute last_seen_at write, which shared/session issues
	// concurrently with the request rather than before it; WaitTouch
	// waits for it.
	Touch <-chan error
}

// WaitTouch waits for the session's last_seen_at write issued for this
// request, if any, and returns its error. The router calls it before
// answering, so a function is never frozen with the write in flight.
func (p *Principal) WaitTouch() error {
	if p == nil || p.Touch == nil {
		return nil
	}
	err := <-p.Touch
	p.Touch = nil
	return err
}
