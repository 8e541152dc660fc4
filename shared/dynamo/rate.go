package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"push-reactivation/shared/domain"
)

// Limit is a fixed-window rate limit: at most Max events per Window for
// one subject (an admin id, a login txid).
type Limit struct {
	Name   string // what is limited, e.g. "sms" or "react"
	Window time.Duration
	Max    int
}

// window returns the start of the current window and when it ends.
func (l Limit) window(now time.Time) (start int64, end time.Time) {
	w := int64(l.Window / time.Second)
	start = now.Unix() / w * w
	return start, time.Unix(start+w, 0)
}

// rateUpdate is the conditional counter update of one event against l.
func (s *Store) rateUpdate(l Limit, subject string) *types.Update {
	start, end := l.window(s.clock.Now())
	return s.txUpdate(key(ratePK(l.Name, subject, start), skRate),
		"ADD #c :one SET #t = :ttl, #type = :type", "attribute_not_exists(#c) OR #c < :max",
		map[string]string{"#c": "count", "#t": attrTTL, "#type": attrType},
		map[string]types.AttributeValue{":one": num(1), ":max": num(int64(l.Max)), ":ttl": unix(end.Add(time.Hour)), ":type": str(typeRate)}).Update
}

// TxRateHit is the transaction item that counts one event against the
// limit, failing its condition when the window is full. Putting it in the
// same transaction as the action means a refused action consumes nothing
// and a failed action is not counted.
func (s *Store) TxRateHit(l Limit, subject string) types.TransactWriteItem {
	return types.TransactWriteItem{Update: s.rateUpdate(l, subject)}
}

// RetryAfter is how long until the current window of l ends.
func (s *Store) RetryAfter(l Limit) time.Duration {
	now := s.clock.Now()
	_, end := l.window(now)
	return end.Sub(now)
}

// RateHit counts one event against the limit on its own, returning
// domain.RateLimited with Retry-After when the window is full. One round trip.
func (s *Store) RateHit(ctx context.Context, l Limit, subject string) error {
	u := s.rateUpdate(l, subject)
	_, err := s.update(ctx, u.Key, *u.UpdateExpression, *u.ConditionExpression, u.ExpressionAttributeNames, u.ExpressionAttributeValues)
	if isConditionFailed(err) {
		return domain.RateLimited(s.RetryAfter(l))
	}
	if err != nil {
		return fmt.Errorf("dynamo: rate %s: %w", l.Name, err)
	}
	return nil
}
