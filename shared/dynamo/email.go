package dynamo

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"push-reactivation/shared/domain"
)

// Activation emails (issue #7): a reactivation gets an emailed code, at
// most domain.MaxEmailsPerReactivation times, and a failed send is undone.
// docs/table.md ("Activation emails") explains the two transactions.

// AddEmailCode gives a reactivation a new emailed code in one transaction:
//  1. the per-admin daily email log (a sliding window, rate.go), so a
//     refused email consumes nothing;
//  2. the reactivation (pending, unexpired, emails_sent < max, email code
//     as read): email code and expiry set, expires_at = the later of its
//     own and the code's, emails_sent + 1;
//  3. the new code item (must not exist);
//  4. the audit event;
//  5. the previous email code, if still valid → cancelled: one emailed
//     link works at a time;
//  6. the QR code, if still valid: its carry, naming the new email code,
//     so that redeeming it needs no third round trip (codecarry.go).
//
// A full log gives domain.RateLimited with the exact Retry-After; a
// reactivation that changed gives ErrEmailRaced. Two round trips (the log
// is read first), more only when emails to the same admin race.
func (s *Store) AddEmailCode(ctx context.Context, n NewEmailCode) (*IssuedEmailCode, error) {
	before, after, now := n.Before, n.After, s.clock.Now()
	if after.ID != before.ID || n.Code.Hash != after.EmailCodeHash || after.EmailCodeHash == "" || after.EmailsSent != before.EmailsSent+1 {
		return nil, fmt.Errorf("dynamo: add email code: After and Code do not follow from Before")
	}
	codeItem, err := s.codeItem(n.Code)
	if err != nil {
		return nil, err
	}
	auditItem, err := s.TxPutAudit(n.Audit)
	if err != nil {
		return nil, err
	}
	names := map[string]string{"#s": "status", "#ttl": attrTTL}
	values := map[string]types.AttributeValue{
		":p": str(string(domain.ReactivationPending)), ":now": unix(now), ":max": num(domain.MaxEmailsPerReactivation),
		":h": str(after.EmailCodeHash), ":e": unix(after.EmailExpiresAt), ":x": unix(after.ExpiresAt),
		":ttl": unix(after.ExpiresAt.Add(ReactivationRetention)), ":one": num(1),
	}
	cond := "#s = :p AND expires_at > :now AND (attribute_not_exists(emails_sent) OR emails_sent < :max) AND " +
		emailHashIs(before.EmailCodeHash, values)
	var qrCarry []types.TransactWriteItem
	if carryLive(before.QRCodeHash, before.QRExpiresAt, now) {
		// The QR code's carry names the new email code (codecarry.go).
		qrCarry = append(qrCarry, s.txSetCarry(before.QRCodeHash, &after))
	}
	react := s.txUpdate(key(reactivationPK(before.ID), skReactivation),
		"SET email_code_hash = :h, email_expires_at = :e, expires_at = :x, #ttl = :ttl ADD emails_sent :one",
		cond, names, values)
	hits, err := s.hitAllFrom(ctx, []RateSubject{{Limit: n.Limit, Subject: after.AdminID}}, lookedUp(n.RateLog, n.Limit, after.AdminID), n.Audit.ID,
		func(rate []types.TransactWriteItem) ([]types.TransactWriteItem, int) {
			items := []types.TransactWriteItem{rate[0], react, s.txPut(codeItem, "attribute_not_exists(PK)"), auditItem}
			if before.EmailCodeHash != "" && now.Before(before.EmailExpiresAt) {
				items = append(items, s.txSetCodeStatus(before.EmailCodeHash, domain.ReactivationCancelled))
			}
			return append(items, qrCarry...), 0
		})
	if errors.Is(err, domain.ErrRateLimited) {
		return nil, err
	}
	if cancelReasons(err) != nil || transactionConflict(err) {
		return nil, ErrEmailRaced
	}
	if err != nil {
		return nil, fmt.Errorf("dynamo: add email code: %w", err)
	}
	return &IssuedEmailCode{Code: n, Hit: hits[0]}, nil
}

// emailHashIs is the condition that a reactivation's email code is hash;
// "" means none, stored as a missing attribute or as "" (docs/table.md,
// minidyn gaps).
func emailHashIs(hash string, values map[string]types.AttributeValue) string {
	values[":oldh"] = str(hash)
	if hash == "" {
		return "(attribute_not_exists(email_code_hash) OR email_code_hash = :oldh)"
	}
	return "email_code_hash = :oldh"
}

