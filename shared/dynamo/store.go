// Package dynamo is the DynamoDB store: a single-table design (see
// docs/table.md for keys, item types, access patterns and round trips).
// Every read treats an item past its expiry as absent, because DynamoDB's
// TTL only deletes expired items eventually (up to days later). Every state
// change that must happen once is a conditional write or a transaction.
package dynamo

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"push-reactivation/shared/domain"
)

// API is the part of the DynamoDB client the store uses.
type API interface {
	GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	DeleteItem(context.Context, *dynamodb.DeleteItemInput, ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	Query(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	BatchGetItem(context.Context, *dynamodb.BatchGetItemInput, ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
	TransactWriteItems(context.Context, *dynamodb.TransactWriteItemsInput, ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
}

// Store keeps the service's state in one DynamoDB table.
type Store struct {
	db    API
	table string
	clock domain.Clock
	// sealer encrypts HOTP secrets at rest (secrets.go, UseSealer).
	sealer Sealer
}

// New returns a store on table through db; clock decides what has expired.
// Every call through db has its errors classified (unavailable.go): a
// DynamoDB that is down, hanging or throttling answers 503 50301.
func New(db API, table string, clock domain.Clock) *Store {
	if clock == nil {
		clock = domain.SystemClock{}
	}
	return &Store{db: classified{observed{db}}, table: table, clock: clock}
}

// Item type names, stored in the "type" attribute of every item.
const (
	typeAccount      = "account"
	typeAdmin        = "admin"
	typeEmail        = "email"
	typeCredential   = "credential"
	typeReactivation = "reactivation"
	typeCode         = "code"
	typeLogin        = "login"
	typeSession      = "session"
	typeAudit        = "audit"
	typeRate         = "rate"
)

// typeIdempotency is the item of one Idempotency-Key (idempotency.go).
const typeIdempotency = "idempotency"

// Attribute names shared by all items.
const (
	attrPK     = "PK"
	attrSK     = "SK"
	attrGSI1PK = "GSI1PK"
	attrGSI1SK = "GSI1SK"
	attrType   = "type"
	attrTTL    = "ttl"
	indexGSI1  = "GSI1"
)

// key builds a primary key.
func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{attrPK: str(pk), attrSK: str(sk)}
}

func str(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }

func num(n int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}

func unix(t time.Time) types.AttributeValue { return num(t.Unix()) }

// item marshals v and adds its keys, type and (when ttl is not zero) the
// TTL attribute, which TTL reads as epoch seconds.
func item(v any, itemType, pk, sk string, ttl time.Time) (map[string]types.AttributeValue, error) {
	m, err := attributevalue.MarshalMap(v)
	if err != nil {
		return nil, fmt.Errorf("dynamo: marshal %s: %w", itemType, err)
	}
	m[attrPK], m[attrSK], m[attrType] = str(pk), str(sk), str(itemType)
	if !ttl.IsZero() {
		m[attrTTL] = unix(ttl)
	}
	return m, nil
}

func withGSI1(m map[string]types.AttributeValue, pk, sk string) map[string]types.AttributeValue {
	m[attrGSI1PK], m[attrGSI1SK] = str(pk), str(sk)
	return m
}

// keyKind is what errors and logs may say about a key: its kind
// ("EMAIL", "ADMIN", "LOGIN", ...), never its value. Keys are built from
// user input (a typed email address, which may hold a mistyped password),
// so the value stays out of every error text.
func keyKind(pk string) string {
	kind, _, _ := strings.Cut(pk, "#")
	return kind
}

// get reads one item strongly consistently into out; found is false when
// the item does not exist.
func (s *Store) get(ctx context.Context, pk, sk string, out any) (found bool, err error) {
	res, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.table, Key: key(pk, sk), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return false, fmt.Errorf("dynamo: get %s: %w", keyKind(pk), err)
	}
	if res.Item == nil {
		return false, nil
	}
	if err := attributevalue.UnmarshalMap(res.Item, out); err != nil {
		return false, fmt.Errorf("dynamo: unmarshal %s: %w", keyKind(pk), err)
	}
	return true, nil
}

// getOne reads one item strongly consistently into a new T, or returns
// domain.ErrNotFound when it does not exist.
func getOne[T any](ctx context.Context, s *Store, pk, sk string) (*T, error) {
	var v T
	found, err := s.get(ctx, pk, sk, &v)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, domain.NewError(domain.CodeNotFound)
	}
	return &v, nil
}

// batchGetMax is DynamoDB's limit of keys per BatchGetItem call.
const batchGetMax = 100

// batchGet reads items by key with strongly consistent BatchGetItem calls,
// batchGetMax keys per call and again for the keys DynamoDB left
// unprocessed, and hands each item found to fn; missing items are
// skipped. One round trip per batchGetMax keys, more only for unprocessed
// keys.
func (s *Store) batchGet(ctx context.Context, keys []map[string]types.AttributeValue, fn func(map[string]types.AttributeValue) error) error {
	for len(keys) > 0 {
		n := min(len(keys), batchGetMax)
		batch := keys[:n]
		keys = keys[n:]
		for len(batch) > 0 {
			res, err := s.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
				s.table: {Keys: batch, ConsistentRead: aws.Bool(true)},
			}})
			if err != nil {
				return fmt.Errorf("dynamo: batch get: %w", err)
			}
			for _, m := range res.Responses[s.table] {
				if err := fn(m); err != nil {
					return fmt.Errorf("dynamo: unmarshal batch item: %w", err)
				}
			}
			batch = res.UnprocessedKeys[s.table].Keys
		}
	}
	return nil
}

