package dynamo

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"push-reactivation/shared/domain"
)

// Password-step throttles (issue 11 §4; docs/security/limits.md). The
// rules and numbers are the login package's (domain.PasswordTries*); the
// store keeps the logs and counts. Subjects never hold the typed email:
// the caller passes a digest of its normalised form (a password typed into
// the email field must not land in the table).

// accountSubject is the per-account log. An address that logged in to
// this account lately (one of the last five) is exempt from its slowdown:
// the slowdown holds back guessers from elsewhere, while the real user at
// a usual place keeps only the per-address limits, which nobody else can
// use up.
func accountSubject(g PasswordGuard, emailKey, address string) RateSubject {
	return RateSubject{Limit: g.PerAccount, Subject: emailKey, SlowAfter: g.SlowAfter, Keep: g.Remember, Exempt: address}
}

// ReservePasswordAttempt counts an attempt against all three limits before
// the password is checked (so concurrent guesses cannot all be checked),
// all or nothing: when any applicable limit is full the answer is
// domain.RateLimited with the longest Retry-After and nothing is counted.
// Two round trips (one BatchGetItem, one transaction).
func (s *Store) ReservePasswordAttempt(ctx context.Context, g PasswordGuard, emailKey, address string) (*PasswordAttempt, error) {
	hits, err := s.RateHits(ctx,
		RateSubject{Limit: g.PerEmailAddress, Subject: emailKey + "|" + address},
		RateSubject{Limit: g.PerAddress, Subject: address},
		accountSubject(g, emailKey, address),
	)
	if err != nil {
		return nil, err
	}
	return &PasswordAttempt{Guard: g, EmailKey: emailKey, Address: address, Hits: hits}, nil
}

// PasswordFailed records a failed attempt (wrong password or unknown
// email, alike): the hits stay counted and the email's consecutive
// failures grow by one; for a known admin, ev is added to the admin's
// aggregated failure event of this bucket (TxCountAudit), so a flood of
// guesses is one line of the administrator log with a count. One
// transaction, the same for known and unknown emails.
func (s *Store) PasswordFailed(ctx context.Context, a *PasswordAttempt, ev *domain.AuditEvent, bucket time.Duration) error {
	now := s.clock.Now()
	items := []types.TransactWriteItem{
		s.txUpdate(rateKey(a.Guard.PerAccount, a.EmailKey), "SET #t = :ttl, #type = :type ADD failures :one",
			"", map[string]string{"#t": attrTTL, "#type": attrType},
			map[string]types.AttributeValue{":ttl": unix(now.Add(a.Guard.Remember)), ":type": str(typeRate), ":one": num(1)}),
	}
	if ev != nil {
		item, err := s.TxCountAudit(*ev, bucket)
		if err != nil {
			return err
		}
		items = append(items, item)
	}
	if err := s.transact(ctx, items...); err != nil {
		return fmt.Errorf("dynamo: password failure: %w", err)
	}
	return nil
}

// PasswordAbandoned ends an attempt whose password could not be checked
// (a dependency failed before the answer): its hits are given back and
// nothing else changes, so an outage counts nothing against the limits
// (DESIGN.md §4.1, "Dependencies down"). Two round trips.
func (s *Store) PasswordAbandoned(ctx context.Context, a *PasswordAttempt) error {
	if err := s.RefundHits(ctx, a.Hits...); err != nil {
		return fmt.Errorf("dynamo: give back password attempt: %w", err)
	}
	return nil
}

// PasswordSucceeded ends an attempt whose password was right: its hits
// are given back (the throttles count failures), the email's consecutive
// failures go back to 0 and the address joins the account's known ones,
// in one transaction. Two round trips.
func (s *Store) PasswordSucceeded(ctx context.Context, a *PasswordAttempt) error {
	refunds := make([]rateRefund, len(a.Hits))
	for i, h := range a.Hits {
		e := entry(h)
		refunds[i] = rateRefund{RateSubject: RateSubject{Limit: h.Limit, Subject: h.Subject}, match: func(x string) bool { return x == e }}
	}
	// The account log is last: its failures go back to 0 and this address
	// becomes a known one.
	refunds[len(refunds)-1].Keep = a.Guard.Remember
	refunds[len(refunds)-1].success = rateSuccess{succeeded: true, address: a.Address}
	return s.refund(ctx, refunds, nil)
}

// PasswordFailures is the email's consecutive failure count. One round
// trip. For tests and operators.
func (s *Store) PasswordFailures(ctx context.Context, g PasswordGuard, emailKey string) (int, error) {
	st, err := s.readRates(ctx, []RateSubject{accountSubject(g, emailKey, "")})
	if err != nil {
		return 0, err
	}
	return st[0].failures, nil
}

// TxCountAudit is the transaction item that adds one occurrence of ev to
// the aggregated event of ev's target, action and outcome for the bucket
// of time ev falls in: created by the first occurrence (its time, IP and
// user agent are the first's), then only its count grows. The event sorts
// at the bucket's start.
func (s *Store) TxCountAudit(ev domain.AuditEvent, bucket time.Duration) (types.TransactWriteItem, error) {
	start := ev.Time.UTC().Truncate(bucket)
	ev.ID = "agg-" + ev.Action + "-" + string(ev.Outcome) + "-" + ev.TargetID + "-" + strconv.FormatInt(start.Unix(), 10)
	ev.Count = 0
	m, err := s.auditItem(ev)
	if err != nil {
		return types.TransactWriteItem{}, err
	}
	delete(m, attrPK)
	delete(m, attrSK)
	names := map[string]string{"#count": "count"}
	values := map[string]types.AttributeValue{":one": num(1)}
	update := "SET "
	for i, k := range slices.Sorted(maps.Keys(m)) {
		n, v := "#a"+strconv.Itoa(i), ":v"+strconv.Itoa(i)
		names[n], values[v] = k, m[k]
		if i > 0 {
			update += ", "
		}
		update += n + " = if_not_exists(" + n + ", " + v + ")"
	}
	k := key(auditPK(ev.AccountID), auditSK(domain.AuditEvent{Time: start, ID: ev.ID}))
	return s.txUpdate(k, update+" ADD #count :one", "", names, values), nil
}
