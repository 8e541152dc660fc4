package dynamo

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"push-reactivation/shared/domain"
)

// A transaction that changes a reactivation's code hashes (AddEmailCode,
// VoidEmailCode's restore, ReplaceQRCode) also gives the reactivation's
// other live code the new carry (domain.CodeCarry), so that redeeming that
// code afterwards still takes two round trips, not three (issue 15).
//
// The update only sets `carried`: its condition is that the item exists
// (so SET never creates a fragment of a code item), not that the code is
// pending, so it adds no reason for the transaction to fail. Rewriting the
// carry of a code that is no longer usable is harmless: a redeem
// conditions on the code's own status first. The item is named only while
// the code is unexpired, as TTL may have deleted it after its expiry.

// carryLive reports whether a code that expires at expires may still be
// redeemed at now, so that its item is there to take a new carry.
func carryLive(hash string, expires, now time.Time) bool {
	return hash != "" && now.Before(expires)
}

// carryValue is a carry as the code item stores it.
func carryValue(r *domain.Reactivation) types.AttributeValue {
	v, _ := attributevalue.Marshal(r.Carry()) // a struct of strings always marshals
	return v
}

// txSetCarry gives the code item hash the carry of r.
func (s *Store) txSetCarry(hash string, r *domain.Reactivation) types.TransactWriteItem {
	return s.txUpdate(key(codePK(hash), skCode), "SET #k = :k", "attribute_exists(PK)",
		map[string]string{"#k": "carried"}, map[string]types.AttributeValue{":k": carryValue(r)})
}
