package login

import (
	"context"
	"errors"
	"fmt"
	"time"

	"push-reactivation/shared/domain"
	"push-reactivation/shared/secret"
)

// attempt is a live login transaction with its admin and account, as read
// at the start of a second-factor step.
type attempt struct {
	tx      *domain.LoginTx
	admin   *domain.Admin
	account *domain.Account
	// loginSecret is the caller's X-Login-Secret, checked against the
	// login's hash (openLogin); a step-up needs it to open its token.
	loginSecret string
}

// load reads a login transaction that may still take a second factor,
// with its admin (who must be active) and account. Two round trips.
func (s *Service) load(ctx context.Context, txid string) (*attempt, error) {
	tx, err := s.Store.GetLogin(ctx, txid)
	if err != nil {
		return nil, err
	}
	if err := live(tx); err != nil {
		return nil, err
	}
	return s.attemptOf(ctx, tx)
}

// attemptOf reads the admin (who must be active) and account of a login
// transaction. One round trip.
func (s *Service) attemptOf(ctx context.Context, tx *domain.LoginTx) (*attempt, error) {
	admin, account, err := s.Store.GetLoginAdmin(ctx, tx.AdminID, tx.AccountID)
	return admitted(tx, admin, account, err)
}

// attemptWithCredential is attemptOf with the admin's active push
// credential (nil when there is none that works), read in the same round
// trip when the login names it (LoginTx.ActiveCredentialID, a hint set
// when the login started). The admin's active_credential_id decides: a
// phone activated or replaced since the login started costs one more read.
func (s *Service) attemptWithCredential(ctx context.Context, tx *domain.LoginTx) (*attempt, *domain.Credential, error) {
	admin, account, cred, err := s.Store.GetLoginAdminCredential(ctx, tx.AdminID, tx.AccountID, tx.ActiveCredentialID)
	a, err := admitted(tx, admin, account, err)
	if err != nil {
		return nil, nil, err
	}
	if cred == nil || cred.ID != admin.ActiveCredentialID {
		cred, err = s.activeCredential(ctx, admin)
		return a, cred, err
	}
	return a, usableCredential(admin, cred), nil
}

// admitted is the verdict of attemptOf on the admin and account read (or
// the read's error).
func admitted(tx *domain.LoginTx, admin *domain.Admin, account *domain.Account, err error) (*attempt, error) {
	if errors.Is(err, domain.ErrNotFound) {
		return nil, domain.NewError(domain.CodeNotAuthenticated)
	}
	if err != nil {
		return nil, err
	}
	switch admin.Status {
	case domain.AdminActive:
		return &attempt{tx: tx, admin: admin, account: account}, nil
	case domain.AdminLocked:
		return nil, domain.NewError(domain.CodeLocked)
	default:
		return nil, domain.NewError(domain.CodeNotAuthenticated)
	}
}

// live says why a login transaction (as GetLogin returns it, with expiry
// applied) can no longer take a second factor, or nil if it can.
func live(tx *domain.LoginTx) error {
	switch tx.Status {
	case domain.LoginPending:
		return nil
	case domain.LoginExpired:
		return domain.Errorf(domain.CodeExpired, "login expired: start again")
	case domain.LoginApproved:
		return domain.Errorf(domain.CodeConflict, "push approved: the session comes from GET /v1/login/{txid}")
	case domain.LoginDenied:
		return domain.Errorf(domain.CodeConflict, "push denied: start again")
	default:
		return domain.Errorf(domain.CodeConflict, "login already completed")
	}
}

// Delivery is the answer of the factor step.
type Delivery struct {
	Factor domain.Factor      `json:"factor"`
	Status domain.LoginStatus `json:"status"`
	// ExpiresAt is when the passcode or the push lapses.
	ExpiresAt time.Time `json:"expires_at"`
	// VerificationCode is the verified-push code the panel shows and the
	// admin types on the phone; returned here once, stored only hashed.
	VerificationCode string `json:"verification_code,omitempty"`
	// SendsLeft (DESIGN.md §4.1, counts that help a person) is how many
	// more times the panel may ask for this factor in this login: for sms
	// and phone, the passcode sends left — the smaller of this login's
	// (MaxSendsPerLogin) and the admin's hourly allowance
	// (MaxSendsPerAdminHour, shared by all its logins), since whichever is
	// nearer is the one the person will hit; for push, the pushes left in
	// this login (MaxPushesPerLogin). Counted as of this request: a
	// concurrent resend of the same login may take one more.
	SendsLeft int `json:"sends_left"`
}

