package login

import (
	"context"

	"push-reactivation/shared/domain"
	"push-reactivation/shared/secret"
)

// LoginSecretHeader carries the login_secret on every call after the
// password step (DESIGN.md §4.1, login secrecy).
const LoginSecretHeader = "X-Login-Secret"

// loginSecretBytes is the randomness of a login_secret: 256 bits, well
// above the 128-bit floor of DESIGN.md §4.1, as for session tokens.
const loginSecretBytes = 32

// maxLoginSecretLen bounds what is hashed from the header; a real secret
// is 43 characters (32 bytes in unpadded base64url).
const maxLoginSecretLen = 256

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
	if loginSecret == "" || len(loginSecret) > maxLoginSecretLen {
		return nil, errUnknownLogin()
	}
	tx, err := s.Store.GetLogin(ctx, txid)
	if err != nil {
		return nil, err
	}
	// A login stored without a hash (written before secrets existed) is
	// refused like a wrong secret: MatchesHash never matches "".
	if !secret.MatchesHash(loginSecret, tx.LoginSecretHash) {
		return nil, errUnknownLogin()
	}
	return tx, nil
}

// errUnknownLogin is the store's answer for a txid it does not hold
// (dynamo.GetLogin), built the same way so the two cannot drift apart.
func errUnknownLogin() error { return domain.NewError(domain.CodeNotFound) }

// loadOwn is load for the first read of a step called by the panel: the
// login_secret must match before anything about the login is used.
func (s *Service) loadOwn(ctx context.Context, txid, loginSecret string) (*attempt, error) {
	tx, err := s.openLogin(ctx, txid, loginSecret)
	if err != nil {
		return nil, err
	}
	if err := live(tx); err != nil {
		return nil, err
	}
	a, err := s.attemptOf(ctx, tx)
	if err != nil {
		return nil, err
	}
	a.loginSecret = loginSecret
	return a, nil
}
