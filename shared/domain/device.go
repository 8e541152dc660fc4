package domain

import "time"

// The Duo Mobile device protocol (DESIGN.md §5, a contract): what a phone
// gets at activation and how it answers a push. The HOTP passcode is
// shared/hotp.

// Identifiers and secrets handed to a phone at activation. The shapes
// follow Duo's own: "DP" + 18 and "DA" + 18 upper-case alphanumerics.
const (
	// CredentialIDPrefix starts every pkey (the credential id).
	CredentialIDPrefix = "DP"
	// AKeyPrefix starts every akey.
	AKeyPrefix = "DA"
	// DeviceIDRandomChars is how many random characters follow the prefix:
	// 36^18 ≈ 2^93, so ids never collide and cannot be enumerated.
	DeviceIDRandomChars = 18
	// HOTPSecretBytes: the hotp_secret is the hex of 20 random bytes (160
	// bits, RFC 4226's recommended key size). Phones use the 40 hex
	// characters themselves, as ASCII bytes, as the HOTP key.
	HOTPSecretBytes = 20
)

// DeviceIDAlphabet is the alphabet of pkeys and akeys.
const DeviceIDAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// ActivationCodeWellFormed reports whether s has the form of an activation
// code: ActivationCodeLength characters of [A-Za-z0-9]. Anything else is
// refused before it is hashed or looked up.
func ActivationCodeWellFormed(s string) bool {
	if len(s) != ActivationCodeLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// PushAnswer is a phone's answer to a push.
type PushAnswer string

// Push answers, as the phone sends them in the answer field.
const (
	PushApprove PushAnswer = "approve"
	PushDeny    PushAnswer = "deny"
)

// Status is the login status an answer leads to.
func (a PushAnswer) Status() LoginStatus {
	if a == PushApprove {
		return LoginApproved
	}
	return LoginDenied
}

// Why a push was denied, recorded on the login transaction
// (push_deny_reason) and in the audit event.
const (
	// PushDeniedByUser: the phone answered deny.
	PushDeniedByUser = "user"
	// PushDeniedWrongCode: the phone approved with a wrong verified-push
	// code. That is the signature of push phishing (the person holding the
	// phone is not the one looking at the panel), and with a 3-digit code a
	// second guess would be a 1-in-999 chance, so the first wrong code ends
	// the push.
	PushDeniedWrongCode = "wrong_verification_code"
)

// PushAnswerable reports whether the login transaction has a push that a
// phone may still answer at now.
func (tx *LoginTx) PushAnswerable(now time.Time) bool {
	return tx.Status == LoginPending && tx.PushID != "" && now.Before(tx.PushExpiresAt) && now.Before(tx.ExpiresAt)
}
