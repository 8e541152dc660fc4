package login

import (
	"context"
	"errors"
	"strings"
	"time"

	"push-reactivation/shared/domain"
	"push-reactivation/shared/fanout"
	"push-reactivation/shared/hotp"
	"push-reactivation/shared/secret"
	"push-reactivation/shared/session"
)

// Answers of the verify step. They say what to do next and never whether
// a guess was close.
var (
	errPasscodeUsedUp  = domain.Errorf(domain.CodeNotAuthenticated, "too many wrong tries for this passcode: request a new one")
	errPasscodeExpired = domain.Errorf(domain.CodeExpired, "passcode expired: request a new one")
	errNoPasscode      = domain.Errorf(domain.CodeConflict, "no passcode was sent for this login")
	errNoDuoMobile     = domain.Errorf(domain.CodeForbidden, "Duo Mobile passcode not available to this administrator")
	errPasscodeReused  = domain.Errorf(domain.CodeNotAuthenticated, "passcode already used: use the next one")
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
// which needs no factor step. The caller must hold the login's secret
// (openLogin).
//
// Lockout (lockout.go): every passcode compared and found wrong counts as
// a failed attempt, and the 10th in a row locks the admin; an attempt is
// reserved before the comparison, so concurrent guesses cannot outrun it.
// A passcode that matched but had just been used (a replay, a double
// submit) does not count. Refusals that compare nothing — a passcode used
// up by its 5 tries, expired, or never sent, an admin or account that
// refuses the factor — do not count: they give a guesser nothing, and
// counting them would let a double-clicking panel lock its own admin.
//
// Round trips (issue 15): the login; then the admin and account (and, for
// a Duo Mobile passcode, its credential) in one BatchGetItem issued
// together with the reservation (fanout), since the reservation's own
// conditions (admin active, fewer than LockoutThreshold taken, the
// passcode still current with tries left) do not depend on the read;
// then the transaction that issues the session, which re-checks the admin
// (active) and the login. Three. The comparison waits for both: nothing is
// compared unless the reservation succeeded, and a refusal from the read
// gives the reservation back.
func (s *Service) Verify(ctx context.Context, txid, loginSecret, passcode string, c Client) (*Authenticated, error) {
	if !validTxID(txid) {
		return nil, domain.InvalidParam("txid")
	}
	passcode = strings.ReplaceAll(passcode, " ", "")
	if !isDigits(passcode) || (len(passcode) != domain.PasscodeDigits && len(passcode) != domain.HOTPDigits) {
		return nil, domain.InvalidParam("passcode")
	}
	tx, err := s.openLogin(ctx, txid, loginSecret)
	if err != nil {
		return nil, err
	}
	if err := live(tx); err != nil {
		return nil, err
	}
	if len(passcode) == domain.HOTPDigits {
		return s.verifyDuoMobile(ctx, tx, loginSecret, passcode, c)
	}
	return s.verifyPasscode(ctx, tx, loginSecret, passcode, c)
}

// verifyPasscode checks an SMS or voice passcode. A try is taken from the
// passcode, and an attempt from the admin, before it is compared
// (ReservePasscodeAttempt), so even concurrent guesses get at most
// MaxPasscodeTries comparisons per passcode and LockoutThreshold per admin.
func (s *Service) verifyPasscode(ctx context.Context, tx *domain.LoginTx, loginSecret, passcode string, c Client) (*Authenticated, error) {
	// The factor names the channel of the current passcode, also when a
	// push was started after it (dynamo.StartLoginPush leaves it alone).
	f := tx.Factor
	if tx.PasscodeHash == "" || (f != domain.FactorSMS && f != domain.FactorPhone) {
		// Nothing to compare, so nothing to reserve: the admin's read
		// alone says which refusal (a locked admin hears 423 first).
		if _, err := s.attemptOf(ctx, tx); err != nil {
			return nil, err
		}
		return nil, errNoPasscode
	}
	// The store takes the try only while this passcode (tx.PasscodeHash)
	// is still the login's current one.
	var a *attempt
	var readErr, reserveErr error
	fanout.Do(ctx,
		func(ctx context.Context) { a, readErr = s.attemptOf(ctx, tx) },
		func(ctx context.Context) {
			reserveErr = s.Store.ReservePasscodeAttempt(ctx, tx.ID, tx.PasscodeHash, domain.MaxPasscodeTries, tx.AdminID, LockoutRule)
		},
	)
	refuse := func(err error) error {
		if reserveErr == nil {
			s.passcodeAttemptNotAGuess(ctx, tx)
		}
		return err
	}
	if readErr != nil {
		return nil, s.readRefused(ctx, tx, c, readErr, reserveErr, refuse)
	}
	a.loginSecret = loginSecret
	if !a.account.Policy.Allows(f) {
		return nil, refuse(domain.Errorf(domain.CodeForbidden, "factor not available to this administrator"))
	}
	if errors.Is(reserveErr, domain.ErrLoginChanged) {
		return nil, s.passcodeRefused(ctx, a, c)
	}
	if err := s.attemptRefused(ctx, a, c, reserveErr); err != nil {
		return nil, err
	}
	if !s.Codes.Matches(secret.LoginPasscode, passcode, tx.PasscodeHash) {
		// The try reserved above was this passcode's PasscodeTries+1th.
		return nil, s.attemptFailed(ctx, a, c, tx.Factor, "wrong_passcode", domain.MaxPasscodeTries-(tx.PasscodeTries+1))
	}
	auth, err := s.complete(ctx, a, domain.LoginCompletion{From: domain.LoginPending, PasscodeHash: tx.PasscodeHash, Factor: tx.Factor}, c)
	if err != nil {
		s.attemptNotAGuess(ctx, a)
	}
	if errors.Is(err, domain.ErrLoginChanged) {
		return nil, s.loginChanged(ctx, a.tx.ID)
	}
	return auth, err
}

// readRefused answers a verify whose read of admin and account refused
// (admin gone, locked or disabled, or the store failed) while the
// reservation beside it ran: refuse gives back a reservation that was
// taken, since nothing was compared; a reservation that settled lost
// attempts into a lock (ErrLockedNow) is answered, and audited, as the
// lock it made, whatever the read saw first.
func (s *Service) readRefused(ctx context.Context, tx *domain.LoginTx, c Client, readErr, reserveErr error, refuse func(error) error) error {
	if errors.Is(reserveErr, domain.ErrLockedNow) {
		who := &attempt{tx: tx, admin: &domain.Admin{ID: tx.AdminID, AccountID: tx.AccountID}}
		return s.attemptRefused(ctx, who, c, reserveErr)
	}
	return refuse(readErr)
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
// of the credential's hotp_secret (kept sealed under KMS by the store), from its counter, looking ahead
// HOTPLookAhead counters (DESIGN.md §5). The attempt is reserved against
// the admin before the comparison (ReserveAttempt, issued together with
// the read of admin, account and credential): concurrent guesses cannot
// outrun the lockout. The counter moves past the match in the session's
// transaction, under a condition on its old value, so a passcode is
// accepted once even when sent twenty times at the same moment; the other
// uses are replays, which give their attempt back.
func (s *Service) verifyDuoMobile(ctx context.Context, tx *domain.LoginTx, loginSecret, passcode string, c Client) (*Authenticated, error) {
	var a *attempt
	var cred *domain.Credential
	var readErr, reserveErr error
	fanout.Do(ctx,
		func(ctx context.Context) { a, cred, readErr = s.attemptWithCredential(ctx, tx) },
		func(ctx context.Context) { reserveErr = s.Store.ReserveAttempt(ctx, tx.AdminID, LockoutRule) },
	)
	refuse := func(err error) error {
		if reserveErr == nil {
			s.returnAttempt(ctx, tx.AdminID)
		}
		return err
	}
	if readErr != nil {
		return nil, s.readRefused(ctx, tx, c, readErr, reserveErr, refuse)
	}
	a.loginSecret = loginSecret
	if !a.account.Policy.Allows(domain.FactorPasscode) || cred == nil {
		return nil, refuse(errNoDuoMobile)
	}
	if err := s.attemptRefused(ctx, a, c, reserveErr); err != nil {
		return nil, err
	}
	// KMS down (or a key that does not open) compared nothing: the
	// attempt goes back.
	key, err := s.Store.HOTPSecret(ctx, cred)
	if err != nil {
		return nil, refuse(err)
	}
	matched, ok := hotp.Verify(key, cred.HOTPCounter, domain.HOTPLookAhead, passcode)
	if !ok {
		// The passcode accepted last (counter - 1) sent again, after its
		// success moved the counter: a replay or a double submit, which
		// guesses nothing.
		if cred.HOTPCounter > 0 {
			if _, used := hotp.Verify(key, cred.HOTPCounter-1, 1, passcode); used {
				return nil, s.passcodeReused(ctx, a, c)
			}
		}
		return nil, s.attemptFailed(ctx, a, c, domain.FactorPasscode, "wrong_passcode", noPasscodeBound)
	}
	auth, err := s.complete(ctx, a, domain.LoginCompletion{
		From: domain.LoginPending, Factor: domain.FactorPasscode,
		HOTP: &domain.HOTPAdvance{CredentialID: cred.ID, From: cred.HOTPCounter, To: matched + 1},
	}, c)
	switch {
	case errors.Is(err, domain.ErrHOTPCounterMoved):
		// It matched a counter that was current when read: the passcode
		// was right and has just been used, by this admin or a replay.
		return nil, s.passcodeReused(ctx, a, c)
	case err != nil:
		s.attemptNotAGuess(ctx, a)
		if errors.Is(err, domain.ErrLoginChanged) {
			return nil, s.loginChanged(ctx, a.tx.ID)
		}
		return nil, err
	}
	return auth, nil
}

// passcodeReused answers a Duo Mobile passcode that was right but has
// just been used: its attempt is given back, and the audit log says so.
func (s *Service) passcodeReused(ctx context.Context, a *attempt, c Client) error {
	s.attemptNotAGuess(ctx, a)
	s.audit(ctx, s.event(a.admin, c, domain.ActionLoginVerify, domain.OutcomeFailure,
		map[string]string{"factor": string(domain.FactorPasscode), "reason": "passcode_reused"}))
	return errPasscodeReused
}

// complete issues the session of a passed second factor (see
// dynamo.CompleteLogin for what the one transaction checks and writes),
// or, for a step-up, refreshes the session the login is bound to
// (completeStepUp). domain.ErrLoginChanged comes back as is, for the
// caller to explain.
func (s *Service) complete(ctx context.Context, a *attempt, comp domain.LoginCompletion, c Client) (*Authenticated, error) {
	if a.tx.StepUp() {
		return s.completeStepUp(ctx, a, comp, c)
	}
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
