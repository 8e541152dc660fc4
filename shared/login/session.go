package login

import (
	"context"
	"errors"
	"time"

	"push-reactivation/shared/domain"
)

// AccountView is an account the session may act in.
type AccountView struct {
	AccountID string             `json:"account_id"`
	Name      string             `json:"name"`
	Kind      domain.AccountKind `json:"kind"`
}

// SessionInfo is the answer of GET /v1/session. HomeAccount and
// ActingAccount are account ids (what PUT /v1/session/account takes);
// Accounts lists the accounts the session may act in, home first, so the
// panel can offer the switch.
type SessionInfo struct {
	Admin           AdminView     `json:"admin"`
	HomeAccount     string        `json:"home_account"`
	ActingAccount   string        `json:"acting_account"`
	Accounts        []AccountView `json:"accounts"`
	Factor          domain.Factor `json:"factor"`
	AuthenticatedAt time.Time     `json:"authenticated_at"`
	ExpiresAt       time.Time     `json:"expires_at"`
}

// Session describes the caller's session.
func (s *Service) Session(ctx context.Context, p *domain.Principal) (*SessionInfo, error) {
	home, err := s.Store.GetAccount(ctx, p.Session.HomeAccountID)
	if err != nil {
		return nil, err
	}
	accounts := []AccountView{viewAccount(home)}
	if home.Kind == domain.AccountMSPParent {
		children, err := s.Store.ListChildAccounts(ctx, home.ID)
		if err != nil {
			return nil, err
		}
		for i := range children {
			accounts = append(accounts, viewAccount(&children[i]))
		}
	}
	return &SessionInfo{
		Admin: viewAdmin(&p.Admin), HomeAccount: p.Session.HomeAccountID, ActingAccount: p.Session.ActingAccountID,
		Accounts: accounts, Factor: p.Session.Factor, AuthenticatedAt: p.Session.AuthenticatedAt.UTC(),
		ExpiresAt: p.Session.ExpiresAt().UTC(),
	}, nil
}

func viewAccount(a *domain.Account) AccountView {
	return AccountView{AccountID: a.ID, Name: a.Name, Kind: a.Kind}
}

// Logout ends the caller's session; its token then gives 40101.
func (s *Service) Logout(ctx context.Context, p *domain.Principal, c Client) error {
	// The session's last_seen_at write (shared/session) must land first:
	// beside this transaction on the same item, DynamoDB would cancel one.
	_ = p.WaitTouch()
	return s.Store.EndSession(ctx, p.TokenHash, s.event(&p.Admin, c, domain.ActionLogout, domain.OutcomeSuccess, nil))
}

// errNoSuchAccount refuses a switch: the same 403 for an account that
// does not exist and one that exists but is not the caller's to act in,
// so the endpoint cannot be used to probe for account ids.
var errNoSuchAccount = domain.Errorf(domain.CodeForbidden, "not an account this administrator may act in")

// SwitchAccount makes accountID the account the session acts in: the
// admin's home account, or, when home is an MSP parent, one of its child
// accounts. Anything else is 403, audited.
func (s *Service) SwitchAccount(ctx context.Context, p *domain.Principal, accountID string, c Client) (*SessionInfo, error) {
	if !validAccountID(accountID) {
		return nil, domain.InvalidParam("account_id")
	}
	home := p.Session.HomeAccountID
	details := map[string]string{"from": p.Session.ActingAccountID, "to": accountID}
	ok, err := s.mayActIn(ctx, home, accountID)
	if err != nil {
		return nil, err
	}
	if !ok {
		s.audit(ctx, s.event(&p.Admin, c, domain.ActionSessionSwitch, domain.OutcomeFailure, details))
		return nil, errNoSuchAccount
	}
	ev := s.event(&p.Admin, c, domain.ActionSessionSwitch, domain.OutcomeSuccess, details)
	_ = p.WaitTouch() // as for Logout: one write of the session item at a time
	if err := s.Store.SwitchActingAccount(ctx, p.TokenHash, accountID, ev); err != nil {
		return nil, err
	}
	p.Session.ActingAccountID = accountID
	return s.Session(ctx, p)
}

// mayActIn reports whether a session whose home is home may act in target.
func (s *Service) mayActIn(ctx context.Context, home, target string) (bool, error) {
	if target == home {
		return true, nil
	}
	parent, err := s.Store.GetAccount(ctx, home)
	if err != nil {
		return false, err
	}
	if parent.Kind != domain.AccountMSPParent {
		return false, nil
	}
	child, err := s.Store.GetAccount(ctx, target)
	if errors.Is(err, domain.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return child.Kind == domain.AccountChild && child.ParentID == home, nil
}

// validAccountID accepts the shapes account ids take (demo ids such as
// "umbrella-child", random hex ids), at most 64 characters.
func validAccountID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i := range len(id) {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}
