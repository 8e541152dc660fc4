package login

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"push-reactivation/shared/domain"
	"push-reactivation/shared/secret"
)

// Step-up re-authentication (DESIGN.md §4.1): POST /v1/session/reauth
// starts a login transaction for the session's own admin with no password
// step, bound to that session; it goes on through the same factor, verify
// and status calls as any login, under every rule of a login (login
// secret, passcode tries, sends per login and per admin, the lockout,
// verified push). Passing it answers with the SAME session_token: the
// session's authenticated_at becomes now (and its idle expiry moves with
// it); its acting account and its absolute end stay, since a step-up
// proves the second factor but not the password. The refresh happens in
// the transaction that completes the login (dynamo.CompleteLogin, StepUp),
// on condition that the session still exists and is this admin's, so a
// step-up never creates a second session and never refreshes another's.
//
// How the same token comes back. The table holds only the token's hash,
// so the token is kept on the login item sealed (AES-256-GCM) under a key
// derived from the login_secret, which the table never holds (only its
// SHA-256; the secret has 256 random bits, so the hash gives nothing to
// brute-force). Whoever completes the login must present the secret
// anyway, and only then can the token be opened. The alternative, asking
// for the Authorization header again on /verify and GET /v1/login/{txid}
// and echoing it, would add a requirement the contract does not state (a
// client following DESIGN.md would be refused); sealing keeps the calls
// exactly as for a login. The sealed token is removed when the login
// completes, and the login cannot outlive the session's idle expiry.

// stepUpTokenInfo separates the sealing key from every other use of the
// login secret (its stored hash is a plain SHA-256, not an HMAC).
const stepUpTokenInfo = "push-reactivation step-up session token v1"

// sealingKey derives the AES-256 key that seals a step-up's session token
// from the login_secret.
func sealingKey(loginSecret string) []byte {
	m := hmac.New(sha256.New, []byte(loginSecret))
	m.Write([]byte(stepUpTokenInfo))
	return m.Sum(nil)
}

func tokenAEAD(loginSecret string) (cipher.AEAD, error) {
	block, err := aes.NewCipher(sealingKey(loginSecret))
	if err != nil {
		return nil, fmt.Errorf("login: step-up cipher: %w", err)
	}
	return cipher.NewGCM(block)
}

// sealToken encrypts token for the login txid. The txid is the additional
// data, so a sealed token copied onto another login does not open there.
func (s *Service) sealToken(token, loginSecret, txid string) (string, error) {
	aead, err := tokenAEAD(loginSecret)
	if err != nil {
		return "", err
	}
	// Each key seals exactly one token (a login secret is fresh per
	// login), so a random nonce is more than enough.
	nonce, err := secret.Bytes(s.Random, aead.NonceSize())
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(aead.Seal(nonce, nonce, []byte(token), []byte(txid))), nil
}

// openToken is sealToken's inverse; it also checks that the token is the
// one the login is bound to.
func openToken(tx *domain.LoginTx, loginSecret string) (string, error) {
	raw, err := base64.RawURLEncoding.DecodeString(tx.SealedSessionToken)
	if err != nil {
		return "", fmt.Errorf("login: sealed session token: %w", err)
	}
	aead, err := tokenAEAD(loginSecret)
	if err != nil {
		return "", err
	}
	if len(raw) < aead.NonceSize() {
		return "", errors.New("login: sealed session token too short")
	}
	plain, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], []byte(tx.ID))
	if err != nil {
		return "", fmt.Errorf("login: open sealed session token: %w", err)
	}
	if !secret.MatchesHash(string(plain), tx.SessionTokenHash) {
		return "", errors.New("login: sealed session token is not the bound session's")
	}
	return string(plain), nil
}

