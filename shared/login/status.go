package login

import (
	"context"
	"errors"
	"time"

	"push-reactivation/shared/domain"
)

// Push statuses the panel sees (DESIGN.md §4: pending, approved, denied,
// expired).
const (
	pushPending  = "pending"
	pushApproved = "approved"
	pushDenied   = "denied"
	pushExpired  = "expired"
)

// PushStatus is the answer of GET /v1/login/{txid}. The session fields
// are set only on the one poll that picks the session up.
type PushStatus struct {
	Status       string     `json:"status"`
	SessionToken string     `json:"session_token,omitempty"`
	ExpiresAt    *time.Time `json:"expires_at,omitempty"`
	Admin        *AdminView `json:"admin,omitempty"`
}

// Status reports a login's push: pending while the phone has not answered,
// denied, expired when the push (or the whole login) lapsed — the panel
// may then push again or choose another factor while the login lives —
// and approved. The first poll after approval turns the approval into a
// session (approved → completed, one transaction) and carries the token;
// every later poll, and a poll of a login completed by a passcode, says
// approved without it, so the token is handed out exactly once, and only
// to the holder of the login's secret (openLogin).
func (s *Service) Status(ctx context.Context, txid, loginSecret string, c Client) (*PushStatus, error) {
	if !validTxID(txid) {
		return nil, domain.InvalidParam("txid")
	}
	tx, err := s.openLogin(ctx, txid, loginSecret)
	if err != nil {
		return nil, err
	}
	switch tx.Status {
	case domain.LoginApproved:
		return s.pickUp(ctx, tx, loginSecret, c)
	case domain.LoginCompleted:
		return &PushStatus{Status: pushApproved}, nil
	case domain.LoginDenied:
		return &PushStatus{Status: pushDenied}, nil
	case domain.LoginExpired:
		return &PushStatus{Status: pushExpired}, nil
	}
	if tx.PushID != "" && !s.Clock.Now().Before(tx.PushExpiresAt) {
		return &PushStatus{Status: pushExpired}, nil
	}
	return &PushStatus{Status: pushPending}, nil
}

// pickUp issues the session of an approved push. Of concurrent polls one
// wins; the others see the login completed and answer approved without a
// token.
func (s *Service) pickUp(ctx context.Context, tx *domain.LoginTx, loginSecret string, c Client) (*PushStatus, error) {
	a, err := s.attemptOf(ctx, tx)
	if err != nil {
		return nil, err
	}
	a.loginSecret = loginSecret
	auth, err := s.complete(ctx, a, domain.LoginCompletion{From: domain.LoginApproved, PushID: tx.PushID, Factor: domain.FactorPush}, c)
	if errors.Is(err, domain.ErrLoginChanged) {
		now, gerr := s.Store.GetLogin(ctx, tx.ID)
		if gerr != nil {
			return nil, gerr
		}
		if now.Status == domain.LoginExpired {
			return &PushStatus{Status: pushExpired}, nil
		}
		return &PushStatus{Status: pushApproved}, nil
	}
	if err != nil {
		return nil, err
	}
	return &PushStatus{Status: pushApproved, SessionToken: auth.SessionToken, ExpiresAt: &auth.ExpiresAt, Admin: &auth.Admin}, nil
}
