package dynamo

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"push-reactivation/shared/domain"
)

// Lookup reads the items l names in one strongly consistent BatchGetItem,
// so a request that knows several keys up front pays one round trip for
// all of them (docs/table.md). Items that do not exist come back nil; a
// rate log that does not exist comes back empty. One round trip (none
// when l names nothing).
func (s *Store) Lookup(ctx context.Context, l domain.Lookup) (*domain.Found, error) {
	var account domain.Account
	var admin domain.Admin
	var react domain.Reactivation
	var cred domain.Credential
	wanted := []struct {
		id, itemType string
		key          func(id string) map[string]types.AttributeValue
		dst          any
	}{
		{l.AccountID, typeAccount, func(id string) map[string]types.AttributeValue { return key(accountPK(id), skAccount) }, &account},
		{l.AdminID, typeAdmin, func(id string) map[string]types.AttributeValue { return key(adminPK(id), skAdmin) }, &admin},
		{l.ReactivationID, typeReactivation, func(id string) map[string]types.AttributeValue { return key(reactivationPK(id), skReactivation) }, &react},
		{l.CredentialID, typeCredential, func(id string) map[string]types.AttributeValue { return key(credentialPK(id), skCredential) }, &cred},
	}
	var keys []map[string]types.AttributeValue
	dst := map[string]any{}
	for _, w := range wanted {
		if w.id != "" {
			keys, dst[w.itemType] = append(keys, w.key(w.id)), w.dst
		}
	}
	if l.RateSubject != "" {
		keys = append(keys, rateKey(l.RateLimit, l.RateSubject))
	}
	f := &domain.Found{}
	if len(keys) == 0 {
		return f, nil
	}
	found := map[string]bool{}
	var rate map[string]types.AttributeValue
	place := byType(dst, new(int))
	err := s.batchGet(ctx, keys, func(m map[string]types.AttributeValue) error {
		t, _ := m[attrType].(*types.AttributeValueMemberS)
		if t == nil {
			return nil
		}
		found[t.Value] = true
		if t.Value == typeRate {
			rate = m
			return nil
		}
		return place(m)
	})
	if err != nil {
		return nil, fmt.Errorf("dynamo: lookup: %w", err)
	}
	if found[typeAccount] {
		f.Account = &account
	}
	if found[typeAdmin] {
		f.Admin = &admin
	}
	if found[typeReactivation] {
		react.Status = react.EffectiveStatus(s.clock.Now())
		f.Reactivation = &react
	}
	if found[typeCredential] {
		f.Credential = &cred
	}
	if l.RateSubject != "" {
		st, err := decodeRate(l.RateLimit, l.RateSubject, rate)
		if err != nil {
			return nil, err
		}
		f.Rate = &domain.RateLog{Limit: st.limit, Subject: st.subject, Version: st.version, Hits: st.hits, Failures: st.failures, Known: st.known}
	}
	return f, nil
}

// rateStateOf turns a log a Lookup read back into the state a hit
// writes from.
func rateStateOf(l *domain.RateLog) *rateState {
	return &rateState{limit: l.Limit, subject: l.Subject, version: l.Version, hits: l.Hits, failures: l.Failures, known: l.Known}
}

// lookedUp is the first round's read of a hit on limit for subject when
// log, as a Lookup read it, is that log; nil (read it) otherwise.
func lookedUp(log *domain.RateLog, limit Limit, subject string) []*rateState {
	if log == nil || log.Limit != limit || log.Subject != subject {
		return nil
	}
	return []*rateState{rateStateOf(log)}
}
