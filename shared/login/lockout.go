package login

import (
	"context"
	"errors"
	"strconv"
	"time"

	"push-reactivation/shared/domain"
	"push-reactivation/shared/fanout"
)

// The lockout (DESIGN.md §3): 10 consecutive failed second-factor attempts
// lock the admin, a success resets the count, a resend does not, an Owner
// clears a lock. It is one mechanism for every factor that compares a
// secret the caller typed (SMS and voice passcodes, Duo Mobile passcodes),
// in three steps around the comparison:
//
//  1. reserve: before anything is compared, one attempt is taken from the
//     admin under the condition that fewer than LockoutThreshold are taken
//     (counted failures plus attempts in flight). For an SMS/voice passcode
//     this is the same transaction that takes the passcode's own try, so
//     still one round trip. However many guesses race, at most
//     LockoutThreshold comparisons happen before the lock.
//  2. compare.
//  3. resolve: a wrong passcode becomes a counted failure, and the one that
//     makes LockoutThreshold locks the admin in the same write; a passcode
//     that matched but could not be used because it had just been used (a
//     replay, a double submit) is given back, since it guessed nothing; a
//     success resets both counts (in the transaction that issues the
//     session).
//
// The threshold is compared in the store's conditions only
// (shared/dynamo/lockout.go); this file holds the rule's numbers and the
// answers.
//
// Answers: a wrong passcode 401 40101; the failure that locks, and any
// attempt of a locked admin, 423 42301. An attempt refused because the
// admin's attempts are all taken but some are still being checked (only
// under concurrent verifies of one admin) is 429 42901 with Retry-After
// 1 s: nothing was compared or counted, the admin is not locked, and
// saying 423 would tell the real user a lie when the attempts in flight
// are replays of the passcode that just logged them in.

// LockoutRule is the lockout's numbers as the store enforces them.
var LockoutRule = domain.Lockout{Max: domain.LockoutThreshold, Lease: attemptLease}

// attemptLease: an attempt reserved and never resolved for this long was
// lost with its function (the function timeout is 10 s); once such lost
// attempts fill the allowance they are settled as the failures they may
// have been, which locks, rather than refusing the admin forever.
const attemptLease = time.Minute

// resolveContext is the context of the write that resolves a reserved
// attempt: the request's cancellation does not reach it, since once a
// passcode was compared its outcome must be recorded even if the caller is
// gone, and it keeps within the request's time budget (domain.Detached).
func resolveContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return domain.Detached(ctx)
}

// errAttemptsInFlight answers an attempt refused while the admin's other
// attempts are still being checked.
func errAttemptsInFlight() error {
	e := domain.RateLimited(time.Second)
	e.Detail = "other attempts are being checked: try again in a moment"
	return e
}

// attemptRefused turns the store's refusal of a reservation into the answer.
func (s *Service) attemptRefused(ctx context.Context, a *attempt, c Client, err error) error {
	switch {
	case errors.Is(err, domain.ErrAttemptsInFlight):
		return errAttemptsInFlight()
	case errors.Is(err, domain.ErrLockedNow):
		s.audit(ctx, s.event(a.admin, c, domain.ActionLoginLocked, domain.OutcomeFailure,
			map[string]string{"reason": "unresolved_attempts", "failed_attempts": strconv.Itoa(LockoutRule.Max)}))
		return domain.NewError(domain.CodeLocked)
	}
	return err
}

