package dynamo

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"push-reactivation/shared/domain"
)

// ReplaceQRCode gives a pending reactivation a new QR code and kills the
// previous one, in one transaction, so that there is never a moment with
// two live QR codes, nor one without:
//  1. the reactivation (pending, unexpired, barcodes_issued < max,
//     qr_code_hash and email_code_hash as read): QR hash, QR expiry,
//     expires_at (the later of the new QR code's and the email code's)
//     and TTL set, ADD barcodes_issued 1;
//  2. the previous QR code item → cancelled;
//  3. the new code item (must not exist);
//  4. the audit event;
//  5. the email code, if still valid: its carry, so that redeeming it
//     after this needs no third round trip (codecarry.go).
//
// The email code is left usable: the emailed link keeps working. A
// reactivation that changed gives ErrQRCodeRaced. One round trip.
func (s *Store) ReplaceQRCode(ctx context.Context, n NewQRCode) error {
	before, after, now := n.Before, n.After, s.clock.Now()
	if after.ID != before.ID || before.QRCodeHash == "" || n.Code.Hash != after.QRCodeHash || after.QRCodeHash == before.QRCodeHash ||
		after.EmailCodeHash != before.EmailCodeHash || after.BarcodesIssued != before.BarcodesIssued+1 {
		return fmt.Errorf("dynamo: replace QR code: After and Code do not follow from Before")
	}
	codeItem, err := s.codeItem(n.Code)
	if err != nil {
		return err
	}
	auditItem, err := s.TxPutAudit(n.Audit)
	if err != nil {
		return err
	}
	names := map[string]string{"#s": "status", "#ttl": attrTTL}
	values := map[string]types.AttributeValue{
		":p": str(string(domain.ReactivationPending)), ":now": unix(now), ":max": num(domain.MaxBarcodesPerReactivation),
		":oldqr": str(before.QRCodeHash), ":h": str(after.QRCodeHash), ":q": unix(after.QRExpiresAt), ":x": unix(after.ExpiresAt),
		":ttl": unix(after.ExpiresAt.Add(ReactivationRetention)), ":one": num(1),
	}
	cond := "#s = :p AND expires_at > :now AND qr_code_hash = :oldqr AND " +
		"(attribute_not_exists(barcodes_issued) OR barcodes_issued < :max) AND " + emailHashIs(before.EmailCodeHash, values)
	items := []types.TransactWriteItem{
		s.txUpdate(key(reactivationPK(before.ID), skReactivation),
			"SET qr_code_hash = :h, qr_expires_at = :q, expires_at = :x, #ttl = :ttl ADD barcodes_issued :one", cond, names, values),
		s.txSetCodeStatus(before.QRCodeHash, domain.ReactivationCancelled),
		s.txPut(codeItem, "attribute_not_exists(PK)"),
		auditItem,
	}
	if carryLive(before.EmailCodeHash, before.EmailExpiresAt, now) {
		// The email code's carry names the new QR code (codecarry.go).
		items = append(items, s.txSetCarry(before.EmailCodeHash, &after))
	}
	err = s.transact(ctx, items...)
	if transactionConflict(err) {
		return ErrQRCodeRaced
	}
	if err != nil {
		return fmt.Errorf("dynamo: replace QR code: %w", err)
	}
	return nil
}
