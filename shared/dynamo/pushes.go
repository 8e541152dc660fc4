package dynamo

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"push-reactivation/shared/domain"
)

// Pushes, as the phone sees them. A push is not an item of its own: it is
// a login transaction (LOGIN#<txid>, written by the fallback login) whose
// push fields are set, indexed under the credential it was sent to:
//
//	GSI1PK = PushGSI1PK(credential id)   "CRED#<pkey>#PUSH"
//	GSI1SK = PushGSI1SK(push id)         "PUSH#<urgid>"
//
// so a phone's poll is one Query, and answering writes the login
// transaction itself, which is what GET /v1/login/{txid} reads.

// PushGSI1PK is the GSI1 partition key under which a login transaction
// with a push to credentialID is indexed.
func PushGSI1PK(credentialID string) string { return credentialPK(credentialID) + "#PUSH" }

// PushGSI1SK is the GSI1 sort key of the push pushID (the urgid).
func PushGSI1SK(pushID string) string { return "PUSH#" + pushID }

// ListPendingPushes returns the pushes to credentialID that may still be
// answered (pending and unexpired, checked here at read time), newest
// first. The index also holds answered and lapsed pushes until TTL removes
// their transactions; a FilterExpression keeps answered ones off the wire.
// One round trip per page.
func (s *Store) ListPendingPushes(ctx context.Context, credentialID string) ([]domain.LoginTx, error) {
	now := s.clock.Now()
	var out []domain.LoginTx
	err := s.queryAll(ctx, &dynamodb.QueryInput{
		TableName: &s.table, IndexName: aws.String(indexGSI1),
		KeyConditionExpression:   aws.String("GSI1PK = :pk AND begins_with(GSI1SK, :push)"),
		FilterExpression:         aws.String("#s = :pending"),
		ExpressionAttributeNames: map[string]string{"#s": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(PushGSI1PK(credentialID)), ":push": str(PushGSI1SK("")),
			":pending": str(string(domain.LoginPending)),
		},
	}, func(m map[string]types.AttributeValue) error {
		var tx domain.LoginTx
		if err := attributevalue.UnmarshalMap(m, &tx); err != nil {
			return err
		}
		if tx.CredentialID == credentialID && tx.PushAnswerable(now) {
			out = append(out, tx)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b domain.LoginTx) int { return cmp.Compare(b.CreatedAt.UnixNano(), a.CreatedAt.UnixNano()) })
	return out, nil
}

// GetPush returns the login transaction carrying push pushID to
// credentialID, whatever its state, or domain.ErrNotFound; a push sent to
// another credential is not found. The index read is eventually
// consistent, which is harmless: AnswerPush re-checks everything in its
// write condition. One round trip.
func (s *Store) GetPush(ctx context.Context, credentialID, pushID string) (*domain.LoginTx, error) {
	res, err := s.db.Query(ctx, &dynamodb.QueryInput{
		TableName: &s.table, IndexName: aws.String(indexGSI1),
		KeyConditionExpression: aws.String("GSI1PK = :pk AND GSI1SK = :sk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(PushGSI1PK(credentialID)), ":sk": str(PushGSI1SK(pushID)),
		},
	})
	if err != nil {
		return nil, fmt.Errorf("dynamo: get push: %w", err)
	}
	for _, m := range res.Items {
		var tx domain.LoginTx
		if err := attributevalue.UnmarshalMap(m, &tx); err != nil {
			return nil, fmt.Errorf("dynamo: unmarshal push: %w", err)
		}
		if tx.CredentialID == credentialID && tx.PushID == pushID {
			return &tx, nil
		}
	}
	return nil, domain.NewError(domain.CodeNotFound)
}

// AnswerPush records a phone's answer on the login transaction and writes
// the audit event, in one transaction. The update is conditional: status
// still pending, the push still the one read (push id, credential,
// verification code hash) and unexpired. A push answered, replaced or
// lapsed meanwhile gives domain.ErrConflict and changes nothing. One round
// trip.
func (s *Store) AnswerPush(ctx context.Context, r PushReply) error {
	if r.Status != domain.LoginApproved && r.Status != domain.LoginDenied {
		return fmt.Errorf("dynamo: answer push: status %q", r.Status)
	}
	auditItem, err := s.TxPutAudit(r.Audit)
	if err != nil {
		return err
	}
	now := s.clock.Now()
	cond := "#s = :pending AND credential_id = :cred AND push_id = :push AND push_expires_at > :now AND expires_at > :now AND "
	values := map[string]types.AttributeValue{
		":pending": str(string(domain.LoginPending)), ":cred": str(r.CredentialID), ":push": str(r.Tx.PushID),
		":now": unix(now), ":status": str(string(r.Status)), ":at": str(now.UTC().Format(time.RFC3339Nano)),
		":reason": str(r.DenyReason), ":vch": str(r.Tx.VerificationCodeHash),
	}
	if r.Tx.VerificationCodeHash == "" {
		cond += "(attribute_not_exists(verification_code_hash) OR verification_code_hash = :vch)"
	} else {
		cond += "verification_code_hash = :vch"
	}
	err = s.transact(ctx,
		s.txUpdate(loginKey(r.Tx.ID), "SET #s = :status, push_answered_at = :at, push_deny_reason = :reason", cond,
			map[string]string{"#s": "status"}, values),
		auditItem,
	)
	if transactionConflict(err) {
		return domain.Errorf(domain.CodeConflict, "push is no longer pending")
	}
	if err != nil {
		return fmt.Errorf("dynamo: answer push: %w", err)
	}
	return nil
}