// ChooseFactor delivers the second factor the admin picked: a passcode by
// text (sms) or voice call (phone), or a Duo Push. Choosing sms or phone
// again is a resend: a new passcode replaces the old one. The Duo Mobile
// passcode needs no delivery; it goes straight to Verify. Like every step
// after the password, it needs the login's secret (openLogin).
func (s *Service) ChooseFactor(ctx context.Context, txid, loginSecret string, f domain.Factor, c Client) (*Delivery, error) {
	if !validTxID(txid) {
		return nil, domain.InvalidParam("txid")
	}
	if f != domain.FactorSMS && f != domain.FactorPhone && f != domain.FactorPush {
		return nil, domain.InvalidParam("factor")
	}
	tx, err := s.openLogin(ctx, txid, loginSecret)
	if err != nil {
		return nil, err
	}
	if err := live(tx); err != nil {
		return nil, err
	}
	var a *attempt
	var cred *domain.Credential // only push needs it; sms and phone need a phone
	if f == domain.FactorPush {
		a, cred, err = s.attemptWithCredential(ctx, tx)
	} else {
		a, err = s.attemptOf(ctx, tx)
	}
	if err != nil {
		return nil, err
	}
	a.loginSecret = loginSecret
	if !factorAvailable(f, a.admin, a.account, cred) {
		return nil, domain.Errorf(domain.CodeForbidden, "factor not available to this administrator")
	}
	if f == domain.FactorPush {
		return s.push(ctx, a, cred, c)
	}
	return s.sendPasscode(ctx, a, f, c)
}

// sendPasscode issues a new 7-digit passcode and sends it. The hash is
// written (with the send counted against both limits) before the message
// goes out, so a refused send never reaches a phone; a send that fails is
// given back.
func (s *Service) sendPasscode(ctx context.Context, a *attempt, f domain.Factor, c Client) (*Delivery, error) {
	now := s.Clock.Now().UTC()
	if a.tx.Sends >= domain.MaxSendsPerLogin {
		return nil, s.sendsUsedUp(ctx, a, f, c)
	}
	passcode, err := secret.Digits(s.Random, domain.PasscodeDigits)
	if err != nil {
		return nil, err
	}
	hash := s.Codes.Hash(secret.LoginPasscode, passcode)
	expires := now.Add(domain.PasscodeValidity)
	adminLeft, err := s.Store.IssueLoginPasscode(ctx, domain.LoginPasscode{
		TxID: a.tx.ID, AdminID: a.admin.ID, Factor: f, Hash: hash, ExpiresAt: expires,
		MaxSends: domain.MaxSendsPerLogin, Limit: sendLimit,
		Audit: s.event(a.admin, c, domain.ActionLoginFactor, domain.OutcomeSuccess, map[string]string{"factor": string(f)}),
	})
	if errors.Is(err, domain.ErrLoginChanged) {
		if a, err = s.load(ctx, a.tx.ID); err != nil {
			return nil, err
		}
		return nil, s.sendsUsedUp(ctx, a, f, c)
	}
	if errors.Is(err, domain.ErrRateLimited) {
		s.audit(ctx, s.event(a.admin, c, domain.ActionLoginFactor, domain.OutcomeFailure,
			map[string]string{"factor": string(f), "reason": "admin_send_limit"}))
		return nil, err
	}
	if err != nil {
		return nil, err
	}

	// The send is cut off at SendTimeout, inside the request's deadline, so
	// a hanging provider leaves time to give the send back.
	sendCtx, cancel := context.WithTimeout(ctx, domain.SendTimeout)
	if f == domain.FactorSMS {
		err = s.Phone.SendText(sendCtx, a.admin.Phone, domain.PasscodeText(passcode))
	} else {
		err = s.Phone.SendVoice(sendCtx, a.admin.Phone, domain.PasscodeSSML(passcode))
	}
	cancel()
	if err != nil {
		// Give the send back and audit the failure on a detached context:
		// the request's own may have expired with the send, and a refund
		// that fails leaves the send counted against the admin.
		uctx, cancel := domain.Detached(ctx)
		defer cancel()
		if rerr := s.Store.RefundLoginPasscode(uctx, a.tx.ID, hash, sendLimit, a.admin.ID); rerr != nil {
			s.Log.ErrorContext(ctx, "refund of a failed send failed", "error", rerr.Error())
		}
		s.audit(uctx, s.event(a.admin, c, domain.ActionLoginFactor, domain.OutcomeFailure,
			map[string]string{"factor": string(f), "reason": "send_failed"}))
		if errors.Is(err, domain.ErrPeerUnavailable) {
			s.Log.ErrorContext(ctx, "passcode send failed", "factor", string(f), "error", err.Error())
			return nil, domain.Unavailable(string(f))
		}
		return nil, fmt.Errorf("login: send %s passcode: %w", f, err) // smsvoice redacts the body
	}
	sendsLeft := max(0, min(domain.MaxSendsPerLogin-(a.tx.Sends+1), adminLeft))
	return &Delivery{Factor: f, Status: domain.LoginPending, ExpiresAt: earlier(expires, a.tx.ExpiresAt), SendsLeft: sendsLeft}, nil
}

