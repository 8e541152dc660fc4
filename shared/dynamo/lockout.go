package dynamo

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"push-reactivation/shared/domain"
)

// The lockout's counters live on the admin item; the rule that uses them
// is shared/login/lockout.go, and the numbers are compared here only, in
// the conditions of the writes below:
//
//	attempts_reserved     second-factor attempts taken since the last reset:
//	                      counted failures plus attempts still in flight
//	attempts_reserved_at  when the last one was taken
//	failed_attempts       counted failures, the count Owners see
//
// A passcode is compared only after an attempt was reserved under
// attempts_reserved < Max, so however many guesses race, at most Max are
// compared before the lock. The lock itself follows counted failures only,
// so attempts in flight that turn out to be replays of a passcode that
// already succeeded (and are given back) never lock anyone.

func adminKey(adminID string) map[string]types.AttributeValue { return key(adminPK(adminID), skAdmin) }

// txReserveAttempt takes one attempt of an active admin, if fewer than
// l.Max are taken.
func (s *Store) txReserveAttempt(adminID string, l Lockout) types.TransactWriteItem {
	return s.txUpdate(adminKey(adminID), "ADD attempts_reserved :one SET attempts_reserved_at = :now",
		"#s = :active AND (attribute_not_exists(attempts_reserved) OR attempts_reserved < :max)",
		map[string]string{"#s": "status"},
		map[string]types.AttributeValue{
			":one": num(1), ":now": unix(s.clock.Now()), ":active": str(string(domain.AdminActive)), ":max": num(int64(l.Max)),
		})
}

// ReserveAttempt takes one second-factor attempt of the admin before a
// passcode is compared. It returns nil, ErrAttemptsInFlight, ErrLockedNow,
// or a domain error: 42301 when the admin is locked, 40101 when it is
// disabled or gone. One round trip (two or three when refused).
func (s *Store) ReserveAttempt(ctx context.Context, adminID string, l Lockout) error {
	u := s.txReserveAttempt(adminID, l).Update
	_, err := s.update(ctx, u.Key, *u.UpdateExpression, *u.ConditionExpression, u.ExpressionAttributeNames, u.ExpressionAttributeValues)
	switch {
	case isConditionFailed(err):
		return s.attemptRefused(ctx, adminID, l)
	case transactionConflict(err):
		return ErrAttemptsInFlight
	case err != nil:
		return fmt.Errorf("dynamo: reserve attempt: %w", err)
	}
	return nil
}

// ReservePasscodeAttempt takes, in one transaction, one try of the login's
// current SMS/voice passcode (still the one with hash, unexpired, fewer
// than maxTries tries) and one attempt of the admin (ReserveAttempt), so
// neither limit can be outrun by concurrent guesses and a passcode is
// compared only when both were taken. A refused login item gives
// ErrLoginChanged; a refused admin what ReserveAttempt gives. One round
// trip (more when the admin refuses).
func (s *Store) ReservePasscodeAttempt(ctx context.Context, txid, hash string, maxTries int, adminID string, l Lockout) error {
	now := s.clock.Now()
	err := s.transact(ctx,
		s.txUpdate(loginKey(txid), "ADD passcode_tries :one",
			"#s = :pending AND expires_at > :now AND passcode_hash = :h AND passcode_expires_at > :now AND passcode_tries < :max",
			map[string]string{"#s": "status"},
			map[string]types.AttributeValue{
				":one": num(1), ":pending": str(string(domain.LoginPending)), ":now": unix(now), ":h": str(hash),
				":max": num(int64(maxTries)),
			}),
		s.txReserveAttempt(adminID, l),
	)
	if reasons := cancelReasons(err); reasons != nil {
		switch {
		case reasons[0] == "ConditionalCheckFailed":
			return ErrLoginChanged
		case len(reasons) > 1 && reasons[1] == "ConditionalCheckFailed":
			return s.attemptRefused(ctx, adminID, l)
		}
		return ErrAttemptsInFlight // TransactionConflict: another write on these items
	}
	if transactionConflict(err) {
		return ErrAttemptsInFlight
	}
	if err != nil {
		return fmt.Errorf("dynamo: reserve passcode attempt: %w", err)
	}
	return nil
}

