package dynamo

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"push-reactivation/shared/domain"
)

// GetReactivations returns the reactivations with these ids that exist,
// keyed by id, with the same expiry rule as GetReactivation (a pending one
// whose codes have all expired comes back expired). It lets the
// Administrators tab show every admin's push status without one read per
// admin. One strongly consistent BatchGetItem per 100 ids (more only when
// DynamoDB returns unprocessed keys).
func (s *Store) GetReactivations(ctx context.Context, ids []string) (map[string]domain.Reactivation, error) {
	out := make(map[string]domain.Reactivation, len(ids))
	keys := uniqueKeys(ids, func(id string) map[string]types.AttributeValue { return key(reactivationPK(id), skReactivation) })
	now := s.clock.Now()
	err := s.batchGet(ctx, keys, func(m map[string]types.AttributeValue) error {
		var r domain.Reactivation
		if err := attributevalue.UnmarshalMap(m, &r); err != nil {
			return err
		}
		r.Status = r.EffectiveStatus(now)
		out[r.ID] = r
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// uniqueKeys is the keys of a BatchGetItem for ids, once each, without
// empty ids (BatchGetItem refuses a key given twice).
func uniqueKeys(ids []string, keyOf func(id string) map[string]types.AttributeValue) []map[string]types.AttributeValue {
	seen := make(map[string]bool, len(ids))
	var keys []map[string]types.AttributeValue
	for _, id := range ids {
		if id == "" || seen[id] {
			continue
		}
		seen[id] = true
		keys = append(keys, keyOf(id))
	}
	return keys
}
