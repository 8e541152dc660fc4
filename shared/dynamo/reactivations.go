package dynamo

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"push-reactivation/shared/domain"
)

// ReactivationRetention is how long a finished or expired reactivation is
// kept for GET /v1/reactivations/{id} and the audit trail before TTL may
// delete it.
const ReactivationRetention = 30 * 24 * time.Hour

func (s *Store) reactivationItem(r domain.Reactivation) (map[string]types.AttributeValue, error) {
	m, err := item(r, typeReactivation, reactivationPK(r.ID), skReactivation, r.ExpiresAt.Add(ReactivationRetention))
	if err != nil {
		return nil, err
	}
	return withGSI1(m, "ADMIN#"+r.AdminID+"#REACTS", r.CreatedAt.UTC().Format(time.RFC3339Nano)), nil
}

func (s *Store) codeItem(c domain.ActivationCode) (map[string]types.AttributeValue, error) {
	return item(c, typeCode, codePK(c.Hash), skCode, c.ExpiresAt)
}

// txSetCodeStatus marks a code item with a final status; the condition
// keeps it from creating a code item that was never written.
func (s *Store) txSetCodeStatus(hash string, status domain.ReactivationStatus) types.TransactWriteItem {
	return s.txUpdate(key(codePK(hash), skCode), "SET #s = :s", "attribute_exists(PK)",
		map[string]string{"#s": "status"}, map[string]types.AttributeValue{":s": str(string(status))})
}

// codeHashes lists the stored code hashes of a reactivation.
func codeHashes(r *domain.Reactivation) []string {
	var out []string
	if r.QRCodeHash != "" {
		out = append(out, r.QRCodeHash)
	}
	if r.EmailCodeHash != "" {
		out = append(out, r.EmailCodeHash)
	}
	return out
}

// CreateReactivation writes a new reactivation with its QR code, makes it
// the admin's pending one, cancels the earlier pending one with its codes
// (on condition that its email code is still the one read, so a code
// emailed meanwhile is never left usable),
// counts it against the rate limit and writes the audit event, all in one
// transaction: either the admin has exactly one new pending reactivation,
// or nothing changed. Two round trips (the admin's reactivation log is
// read first: rate.go), one when n.RateLog brings the log as read with
// the start's other reads (Lookup); more only when reactivations of one
// admin race.
func (s *Store) CreateReactivation(ctx context.Context, n NewReactivation) error {
	r := n.Reactivation
	rItem, err := s.reactivationItem(r)
	if err != nil {
		return err
	}
	qr := n.QRCode
	if qr.Carried == nil {
		qr.Carried = r.Carry() // what its redeem needs (domain/codecarry.go)
	}
	cItem, err := s.codeItem(qr)
	if err != nil {
		return err
	}
	auditItem, err := s.TxPutAudit(n.Audit)
	if err != nil {
		return err
	}
	adminCond := "attribute_exists(PK) AND (attribute_not_exists(pending_reactivation_id) OR pending_reactivation_id = :none)"
	values := map[string]types.AttributeValue{":new": str(r.ID), ":none": str("")}
	if n.ExpectedPending != "" {
		adminCond = "pending_reactivation_id = :old"
		values[":old"] = str(n.ExpectedPending)
		delete(values, ":none")
	}
	_, err = s.hitAllFrom(ctx, []RateSubject{{Limit: n.Limit, Subject: r.AdminID}}, lookedUp(n.RateLog, n.Limit, r.AdminID), r.ID, func(rates []types.TransactWriteItem) ([]types.TransactWriteItem, int) {
		items := []types.TransactWriteItem{
			rates[0],
			s.txPut(rItem, "attribute_not_exists(PK)"),
			s.txPut(cItem, "attribute_not_exists(PK)"),
			s.txUpdate(key(adminPK(r.AdminID), skAdmin), "SET pending_reactivation_id = :new", adminCond, nil, values),
			auditItem,
		}
		if old := n.Cancel; old != nil {
			oldValues := map[string]types.AttributeValue{":c": str(string(domain.ReactivationCancelled)), ":p": str(string(domain.ReactivationPending))}
			items = append(items, s.txUpdate(key(reactivationPK(old.ID), skReactivation), "SET #s = :c",
				"#s = :p AND "+emailHashIs(old.EmailCodeHash, oldValues), map[string]string{"#s": "status"}, oldValues))
			for _, h := range codeHashes(old) {
				items = append(items, s.txSetCodeStatus(h, domain.ReactivationCancelled))
			}
		}
		return items, 0
	})
	if errors.Is(err, domain.ErrRateLimited) {
		return err
	}
	if cancelReasons(err) != nil {
		return domain.Errorf(domain.CodeConflict, "the administrator's reactivation changed at the same time; try again")
	}
	if err != nil {
		return fmt.Errorf("dynamo: create reactivation: %w", err)
	}
	return nil
}

