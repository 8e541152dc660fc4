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
