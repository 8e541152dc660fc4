package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"push-reactivation/shared/domain"
)

var zeroTime time.Time

type emailItem struct {
	AdminID string `dynamodbav:"admin_id"`
}

// CreateAdmin writes a new admin and claims its email in one transaction,
// so two admins can never share an address (case-insensitively) and a
// failed create leaves nothing behind. One round trip.
func (s *Store) CreateAdmin(ctx context.Context, a domain.Admin) error {
	a.Email = domain.NormalizeEmail(a.Email)
	adminItem, err := item(a, typeAdmin, adminPK(a.ID), skAdmin, zeroTime)
	if err != nil {
		return err
	}
	withGSI1(adminItem, accountAdminsGSI1PK(a.AccountID), "ADMIN#"+a.Email)
	emailItem, err := item(emailItem{AdminID: a.ID}, typeEmail, emailPK(a.Email), skEmail, zeroTime)
	if err != nil {
		return err
	}
	err = s.transact(ctx,
		s.txPut(adminItem, "attribute_not_exists(PK)"),
		s.txPut(emailItem, "attribute_not_exists(PK)"),
	)
	if reasons := cancelReasons(err); reasons != nil {
		if len(reasons) == 2 && reasons[1] == "ConditionalCheckFailed" {
			return domain.Errorf(domain.CodeConflict, "email already in use")
		}
		return domain.Errorf(domain.CodeConflict, "admin already exists")
	}
	if err != nil {
		return fmt.Errorf("dynamo: create admin: %w", err)
	}
	return nil
}

// GetAdmin returns an admin, or domain.ErrNotFound. One round trip.
func (s *Store) GetAdmin(ctx context.Context, id string) (*domain.Admin, error) {
	return getOne[domain.Admin](ctx, s, adminPK(id), skAdmin)
}

// GetAdminByEmail looks an admin up by email, case-insensitively, or
// returns domain.ErrNotFound. Two round trips (email claim, then admin).
func (s *Store) GetAdminByEmail(ctx context.Context, email string) (*domain.Admin, error) {
	var e emailItem
	found, err := s.get(ctx, emailPK(domain.NormalizeEmail(email)), skEmail, &e)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, domain.NewError(domain.CodeNotFound)
	}
	return s.GetAdmin(ctx, e.AdminID)
}

// ListAdmins returns the admins of an account, ordered by email. One round
// trip per page of the GSI1 query.
func (s *Store) ListAdmins(ctx context.Context, accountID string) ([]domain.Admin, error) {
	return queryGSI1[domain.Admin](ctx, s, accountAdminsGSI1PK(accountID))
}

// ResetLockout unlocks a locked admin and clears the lockout's counts, and
// writes the audit event in the same transaction. A disabled admin stays
// disabled. One round trip.
func (s *Store) ResetLockout(ctx context.Context, adminID string, ev domain.AuditEvent) error {
	auditItem, err := s.auditItem(ev)
	if err != nil {
		return err
	}
	err = s.transact(ctx,
		s.txUpdate(key(adminPK(adminID), skAdmin), "SET failed_attempts = :zero, attempts_reserved = :zero, #s = :active",
			"attribute_exists(PK) AND #s <> :disabled", map[string]string{"#s": "status"},
			map[string]types.AttributeValue{":zero": num(0), ":active": str(string(domain.AdminActive)), ":disabled": str(string(domain.AdminDisabled))}),
		s.txPut(auditItem, ""),
	)
	if transactionConflict(err) {
		return domain.Errorf(domain.CodeConflict, "admin is disabled")
	}
	if err != nil {
		return fmt.Errorf("dynamo: reset lockout %s: %w", adminID, err)
	}
	return nil
}

// SetAdminStatus sets an admin's status (provisioning). One round trip.
func (s *Store) SetAdminStatus(ctx context.Context, adminID string, status domain.AdminStatus) error {
	_, err := s.update(ctx, key(adminPK(adminID), skAdmin), "SET #s = :s", "attribute_exists(PK)",
		map[string]string{"#s": "status"}, map[string]types.AttributeValue{":s": str(string(status))})
	if isConditionFailed(err) {
		return domain.NewError(domain.CodeNotFound)
	}
	if err != nil {
		return fmt.Errorf("dynamo: set status %s: %w", adminID, err)
	}
	return nil
}
