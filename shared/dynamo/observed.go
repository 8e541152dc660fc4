package dynamo

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"push-reactivation/shared/correlation"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/metrics"
)

// attrRequestID holds the correlation id of the request that wrote an
// audit item (domain.AuditEvent.RequestID).
const attrRequestID = correlation.Key

// observed is the store's one place for what every audit write shares,
// whichever of the store's methods builds it (a lone PutAudit or an item
// of a transaction): it stamps the audit item with the request's
// correlation id, and once DynamoDB has committed the write, it emits the
// event's metrics (shared/metrics), so a transaction that failed its
// conditions counts nothing.
type observed struct{ API }

func (o observed) PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	audit := stampAudit(ctx, in.Item)
	out, err := o.API.PutItem(ctx, in, opts...)
	if err == nil && audit {
		emitAudit(ctx, in.Item)
	}
	return out, err
}

func (o observed) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	var audits []map[string]types.AttributeValue
	for _, it := range in.TransactItems {
		if it.Put != nil && stampAudit(ctx, it.Put.Item) {
			audits = append(audits, it.Put.Item)
		}
	}
	out, err := o.API.TransactWriteItems(ctx, in, opts...)
	if err == nil {
		for _, m := range audits {
			emitAudit(ctx, m)
		}
	}
	return out, err
}

// stampAudit reports whether item is an audit event, and gives it the
// context's correlation id.
func stampAudit(ctx context.Context, item map[string]types.AttributeValue) bool {
	t, ok := item[attrType].(*types.AttributeValueMemberS)
	if !ok || t.Value != typeAudit {
		return false
	}
	if id := correlation.ID(ctx); id != "" {
		item[attrRequestID] = str(id)
	}
	return true
}

func emitAudit(ctx context.Context, item map[string]types.AttributeValue) {
	em := metrics.FromContext(ctx)
	if em == nil {
		return
	}
	var ev domain.AuditEvent
	if err := attributevalue.UnmarshalMap(item, &ev); err == nil {
		em.Audit(ctx, ev)
	}
}