// StepUp starts a step-up re-authentication of the caller's session,
// whose bearer token is token (already authenticated into p). The answer
// has the shape of the password step's, with the factors this admin may
// use now; expires_at is the login's, never past the session's own expiry.
func (s *Service) StepUp(ctx context.Context, p *domain.Principal, token string, c Client) (*Started, error) {
	// The router authenticated this very token; checking again keeps a
	// wiring mistake from binding the login to another session.
	if !secret.MatchesHash(token, p.TokenHash) {
		return nil, domain.NewError(domain.CodeNotAuthenticated)
	}
	admin := &p.Admin
	account, err := s.Store.GetAccount(ctx, admin.AccountID)
	if err != nil {
		return nil, err
	}
	cred, err := s.activeCredential(ctx, admin)
	if err != nil {
		return nil, err
	}
	txid, err := secret.ID(s.Random)
	if err != nil {
		return nil, err
	}
	loginSecret, loginSecretHash, err := s.newLoginSecret()
	if err != nil {
		return nil, err
	}
	sealed, err := s.sealToken(token, loginSecret, txid)
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now().UTC()
	tx := domain.LoginTx{
		ID: txid, LoginSecretHash: loginSecretHash, AdminID: admin.ID, AccountID: admin.AccountID, Status: domain.LoginPending,
		CreatedAt: now, ExpiresAt: earlier(now.Add(domain.LoginTransactionValidity), p.Session.ExpiresAt()),
		IP: c.IP, UserAgent: c.userAgent(),
		SessionTokenHash: p.TokenHash, SealedSessionToken: sealed, SessionAbsoluteExpiresAt: p.Session.AbsoluteExpiresAt,
		ActiveCredentialID: credentialID(cred),
	}
	factors := availableFactors(admin, account, cred)
	names := make([]string, len(factors))
	for i, f := range factors {
		names[i] = string(f.Factor)
	}
	ev := s.event(admin, c, domain.ActionLoginReauth, domain.OutcomeSuccess,
		map[string]string{"step": "start", "factors": strings.Join(names, ",")})
	if err := s.Store.CreateLogin(ctx, tx, ev); err != nil {
		return nil, err
	}
	return &Started{TxID: txid, LoginSecret: loginSecret, Factors: factors, ExpiresAt: tx.ExpiresAt}, nil
}

// completeStepUp refreshes the session a step-up login is bound to, in the
// transaction that completes the login, and hands back its token.
// domain.ErrLoginChanged comes back as is; a session gone meanwhile is
// 40101, as for any call on it.
func (s *Service) completeStepUp(ctx context.Context, a *attempt, comp domain.LoginCompletion, c Client) (*Authenticated, error) {
	token, err := openToken(a.tx, a.loginSecret)
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now().UTC()
	comp.TxID, comp.StepUp = a.tx.ID, true
	comp.Session = domain.Session{
		TokenHash: a.tx.SessionTokenHash, AdminID: a.admin.ID, Factor: comp.Factor, AuthenticatedAt: now, LastSeenAt: now,
		AbsoluteExpiresAt: a.tx.SessionAbsoluteExpiresAt,
	}
	comp.Audit = s.event(a.admin, c, domain.ActionLoginReauth, domain.OutcomeSuccess,
		map[string]string{"step": "complete", "factor": string(comp.Factor)})
	err = s.Store.CompleteLogin(ctx, comp)
	if errors.Is(err, domain.ErrSessionGone) {
		s.audit(ctx, s.event(a.admin, c, domain.ActionLoginReauth, domain.OutcomeFailure,
			map[string]string{"step": "complete", "reason": "session_gone"}))
		return nil, domain.NewError(domain.CodeNotAuthenticated)
	}
	if err != nil {
		return nil, err
	}
	return &Authenticated{SessionToken: token, ExpiresAt: comp.Session.ExpiresAt(), Admin: viewAdmin(a.admin)}, nil
}

// bearerToken is the token of "Authorization: Bearer <token>", as the
// router read it to authenticate the request.
func bearerToken(authorization string) string {
	scheme, token, ok := strings.Cut(authorization, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}