// VoidEmailCode undoes AddEmailCode after the email could not be sent, so
// that no usable code is left that nobody received, and the failed attempt
// counts against neither limit. One transaction:
//  1. the new code → cancelled (condition: still pending);
//  2. the reactivation, if it still holds the new code and is pending: its
//     email code, email expiry, expiry and TTL set back to Before, and in
//     any case emails_sent − 1;
//  3. the previous email code, if AddEmailCode cancelled it and it is
//     still valid → pending again, so an earlier link that was delivered
//     keeps working (cancelled → pending only under 2's condition, which
//     proves nothing else cancelled it); and the QR code, if still
//     valid, gets the carry of the reactivation as restored (codecarry.go);
//  4. the email's own entry in the daily log removed (rate.go), read
//     first, so the refund is exact;
//  5. the audit event written by AddEmailCode → outcome failure with reason.
//
// When the reactivation moved on meanwhile (cancelled, activated through
// another code, or a newer email succeeded), 2 only gives back the count
// and 3 is left out. When the new code is no longer pending, it was
// cancelled by a newer email (then the undo still runs) or redeemed: the
// email reached its reader after all, and nothing is undone. Two round
// trips (log read, transaction), four when the reactivation moved on.
func (s *Store) VoidEmailCode(ctx context.Context, issued *IssuedEmailCode, reason string) error {
	e := entry(issued.Hit)
	refund := []rateRefund{{RateSubject: RateSubject{Limit: issued.Hit.Limit, Subject: issued.Hit.Subject}, match: func(x string) bool { return x == e }}}
	err := s.refund(ctx, refund, s.voidItems(issued, reason, true))
	if transactionConflict(err) {
		err = s.refund(ctx, refund, s.voidItems(issued, reason, false))
		if transactionConflict(err) {
			// The new code is no longer pending nor cancelled: it was
			// redeemed, so the email did arrive and there is nothing to undo.
			return nil
		}
	}
	if err != nil {
		return fmt.Errorf("dynamo: void email code: %w", err)
	}
	return nil
}

func (s *Store) voidItems(issued *IssuedEmailCode, reason string, restore bool) []types.TransactWriteItem {
	n, now := issued.Code, s.clock.Now()
	before, newHash := n.Before, n.Code.Hash
	statusName := map[string]string{"#s": "status"}
	pending, cancelled := str(string(domain.ReactivationPending)), str(string(domain.ReactivationCancelled))
	minusOne := num(-1)

	codeCond := "#s = :p"
	codeValues := map[string]types.AttributeValue{":c": cancelled, ":p": pending}
	if !restore {
		// A newer email may have cancelled the code already; only a
		// redeemed code stops the undo.
		codeCond = "#s <> :a"
		codeValues = map[string]types.AttributeValue{":c": cancelled, ":a": str(string(domain.ReactivationActivated))}
	}
	items := []types.TransactWriteItem{
		s.txUpdate(key(codePK(newHash), skCode), "SET #s = :c", "attribute_exists(PK) AND "+codeCond, statusName, codeValues),
	}

	reactKey := key(reactivationPK(before.ID), skReactivation)
	if restore {
		// email_expires_at is set to NULL when Before had no email code:
		// REMOVE would be the natural way, but minidyn ignores it
		// (docs/table.md), and NULL reads back as the zero time.
		oldExpiry := types.AttributeValue(&types.AttributeValueMemberNULL{Value: true})
		if before.EmailCodeHash != "" {
			oldExpiry = unix(before.EmailExpiresAt)
		}
		items = append(items, s.txUpdate(reactKey,
			"SET email_code_hash = :oldh, email_expires_at = :olde, expires_at = :oldx, #ttl = :ttl ADD emails_sent :m",
			"#s = :p AND email_code_hash = :newh",
			map[string]string{"#s": "status", "#ttl": attrTTL},
			map[string]types.AttributeValue{
				":oldh": str(before.EmailCodeHash), ":olde": oldExpiry, ":oldx": unix(before.ExpiresAt),
				":ttl": unix(before.ExpiresAt.Add(ReactivationRetention)), ":m": minusOne, ":p": pending, ":newh": str(newHash),
			}))
		if before.EmailCodeHash != "" && now.Before(before.EmailExpiresAt) {
			items = append(items, s.txUpdate(key(codePK(before.EmailCodeHash), skCode), "SET #s = :p",
				"#s = :c AND reactivation_id = :r", statusName,
				map[string]types.AttributeValue{":p": pending, ":c": cancelled, ":r": str(before.ID)}))
		}
		// The QR code's carry names the email code as restored
		// (codecarry.go); the previous email code's own carry still does,
		// as AddEmailCode left it alone.
		if carryLive(before.QRCodeHash, before.QRExpiresAt, now) {
			items = append(items, s.txSetCarry(before.QRCodeHash, &before))
		}
	} else {
		items = append(items, s.txUpdate(reactKey, "ADD emails_sent :m", "attribute_exists(PK) AND emails_sent > :zero", nil,
			map[string]types.AttributeValue{":m": minusOne, ":zero": num(0)}))
	}

	details := map[string]string{}
	for k, v := range n.Audit.Details {
		details[k] = v
	}
	details["reason"] = reason
	detailsAV, _ := attributevalue.Marshal(details) // a map of strings always marshals
	items = append(items, s.txUpdate(key(auditPK(n.Audit.AccountID), auditSK(n.Audit)), "SET #o = :f, #d = :d",
		"attribute_exists(PK)", map[string]string{"#o": "outcome", "#d": "details"},
		map[string]types.AttributeValue{":f": str(string(domain.OutcomeFailure)), ":d": detailsAV}))
	return items
}
