package dynamo

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"push-reactivation/shared/domain"
)

// PutAccount creates or replaces an account (provisioning). A child
// account is indexed under its parent so the parent's admins can list it.
func (s *Store) PutAccount(ctx context.Context, a domain.Account) error {
	m, err := item(a, typeAccount, accountPK(a.ID), skAccount, zeroTime)
	if err != nil {
		return err
	}
	if a.Kind == domain.AccountChild && a.ParentID != "" {
		withGSI1(m, childrenGSI1PK(a.ParentID), accountPK(a.ID))
	}
	if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: m}); err != nil {
		return fmt.Errorf("dynamo: put account %s: %w", a.ID, err)
	}
	return nil
}

// GetAccount returns an account, or domain.ErrNotFound. One round trip.
func (s *Store) GetAccount(ctx context.Context, id string) (*domain.Account, error) {
	return getOne[domain.Account](ctx, s, accountPK(id), skAccount)
}

// ListChildAccounts returns the child accounts of an MSP parent. One
// round trip per page of the GSI1 query.
func (s *Store) ListChildAccounts(ctx context.Context, parentID string) ([]domain.Account, error) {
	return queryGSI1[domain.Account](ctx, s, childrenGSI1PK(parentID))
}

// queryGSI1 reads a whole GSI1 partition into values of T. One round trip
// per page.
func queryGSI1[T any](ctx context.Context, s *Store, pk string) ([]T, error) {
	var out []T
	err := s.queryAll(ctx, &dynamodb.QueryInput{
		TableName: &s.table, IndexName: aws.String(indexGSI1),
		KeyConditionExpression:    aws.String("GSI1PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pk)},
	}, func(m map[string]types.AttributeValue) error {
		var v T
		if err := attributevalue.UnmarshalMap(m, &v); err != nil {
			return err
		}
		out = append(out, v)
		return nil
	})
	return out, err
}

// queryAll runs a query to its last page, handing each item to fn.
func (s *Store) queryAll(ctx context.Context, in *dynamodb.QueryInput, fn func(map[string]types.AttributeValue) error) error {
	for {
		res, err := s.db.Query(ctx, in)
		if err != nil {
			return fmt.Errorf("dynamo: query: %w", err)
		}
		for _, m := range res.Items {
			if err := fn(m); err != nil {
				return fmt.Errorf("dynamo: unmarshal query item: %w", err)
			}
		}
		if len(res.LastEvaluatedKey) == 0 {
			return nil
		}
		in.ExclusiveStartKey = res.LastEvaluatedKey
	}
}
