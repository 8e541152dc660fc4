package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"push-reactivation/shared/domain"
)

// Records of Idempotency-Key (DESIGN.md §4.1; the mechanism is
// shared/apigw/idempotency.go). The item key is the SHA-256 of scope and
// key, so neither is in the table; the answer is sealed by the caller.
// Times the conditions compare are epoch milliseconds, so DynamoDB can
// compare them as numbers.

func idempotencyPK(keyHash string) string { return "IDEM#" + keyHash }

const skIdempotency = "#IDEM"

type idempotencyItem struct {
	RequestMAC string `dynamodbav:"request_mac"`
	State      string `dynamodbav:"idem_state"`
	ClaimID    string `dynamodbav:"claim_id"`
	LeaseUntil int64  `dynamodbav:"lease_until_ms"`
	ExpiresAt  int64  `dynamodbav:"expires_at_ms"`
	Answer     []byte `dynamodbav:"answer,omitempty"`
}

// claimCondition lets a claim replace only what no longer holds the key:
// nothing, an expired record, or a running claim of the same request
// whose lease has ended (its function died). A running claim of another
// request is never taken over: the client is told 42201 instead.
const claimCondition = "attribute_not_exists(PK) OR expires_at_ms <= :now OR " +
	"(idem_state = :running AND lease_until_ms <= :now AND request_mac = :mac)"

// ClaimIdempotency writes rec (state running) unless a live record holds
// its key. When it does not claim, it returns the record in the way, or
// nil if that record vanished meanwhile (released), so the caller may try
// again. One round trip (two when not claimed).
func (s *Store) ClaimIdempotency(ctx context.Context, rec domain.IdempotencyRecord, now time.Time) (bool, *domain.IdempotencyRecord, error) {
	m, err := item(idempotencyItem{
		RequestMAC: rec.RequestMAC, State: string(domain.IdempotencyRunning), ClaimID: rec.ClaimID,
		LeaseUntil: rec.LeaseUntil.UnixMilli(), ExpiresAt: rec.ExpiresAt.UnixMilli(),
	}, typeIdempotency, idempotencyPK(rec.KeyHash), skIdempotency, rec.ExpiresAt)
	if err != nil {
		return false, nil, err
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: &s.table, Item: m, ConditionExpression: aws.String(claimCondition),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":now": num(now.UnixMilli()), ":running": str(string(domain.IdempotencyRunning)), ":mac": str(rec.RequestMAC),
		},
	})
	if err == nil {
		return true, nil, nil
	}
	if !isConditionFailed(err) {
		return false, nil, fmt.Errorf("dynamo: claim idempotency key: %w", err)
	}
	var it idempotencyItem
	found, err := s.get(ctx, idempotencyPK(rec.KeyHash), skIdempotency, &it)
	if err != nil || !found {
		return false, nil, err
	}
	return false, &domain.IdempotencyRecord{
		KeyHash: rec.KeyHash, RequestMAC: it.RequestMAC, State: domain.IdempotencyState(it.State), ClaimID: it.ClaimID,
		LeaseUntil: time.UnixMilli(it.LeaseUntil), ExpiresAt: time.UnixMilli(it.ExpiresAt), Answer: it.Answer,
	}, nil
}

// ownClaim is the condition of the writes that end a claim: it is still
// running and still this request's (not taken over after its lease).
const ownClaim = "claim_id = :claim AND idem_state = :running"

// CompleteIdempotency stores the sealed answer of the claim claimID; the
// record keeps its expiry. A claim that is no longer ours is a 40901. One
// round trip.
func (s *Store) CompleteIdempotency(ctx context.Context, keyHash, claimID string, answer []byte) error {
	_, err := s.update(ctx, key(idempotencyPK(keyHash), skIdempotency), "SET idem_state = :done, answer = :answer", ownClaim, nil,
		map[string]types.AttributeValue{
			":done": str(string(domain.IdempotencyDone)), ":answer": &types.AttributeValueMemberB{Value: answer},
			":claim": str(claimID), ":running": str(string(domain.IdempotencyRunning)),
		})
	if isConditionFailed(err) {
		return domain.Errorf(domain.CodeConflict, "idempotency claim lost")
	}
	if err != nil {
		return fmt.Errorf("dynamo: complete idempotency key: %w", err)
	}
	return nil
}

// ReleaseIdempotency deletes the claim claimID so that a retry with the
// same key runs afresh (after an answer that is not stored). A claim no
// longer ours is left alone. One round trip.
func (s *Store) ReleaseIdempotency(ctx context.Context, keyHash, claimID string) error {
	_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: &s.table, Key: key(idempotencyPK(keyHash), skIdempotency), ConditionExpression: aws.String(ownClaim),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":claim": str(claimID), ":running": str(string(domain.IdempotencyRunning)),
		},
	})
	if err != nil && !isConditionFailed(err) {
		return fmt.Errorf("dynamo: release idempotency key: %w", err)
	}
	return nil
}