// GetReactivation returns a reactivation, or domain.ErrNotFound. A pending
// one whose codes have all expired comes back with status expired. One
// round trip.
func (s *Store) GetReactivation(ctx context.Context, id string) (*domain.Reactivation, error) {
	r, err := getOne[domain.Reactivation](ctx, s, reactivationPK(id), skReactivation)
	if err != nil {
		return nil, err
	}
	r.Status = r.EffectiveStatus(s.clock.Now())
	return r, nil
}

// CancelReactivation cancels a pending reactivation and its codes so they
// can never be redeemed, clears it from the admin and writes the audit
// event, in one transaction. A reactivation that is no longer pending, or
// whose email code changed since r was read (a code it does not know of
// would stay usable), gives domain.ErrConflict. One round trip.
func (s *Store) CancelReactivation(ctx context.Context, r *domain.Reactivation, ev domain.AuditEvent) error {
	auditItem, err := s.TxPutAudit(ev)
	if err != nil {
		return err
	}
	values := map[string]types.AttributeValue{":c": str(string(domain.ReactivationCancelled)), ":p": str(string(domain.ReactivationPending)), ":now": unix(s.clock.Now())}
	items := []types.TransactWriteItem{
		s.txUpdate(key(reactivationPK(r.ID), skReactivation), "SET #s = :c",
			"#s = :p AND expires_at > :now AND "+emailHashIs(r.EmailCodeHash, values), map[string]string{"#s": "status"}, values),
		// Cleared by SET to "" rather than REMOVE: minidyn ignores REMOVE
		// (docs/table.md, minidyn gaps), and "" reads back as "none".
		s.txUpdate(key(adminPK(r.AdminID), skAdmin), "SET pending_reactivation_id = :none", "pending_reactivation_id = :id", nil,
			map[string]types.AttributeValue{":none": str(""), ":id": str(r.ID)}),
		auditItem,
	}
	for _, h := range codeHashes(r) {
		items = append(items, s.txSetCodeStatus(h, domain.ReactivationCancelled))
	}
	err = s.transact(ctx, items...)
	if transactionConflict(err) {
		return domain.Errorf(domain.CodeConflict, "reactivation is not pending")
	}
	if err != nil {
		return fmt.Errorf("dynamo: cancel reactivation: %w", err)
	}
	return nil
}

// GetActivationCode returns the stored code with this hash if it can still
// be redeemed, else domain.ErrUnknownActivation, the same for unknown,
// used, cancelled and expired codes so a caller learns nothing about
// codes it does not hold. One round trip.
func (s *Store) GetActivationCode(ctx context.Context, hash string) (*domain.ActivationCode, error) {
	var c domain.ActivationCode
	found, err := s.get(ctx, codePK(hash), skCode, &c)
	if err != nil {
		return nil, err
	}
	if !found || !c.Usable(s.clock.Now()) {
		return nil, domain.NewError(domain.CodeUnknownActivation)
	}
	return &c, nil
}

