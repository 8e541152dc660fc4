package dynamotest_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"push-reactivation/internal/testenv"
	"push-reactivation/internal/testenv/dynamotest"
	"push-reactivation/shared/fanout"
)

// TestCallsIssuedTogetherCountOnce: calls on their own count one each;
// calls started together under fanout.Do count as their longest branch.
func TestCallsIssuedTogetherCountOnce(t *testing.T) {
	client, table := testenv.StartDynamoDB(t)
	db := dynamotest.NewCountingAPI(client)
	get := func(ctx context.Context) {
		_, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: map[string]types.AttributeValue{
			"PK": &types.AttributeValueMemberS{Value: "X"}, "SK": &types.AttributeValueMemberS{Value: "X"}}})
		if err != nil {
			t.Error(err)
		}
	}
	ctx := context.Background()
	n := db.Measure(func() {
		get(ctx)
		get(ctx)
	})
	if n != 2 {
		t.Fatalf("two calls in a row: %d round trips", n)
	}
	n = db.Measure(func() {
		fanout.Do(ctx, get, get, get)                                         // 1
		fanout.Do(ctx, func(ctx context.Context) { get(ctx); get(ctx) }, get) // 2
		get(ctx)                                                              // 1
	})
	if n != 4 {
		t.Fatalf("three together, two beside one, one alone: %d round trips, want 4", n)
	}
	db.Reset()
	if db.Count() != 0 {
		t.Fatal("Reset left a count")
	}
}
