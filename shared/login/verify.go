package login

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"push-reactivation/shared/domain"
	"push-reactivation/shared/dynamo"
	"push-reactivation/shared/hotp"
	"push-reactivation/shared/secret"
	"push-reactivation/shared/session"
)

// Answers of the verify step. They say what to do next and never whether
// a guess was close.
var (
	errWrongPasscode   = domain.Errorf(domain.CodeNotAuthenticated, "wrong passcode")
	errPasscodeUsedUp  = domain.Errorf(domain.CodeNotAuthenticated, "too many wrong tries for this passcode: request a new one")
	errPasscodeExpired = domain.Errorf(domain.CodeExpired, "passcode expired: request a new one")
	errNoPasscode      = domain.Errorf(domain.CodeConflict, "no passcode was sent for this login")
	errNoDuoMobile     = domain.Errorf(domain.CodeForbidden, "Duo Mobile passcode not available to this administrator")
)

// Authenticated is the answer of a passed second factor: the session
// token, handed out this once (the store keeps only its hash).
type Authenticated struct {
	SessionToken string    `json:"session_token"`
	ExpiresAt    time.Time `json:"expires_at"`
	Admin        AdminView `json:"admin"`
}

// Verify checks a passcode and, when it is right, issues the session. Its
// length says what it is: 7 digits an SMS or voice passcode of this login,
// 6 digits a Duo Mobile passcode (HOTP) of the admin's active credential,
// which needs no factor step.
//
// Lockout (DESIGN.md §3): every passcode compared and found wrong (and a
// replayed Duo Mobile passcode) counts as a failed attempt, and the 10th
// in a row locks the admin. Refusals that compare nothing — a passcode
// used up by its 5 tries, expired, or never sent — do not count: they give
// a guesser nothing, and counting them would let a double-clicking panel
// lock its own admin.
func (s *Service) Verify(ctx context.Context, txid, loginSecret, passcode string, c Client) (*Authenticated, error) {
	if !validTxID(txid) {
		return nil, domain.InvalidParam("txid")
	}
	passcode = strings.ReplaceAll(passcode, " ", "")
	if !isDigits(passcode) || (len(passcode) != domain.PasscodeDigits && len(passcode) != domain.HOTPDigits) {
		return nil, domain.InvalidParam("passcode")
	}
	a, err := s.loadOwn(ctx, txid, loginSecret)
	if err != nil {
		return nil, err
	}
	if len(passcode) == domain.HOTPDigits {
		return s.verifyDuoMobile(ctx, a, passcode, c)
	}
	return s.verifyPasscode(ctx, a, passcode, c)
}

// verifyPasscode checks an SMS or voice passcode. A try is taken from the
// passcode before it is compared (ReserveLoginPasscodeTry), so even
// concurrent guesses get at most MaxPasscodeTries comparisons per passcode.
func (s *Service) verifyPasscode(ctx context.Context, a *attempt, passcode string, c Client) (*Authenticated, error) {
	// The factor names the channel of the current passcode, also when a
	// push was started after it (dynamo.StartLoginPush leaves it alone).
	f := a.tx.Factor
	if a.tx.PasscodeHash == "" || (f != domain.FactorSMS && f != domain.FactorPhone) {
		return nil, errNoPasscode
	}
	if !a.account.Policy.Allows(f) {
		return nil, domain.Errorf(domain.CodeForbidden, "factor not available to this administrator")
	}
	tx, err := s.Store.ReserveLoginPasscodeTry(ctx, a.tx.ID, domain.MaxPasscodeTries)
	if errors.Is(err, dynamo.ErrLoginChanged) {
		return nil, s.passcodeRefused(ctx, a, c)
	}
	if err != nil {
		return nil, err
	}
	if !secret.MatchesHash(passcode, tx.PasscodeHash) {
		count, locked, err := s.Store.RecordFailure(ctx, a.admin.ID)
		if err != nil {
			return nil, err
		}
		return nil, s.failed(ctx, a, c, tx.Factor, "wrong_passcode", count, locked)
	}
	auth, err := s.complete(ctx, a, dynamo.LoginCompletion{From: domain.LoginPending, PasscodeHash: tx.PasscodeHash, Factor: tx.Factor}, c)
	if errors.Is(err, dynamo.ErrLoginChanged) {
		return nil, s.loginChanged(ctx, a.tx.ID)
	}
	return auth, err
}

// loginChanged explains a completion refused because the login changed
// after it was read: completed by a concurrent request (409), expired
// (41001), or its passcode replaced by a resend (409, try again).
func (s *Service) loginChanged(ctx context.Context, txid string) error {
	tx, err := s.Store.GetLogin(ctx, txid)
	if err != nil {
		return err
	}
	if err := live(tx); err != nil {
		return err
	}
	return domain.Errorf(domain.CodeConflict, "login changed: try again")
}

