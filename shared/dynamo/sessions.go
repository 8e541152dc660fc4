package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"push-reactivation/shared/domain"
)

// sessionItem builds the item of a session; its TTL is the absolute expiry.
func (s *Store) sessionItem(sess domain.Session) (map[string]types.AttributeValue, error) {
	return item(sess, typeSession, sessionPK(sess.TokenHash), skSession, sess.AbsoluteExpiresAt)
}

// PutSession stores a new session. One round trip.
func (s *Store) PutSession(ctx context.Context, sess domain.Session) error {
	m, err := s.sessionItem(sess)
	if err != nil {
		return err
	}
	return s.putNew(ctx, m)
}

// TxPutSession is the transaction item that stores a new session, for
// callers that issue a session together with another state change.
func (s *Store) TxPutSession(sess domain.Session) (types.TransactWriteItem, error) {
	m, err := s.sessionItem(sess)
	if err != nil {
		return types.TransactWriteItem{}, err
	}
	return s.txPut(m, "attribute_not_exists(PK)"), nil
}

// GetSession returns the session whose token hashes to tokenHash, or
// domain.ErrNotAuthenticated when it does not exist or has expired (idle
// or absolute). One round trip.
func (s *Store) GetSession(ctx context.Context, tokenHash string) (*domain.Session, error) {
	var sess domain.Session
	found, err := s.get(ctx, sessionPK(tokenHash), skSession, &sess)
	if err != nil {
		return nil, err
	}
	if !found || !sess.Valid(s.clock.Now()) {
		return nil, domain.NewError(domain.CodeNotAuthenticated)
	}
	return &sess, nil
}

// TouchSession records use of a session, pushing its idle expiry back. The
// condition keeps a concurrent logout from being undone. One round trip.
func (s *Store) TouchSession(ctx context.Context, tokenHash string, at time.Time) error {
	_, err := s.update(ctx, key(sessionPK(tokenHash), skSession), "SET last_seen_at = :t", "attribute_exists(PK)", nil,
		map[string]types.AttributeValue{":t": str(at.UTC().Format(time.RFC3339Nano))})
	if isConditionFailed(err) {
		return domain.NewError(domain.CodeNotAuthenticated)
	}
	if err != nil {
		return fmt.Errorf("dynamo: touch session: %w", err)
	}
	return nil
}

// GetSessionAndAdmin returns the session whose token hashes to tokenHash
// and the admin adminID (which the token names), read together in one
// strongly consistent BatchGetItem, so authenticating a request is one
// round trip. A session that does not exist or has expired is
// domain.ErrNotAuthenticated; a missing admin comes back nil. Whether the
// session belongs to adminID is the caller's check.
func (s *Store) GetSessionAndAdmin(ctx context.Context, tokenHash, adminID string) (*domain.Session, *domain.Admin, error) {
	var sess domain.Session
	var admin domain.Admin
	got := map[string]bool{}
	place := byType(map[string]any{typeSession: &sess, typeAdmin: &admin}, new(int))
	err := s.batchGet(ctx, []map[string]types.AttributeValue{
		key(sessionPK(tokenHash), skSession),
		key(adminPK(adminID), skAdmin),
	}, func(m map[string]types.AttributeValue) error {
		if t, ok := m[attrType].(*types.AttributeValueMemberS); ok {
			got[t.Value] = true
		}
		return place(m)
	})
	if err != nil {
		return nil, nil, fmt.Errorf("dynamo: get session: %w", err)
	}
	if !got[typeSession] || !sess.Valid(s.clock.Now()) {
		return nil, nil, domain.NewError(domain.CodeNotAuthenticated)
	}
	if !got[typeAdmin] {
		return &sess, nil, nil
	}
	return &sess, &admin, nil
}
