package dynamo

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"push-reactivation/shared/domain"
)

// maxRateAttempts bounds the read-and-write rounds of one hit when other
// hits on the same subject keep winning the race. Each lost round means
// another hit committed, so a subject under heavy contention fills up
// quickly anyway; past the bound the caller gets 42901 with a one-second
// Retry-After ("too many at once") rather than an unbounded wait.
const maxRateAttempts = 8

// entry is a hit's log entry (a Hit is domain.Hit, see vocabulary.go).
func entry(h Hit) string {
	return fmt.Sprintf("%019d/%s", h.At, strings.ReplaceAll(h.Tag, " ", "_"))
}

// rateState is a subject's log as read.
type rateState struct {
	limit   Limit
	subject string
	version int64    // 0 when the item does not exist
	hits    []string // entries, oldest first
	// failures is the subject's consecutive failure count, kept on the
	// log of limits that apply only past a number of failures
	// (RateSubject.SlowAfter); 0 elsewhere.
	failures int
	// known is the addresses that passed this subject's check lately
	// (RateSubject.Exempt), most recent last.
	known []string
}

// rateItem is the stored log. The hits are one space-separated string
// rather than a list: an empty list does not survive every DynamoDB
// implementation (minidyn reads it back as a string), an empty string does.
type rateItem struct {
	Hits     string `dynamodbav:"hits"`
	Version  int64  `dynamodbav:"version"`
	Failures int    `dynamodbav:"failures"`
	Known    string `dynamodbav:"known"`
}

func rateKey(l Limit, subject string) map[string]types.AttributeValue {
	return key(ratePK(l.Name, subject), skRate)
}

func entryTime(e string) int64 {
	at, _ := strconv.ParseInt(e[:min(len(e), 19)], 10, 64)
	return at
}

// live is the hits still inside the window ending at now, oldest first.
func (st *rateState) live(now time.Time) []string {
	cut := now.Add(-st.limit.Window).UnixNano()
	out := make([]string, 0, len(st.hits)+1)
	for _, e := range st.hits {
		if entryTime(e) > cut {
			out = append(out, e)
		}
	}
	slices.Sort(out) // clocks of different callers may disagree slightly
	return out
}

// retryAfter is how long until the window ending at now holds fewer than
// Max hits, or 0 when it already does.
func (st *rateState) retryAfter(now time.Time) time.Duration {
	live := st.live(now)
	if st.limit.Max <= 0 {
		return st.limit.Window // a limit of nothing: never allowed
	}
	if len(live) < st.limit.Max {
		return 0
	}
	// The slot opens when the hit Max places from the end leaves the window.
	oldest := entryTime(live[len(live)-st.limit.Max])
	return time.Unix(0, oldest).Add(st.limit.Window).Sub(now)
}

// with returns the live hits plus h, dropping the oldest beyond Max (they
// can no longer decide anything: only the last Max hits ever do).
func (st *rateState) with(now time.Time, h Hit) []string {
	hits := append(st.live(now), entry(h))
	slices.Sort(hits)
	if len(hits) > st.limit.Max {
		hits = hits[len(hits)-st.limit.Max:]
	}
	return hits
}

// without returns the hits less the first entry match accepts, and
// whether there was one.
func (st *rateState) without(match func(entry string) bool) ([]string, bool) {
	i := slices.IndexFunc(st.hits, match)
	if i < 0 {
		return st.hits, false
	}
	return slices.Delete(slices.Clone(st.hits), i, i+1), true
}

// txWrite is the conditional write of hits to the subject's log: it holds
// only if nobody wrote the log since it was read (version). ttl keeps the
// item until its newest hit has left the window (TTL only cleans up).
// A success (o.succeeded) also sets the failure count kept on the log to
// 0 and remembers o.address among the log's known addresses.
func (s *Store) txWrite(st *rateState, hits []string, ttl time.Time, o rateSuccess) types.TransactWriteItem {
	cond := "version = :v"
	if st.version == 0 {
		cond = "attribute_not_exists(version)"
	}
	values := map[string]types.AttributeValue{":h": str(strings.Join(hits, " ")), ":one": num(1), ":ttl": unix(ttl), ":type": str(typeRate)}
	if st.version != 0 {
		values[":v"] = num(st.version)
	}
	set := "SET hits = :h, #t = :ttl, #type = :type"
	if o.succeeded {
		set += ", failures = :zero, known = :known"
		values[":zero"] = num(0)
		values[":known"] = str(strings.Join(remember(st.known, o.address), " "))
	}
	return s.txUpdate(rateKey(st.limit, st.subject), set+" ADD version :one", cond,
		map[string]string{"#t": attrTTL, "#type": attrType}, values)
}