// passcodeRefused says why no try could be taken, from a fresh read.
func (s *Service) passcodeRefused(ctx context.Context, a *attempt, c Client) error {
	tx, err := s.Store.GetLogin(ctx, a.tx.ID)
	if err != nil {
		return err
	}
	if err := live(tx); err != nil {
		return err
	}
	switch {
	case tx.PasscodeHash == "":
		return errNoPasscode
	case !s.Clock.Now().Before(tx.PasscodeExpiresAt):
		return errPasscodeExpired
	case tx.PasscodeTries >= domain.MaxPasscodeTries:
		s.audit(ctx, s.event(a.admin, c, domain.ActionLoginVerify, domain.OutcomeFailure,
			map[string]string{"factor": string(tx.Factor), "reason": "passcode_used_up"}))
		return errPasscodeUsedUp
	}
	return domain.Errorf(domain.CodeConflict, "login changed: try again")
}

// verifyDuoMobile checks a Duo Mobile passcode: HOTP over the ASCII bytes
// of the credential's hotp_secret, from its counter, looking ahead
// HOTPLookAhead counters (DESIGN.md §5). This factor has no per-passcode
// try limit, so the attempt is counted against the admin before the
// comparison (ReserveLoginAttempt): concurrent guesses cannot outrun the
// lockout. A success resets the count; the counter moves past the match
// in the same transaction, under a condition on its old value, so a
// passcode is accepted once even when sent twice at the same moment.
func (s *Service) verifyDuoMobile(ctx context.Context, a *attempt, passcode string, c Client) (*Authenticated, error) {
	if !a.account.Policy.Allows(domain.FactorPasscode) {
		return nil, errNoDuoMobile
	}
	cred, err := s.activeCredential(ctx, a.admin)
	if err != nil {
		return nil, err
	}
	if cred == nil {
		return nil, errNoDuoMobile
	}
	count, err := s.Store.ReserveLoginAttempt(ctx, a.admin.ID, domain.LockoutThreshold)
	if err != nil {
		return nil, err
	}
	fail := func(reason string) error {
		locked := false
		if count >= domain.LockoutThreshold {
			if err := s.Store.LockAdminAfterFailures(ctx, a.admin.ID); err != nil {
				return err
			}
			locked = true
		}
		return s.failed(ctx, a, c, domain.FactorPasscode, reason, count, locked)
	}
	matched, ok := hotp.Verify([]byte(cred.HOTPSecret), cred.HOTPCounter, domain.HOTPLookAhead, passcode)
	if !ok {
		return nil, fail("wrong_passcode")
	}
	auth, err := s.complete(ctx, a, dynamo.LoginCompletion{
		From: domain.LoginPending, Factor: domain.FactorPasscode,
		HOTP: &dynamo.HOTPAdvance{CredentialID: cred.ID, From: cred.HOTPCounter, To: matched + 1},
	}, c)
	switch {
	case errors.Is(err, dynamo.ErrHOTPCounterMoved):
		return nil, fail("passcode_reused")
	case errors.Is(err, dynamo.ErrLoginChanged):
		return nil, s.loginChanged(ctx, a.tx.ID)
	}
	return auth, err
}

// failed audits a counted failure and answers it: 42301 when it locked
// the admin, else "wrong passcode".
func (s *Service) failed(ctx context.Context, a *attempt, c Client, f domain.Factor, reason string, count int, locked bool) error {
	s.audit(ctx, s.event(a.admin, c, domain.ActionLoginVerify, domain.OutcomeFailure,
		map[string]string{"factor": string(f), "reason": reason, "failed_attempts": strconv.Itoa(count)}))
	if locked {
		s.audit(ctx, s.event(a.admin, c, domain.ActionLoginLocked, domain.OutcomeFailure,
			map[string]string{"failed_attempts": strconv.Itoa(count)}))
		return domain.NewError(domain.CodeLocked)
	}
	return errWrongPasscode
}

// complete issues the session of a passed second factor (see
// dynamo.CompleteLogin for what the one transaction checks and writes).
// dynamo.ErrLoginChanged comes back as is, for the caller to explain.
func (s *Service) complete(ctx context.Context, a *attempt, comp dynamo.LoginCompletion, c Client) (*Authenticated, error) {
	token, sess, err := session.New(s.Random, a.admin, comp.Factor, s.Clock.Now().UTC())
	if err != nil {
		return nil, err
	}
	action := domain.ActionLoginVerify
	if comp.Factor == domain.FactorPush {
		action = domain.ActionLoginPush
	}
	comp.TxID, comp.Session = a.tx.ID, sess
	comp.Audit = s.event(a.admin, c, action, domain.OutcomeSuccess, map[string]string{"factor": string(comp.Factor)})
	if err := s.Store.CompleteLogin(ctx, comp); err != nil {
		return nil, err
	}
	return &Authenticated{SessionToken: token, ExpiresAt: sess.ExpiresAt(), Admin: viewAdmin(a.admin)}, nil
}
