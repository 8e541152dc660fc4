package dynamotest

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"push-reactivation/shared/domain"
	"push-reactivation/shared/dynamo"
)

// Tests put items where a case needs them by writing the table layout
// (docs/table.md) through the SDK client, so that the production store
// keeps no method only tests call.

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

// PutPush writes tx as a login transaction with a pending push, indexed
// the way the store's StartLoginPush indexes it (GSI1 under the
// credential), in one write, for tests of the phone side. Production code
// creates pushes through the login flow (CreateLogin, then StartLoginPush).
func PutPush(ctx context.Context, db dynamo.API, table string, tx domain.LoginTx) error {
	m, err := attributevalue.MarshalMap(tx)
	if err != nil {
		return fmt.Errorf("dynamotest: marshal login: %w", err)
	}
	m["PK"], m["SK"], m["type"] = s("LOGIN#"+tx.ID), s("#LOGIN"), s("login")
	m["ttl"] = &types.AttributeValueMemberN{Value: fmt.Sprint(tx.ExpiresAt.Add(dynamo.LoginRetention).Unix())}
	m["GSI1PK"], m["GSI1SK"] = s(dynamo.PushGSI1PK(tx.CredentialID)), s(dynamo.PushGSI1SK(tx.PushID))
	_, err = db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(table), Item: m, ConditionExpression: aws.String("attribute_not_exists(PK)"),
	})
	return err
}

// SetActingAccount makes the session whose token hashes to tokenHash act
// in accountID, as an MSP parent Owner's switch would, without the
// switch's checks or audit event.
func SetActingAccount(ctx context.Context, db dynamo.API, table, tokenHash, accountID string) error {
	_, err := db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(table),
		Key:                       map[string]types.AttributeValue{"PK": s("SESSION#" + tokenHash), "SK": s("#SESSION")},
		UpdateExpression:          aws.String("SET acting_account_id = :a"),
		ConditionExpression:       aws.String("attribute_exists(PK)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":a": s(accountID)},
	})
	return err
}
