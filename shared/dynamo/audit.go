package dynamo

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"push-reactivation/shared/domain"
)

// auditSK sorts events by time: a fixed-width UTC timestamp, then the
// event id to keep events of the same instant apart.
func auditSK(ev domain.AuditEvent) string {
	return ev.Time.UTC().Format("2006-01-02T15:04:05.000000000Z") + "#" + ev.ID
}

func (s *Store) auditItem(ev domain.AuditEvent) (map[string]types.AttributeValue, error) {
	return item(ev, typeAudit, auditPK(ev.AccountID), auditSK(ev), zeroTime)
}

// TxPutAudit is the transaction item that writes an audit event, so a
// state change and its log line commit together.
func (s *Store) TxPutAudit(ev domain.AuditEvent) (types.TransactWriteItem, error) {
	m, err := s.auditItem(ev)
	if err != nil {
		return types.TransactWriteItem{}, err
	}
	return s.txPut(m, ""), nil
}

// PutAudit writes one audit event. One round trip.
func (s *Store) PutAudit(ctx context.Context, ev domain.AuditEvent) error {
	m, err := s.auditItem(ev)
	if err != nil {
		return err
	}
	if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: m}); err != nil {
		return fmt.Errorf("dynamo: put audit: %w", err)
	}
	return nil
}

// AuditFilter narrows the administrator log.
type AuditFilter struct {
	AdminID string // events whose actor or target is this admin
	Action  string // events of this action
	Limit   int    // page size, 1…100, default 50
	Next    string // opaque cursor from a previous page
}

// ListAudit returns an account's events newest first, one page at a time,
// with the cursor of the next page ("" at the end). Filters run in
// DynamoDB (FilterExpression), so a page may hold fewer than Limit events
// while more remain. One round trip per page.
func (s *Store) ListAudit(ctx context.Context, accountID string, f AuditFilter) ([]domain.AuditEvent, string, error) {
	if f.Limit <= 0 || f.Limit > 100 {
		f.Limit = 50
	}
	in := &dynamodb.QueryInput{
		TableName:                 &s.table,
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(auditPK(accountID))},
		ScanIndexForward:          aws.Bool(false),
		Limit:                     aws.Int32(int32(f.Limit)),
	}
	var filters []string
	if f.AdminID != "" {
		filters = append(filters, "(actor_id = :admin OR target_id = :admin)")
		in.ExpressionAttributeValues[":admin"] = str(f.AdminID)
	}
	if f.Action != "" {
		filters = append(filters, "#action = :action")
		in.ExpressionAttributeValues[":action"] = str(f.Action)
		in.ExpressionAttributeNames = map[string]string{"#action": "action"}
	}
	if len(filters) > 0 {
		in.FilterExpression = aws.String(strings.Join(filters, " AND "))
	}
	if f.Next != "" {
		sk, err := decodeCursor(f.Next)
		if err != nil {
			return nil, "", domain.InvalidParam("next")
		}
		in.ExclusiveStartKey = key(auditPK(accountID), sk)
	}
	res, err := s.db.Query(ctx, in)
	if err != nil {
		return nil, "", fmt.Errorf("dynamo: query audit: %w", err)
	}
	events := make([]domain.AuditEvent, 0, len(res.Items))
	for _, m := range res.Items {
		var ev domain.AuditEvent
		if err := attributevalue.UnmarshalMap(m, &ev); err != nil {
			return nil, "", fmt.Errorf("dynamo: unmarshal audit: %w", err)
		}
		events = append(events, ev)
	}
	next := ""
	if lek := res.LastEvaluatedKey; len(lek) > 0 {
		if sk, ok := lek[attrSK].(*types.AttributeValueMemberS); ok {
			next = encodeCursor(sk.Value)
		}
	}
	return events, next, nil
}

// The cursor is the sort key of the last event seen, base64url-encoded
// JSON; the account comes from the session, never from the cursor, so a
// forged cursor cannot read another account's log.
func encodeCursor(sk string) string {
	b, _ := json.Marshal([]string{sk})
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(c string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return "", err
	}
	var v []string
	if err := json.Unmarshal(b, &v); err != nil || len(v) != 1 || len(v[0]) > 200 {
		return "", fmt.Errorf("bad cursor")
	}
	if _, err := time.Parse("2006-01-02T15:04:05.000000000Z", strings.SplitN(v[0], "#", 2)[0]); err != nil {
		return "", err
	}
	return v[0], nil
}