func (st *rateState) ttl(hits []string, now time.Time) time.Time {
	newest := now
	if len(hits) > 0 {
		if t := time.Unix(0, entryTime(hits[len(hits)-1])); t.After(newest) {
			newest = t
		}
	}
	return newest.Add(st.limit.Window).Add(time.Hour)
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func decodeRate(l Limit, subject string, m map[string]types.AttributeValue) (*rateState, error) {
	st := &rateState{limit: l, subject: subject}
	if m == nil {
		return st, nil
	}
	var it rateItem
	if err := attributevalue.UnmarshalMap(m, &it); err != nil {
		return nil, fmt.Errorf("dynamo: unmarshal rate %s: %w", l.Name, err)
	}
	st.version, st.hits, st.failures, st.known = it.Version, strings.Fields(it.Hits), it.Failures, strings.Fields(it.Known)
	return st, nil
}

// RateSubject is one limit applied to one subject.
type RateSubject struct {
	Limit   Limit
	Subject string
	// SlowAfter, when not 0, applies the limit only once the subject's
	// consecutive failures (kept on its log) reached it; below that the
	// hits are recorded all the same, so the window is full of history
	// the moment the limit starts to apply.
	SlowAfter int
	// Keep is how long the log outlives now at least (its TTL), for logs
	// that also remember failures.
	Keep time.Duration
	// Exempt, when not "", lifts the limit for this caller if it is among
	// the log's known addresses (those that succeeded lately), so a
	// slowdown that an attacker caused does not hold back the real user
	// at a place they logged in from before.
	Exempt string
}

// applies reports whether the limit of rs is enforced on st.
func (rs RateSubject) applies(st *rateState) bool {
	if rs.Exempt != "" && slices.Contains(st.known, rs.Exempt) {
		return false
	}
	return rs.SlowAfter == 0 || st.failures >= rs.SlowAfter
}

// maxKnown is how many recent successful addresses a log remembers.
const maxKnown = domain.PasswordKnownAddresses

// rateSuccess is what a success writes on a log besides its hits.
type rateSuccess struct {
	succeeded bool
	address   string // remembered as known, when not ""
}

// remember returns known with address moved to the end (most recent),
// keeping the last maxKnown.
func remember(known []string, address string) []string {
	out := slices.DeleteFunc(slices.Clone(known), func(k string) bool { return k == address })
	if address != "" {
		out = append(out, strings.ReplaceAll(address, " ", "_"))
	}
	if len(out) > maxKnown {
		out = out[len(out)-maxKnown:]
	}
	return out
}

// readRates reads the logs of subjects strongly consistently, in order: a
// GetItem for one, a BatchGetItem for more. One round trip.
func (s *Store) readRates(ctx context.Context, subjects []RateSubject) ([]*rateState, error) {
	out := make([]*rateState, len(subjects))
	if len(subjects) == 1 {
		res, err := s.getRaw(ctx, rateKey(subjects[0].Limit, subjects[0].Subject))
		if err != nil {
			return nil, fmt.Errorf("dynamo: read rate %s: %w", subjects[0].Limit.Name, err)
		}
		out[0], err = decodeRate(subjects[0].Limit, subjects[0].Subject, res)
		return out, err
	}
	keys := make([]map[string]types.AttributeValue, len(subjects))
	byPK := map[string]map[string]types.AttributeValue{}
	for i, rs := range subjects {
		keys[i] = rateKey(rs.Limit, rs.Subject)
	}
	err := s.batchGet(ctx, keys, func(m map[string]types.AttributeValue) error {
		if pk, ok := m[attrPK].(*types.AttributeValueMemberS); ok {
			byPK[pk.Value] = m
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i, rs := range subjects {
		if out[i], err = decodeRate(rs.Limit, rs.Subject, byPK[ratePK(rs.Limit.Name, rs.Subject)]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *Store) getRaw(ctx context.Context, k map[string]types.AttributeValue) (map[string]types.AttributeValue, error) {
	res, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table, Key: k, ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, err
	}
	return res.Item, nil
}

// newTag names a hit: random, so two hits of the same instant differ.
func newTag() string {
	b := make([]byte, 6)
	_, _ = crand.Read(b) // crypto/rand never fails
	return hex.EncodeToString(b)
}

// errRateRace says a hit's log changed between its read and its write.
var errRateRace = errors.New("dynamo: rate log changed")

// rateBackoff waits a little before another round, with jitter so the
// losers of one race do not collide again in lockstep.
func rateBackoff(ctx context.Context, attempt int) error {
	d := time.Duration(1+rand.IntN(2<<attempt)) * time.Millisecond
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// hitAll counts one hit against each subject together with the items
// build returns, in one transaction. build gets the rate items (in the
// order of subjects) and returns the whole transaction and the index of
// the first rate item in it (the rate items stay consecutive). It reads
// the logs, refuses with domain.RateLimited when any is full (the longest
// Retry-After wins, nothing is written), and retries when only rate items
// failed their condition (a concurrent hit wrote first). Any other
// failure comes back as the transaction's error for the caller to read.
func (s *Store) hitAll(ctx context.Context, subjects []RateSubject, tag string,
	build func(rate []types.TransactWriteItem) ([]types.TransactWriteItem, int)) ([]Hit, error) {
	return s.hitAllFrom(ctx, subjects, nil, tag, build)
}

// hitAllFrom is hitAll whose first round uses read, the logs of subjects
// as the caller already read them (Lookup), instead of reading them; nil
// reads them. A lost race re-reads as hitAll does.
func (s *Store) hitAllFrom(ctx context.Context, subjects []RateSubject, read []*rateState, tag string,
	build func(rate []types.TransactWriteItem) ([]types.TransactWriteItem, int)) ([]Hit, error) {
	for attempt := range maxRateAttempts {
		if attempt > 0 {
			if err := rateBackoff(ctx, attempt); err != nil {
				return nil, err
			}
		}
		states, err := read, error(nil)
		if attempt > 0 || states == nil {
			states, err = s.readRates(ctx, subjects)
		}
		if err != nil {
			return nil, err
		}
		now := s.clock.Now()
		var wait time.Duration
		for i, st := range states {
			if subjects[i].applies(st) {
				wait = max(wait, st.retryAfter(now))
			}
		}
		if wait > 0 {
			return nil, domain.RateLimited(wait)
		}
		hits := make([]Hit, len(states))
		items := make([]types.TransactWriteItem, len(states))
		for i, st := range states {
			t := tag
			if t == "" {
				t = newTag()
			}
			hits[i] = Hit{Limit: st.limit, Subject: st.subject, At: now.UnixNano(), Tag: t}
			next := st.with(now, hits[i])
			hits[i].Left = max(0, st.limit.Max-len(next))
			items[i] = s.txWrite(st, next, later(st.ttl(next, now), now.Add(subjects[i].Keep)), rateSuccess{})
		}
		all, first := build(items)
		err = s.transact(ctx, all...)
		if err == nil {
			return hits, nil
		}
		if !onlyRateFailed(err, first, len(items)) {
			return nil, err
		}
	}
	return nil, domain.RateLimited(time.Second)
}

// onlyRateFailed reports whether a cancelled transaction failed on its
// rate items [first, first+n) alone, by condition or by a concurrent
// transaction: then the logs changed and another round may succeed.
func onlyRateFailed(err error, first, n int) bool {
	var tc *types.TransactionConflictException
	if errors.As(err, &tc) {
		return true
	}
	reasons := cancelReasons(err)
	if reasons == nil {
		return false
	}
	rateFailed := false
	for i, r := range reasons {
		bad := r == "ConditionalCheckFailed" || r == "TransactionConflict"
		switch {
		case i >= first && i < first+n && bad:
			rateFailed = true
		case r == "ConditionalCheckFailed":
			return false
		}
	}
	return rateFailed || slices.Contains(reasons, "TransactionConflict")
}

// txHit counts one hit of l for subject inside the transaction build
// returns (see hitAll), tagged tag ("" for a random tag).
func (s *Store) txHit(ctx context.Context, l Limit, subject, tag string,
	build func(rate types.TransactWriteItem) ([]types.TransactWriteItem, int)) (Hit, error) {
	hits, err := s.hitAll(ctx, []RateSubject{{Limit: l, Subject: subject}}, tag, func(rate []types.TransactWriteItem) ([]types.TransactWriteItem, int) {
		return build(rate[0])
	})
	if err != nil {
		return Hit{}, err
	}
	return hits[0], nil
}

// RateHit counts one event against the limit on its own, returning
// domain.RateLimited with Retry-After when the window is full. Two round
// trips (read, conditional write), more only under contention.
func (s *Store) RateHit(ctx context.Context, l Limit, subject string) error {
	_, err := s.RateHits(ctx, RateSubject{Limit: l, Subject: subject})
	return err
}

// RateHits counts one event against every subject, all or nothing: when
// any is full, none is counted and the answer is domain.RateLimited with
// the longest Retry-After. It returns the hits, which RefundHits can give
// back. Two round trips (one read of all logs, one transaction), more only
// under contention.
func (s *Store) RateHits(ctx context.Context, subjects ...RateSubject) ([]Hit, error) {
	hits, err := s.hitAll(ctx, subjects, "", func(rate []types.TransactWriteItem) ([]types.TransactWriteItem, int) {
		return rate, 0
	})
	if err != nil && !errors.Is(err, domain.ErrRateLimited) {
		return nil, fmt.Errorf("dynamo: rate hit: %w", err)
	}
	return hits, err
}

// RefundHits gives back exactly the given hits (one log entry each), for
// actions that were counted but did not happen (a send that failed, a
// password that turned out right). A hit already out of its window is
// gone anyway. One read and one transaction, more under contention; a
// refund that cannot be written leaves the hit counted, which errs on the
// side of the limit.
func (s *Store) RefundHits(ctx context.Context, hits ...Hit) error {
	refunds := make([]rateRefund, len(hits))
	for i, h := range hits {
		e := entry(h)
		refunds[i] = rateRefund{RateSubject: RateSubject{Limit: h.Limit, Subject: h.Subject}, match: func(x string) bool { return x == e }}
	}
	return s.refund(ctx, refunds, nil)
}

// rateRefund names the one entry to remove from a subject's log.
type rateRefund struct {
	RateSubject
	match func(entry string) bool
	// success also resets the log's failure count and remembers an
	// address (rateSuccess).
	success rateSuccess
}

// refund removes one entry from each log in one transaction, with extra
// items (not rate items) after them, re-reading and retrying when a
// concurrent hit changed a log meanwhile.
func (s *Store) refund(ctx context.Context, refunds []rateRefund, extra []types.TransactWriteItem) error {
	subjects := make([]RateSubject, len(refunds))
	for i, r := range refunds {
		subjects[i] = r.RateSubject
	}
	for attempt := range maxRateAttempts {
		if attempt > 0 {
			if err := rateBackoff(ctx, attempt); err != nil {
				return err
			}
		}
		states, err := s.readRates(ctx, subjects)
		if err != nil {
			return err
		}
		items := []types.TransactWriteItem{}
		for i, st := range states {
			rest, found := st.without(refunds[i].match)
			if found || refunds[i].success.succeeded {
				ttl := later(st.ttl(rest, s.clock.Now()), s.clock.Now().Add(refunds[i].Keep))
				items = append(items, s.txWrite(st, rest, ttl, refunds[i].success))
			}
		}
		n := len(items)
		items = append(items, extra...)
		if len(items) == 0 {
			return nil
		}
		err = s.transact(ctx, items...)
		if err == nil {
			return nil
		}
		if !onlyRateFailed(err, 0, n) {
			return fmt.Errorf("dynamo: rate refund: %w", err)
		}
	}
	return fmt.Errorf("dynamo: rate refund: %w", errRateRace)
}

// CountHits is how many hits of l for subject lie in the window ending
// now. One round trip. For tests and operators.
func (s *Store) CountHits(ctx context.Context, l Limit, subject string) (int, error) {
	states, err := s.readRates(ctx, []RateSubject{{Limit: l, Subject: subject}})
	if err != nil {
		return 0, err
	}
	return len(states[0].live(s.clock.Now())), nil
}
