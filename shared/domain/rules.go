package domain

import "time"

// The rules of DESIGN.md §3 (a contract). Each constant says where its
// number comes from, so nobody "tunes" one without knowing what depends on it.
const (
	// PasscodeDigits: 7 digits gives 10^7 combinations; with MaxPasscodeTries
	// tries per passcode and MaxSendsPerLogin sends, a guesser's odds per login
	// stay below 2e-6 (DESIGN.md §3, SMS / voice passcode row).
	PasscodeDigits = 7
	// PasscodeValidity: an SMS or voice passcode lives 5 minutes (§3).
	PasscodeValidity = 5 * time.Minute
	// MaxPasscodeTries: after 5 wrong tries a passcode is spent (§3).
	MaxPasscodeTries = 5
	// MaxSendsPerLogin: at most 3 SMS/voice sends per login transaction (§3).
	MaxSendsPerLogin = 3
	// MaxSendsPerAdminHour: at most 10 SMS/voice sends per admin per hour (§3).
	MaxSendsPerAdminHour = 10

	// LockoutThreshold: 10 consecutive failed second-factor attempts lock the
	// admin; an Owner clears it; a success resets the count (§3, lockout row).
	LockoutThreshold = 10

	// ActivationCodeLength: 20 characters of [A-Za-z0-9] is log2(62^20) ≈ 119
	// bits, above the 112-bit floor of §3.
	ActivationCodeLength = 20

	// QRValidityDefault, QRValidityMin, QRValidityMax bound valid_secs (§3).
	QRValidityDefault = 600 * time.Second
	QRValidityMin     = 60 * time.Second
	QRValidityMax     = 86400 * time.Second

	// EmailLinkValidity: an emailed activation link is valid 24 hours from
	// sending (§3, emailed link row).
	EmailLinkValidity = 86400 * time.Second
	// MaxEmailsPerReactivation and MaxEmailsPerAdminDay limit activation
	// emails (§3, emails row).
	MaxEmailsPerReactivation = 3
	MaxEmailsPerAdminDay     = 10

	// MaxReactivationsPerAdminHour: issue #4 caps new reactivations so a stolen
	// session cannot mint codes in bulk.
	MaxReactivationsPerAdminHour = 10

	// SessionIdleTimeout and SessionAbsoluteTimeout (§3, session row).
	SessionIdleTimeout     = 30 * time.Minute
	SessionAbsoluteTimeout = 12 * time.Hour
	// RecentAuthWindow: reactivation endpoints need authenticated_at within the
	// last 15 minutes, else 40103 (§3, session row).
	RecentAuthWindow = 15 * time.Minute

	// DeviceClockSkew: x-duo-date must be within ±5 minutes (§3).
	DeviceClockSkew = 5 * time.Minute

	// DefaultVerifiedPushLength: verified push shows 3 digits by default (§3).
	DefaultVerifiedPushLength = 3

	// LoginTransactionValidity: how long a login transaction (password step
	// done, second factor pending) stays usable. Not in §3; 10 minutes leaves
	// room for two passcode sends and a push without keeping a half-logged-in
	// state around.
	LoginTransactionValidity = 10 * time.Minute
	// PushValidity: how long a push waits for the phone's answer; Duo's own
	// pushes expire after about a minute, we allow two for slow phones.
	PushValidity = 2 * time.Minute

	// HOTPDigits and HOTPLookAhead: Duo Mobile passcodes are 6-digit HOTP
	// (RFC 4226) and the verifier looks ahead 10 counters (§5).
	HOTPDigits    = 6
	HOTPLookAhead = 10

	// MaxBodyBytes: request bodies are at most 16 KiB (§4).
	MaxBodyBytes = 16 << 10

	// MinRSABits: device keys are RSA of at least 2048 bits (§3).
	MinRSABits = 2048
)

// Password-step throttles (issue 11 §4; docs/security/limits.md). Wrong
// passwords never lock an account (anyone knowing an email could lock its
// admin out); instead every limit below counts FAILED attempts (a right
// password gives its attempt back) in a sliding window, is checked before
// the argon2id work, and answers 429 42901 with Retry-After. Unknown
// emails are throttled exactly like known ones, so the answers reveal
// nothing about which addresses exist.
const (
	// PasswordTriesPerEmailAddress per PasswordTriesPerEmailAddressWindow:
	// failed attempts for one email from one source address. 5 in 15
	// minutes is more than a person mistyping ever needs, and holds an
	// attacker at one address to 480 guesses a day against one account.
	// Keyed on the address too, so the attacker's address runs out while
	// the real user, elsewhere, is not slowed at all.
	PasswordTriesPerEmailAddress       = 5
	PasswordTriesPerEmailAddressWindow = 15 * time.Minute
	// PasswordTriesPerAddress per PasswordTriesPerAddressWindow: failed
	// attempts from one source address over all emails (password spraying:
	// one password tried on many accounts). 100 an hour leaves room for an
	// office behind one NAT address where people mistype now and then.
	// IPv6 addresses count per /64, the block one subscriber usually holds.
	PasswordTriesPerAddress       = 100
	PasswordTriesPerAddressWindow = time.Hour
	// PasswordFailuresBeforeSlowdown: NIST SP 800-63B rev 4 (§3.2.2) allows
	// at most 100 consecutive failed attempts on one account. Past that
	// the account is slowed, not locked: PasswordTriesPerAccountSlowed
	// attempts per PasswordTriesPerAccountSlowedWindow from all addresses
	// together, until a right password resets the count. An attacker with
	// many addresses then gets 240 guesses a day instead of thousands. The
	// real user is not held back at an address they logged in from lately
	// (the last PasswordKnownAddresses ones are exempt from the slowdown),
	// and elsewhere waits at most one window for a free slot.
	PasswordFailuresBeforeSlowdown      = 100
	PasswordTriesPerAccountSlowed       = 10
	PasswordTriesPerAccountSlowedWindow = time.Hour
	PasswordKnownAddresses              = 5
	// PasswordFailureMemory: consecutive failures are forgotten after a
	// month without any attempt, so the table does not keep counts of
	// abandoned guesses for ever, while a slow attacker (one try a day)
	// still reaches the slowdown.
	PasswordFailureMemory = 30 * 24 * time.Hour
	// PasswordFailureAuditBucket: wrong passwords for one admin are one
	// administrator-log event per hour, with a count, however many there
	// are (a flood of guesses must not bury the log).
	PasswordFailureAuditBucket = time.Hour
)
