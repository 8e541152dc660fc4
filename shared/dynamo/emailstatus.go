package dynamo

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"push-reactivation/shared/domain"
)

// RecordEmailStatus records st (a bounce or complaint SES reported for
// the address st.Email) on the admin who has that address, and reports
// whether it changed anything. One conditional write after the email
// lookup (two round trips): the admin must still have that address (a
// bounce of an address since replaced is dropped), and the status held
// must be of another SES message and not newer, so a redelivered event
// (SNS delivers at least once) or a late older one is a no-op.
func (s *Store) RecordEmailStatus(ctx context.Context, st domain.EmailStatus) (bool, error) {
	a, err := s.GetAdminByEmail(ctx, st.Email)
	if errors.Is(err, domain.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	st.Email = a.Email
	v, err := attributevalue.Marshal(st)
	if err != nil {
		return false, fmt.Errorf("dynamo: marshal email status: %w", err)
	}
	_, err = s.update(ctx, adminKey(a.ID),
		"SET email_status = :st",
		"attribute_exists(PK) AND email = :email AND (attribute_not_exists(email_status) OR (email_status.message_id <> :mid AND email_status.#at <= :at))",
		map[string]string{"#at": "at"}, map[string]types.AttributeValue{
			":st": v, ":email": str(a.Email), ":mid": str(st.MessageID),
			":at": &types.AttributeValueMemberN{Value: strconv.FormatInt(st.At.Unix(), 10)},
		})
	if isConditionFailed(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("dynamo: record email status: %w", err)
	}
	return true, nil
}

// ClearEmailStatus forgets an admin's email status (after the address
// was fixed, or the recipient asked to get mail again). It empties the
// status' state rather than removing it: the SES message id and time stay,
// so a late redelivery of the same event does not bring it back, and the
// embedded DynamoDB of the tests (minidyn) neither removes a map attribute
// on REMOVE nor reads a path into a NULL. One round trip (two when there
// was nothing to clear).
func (s *Store) ClearEmailStatus(ctx context.Context, adminID string) error {
	_, err := s.update(ctx, adminKey(adminID), "SET email_status.#state = :none", "attribute_exists(PK) AND attribute_exists(email_status)",
		map[string]string{"#state": "state"}, map[string]types.AttributeValue{":none": str("")})
	if isConditionFailed(err) {
		_, err = s.GetAdmin(ctx, adminID) // not found, or nothing to clear
		return err
	}
	return err
}