// attemptRefused tells why an admin's attempt could not be reserved.
// Max attempts reserved and the newest older than the lease means their
// functions died before resolving them: they are settled as failures
// (they may have been compared), which locks the admin.
func (s *Store) attemptRefused(ctx context.Context, adminID string, l Lockout) error {
	now := s.clock.Now()
	_, err := s.update(ctx, adminKey(adminID), "SET failed_attempts = attempts_reserved, #s = :locked",
		"#s = :active AND attempts_reserved >= :max AND attempts_reserved_at < :stale",
		map[string]string{"#s": "status"},
		map[string]types.AttributeValue{
			":locked": str(string(domain.AdminLocked)), ":active": str(string(domain.AdminActive)),
			":max": num(int64(l.Max)), ":stale": unix(now.Add(-l.Lease)),
		})
	if err == nil {
		return ErrLockedNow
	}
	if !isConditionFailed(err) && !transactionConflict(err) {
		return fmt.Errorf("dynamo: settle attempts: %w", err)
	}
	return s.inactiveOr(ctx, adminID, ErrAttemptsInFlight)
}

// inactiveOr reads the admin: 42301 when locked, 40101 when disabled or
// gone, else ifActive.
func (s *Store) inactiveOr(ctx context.Context, adminID string, ifActive error) error {
	a, err := s.GetAdmin(ctx, adminID)
	switch {
	case errors.Is(err, domain.ErrNotFound):
		return domain.NewError(domain.CodeNotAuthenticated)
	case err != nil:
		return err
	case a.Status == domain.AdminLocked:
		return domain.NewError(domain.CodeLocked)
	case a.Status != domain.AdminActive:
		return domain.NewError(domain.CodeNotAuthenticated)
	}
	return ifActive
}

// FailAttempt turns a reserved attempt into a counted failure: the
// failure count goes up, and the failure that makes it l.Max locks the
// admin in the same write. It returns the new count and whether this call
// locked the admin. An admin that is no longer active (locked by a
// concurrent failure, disabled) is left as it is, never turned from
// disabled into locked, and the answer is the domain error of its status.
// One round trip, two when locking.
func (s *Store) FailAttempt(ctx context.Context, adminID string, l Lockout) (count int, locked bool, err error) {
	active := str(string(domain.AdminActive))
	// Two conditional writes, below and at the threshold, because an
	// update expression cannot set the status from the count it computes.
	// Each loop is one of them succeeding, unless a reset came between.
	for range 3 {
		attrs, err := s.update(ctx, adminKey(adminID), "ADD failed_attempts :one",
			"#s = :active AND (attribute_not_exists(failed_attempts) OR failed_attempts < :last)",
			map[string]string{"#s": "status"},
			map[string]types.AttributeValue{":one": num(1), ":active": active, ":last": num(int64(l.Max - 1))})
		if err == nil {
			return failedCount(attrs), false, nil
		}
		if !isConditionFailed(err) {
			return 0, false, fmt.Errorf("dynamo: count failure: %w", err)
		}
		attrs, err = s.update(ctx, adminKey(adminID), "ADD failed_attempts :one SET #s = :locked",
			"#s = :active AND failed_attempts >= :last",
			map[string]string{"#s": "status"},
			map[string]types.AttributeValue{
				":one": num(1), ":active": active, ":last": num(int64(l.Max - 1)), ":locked": str(string(domain.AdminLocked)),
			})
		if err == nil {
			return failedCount(attrs), true, nil
		}
		if !isConditionFailed(err) {
			return 0, false, fmt.Errorf("dynamo: lock: %w", err)
		}
		if err := s.inactiveOr(ctx, adminID, nil); err != nil {
			return 0, false, err
		}
	}
	return 0, false, fmt.Errorf("dynamo: count failure of %s: the count kept changing", adminID)
}

func failedCount(attrs map[string]types.AttributeValue) int {
	var a domain.Admin
	_ = attributevalue.UnmarshalMap(attrs, &a) // the store wrote these attributes itself
	return a.FailedAttempts
}

// ReturnAttempt gives back a reserved attempt that was not a guess: the
// passcode matched but had been used meanwhile (a replay, or a double
// submit), or the comparison never happened. Never below zero: a success
// meanwhile reset the count and with it this reservation. One round trip.
func (s *Store) ReturnAttempt(ctx context.Context, adminID string) error {
	_, err := s.update(ctx, adminKey(adminID), "ADD attempts_reserved :minus", "attempts_reserved > :zero", nil,
		map[string]types.AttributeValue{":minus": num(-1), ":zero": num(0)})
	if err != nil && !isConditionFailed(err) {
		return fmt.Errorf("dynamo: return attempt: %w", err)
	}
	return nil
}
