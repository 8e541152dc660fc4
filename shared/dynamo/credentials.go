package dynamo

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"push-reactivation/shared/domain"
)

// SetPushToken stores the push token a phone registered for its
// credential, with the audit event, in one transaction. Only an active
// credential takes a token: one revoked meanwhile gives
// domain.ErrNotAuthenticated, as its signed request would have. The audit
// event must not carry the token. One round trip.
func (s *Store) SetPushToken(ctx context.Context, credentialID, token string, ev domain.AuditEvent) error {
	auditItem, err := s.TxPutAudit(ev)
	if err != nil {
		return err
	}
	err = s.transact(ctx,
		s.txUpdate(key(credentialPK(credentialID), skCredential), "SET push_token = :t",
			"attribute_exists(PK) AND #s = :active", map[string]string{"#s": "status"},
			map[string]types.AttributeValue{":t": str(token), ":active": str(string(domain.CredentialActive))}),
		auditItem,
	)
	if transactionConflict(err) {
		return domain.NewError(domain.CodeNotAuthenticated)
	}
	if err != nil {
		return fmt.Errorf("dynamo: set push token: %w", err)
	}
	return nil
}