// GetActivationTarget resolves a code hash to its reactivation, admin and
// account, or domain.ErrUnknownActivation (also when the reactivation is
// no longer pending). Two round trips: the code, then one strongly
// consistent BatchGetItem for the other three (ReadActivationTarget).
func (s *Store) GetActivationTarget(ctx context.Context, hash string) (*ActivationTarget, error) {
	c, err := s.GetActivationCode(ctx, hash)
	if err != nil {
		return nil, err
	}
	t, err := s.ReadActivationTarget(ctx, c)
	if err != nil {
		return nil, err
	}
	if t.Reactivation.EffectiveStatus(s.clock.Now()) != domain.ReactivationPending {
		return nil, domain.NewError(domain.CodeUnknownActivation)
	}
	return t, nil
}

// ReadActivationTarget reads the reactivation, admin and account a code
// (as GetActivationCode returned it) names, with one strongly consistent
// BatchGetItem, as they are: whatever the reactivation's status, which
// the caller checks. One missing gives domain.ErrUnknownActivation. One
// round trip.
func (s *Store) ReadActivationTarget(ctx context.Context, c *domain.ActivationCode) (*ActivationTarget, error) {
	t := &ActivationTarget{Code: *c}
	got := 0
	err := s.batchGet(ctx, []map[string]types.AttributeValue{
		key(reactivationPK(c.ReactivationID), skReactivation),
		key(adminPK(c.AdminID), skAdmin),
		key(accountPK(c.AccountID), skAccount),
	}, byType(map[string]any{typeReactivation: &t.Reactivation, typeAdmin: &t.Admin, typeAccount: &t.Account}, &got))
	if err != nil {
		return nil, err
	}
	if got != 3 {
		return nil, domain.NewError(domain.CodeUnknownActivation)
	}
	return t, nil
}

