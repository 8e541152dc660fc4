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
	return ev.Time.UTC().Format(auditTimeFormat) + "#" + ev.ID
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

// auditScanPage is how many items one filtered Query reads (DynamoDB's
// Limit): larger than a page, so a filter that matches one event in ten
// still fills a default page within MaxAuditQueries reads.
const auditScanPage = 200

const auditTimeFormat = "2006-01-02T15:04:05.000000000Z"

// ListAudit returns an account's events newest first, one page of up to
// f.Limit events, with the cursor of the next page ("" when no event is
// left). The time range is a key condition on the sort key (a fixed-width
// UTC time); admin and action are a FilterExpression, which DynamoDB
// applies after its Limit, so ListAudit keeps reading until it holds one
// event more than the page (which tells that another page exists) or the
// partition is exhausted, at most MaxAuditQueries round trips.
func (s *Store) ListAudit(ctx context.Context, accountID string, f AuditFilter) ([]domain.AuditEvent, string, error) {
	if f.Limit <= 0 || f.Limit > 100 {
		f.Limit = 50
	}
	in := &dynamodb.QueryInput{
		TableName:                 &s.table,
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(auditPK(accountID))},
		ScanIndexForward:          aws.Bool(false),
	}
	// Every sort key of an instant t starts with t's fixed-width form and
	// then '#'; '$' sorts just after '#', so "<until>$" is above every
	// event at until and below every later one.
	lo, hi := "", "\U0010FFFF"
	if !f.Since.IsZero() {
		lo = f.Since.UTC().Format(auditTimeFormat)
	}
	if !f.Until.IsZero() {
		hi = f.Until.UTC().Format(auditTimeFormat) + "$"
	}
	switch {
	case !f.Since.IsZero() && !f.Until.IsZero():
		in.KeyConditionExpression = aws.String("PK = :pk AND SK BETWEEN :lo AND :hi")
		in.ExpressionAttributeValues[":lo"], in.ExpressionAttributeValues[":hi"] = str(lo), str(hi)
	case !f.Since.IsZero():
		in.KeyConditionExpression = aws.String("PK = :pk AND SK >= :lo")
		in.ExpressionAttributeValues[":lo"] = str(lo)
	case !f.Until.IsZero():
		in.KeyConditionExpression = aws.String("PK = :pk AND SK <= :hi")
		in.ExpressionAttributeValues[":hi"] = str(hi)
	default:
		in.KeyConditionExpression = aws.String("PK = :pk")
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
		// A cursor outside the range belongs to another query; DynamoDB
		// would refuse it as a starting key.
		if err != nil || sk < lo || sk > hi {
			return nil, "", domain.InvalidParam("next")
		}
		in.ExclusiveStartKey = key(auditPK(accountID), sk)
	}
	var (
		events []domain.AuditEvent
		sks    []string
		last   string // the sort key where the last read stopped, "" at the end
	)
	for range MaxAuditQueries {
		want := f.Limit + 1 - len(events)
		if in.FilterExpression != nil {
			want = max(want, auditScanPage)
		}
		in.Limit = aws.Int32(int32(want))
		res, err := s.db.Query(ctx, in)
		if err != nil {
			return nil, "", fmt.Errorf("dynamo: query audit: %w", err)
		}
		for _, m := range res.Items {
			var ev domain.AuditEvent
			if err := attributevalue.UnmarshalMap(m, &ev); err != nil {
				return nil, "", fmt.Errorf("dynamo: unmarshal audit: %w", err)
			}
			sk, _ := m[attrSK].(*types.AttributeValueMemberS)
			if sk == nil {
				return nil, "", fmt.Errorf("dynamo: audit item without a sort key")
			}
			events, sks = append(events, ev), append(sks, sk.Value)
		}
		last = ""
		if lek := res.LastEvaluatedKey; len(lek) > 0 {
			sk, ok := lek[attrSK].(*types.AttributeValueMemberS)
			if !ok {
				return nil, "", fmt.Errorf("dynamo: audit query stopped without a sort key")
			}
			last = sk.Value
		}
		if len(events) > f.Limit || last == "" {
			break
		}
		in.ExclusiveStartKey = res.LastEvaluatedKey
	}
	if len(events) > f.Limit {
		// More events are known to follow: continue after the last one
		// returned, not after the last one read.
		return events[:f.Limit], encodeCursor(sks[f.Limit-1]), nil
	}
	if last != "" {
		return events, encodeCursor(last), nil
	}
	return events, "", nil
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
	if _, err := time.Parse(auditTimeFormat, strings.SplitN(v[0], "#", 2)[0]); err != nil {
		return "", err
	}
	return v[0], nil
}
