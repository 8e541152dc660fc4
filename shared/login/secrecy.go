package login

import (
	"context"
	"encoding/base64"
	"strings"

	"push-reactivation/shared/domain"
	"push-reactivation/shared/secret"
)

// LoginSecretHeader carries the login_secret on every call after the
// password step (DESIGN.md §4.1, login secrecy).
const LoginSecretHeader = "X-Login-Secret"

// loginSecretBytes is the randomness of a login_secret: 256 bits, well
// above the 128-bit floor of DESIGN.md §4.1, as for session tokens.
const loginSecretBytes = 32

// loginSecretLen is the length of every login_secret: 43 characters, the
// 32 bytes in unpadded base64url (secret.Token).
var loginSecretLen = base64.RawURLEncoding.EncodedLen(loginSecretBytes)

// base64URLAlphabet is the alphabet of unpadded base64url.
const base64URLAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// newLoginSecret returns a fresh login_secret and the hash the login item
// stores in its place.
func (s *Service) newLoginSecret() (plain, hash string, err error) {
	plain, err = secret.Token(s.Random, loginSecretBytes)
	if err != nil {
		return "", "", err
	}
	return plain, secret.Hash(plain), nil
}

// openLogin reads a login transaction for a caller who must prove, with
// the login_secret, that it is the one who passed the password step. The
// txid alone proves nothing: it is an identifier that the administrator
// log shows to Owners (the phone's answer is audited with it), and a txid
// was enough to pick up another admin's session (issue 11, §1). A missing
// or wrong secret gets exactly the answer of an unknown txid, so the
// answer does not even tell that the login exists. The stored hash is
// compared in constant time; the secret is never logged or audited.
func (s *Service) openLogin(ctx context.Context, txid, loginSecret string) (*domain.LoginTx, error) {
	// A header that cannot be a secret costs no read.
	if !wellFormedLoginSecret(loginSecret) {
		return nil, errUnknownLogin()
	}
	tx, err := s.Store.GetLogin(ctx, txid)
	if err != nil {
		return nil, err
	}
	if err := checkLoginSecret(loginSecret, tx.LoginSecretHash); err != nil {
		return nil, err
	}
	return tx, nil
}

// checkLoginSecret is the part of openLogin that needs no store, kept
// apart so that it can be fuzzed alone (FuzzLoginSecret): header, the
// caller's X-Login-Secret exactly as received, against storedHash, the
// login item's login_secret_hash. Anything but the secret itself gets the
// unknown-txid answer: a malformed header (empty, another length, a
// character outside base64url, a comma-joined repeat, spaces) as well as
// a well-formed wrong one. The header's text is hashed as it is, never
// decoded first, so two spellings of the same bytes (a non-canonical last
// character) cannot both match. The hashes are compared in constant time.
// A login stored without a hash (written before secrets existed) is
// refused like a wrong secret: MatchesHash never matches "".
func checkLoginSecret(header, storedHash string) error {
	if !wellFormedLoginSecret(header) || !secret.MatchesHash(header, storedHash) {
		return errUnknownLogin()
	}
	return nil
}

// wellFormedLoginSecret reports whether header has the shape of every
// login_secret (newLoginSecret): loginSecretLen base64url characters. The
// shape is public, so refusing on it early tells a caller nothing.
func wellFormedLoginSecret(header string) bool {
	if len(header) != loginSecretLen {
		return false
	}
	for i := range len(header) {
		if strings.IndexByte(base64URLAlphabet, header[i]) < 0 {
			return false
		}
	}
	return true
}

// errUnknownLogin is the store's answer for a txid it does not hold
// (dynamo.GetLogin), built the same way so the two cannot drift apart.
func errUnknownLogin() error { return domain.NewError(domain.CodeNotFound) }