// byType returns a batchGet callback that unmarshals each item into the
// destination named by its type attribute, skipping items of other types,
// and counts the items it placed.
func byType(dst map[string]any, got *int) func(map[string]types.AttributeValue) error {
	return func(m map[string]types.AttributeValue) error {
		t, _ := m[attrType].(*types.AttributeValueMemberS)
		if t == nil || dst[t.Value] == nil {
			return nil
		}
		if err := attributevalue.UnmarshalMap(m, dst[t.Value]); err != nil {
			return err
		}
		*got++
		return nil
	}
}

// putNew writes an item that must not exist yet.
func (s *Store) putNew(ctx context.Context, m map[string]types.AttributeValue) error {
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: &s.table, Item: m, ConditionExpression: aws.String("attribute_not_exists(PK)"),
	})
	if isConditionFailed(err) {
		return domain.Errorf(domain.CodeConflict, "already exists")
	}
	if err != nil {
		return fmt.Errorf("dynamo: put: %w", err)
	}
	return nil
}

// isConditionFailed reports a failed condition of a single-item write.
func isConditionFailed(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}

// cancelReasons returns the per-item reason codes of a cancelled
// transaction ("None", "ConditionalCheckFailed", ...), or nil.
func cancelReasons(err error) []string {
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		return nil
	}
	out := make([]string, len(tce.CancellationReasons))
	for i, r := range tce.CancellationReasons {
		out[i] = aws.ToString(r.Code)
	}
	return out
}

// transactionConflict reports whether err is a transaction cancelled by a
// failed condition or by a concurrent transaction on the same items.
func transactionConflict(err error) bool {
	for _, r := range cancelReasons(err) {
		if r == "ConditionalCheckFailed" || r == "TransactionConflict" {
			return true
		}
	}
	var tc *types.TransactionConflictException
	return errors.As(err, &tc)
}

func (s *Store) transact(ctx context.Context, items ...types.TransactWriteItem) error {
	_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	return err
}

func (s *Store) txPut(m map[string]types.AttributeValue, cond string) types.TransactWriteItem {
	p := &types.Put{TableName: &s.table, Item: m}
	if cond != "" {
		p.ConditionExpression = aws.String(cond)
	}
	return types.TransactWriteItem{Put: p}
}

func (s *Store) txUpdate(k map[string]types.AttributeValue, update, cond string, names map[string]string, values map[string]types.AttributeValue) types.TransactWriteItem {
	u := &types.Update{TableName: &s.table, Key: k, UpdateExpression: aws.String(update)}
	if cond != "" {
		u.ConditionExpression = aws.String(cond)
	}
	if len(names) > 0 {
		u.ExpressionAttributeNames = names
	}
	if len(values) > 0 {
		u.ExpressionAttributeValues = values
	}
	return types.TransactWriteItem{Update: u}
}

// update is a single UpdateItem of the same form as txUpdate, returning
// the item as it is after the update.
func (s *Store) update(ctx context.Context, k map[string]types.AttributeValue, update, cond string, names map[string]string, values map[string]types.AttributeValue) (map[string]types.AttributeValue, error) {
	u := s.txUpdate(k, update, cond, names, values).Update
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: u.TableName, Key: u.Key, UpdateExpression: u.UpdateExpression, ConditionExpression: u.ConditionExpression,
		ExpressionAttributeNames: u.ExpressionAttributeNames, ExpressionAttributeValues: u.ExpressionAttributeValues,
		ReturnValues: types.ReturnValueAllNew,
	})
	if err != nil {
		return nil, err
	}
	return out.Attributes, nil
}
