package dynamo

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"push-reactivation/shared/domain"
)

// batchGetMax is DynamoDB's limit of keys per BatchGetItem call.
const batchGetMax = 100

// GetReactivations returns the reactivations with these ids that exist,
// keyed by id, with the same expiry rule as GetReactivation (a pending one
// whose codes have all expired comes back expired). It lets the
// Administrators tab show every admin's push status without one read per
// admin. One strongly consistent BatchGetItem per 100 ids (more only when
// DynamoDB returns unprocessed keys).
func (s *Store) GetReactivations(ctx context.Context, ids []string) (map[string]domain.Reactivation, error) {
	out := make(map[string]domain.Reactivation, len(ids))
	seen := make(map[string]bool, len(ids))
	var keys []map[string]types.AttributeValue
	for _, id := range ids {
		if id == "" || seen[id] {
			continue
		}
		seen[id] = true
		keys = append(keys, key(reactivationPK(id), skReactivation))
	}
	now := s.clock.Now()
	for len(keys) > 0 {
		n := min(len(keys), batchGetMax)
		batch := keys[:n]
		keys = keys[n:]
		for len(batch) > 0 {
			res, err := s.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
				s.table: {Keys: batch, ConsistentRead: aws.Bool(true)},
			}})
			if err != nil {
				return nil, fmt.Errorf("dynamo: get reactivations: %w", err)
			}
			for _, m := range res.Responses[s.table] {
				var r domain.Reactivation
				if err := attributevalue.UnmarshalMap(m, &r); err != nil {
					return nil, fmt.Errorf("dynamo: unmarshal reactivation: %w", err)
				}
				r.Status = r.EffectiveStatus(now)
				out[r.ID] = r
			}
			batch = res.UnprocessedKeys[s.table].Keys
		}
	}
	return out, nil
}