// sendsUsedUp answers a resend beyond MaxSendsPerLogin. Retrying this
// login cannot help, so Retry-After is the rest of its life; a new login
// may send at once (within the admin's hourly allowance).
func (s *Service) sendsUsedUp(ctx context.Context, a *attempt, f domain.Factor, c Client) error {
	s.audit(ctx, s.event(a.admin, c, domain.ActionLoginFactor, domain.OutcomeFailure,
		map[string]string{"factor": string(f), "reason": "login_send_limit"}))
	e := domain.RateLimited(a.tx.ExpiresAt.Sub(s.Clock.Now()))
	e.Detail = fmt.Sprintf("at most %d passcodes per login: start again", domain.MaxSendsPerLogin)
	return e
}

// push starts a Duo Push to the admin's active credential. The phone finds
// it by polling GET /push/v2/device/transactions (the device API); when the
// account asks for verified push, the code the phone must send back is
// returned here, once, for the panel to show.
func (s *Service) push(ctx context.Context, a *attempt, cred *domain.Credential, c Client) (*Delivery, error) {
	pushID, err := secret.ID(s.Random)
	if err != nil {
		return nil, err
	}
	// The code's length is the policy's now, and is stored with the push:
	// a later policy change does not alter a push already listed.
	var code, codeHash string
	n := a.account.Policy.VerifiedPushLength
	if n > 0 {
		if code, err = secret.Digits(s.Random, n); err != nil {
			return nil, err
		}
		codeHash = s.Codes.Hash(secret.PushVerificationCode, code)
	}
	expires := earlier(s.Clock.Now().UTC().Add(domain.PushValidity), a.tx.ExpiresAt)
	err = s.Store.StartLoginPush(ctx, domain.LoginPush{
		TxID: a.tx.ID, CredentialID: cred.ID, PushID: pushID, VerificationCodeHash: codeHash, VerificationCodeLength: n, ExpiresAt: expires,
		MaxPushes: domain.MaxPushesPerLogin,
		Audit: s.event(a.admin, c, domain.ActionLoginFactor, domain.OutcomeSuccess,
			map[string]string{"factor": string(domain.FactorPush), "device": deviceName(cred)}),
	})
	if errors.Is(err, domain.ErrLoginChanged) {
		if a, err = s.load(ctx, a.tx.ID); err != nil {
			return nil, err
		}
		s.audit(ctx, s.event(a.admin, c, domain.ActionLoginFactor, domain.OutcomeFailure,
			map[string]string{"factor": string(domain.FactorPush), "reason": "login_push_limit"}))
		e := domain.RateLimited(a.tx.ExpiresAt.Sub(s.Clock.Now()))
		e.Detail = fmt.Sprintf("at most %d pushes per login: start again", domain.MaxPushesPerLogin)
		return nil, e
	}
	if err != nil {
		return nil, err
	}
	pushesLeft := max(0, domain.MaxPushesPerLogin-(a.tx.Pushes+1))
	return &Delivery{Factor: domain.FactorPush, Status: domain.LoginPending, ExpiresAt: expires, VerificationCode: code, SendsLeft: pushesLeft}, nil
}

func earlier(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
