package dynamo

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"push-reactivation/shared/awserr"
	"push-reactivation/shared/domain"
)

// Unavailability is classified here, once, for every call the store
// makes (DESIGN.md §4.1, "Dependencies down"): New wraps the client in
// classified, so each method of the store, including ones written later,
// turns "DynamoDB is down, hanging or throttling us" into 503 50301 with
// Retry-After rather than 500. Calls are not classified one by one.

// classified is the DynamoDB client with its errors classified.
type classified struct{ db API }

// unavailableError is a DynamoDB failure worth retrying later. It unwraps
// to domain.Unavailable (the answer) and to its cause (for logs and
// errors.Is), except a cancelled transaction's: its cancellation reasons
// must not be read as a failed condition by the store's callers.
type unavailableError struct {
	op    string
	cause error
}

func (e *unavailableError) Error() string {
	return "dynamo: " + e.op + ": unavailable: " + e.cause.Error()
}

func (e *unavailableError) Unwrap() []error {
	errs := []error{domain.Unavailable("database")}
	if cancelReasons(e.cause) == nil {
		errs = append(errs, e.cause)
	}
	return errs
}

// classify returns err as an *unavailableError when it means DynamoDB
// could not serve the request now, else err unchanged.
func classify(op string, err error) error {
	if isUnavailable(err) {
		return &unavailableError{op: op, cause: err}
	}
	return err
}

// throttledReasons are the cancellation reasons of a transaction that
// DynamoDB refused for capacity, not for its conditions.
var throttledReasons = map[string]bool{"ThrottlingError": true, "ProvisionedThroughputExceeded": true, "RequestLimitExceeded": true}

// unavailableCodes are the error codes of a DynamoDB that is throttling or
// failing: retrying later may succeed.
var unavailableCodes = map[string]bool{
	"ProvisionedThroughputExceededException": true, "ThrottlingException": true, "RequestLimitExceeded": true,
	"InternalServerError": true, "ServiceUnavailable": true, "ServiceUnavailableException": true,
}

// isUnavailable reports whether err means DynamoDB is unreachable, hanging
// (a deadline passed), failing (5xx) or throttling. A failed condition is
// never unavailability, nor is a cancelled context (the caller left).
func isUnavailable(err error) bool {
	switch {
	case err == nil, errors.Is(err, context.Canceled):
		return false
	case errors.Is(err, context.DeadlineExceeded):
		return true
	}
	if reasons := cancelReasons(err); reasons != nil {
		throttled := false
		for _, r := range reasons {
			if r == "ConditionalCheckFailed" {
				return false // the outcome is decided; capacity is beside the point
			}
			throttled = throttled || throttledReasons[r]
		}
		return throttled
	}
	if isConditionFailed(err) {
		return false
	}
	return awserr.Transient(err, unavailableCodes)
}

func (c classified) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	out, err := c.db.GetItem(ctx, in, o...)
	return out, classify("GetItem", err)
}

func (c classified) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	out, err := c.db.PutItem(ctx, in, o...)
	return out, classify("PutItem", err)
}

func (c classified) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	out, err := c.db.UpdateItem(ctx, in, o...)
	return out, classify("UpdateItem", err)
}

func (c classified) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, o ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	out, err := c.db.DeleteItem(ctx, in, o...)
	return out, classify("DeleteItem", err)
}

func (c classified) Query(ctx context.Context, in *dynamodb.QueryInput, o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	out, err := c.db.Query(ctx, in, o...)
	return out, classify("Query", err)
}

func (c classified) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	out, err := c.db.BatchGetItem(ctx, in, o...)
	return out, classify("BatchGetItem", err)
}

func (c classified) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	out, err := c.db.TransactWriteItems(ctx, in, o...)
	return out, classify("TransactWriteItems", err)
}
