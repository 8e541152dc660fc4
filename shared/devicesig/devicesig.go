// Package devicesig builds, parses and verifies the signatures Duo Mobile
// devices put on their requests (DESIGN.md §5, a contract). It is the one
// place that knows the rule, so that the server (which verifies) and the
// phone emulator (which signs) cannot drift apart, and so that third-party
// Duo Mobile clients, mostly Python scripts, verify unchanged.
//
// A signed request carries two headers:
//
//	x-duo-date:    Thu, 26 Nov 2026 23:40:00 -0000
//	Authorization: Basic base64(pkey + ":" + base64(signature))
//
// where signature is RSA PKCS#1 v1.5 over SHA-512 of the canonical string
// (see [Canonical]):
//
//	<x-duo-date>\n<METHOD>\n<api host, lower case>\n<path>\n<params>
//
// The server-side flow is:
//
//	claim, err := devicesig.Check(req, now, domain.DeviceClockSkew) // 401 on error
//	cred, err := store.GetCredential(ctx, claim.Pkey)             // 401 if unknown or revoked
//	pub, err := devicesig.ParsePublicKeyPEM(cred.PublicKeyPEM)
//	err = claim.VerifyKey(pub, cfg.APIHost)                // 401 on error
//
// and the device side is:
//
//	date := devicesig.FormatDate(time.Now())
//	auth, err := devicesig.Sign(key, pkey, date, "POST", apiHost, path, form)
//
// Every error this package returns for bad input wraps one of [ErrMalformed],
// [ErrBadSignature], [ErrStaleDate] or [ErrBadKey], so a handler can map
// errors to responses with errors.Is. Error texts never repeat the header or
// the signature.
package devicesig

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha512"
	"errors"
	"fmt"
	"net/url"
	"time"
)

// Sentinel errors. Each error returned for bad input wraps exactly one.
var (
	// ErrMalformed: a header or date that does not have the required form
	// (missing, too long, not base64, not RFC 2822, ...).
	ErrMalformed = errors.New("devicesig: malformed signed request")
	// ErrBadSignature: a well-formed signature that does not verify against
	// the credential's key for this request.
	ErrBadSignature = errors.New("devicesig: signature does not verify")
	// ErrStaleDate: an x-duo-date outside the allowed clock skew.
	ErrStaleDate = errors.New("devicesig: x-duo-date outside the allowed clock skew")
	// ErrBadKey: a device public key that is not an acceptable RSA key in PEM.
	ErrBadKey = errors.New("devicesig: unacceptable device public key")
)

// Request is what Verify needs from a device request. The server fills it
// from the incoming request; the host is deliberately not part of it (see
// [Verify]).
type Request struct {
	// Method is the HTTP method; case does not matter (it is upper-cased).
	Method string
	// Path is the request path as the client wrote it in the request line
	// (API Gateway's rawPath), without the query string.
	Path string
	// Date is the x-duo-date header exactly as received: the signature covers
	// its bytes, not the instant it denotes.
	Date string
	// Authorization is the Authorization header exactly as received.
	Authorization string
	// Params are the request's form fields: the parsed query string for GET,
	// the parsed application/x-www-form-urlencoded body for POST.
	Params url.Values
}

// Sign returns the Authorization header value for a device request, made
// with the device's private key. date should be [FormatDate] of the current
// time and must be sent unchanged as the x-duo-date header; host is the API
// host the device was activated against (from the QR code), and params are
// the form fields sent with the request.
//
// Sign refuses a pkey that [ParseAuthorization] would reject, so whatever it
// produces, the server can at least parse.
func Sign(key *rsa.PrivateKey, pkey, date, method, host, path string, params url.Values) (authorization string, err error) {
	if key == nil {
		return "", errors.New("devicesig: Sign: nil private key")
	}
	if err := checkPkey(pkey); err != nil {
		return "", fmt.Errorf("devicesig: Sign: %w", err)
	}
	digest := sha512.Sum512([]byte(Canonical(date, method, host, path, params)))
	// The random source is ignored by PKCS#1 v1.5 signing (it is
	// deterministic), hence nil.
	sig, err := rsa.SignPKCS1v15(nil, key, crypto.SHA512, digest[:])
	if err != nil {
		return "", fmt.Errorf("devicesig: Sign: %w", err)
	}
	if len(sig) > MaxSignatureBytes {
		return "", fmt.Errorf("devicesig: Sign: a %d-bit key makes signatures the server rejects", key.N.BitLen())
	}
	return formatAuthorization(pkey, sig), nil
}

// Verify checks a device request signed with the key pub: the Authorization
// header is well formed, x-duo-date lies within skew of now, and the
// signature covers this method, host, path, date and these params. It
// returns the pkey named in the header (the caller used [ParseAuthorization]
// to find pub by that same pkey). It is [Check] followed by
// [Claim.VerifyKey], the two halves the server calls with the credential
// lookup in between.
//
// host must be the configured API host (as put into the QR code, with
// ":port" when not 443), never the Host header of the request: a signature
// made for another deployment must not verify here, and the Host header is
// whatever the caller (or a proxy in between) chose to send.
//
// The date is checked before the signature so that replays of old requests
// cost no RSA operation. Errors wrap [ErrMalformed], [ErrStaleDate] or
// [ErrBadSignature]; on error the returned pkey is empty.
func Verify(pub *rsa.PublicKey, host string, req Request, now time.Time, skew time.Duration) (pkey string, err error) {
	if pub == nil {
		return "", errors.New("devicesig: Verify: nil public key")
	}
	claim, err := Check(req, now, skew)
	if err != nil {
		return "", err
	}
	if err := claim.VerifyKey(pub, host); err != nil {
		return "", err
	}
	return claim.Pkey, nil
}

// VerifySignature checks that sig is pub's RSA PKCS#1 v1.5 SHA-512
// signature of canonical (built with [Canonical]). It is the cryptographic
// half of [Verify], for callers that assemble the steps themselves. A
// signature of the wrong length for the key, or made by another key or over
// other bytes, wraps [ErrBadSignature].
func VerifySignature(pub *rsa.PublicKey, canonical string, sig []byte) error {
	if pub == nil {
		return errors.New("devicesig: VerifySignature: nil public key")
	}
	digest := sha512.Sum512([]byte(canonical))
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA512, digest[:], sig); err != nil {
		return fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	return nil
}