// attemptFailed is step 3 for a wrong passcode: the failure is counted
// and audited, and the one that reaches the threshold locks. Should the
// write be lost anyway, the attempt stays reserved, so the bound of
// comparisons holds; lost attempts that fill the allowance count as
// failures once their lease has run out. passcodeLeft is the tries the
// passcode itself has left, or noPasscodeBound (Duo Mobile passcodes).
func (s *Service) attemptFailed(ctx context.Context, a *attempt, c Client, f domain.Factor, reason string, passcodeLeft int) error {
	rctx, cancel := resolveContext(ctx)
	defer cancel()
	count, locked, err := s.Store.FailAttempt(rctx, a.admin.ID, LockoutRule)
	if err != nil {
		return err // 42301 when a concurrent failure locked the admin first
	}
	s.audit(ctx, s.event(a.admin, c, domain.ActionLoginVerify, domain.OutcomeFailure,
		map[string]string{"factor": string(f), "reason": reason, "failed_attempts": strconv.Itoa(count)}))
	if locked {
		s.audit(ctx, s.event(a.admin, c, domain.ActionLoginLocked, domain.OutcomeFailure,
			map[string]string{"failed_attempts": strconv.Itoa(count)}))
		return domain.NewError(domain.CodeLocked)
	}
	return wrongPasscode(passcodeLeft, LockoutRule.Max-count)
}

// noPasscodeBound: a Duo Mobile passcode has no tries of its own (each
// one is new), only the admin's lockout allowance bounds the guesses.
const noPasscodeBound = -1

// wrongPasscode is the answer to a wrong passcode (401 40101), whose
// detail says how many tries are left (DESIGN.md §4.1, counts that help a
// person). Two bounds apply: the passcode's own tries (MaxPasscodeTries,
// after which a new passcode is needed) and the admin's lockout allowance
// (LockoutThreshold consecutive failures, after which an Owner must
// unlock). The detail names the nearer one, and the lockout when they
// tie, since that is the one with the graver outcome. Counts are as of
// this request: concurrent guesses may have taken more.
func wrongPasscode(passcodeLeft, lockoutLeft int) error {
	lockoutLeft = max(0, lockoutLeft)
	if passcodeLeft == noPasscodeBound || lockoutLeft <= passcodeLeft {
		return domain.Errorf(domain.CodeNotAuthenticated, "wrong passcode: %s left before this administrator is locked out", tries(lockoutLeft))
	}
	if passcodeLeft <= 0 {
		return domain.Errorf(domain.CodeNotAuthenticated, "wrong passcode: no tries left for this passcode, request a new one")
	}
	return domain.Errorf(domain.CodeNotAuthenticated, "wrong passcode: %s left for this passcode", tries(passcodeLeft))
}

func tries(n int) string {
	if n == 1 {
		return "1 try"
	}
	return strconv.Itoa(n) + " tries"
}

// attemptNotAGuess is step 3 for a passcode that matched but did not log
// in (used meanwhile, login changed, store error): the attempt is given
// back. Losing the give-back to a store error only leaves the attempt
// counted until the next success, so it is logged, not answered.
func (s *Service) attemptNotAGuess(ctx context.Context, a *attempt) {
	s.returnAttempt(ctx, a.admin.ID)
}

// returnAttempt gives back an attempt reserved for adminID.
func (s *Service) returnAttempt(ctx context.Context, adminID string) {
	rctx, cancel := resolveContext(ctx)
	defer cancel()
	if err := s.Store.ReturnAttempt(rctx, adminID); err != nil {
		s.Log.ErrorContext(ctx, "giving back a lockout attempt failed", "admin_id", adminID, "error", err.Error())
	}
}

// passcodeAttemptNotAGuess gives back both halves of an SMS/voice
// reservation (ReservePasscodeAttempt) that compared nothing, because the
// admin or account read beside it refused: the admin's attempt and the
// passcode's try, in parallel. Losing either only leaves it counted (the
// try until the next send, the attempt until the next success), so
// failures are logged.
func (s *Service) passcodeAttemptNotAGuess(ctx context.Context, tx *domain.LoginTx) {
	fanout.Do(ctx,
		func(ctx context.Context) { s.returnAttempt(ctx, tx.AdminID) },
		func(ctx context.Context) {
			rctx, cancel := resolveContext(ctx)
			defer cancel()
			if err := s.Store.ReturnPasscodeTry(rctx, tx.ID, tx.PasscodeHash); err != nil {
				s.Log.ErrorContext(ctx, "giving back a passcode try failed", "txid", tx.ID, "error", err.Error())
			}
		},
	)
}
