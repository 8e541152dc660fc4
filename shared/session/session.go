// Package session issues panel sessions and turns bearer tokens back into
// principals. Tokens are 256-bit random strings handed to the client once;
// the store keys sessions by the token's SHA-256, so a leaked table does
// not leak live sessions.
package session

import (
	"context"
	"time"

	"push-reactivation/shared/domain"
	"push-reactivation/shared/secret"
)

// Store is what sessions need from the store.
type Store interface {
	GetSession(ctx context.Context, tokenHash string) (*domain.Session, error)
	TouchSession(ctx context.Context, tokenHash string, at time.Time) error
	GetAdmin(ctx context.Context, id string) (*domain.Admin, error)
}

// touchEvery limits idle-expiry writes to one a minute per session: the
// idle timeout is 30 minutes, so a minute of slack costs nothing and saves
// a write on most requests.
const touchEvery = time.Minute

// Service authenticates bearer tokens.
type Service struct {
	Store Store
	Clock domain.Clock
}

// Authenticate returns the principal of a valid session whose admin is
// still active, and records its use; anything else is 40101.
func (s *Service) Authenticate(ctx context.Context, token string) (*domain.Principal, error) {
	if len(token) > 256 {
		return nil, domain.NewError(domain.CodeNotAuthenticated)
	}
	hash := secret.Hash(token)
	sess, err := s.Store.GetSession(ctx, hash)
	if err != nil {
		return nil, err
	}
	admin, err := s.Store.GetAdmin(ctx, sess.AdminID)
	if domainCode(err) == domain.CodeNotFound {
		return nil, domain.NewError(domain.CodeNotAuthenticated)
	}
	if err != nil {
		return nil, err
	}
	if admin.Status != domain.AdminActive {
		return nil, domain.NewError(domain.CodeNotAuthenticated)
	}
	now := s.Clock.Now()
	if now.Sub(sess.LastSeenAt) >= touchEvery {
		if err := s.Store.TouchSession(ctx, hash, now); err != nil {
			return nil, err
		}
		sess.LastSeenAt = now
	}
	return &domain.Principal{Session: *sess, Admin: *admin, TokenHash: hash}, nil
}

func domainCode(err error) domain.Code {
	if de, ok := domain.AsError(err); ok {
		return de.Code
	}
	return 0
}

// New makes a session for admin after a second factor, returning the token
// (to hand to the client once) and the session to store.
func New(r domain.Random, admin *domain.Admin, factor domain.Factor, now time.Time) (token string, sess domain.Session, err error) {
	token, err = secret.Token(r, 32)
	if err != nil {
		return "", sess, err
	}
	sess = domain.Session{
		TokenHash: secret.Hash(token), AdminID: admin.ID, HomeAccountID: admin.AccountID, ActingAccountID: admin.AccountID,
		Factor: factor, AuthenticatedAt: now, LastSeenAt: now, AbsoluteExpiresAt: now.Add(domain.SessionAbsoluteTimeout),
	}
	return token, sess, nil
}
