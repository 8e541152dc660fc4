package dynamo

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"push-reactivation/shared/domain"
)

// Scanner is the one DynamoDB call only operators' tools make (adminctl
// reencrypt): the functions never scan, and their IAM policy does not
// allow it.
type Scanner interface {
	Scan(context.Context, *dynamodb.ScanInput, ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error)
}

// Reseal gives a credential's new sealed HOTP secret: its envelope
// rewrapped under the current key, or its plain secret (a credential
// written before secrets were sealed) sealed. changed is false when there
// is nothing to write.
type Reseal func(ctx context.Context, cred *domain.Credential) (envelope string, changed bool, err error)

// ResealReport counts what ResealCredentials did.
type ResealReport struct {
	Credentials int // credential items read
	Rewrapped   int // sealed secrets whose data key moved to the current key
	Sealed      int // plain secrets sealed
	Unchanged   int // already under the current key
	Raced       int // changed by someone else meanwhile (left as they are)
}

// ResealCredentials reads every credential (a filtered Scan through scan,
// page by page) and writes what reseal gives for each, conditionally on
// the item still holding what was read: a credential sealed or rewrapped
// meanwhile is left alone, and a plain hotp_secret is emptied in the same
// write that stores its envelope. Safe to run again, and alongside the
// functions.
func (s *Store) ResealCredentials(ctx context.Context, scan Scanner, reseal Reseal) (ResealReport, error) {
	var rep ResealReport
	in := &dynamodb.ScanInput{
		TableName:                 &s.table,
		FilterExpression:          ptr("#t = :cred"),
		ExpressionAttributeNames:  map[string]string{"#t": attrType},
		ExpressionAttributeValues: map[string]types.AttributeValue{":cred": str(typeCredential)},
		ConsistentRead:            ptr(true),
	}
	for {
		page, err := scan.Scan(ctx, in)
		if err != nil {
			return rep, fmt.Errorf("dynamo: scan credentials: %w", err)
		}
		for _, it := range page.Items {
			var cred domain.Credential
			if err := attributevalue.UnmarshalMap(it, &cred); err != nil {
				return rep, fmt.Errorf("dynamo: unmarshal credential: %w", err)
			}
			rep.Credentials++
			if err := s.resealOne(ctx, &cred, reseal, &rep); err != nil {
				return rep, err
			}
		}
		if len(page.LastEvaluatedKey) == 0 {
			return rep, nil
		}
		in.ExclusiveStartKey = page.LastEvaluatedKey
	}
}

func (s *Store) resealOne(ctx context.Context, cred *domain.Credential, reseal Reseal, rep *ResealReport) error {
	env, changed, err := reseal(ctx, cred)
	if err != nil {
		return fmt.Errorf("dynamo: reseal credential %s: %w", cred.ID, err)
	}
	if !changed {
		rep.Unchanged++
		return nil
	}
	cond, values := "hotp_secret_sealed = :old", map[string]types.AttributeValue{":new": str(env), ":none": str("")}
	if cred.SealedHOTPSecret == "" {
		cond = "(attribute_not_exists(hotp_secret_sealed) OR hotp_secret_sealed = :none) AND hotp_secret = :old"
		values[":old"] = str(cred.HOTPSecret)
	} else {
		values[":old"] = str(cred.SealedHOTPSecret)
	}
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.table, Key: key(credentialPK(cred.ID), skCredential),
		// The plain secret is cleared by SET to "" rather than REMOVE:
		// minidyn ignores REMOVE (docs/table.md, minidyn gaps).
		UpdateExpression:          ptr("SET hotp_secret_sealed = :new, hotp_secret = :none"),
		ConditionExpression:       &cond,
		ExpressionAttributeValues: values,
	})
	switch {
	case isConditionFailed(err):
		rep.Raced++
	case err != nil:
		return fmt.Errorf("dynamo: write resealed credential %s: %w", cred.ID, err)
	case cred.SealedHOTPSecret == "":
		rep.Sealed++
	default:
		rep.Rewrapped++
	}
	return nil
}

func ptr[T any](v T) *T { return &v }
