// Package dynamotest helps tests and benchmarks of the DynamoDB store: it
// counts the round trips the store makes, so the counts docs/table.md and
// docs/device.md give are measured rather than claimed.
package dynamotest

import (
	"context"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"push-reactivation/shared/dynamo"
)

// CountingAPI is a dynamo.API that counts the round trips of the calls it
// passes on to the wrapped client: calls made on their own count one
// each, and calls started together under fanout.Do count as their longest
// branch (parallel.go). It is safe for concurrent use.
type CountingAPI struct {
	dynamo.API
	n atomic.Int64
	branches
}

// NewCountingAPI counts the calls made through api.
func NewCountingAPI(api dynamo.API) *CountingAPI { return &CountingAPI{API: api} }

// Count is the number of round trips since the last Reset.
func (c *CountingAPI) Count() int64 { return c.n.Load() + c.branches.count() }

// Reset sets the count back to zero.
func (c *CountingAPI) Reset() { c.n.Store(0); c.branches.reset() }

// Measure runs fn and returns the round trips it made. Calls made
// concurrently by others are counted too.
func (c *CountingAPI) Measure(fn func()) int64 {
	before := c.Count()
	fn()
	return c.Count() - before
}

// GetItem counts and passes on.
func (c *CountingAPI) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	c.add(ctx)
	return c.API.GetItem(ctx, in, o...)
}

// PutItem counts and passes on.
func (c *CountingAPI) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	c.add(ctx)
	return c.API.PutItem(ctx, in, o...)
}

// UpdateItem counts and passes on.
func (c *CountingAPI) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	c.add(ctx)
	return c.API.UpdateItem(ctx, in, o...)
}

// DeleteItem counts and passes on.
func (c *CountingAPI) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, o ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	c.add(ctx)
	return c.API.DeleteItem(ctx, in, o...)
}

// Query counts and passes on.
func (c *CountingAPI) Query(ctx context.Context, in *dynamodb.QueryInput, o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	c.add(ctx)
	return c.API.Query(ctx, in, o...)
}

// BatchGetItem counts and passes on.
func (c *CountingAPI) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	c.add(ctx)
	return c.API.BatchGetItem(ctx, in, o...)
}

// TransactWriteItems counts and passes on.
func (c *CountingAPI) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	c.add(ctx)
	return c.API.TransactWriteItems(ctx, in, o...)
}
