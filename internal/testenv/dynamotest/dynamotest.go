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

// CountingAPI is a dynamo.API that counts the calls it passes on to the
// wrapped client. It is safe for concurrent use. It counts two things:
// calls (Calls), and round trips, the longest chain of calls each made
// after the one before it had answered (Count, Measure, Sequential,
// MeasureTrips), which is what a request waits for: calls made in
// parallel count once there, and calls started together under
// fanout.Do count as their longest branch (chain.go).
type CountingAPI struct {
	dynamo.API
	n atomic.Int64
	chain
}

// NewCountingAPI counts the calls made through api.
func NewCountingAPI(api dynamo.API) *CountingAPI { return &CountingAPI{API: api} }

// Count is the round trips in sequence since the last Reset (Sequential).
func (c *CountingAPI) Count() int64 { return c.Sequential() }

// Calls is every call made since the last Reset, parallel ones each.
func (c *CountingAPI) Calls() int64 { return c.n.Load() }

// Reset sets the count and the chain back to zero. Calls in flight
// during a Reset may still lengthen the chain when they answer.
func (c *CountingAPI) Reset() { c.n.Store(0); c.chain.reset() }

// Measure runs fn and returns the round trips in sequence it made. Calls
// made concurrently by others are counted too.
func (c *CountingAPI) Measure(fn func()) int64 { return c.MeasureTrips(fn).Sequential }

// GetItem counts and passes on.
func (c *CountingAPI) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	defer c.track(ctx)()
	return c.API.GetItem(ctx, in, o...)
}

// PutItem counts and passes on.
func (c *CountingAPI) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	defer c.track(ctx)()
	return c.API.PutItem(ctx, in, o...)
}

// UpdateItem counts and passes on.
func (c *CountingAPI) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	defer c.track(ctx)()
	return c.API.UpdateItem(ctx, in, o...)
}

// DeleteItem counts and passes on.
func (c *CountingAPI) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, o ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	defer c.track(ctx)()
	return c.API.DeleteItem(ctx, in, o...)
}

// Query counts and passes on.
func (c *CountingAPI) Query(ctx context.Context, in *dynamodb.QueryInput, o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	defer c.track(ctx)()
	return c.API.Query(ctx, in, o...)
}

// BatchGetItem counts and passes on.
func (c *CountingAPI) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	defer c.track(ctx)()
	return c.API.BatchGetItem(ctx, in, o...)
}

// TransactWriteItems counts and passes on.
func (c *CountingAPI) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	defer c.track(ctx)()
	return c.API.TransactWriteItems(ctx, in, o...)
}