// Redeem binds a new credential to the admin in one transaction, so that
// a code is single use even under concurrency (DESIGN.md §5):
//  1. the code, still pending and unexpired → activated (condition);
//  2. the reactivation, still pending with the QR and email codes read →
//     activated (condition), so two different codes of one reactivation
//     cannot both win, and a code emailed or a QR code issued meanwhile
//     is not left usable;
//  3. the new credential (must not exist);
//  4. the admin: active credential switched, pending reactivation cleared,
//     on condition that the active credential is still the one read, so a
//     credential activated meanwhile is never left active beside ours,
//     and that the admin is not disabled (the caller refuses one read
//     disabled; this refuses one disabled since);
//  5. the previous credential of this admin, and only this admin → revoked;
//  6. the reactivation's other codes → cancelled;
//  7. the audit event.
//
// The target is a fresh read (GetActivationTargetOf) or, with
// red.Carried, the code's carry (domain.CodeCarry), written with the code
// and possibly stale: the conditions are the same, and every value they
// compare is one the transaction relies on, so a stale carry cannot
// redeem wrongly, only fail.
//
// A lost race gives domain.ErrUnknownActivation, like any used code; with
// red.Carried, a refusal of anything but the code gives
// domain.ErrRedeemStale, for the caller to redeem from a fresh read. One
// round trip.
func (s *Store) Redeem(ctx context.Context, red Redemption) error {
	t, cred, now := red.Target, red.Credential, s.clock.Now()
	if err := s.sealHOTPSecret(ctx, &cred); err != nil {
		return err
	}
	credItem, err := item(cred, typeCredential, credentialPK(cred.ID), skCredential, zeroTime)
	if err != nil {
		return err
	}
	withGSI1(credItem, adminCredsGSI1PK(cred.AdminID), "CRED#"+cred.CreatedAt.UTC().Format(time.RFC3339Nano))
	auditItem, err := s.TxPutAudit(red.Audit)
	if err != nil {
		return err
	}
	pending, activated := str(string(domain.ReactivationPending)), str(string(domain.ReactivationActivated))
	statusName := map[string]string{"#s": "status"}
	adminCond := "attribute_exists(PK) AND #s <> :disabled AND (attribute_not_exists(active_credential_id) OR active_credential_id = :none)"
	adminValues := map[string]types.AttributeValue{":cred": str(cred.ID), ":none": str(""), ":disabled": str(string(domain.AdminDisabled))}
	if old := t.Admin.ActiveCredentialID; old != "" {
		adminCond = "#s <> :disabled AND active_credential_id = :old"
		adminValues[":old"] = str(old)
	}
	reactValues := map[string]types.AttributeValue{":a": activated, ":p": pending, ":at": str(now.UTC().Format(time.RFC3339Nano)), ":cred": str(cred.ID),
		":qr": str(t.Reactivation.QRCodeHash)}
	items := []types.TransactWriteItem{
		s.txUpdate(key(codePK(t.Code.Hash), skCode), "SET #s = :a", "#s = :p AND expires_at > :now", statusName,
			map[string]types.AttributeValue{":a": activated, ":p": pending, ":now": unix(now)}),
		s.txUpdate(key(reactivationPK(t.Reactivation.ID), skReactivation),
			"SET #s = :a, activated_at = :at, credential_id = :cred",
			"#s = :p AND qr_code_hash = :qr AND "+emailHashIs(t.Reactivation.EmailCodeHash, reactValues),
			statusName, reactValues),
		s.txPut(credItem, "attribute_not_exists(PK)"),
		s.txUpdate(key(adminPK(t.Admin.ID), skAdmin),
			"SET active_credential_id = :cred, pending_reactivation_id = :none", adminCond, statusName, adminValues),
		auditItem,
	}
	if old := t.Admin.ActiveCredentialID; old != "" {
		items = append(items, s.txUpdate(key(credentialPK(old), skCredential), "SET #s = :r, revoked_at = :at",
			"attribute_exists(PK) AND admin_id = :admin", statusName,
			map[string]types.AttributeValue{":r": str(string(domain.CredentialRevoked)), ":at": str(now.UTC().Format(time.RFC3339Nano)), ":admin": str(t.Admin.ID)}))
	}
	for _, h := range codeHashes(&t.Reactivation) {
		if h != t.Code.Hash {
			items = append(items, s.txSetCodeStatus(h, domain.ReactivationCancelled))
		}
	}
	err = s.transact(ctx, items...)
	if red.Carried && staleCarry(cancelReasons(err)) {
		return domain.ErrRedeemStale
	}
	if transactionConflict(err) {
		return domain.NewError(domain.CodeUnknownActivation)
	}
	if err != nil {
		return fmt.Errorf("dynamo: redeem: %w", err)
	}
	return nil
}

// staleCarry reports whether a redeem transaction was refused by a
// condition on something other than its code (reasons[0]): what the carry
// said no longer holds. A conflict with a concurrent transaction is not
// that: it is answered as before (40403), as the winner of a race of
// redeems has just used the code.
func staleCarry(reasons []string) bool {
	if len(reasons) == 0 || reasons[0] == "ConditionalCheckFailed" || slices.Contains(reasons, "TransactionConflict") {
		return false
	}
	return slices.Contains(reasons[1:], "ConditionalCheckFailed")
}

// GetCredential returns a credential by its id (the pkey), or
// domain.ErrNotFound. Revoked credentials are returned too; callers check
// the status. One round trip.
func (s *Store) GetCredential(ctx context.Context, id string) (*domain.Credential, error) {
	return getOne[domain.Credential](ctx, s, credentialPK(id), skCredential)
}

// ListCredentials returns an admin's credentials, oldest first. One round
// trip per page.
func (s *Store) ListCredentials(ctx context.Context, adminID string) ([]domain.Credential, error) {
	return queryGSI1[domain.Credential](ctx, s, adminCredsGSI1PK(adminID))
}
