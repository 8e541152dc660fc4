// Package session issues panel sessions and turns bearer tokens back into
// principals. A token is "<admin>.<secret>": the admin's id in base64url,
// a dot, and 256 random bits in base64url. It is handed to the client
// once and stays opaque to it (DESIGN.md); the admin part lets the server
// read the session and its admin in one BatchGetItem. The store keys
// sessions by the SHA-256 of the whole token, so a leaked table does not
// leak live sessions, and a token whose admin part was edited names no
// session at all.
package session

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"push-reactivation/shared/domain"
	"push-reactivation/shared/secret"
)

// Store is what sessions need from the store.
type Store interface {
	GetSessionAndAdmin(ctx context.Context, tokenHash, adminID string) (*domain.Session, *domain.Admin, error)
	TouchSession(ctx context.Context, tokenHash string, at time.Time) error
}

// touchEvery limits idle-expiry writes to one a minute per session: the
// idle timeout is 30 minutes, so a minute of slack costs nothing and saves
// a write on most requests.
const touchEvery = time.Minute

// maxTokenLen bounds what is hashed and parsed: a token is 44 characters
// plus its admin id in base64url.
const maxTokenLen = 256

// secretBytes is the randomness of a token: 256 bits.
const secretBytes = 32

// Service authenticates bearer tokens.
type Service struct {
	Store Store
	Clock domain.Clock
}

// Authenticate returns the principal of a valid session whose admin is
// still active; anything else is 40101. One round trip: the session and
// the admin its token names, read together.
//
// Once a minute it also records the session's use (last_seen_at, the
// idle expiry). That write is issued concurrently with the rest of the
// request instead of before it, so it never adds a sequential round trip:
// the principal's Touch delivers its outcome and the router waits for it
// before answering (WaitTouch). It conditions on the session still
// existing (TouchSession), so a logout that lands first is never undone;
// a write that fails only leaves the idle expiry where it was, which ends
// the session sooner, never later, and the next request tries again.
func (s *Service) Authenticate(ctx context.Context, token string) (*domain.Principal, error) {
	if len(token) > maxTokenLen {
		return nil, domain.NewError(domain.CodeNotAuthenticated)
	}
	adminID, ok := adminOf(token)
	if !ok {
		return nil, domain.NewError(domain.CodeNotAuthenticated)
	}
	hash := secret.Hash(token)
	sess, admin, err := s.Store.GetSessionAndAdmin(ctx, hash, adminID)
	if err != nil {
		return nil, err
	}
	// The key is the hash of the whole token, so a session found under it
	// was issued with this admin part; the check still refuses any item
	// that says otherwise rather than trusting the token's claim.
	if sess.AdminID != adminID || admin == nil || admin.ID != adminID || admin.Status != domain.AdminActive {
		return nil, domain.NewError(domain.CodeNotAuthenticated)
	}
	p := &domain.Principal{Session: *sess, Admin: *admin, TokenHash: hash}
	if now := s.Clock.Now(); now.Sub(sess.LastSeenAt) >= touchEvery {
		done := make(chan error, 1)
		go func() { done <- s.Store.TouchSession(ctx, hash, now) }()
		p.Touch = done
		p.Session.LastSeenAt = now
	}
	return p, nil
}

// adminOf is the admin id a token names, and whether it has the shape
// New gives.
func adminOf(token string) (string, bool) {
	enc, rest, ok := strings.Cut(token, ".")
	if !ok || enc == "" || len(rest) != base64.RawURLEncoding.EncodedLen(secretBytes) {
		return "", false
	}
	id, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil || len(id) == 0 {
		return "", false
	}
	return string(id), true
}

// New makes a session for admin after a second factor, returning the token
// (to hand to the client once) and the session to store.
func New(r domain.Random, admin *domain.Admin, factor domain.Factor, now time.Time) (token string, sess domain.Session, err error) {
	name := base64.RawURLEncoding.EncodeToString([]byte(admin.ID))
	if len(name)+1+base64.RawURLEncoding.EncodedLen(secretBytes) > maxTokenLen {
		return "", sess, fmt.Errorf("session: admin id of %d bytes is too long for a token", len(admin.ID))
	}
	random, err := secret.Token(r, secretBytes)
	if err != nil {
		return "", sess, err
	}
	token = name + "." + random
	sess = domain.Session{
		TokenHash: secret.Hash(token), AdminID: admin.ID, HomeAccountID: admin.AccountID, ActingAccountID: admin.AccountID,
		Factor: factor, AuthenticatedAt: now, LastSeenAt: now, AbsoluteExpiresAt: now.Add(domain.SessionAbsoluteTimeout),
	}
	return token, sess, nil
}
