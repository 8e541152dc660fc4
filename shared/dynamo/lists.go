package dynamo

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"push-reactivation/shared/domain"
)

// maxAdminPageQueries bounds the Query calls of one page of admins: one
// is the rule, more only when DynamoDB's 1 MB answer cut a page short.
const maxAdminPageQueries = 8

// ListAdminsPage returns up to limit admins of an account, ordered by
// email, after the position next (a cursor of a previous page, "" for the
// first), with the cursor of the following page ("" on the last page).
// It reads one admin more than the page, so the last page is known to be
// last. The cursor holds the last admin's id and email only; the account
// always comes from the caller, so no cursor reaches another account's
// partition. One round trip per page.
func (s *Store) ListAdminsPage(ctx context.Context, accountID string, limit int, next string) ([]domain.Admin, string, error) {
	in := &dynamodb.QueryInput{
		TableName: &s.table, IndexName: aws.String(indexGSI1),
		KeyConditionExpression:    aws.String("GSI1PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(accountAdminsGSI1PK(accountID))},
	}
	if next != "" {
		pos, err := decodeAdminCursor(next)
		if err != nil {
			return nil, "", domain.InvalidParam("next")
		}
		in.ExclusiveStartKey = adminIndexKey(accountID, pos)
	}
	var admins []domain.Admin
	more := false // DynamoDB stopped before the end of the partition
	for range maxAdminPageQueries {
		in.Limit = aws.Int32(int32(limit + 1 - len(admins)))
		res, err := s.db.Query(ctx, in)
		if err != nil {
			return nil, "", fmt.Errorf("dynamo: query admins: %w", err)
		}
		for _, m := range res.Items {
			var a domain.Admin
			if err := attributevalue.UnmarshalMap(m, &a); err != nil {
				return nil, "", fmt.Errorf("dynamo: unmarshal admin: %w", err)
			}
			admins = append(admins, a)
		}
		more = len(res.LastEvaluatedKey) > 0
		if len(admins) > limit || !more {
			break
		}
		in.ExclusiveStartKey = res.LastEvaluatedKey
	}
	if len(admins) > limit {
		last := admins[limit-1]
		return admins[:limit], encodeAdminCursor(adminPosition{ID: last.ID, Email: last.Email}), nil
	}
	// The round trips ran out before the page was full (only when
	// DynamoDB's 1 MB answers cut it short): continue after the last one.
	if more && len(admins) > 0 {
		last := admins[len(admins)-1]
		return admins, encodeAdminCursor(adminPosition{ID: last.ID, Email: last.Email}), nil
	}
	return admins, "", nil
}

// adminPosition is where a page of admins ended: the GSI1 sort key is the
// email, the table key the id.
type adminPosition struct {
	ID    string `json:"i"`
	Email string `json:"e"`
}

func adminIndexKey(accountID string, p adminPosition) map[string]types.AttributeValue {
	k := key(adminPK(p.ID), skAdmin)
	return withGSI1(k, accountAdminsGSI1PK(accountID), "ADMIN#"+p.Email)
}

func encodeAdminCursor(p adminPosition) string {
	b, _ := json.Marshal(p)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeAdminCursor(c string) (adminPosition, error) {
	var p adminPosition
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return p, err
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return p, err
	}
	if p.ID == "" || len(p.ID) > 64 || p.Email == "" || len(p.Email) > 320 || p.Email != domain.NormalizeEmail(p.Email) {
		return p, fmt.Errorf("bad admin cursor")
	}
	return p, nil
}

// AdminsByID reads the named admins in one BatchGetItem per 100 ids; ids
// that name no admin (deleted since, or never an admin) are absent from
// the answer.
func (s *Store) AdminsByID(ctx context.Context, ids []string) (map[string]domain.Admin, error) {
	out := make(map[string]domain.Admin, len(ids))
	keys := uniqueKeys(ids, func(id string) map[string]types.AttributeValue { return key(adminPK(id), skAdmin) })
	err := s.batchGet(ctx, keys, func(m map[string]types.AttributeValue) error {
		var a domain.Admin
		if err := attributevalue.UnmarshalMap(m, &a); err != nil {
			return err
		}
		out[a.ID] = a
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
