package dynamo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"push-reactivation/shared/domain"
)

// Login transactions (the fallback login, docs/table.md): LOGIN#<txid>,
// with ttl = expiry + LoginRetention. Once a Duo Push is started the item
// is indexed on GSI1 under PushGSI1PK(credential) / PushGSI1SK(push id)
// (pushes.go), which is how the phone finds it; before that, and again once
// the login completes, it is indexed under its own key (loginGSI1), where
// nobody looks.
//
// Why not leave it out of the index until a push: the embedded minidyn
// (v0.8.2) corrupts its index when an UpdateItem adds index keys to an item
// that has none (core/index.go, updateData overwrites the first sorted key),
// after which GSI1 queries miss items. Moving an item between index keys it
// handles correctly, and DynamoDB does the same work either way.

func loginPK(txid string) string { return "LOGIN#" + txid }

// loginGSI1 is the index position of a login without a push outstanding.
func loginGSI1(txid string) (pk, sk string) { return loginPK(txid), skLogin }

func loginKey(txid string) map[string]types.AttributeValue { return key(loginPK(txid), skLogin) }

// LoginRetention is how long a login item is kept past its expiry before
// TTL may delete it, so a late call still learns "expired" (41001) rather
// than "not found". Every read checks expiry itself.
const LoginRetention = 24 * time.Hour

func unum(n uint64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatUint(n, 10)}
}

// CreateLogin writes a new login transaction and its audit event (the
// password step) in one transaction. One round trip.
func (s *Store) CreateLogin(ctx context.Context, tx domain.LoginTx, ev domain.AuditEvent) error {
	m, err := item(tx, typeLogin, loginPK(tx.ID), skLogin, tx.ExpiresAt.Add(LoginRetention))
	if err != nil {
		return err
	}
	gpk, gsk := loginGSI1(tx.ID)
	withGSI1(m, gpk, gsk)
	auditItem, err := s.TxPutAudit(ev)
	if err != nil {
		return err
	}
	err = s.transact(ctx, s.txPut(m, "attribute_not_exists(PK)"), auditItem)
	if transactionConflict(err) {
		return domain.Errorf(domain.CodeConflict, "login already exists")
	}
	if err != nil {
		return fmt.Errorf("dynamo: create login: %w", err)
	}
	return nil
}

// GetLogin returns a login transaction, or domain.ErrNotFound. One that
// expired while pending or approved comes back with status expired. One
// round trip.
func (s *Store) GetLogin(ctx context.Context, txid string) (*domain.LoginTx, error) {
	tx, err := getOne[domain.LoginTx](ctx, s, loginPK(txid), skLogin)
	if err != nil {
		return nil, err
	}
	tx.Status = tx.EffectiveStatus(s.clock.Now())
	return tx, nil
}

// GetLoginAdmin reads an admin and its account with one strongly
// consistent BatchGetItem, or returns domain.ErrNotFound when either is
// missing. One round trip.
func (s *Store) GetLoginAdmin(ctx context.Context, adminID, accountID string) (*domain.Admin, *domain.Account, error) {
	var admin domain.Admin
	var account domain.Account
	got := 0
	err := s.batchGet(ctx, []map[string]types.AttributeValue{key(adminPK(adminID), skAdmin), key(accountPK(accountID), skAccount)},
		byType(map[string]any{typeAdmin: &admin, typeAccount: &account}, &got))
	if err != nil {
		return nil, nil, err
	}
	if got != 2 || admin.AccountID != accountID {
		return nil, nil, domain.NewError(domain.CodeNotFound)
	}
	return &admin, &account, nil
}

// GetLoginAdminCredential is GetLoginAdmin with the credential
// credentialID read in the same BatchGetItem (the one a login names as its
// admin's active credential when it started, LoginTx.ActiveCredentialID):
// cred is nil when that item does not exist or credentialID is empty.
// Callers check that it is still the admin's active one. One round trip.
func (s *Store) GetLoginAdminCredential(ctx context.Context, adminID, accountID, credentialID string) (*domain.Admin, *domain.Account, *domain.Credential, error) {
	if credentialID == "" {
		admin, account, err := s.GetLoginAdmin(ctx, adminID, accountID)
		return admin, account, nil, err
	}
	var admin domain.Admin
	var account domain.Account
	var cred domain.Credential
	got := 0
	err := s.batchGet(ctx, []map[string]types.AttributeValue{
		key(adminPK(adminID), skAdmin), key(accountPK(accountID), skAccount), key(credentialPK(credentialID), skCredential),
	}, byType(map[string]any{typeAdmin: &admin, typeAccount: &account, typeCredential: &cred}, &got))
	if err != nil {
		return nil, nil, nil, err
	}
	if admin.ID == "" || account.ID == "" || admin.AccountID != accountID {
		return nil, nil, nil, domain.NewError(domain.CodeNotFound)
	}
	if cred.ID != credentialID {
		return &admin, &account, nil, nil
	}
	return &admin, &account, &cred, nil
}

// ReturnPasscodeTry gives back a try ReservePasscodeAttempt took from the
// login's passcode hash when nothing was compared after all (the admin or
// the account refused the attempt); never below zero, and not at all once
// another passcode replaced it (a resend starts at 0 anyway). One round
// trip.
func (s *Store) ReturnPasscodeTry(ctx context.Context, txid, hash string) error {
	_, err := s.update(ctx, loginKey(txid), "ADD passcode_tries :minus", "passcode_hash = :h AND passcode_tries > :zero", nil,
		map[string]types.AttributeValue{":minus": num(-1), ":zero": num(0), ":h": str(hash)})
	if err != nil && !isConditionFailed(err) {
		return fmt.Errorf("dynamo: return passcode try: %w", err)
	}
	return nil
}

// IssueLoginPasscode replaces the login's passcode with a new one, in one
// transaction of three items:
//  1. the login: still pending, unexpired, fewer than MaxSends sends →
//     new hash and expiry, tries back to 0, sends + 1;
//  2. the admin's send log (Limit, a sliding window: rate.go), refused
//     when full;
//  3. the audit event.
//
// A refused send consumes nothing. A full admin log gives
// domain.RateLimited with Retry-After; a refused login item gives
// ErrLoginChanged (the caller re-reads to tell expired from out of sends).
// The failure count of the admin is not touched: a resend never resets it.
// adminLeft is how many more sends the admin's log allowed right after
// this one (it is read anyway, so the count costs nothing).
// Two round trips (the send log is read first), more only when concurrent
// sends of the same admin race.
func (s *Store) IssueLoginPasscode(ctx context.Context, p LoginPasscode) (adminLeft int, err error) {
	auditItem, err := s.TxPutAudit(p.Audit)
	if err != nil {
		return 0, err
	}
	now := s.clock.Now()
	login := s.txUpdate(loginKey(p.TxID),
		"SET #f = :f, passcode_hash = :h, passcode_expires_at = :e, passcode_tries = :zero ADD sends :one",
		"#s = :pending AND expires_at > :now AND sends < :max",
		map[string]string{"#s": "status", "#f": "factor"},
		map[string]types.AttributeValue{
			":f": str(string(p.Factor)), ":h": str(p.Hash), ":e": unix(p.ExpiresAt), ":zero": num(0), ":one": num(1),
			":pending": str(string(domain.LoginPending)), ":now": unix(now), ":max": num(int64(p.MaxSends)),
		})
	hit, err := s.txHit(ctx, p.Limit, p.AdminID, sendTag(p.TxID, p.Hash), func(rate types.TransactWriteItem) ([]types.TransactWriteItem, int) {
		return []types.TransactWriteItem{login, rate, auditItem}, 1
	})
	if errors.Is(err, domain.ErrRateLimited) {
		return 0, err
	}
	if cancelReasons(err) != nil {
		return 0, ErrLoginChanged
	}
	if err != nil {
		return 0, fmt.Errorf("dynamo: issue passcode: %w", err)
	}
	return hit.Left, nil
}

// sendTag names the admin-log hit of one passcode send, from what the
// refund is handed again (the login and the passcode's hash), so the
// refund removes exactly that hit. A digest, so the rate item holds
// nothing of the hash itself.
func sendTag(txid, hash string) string {
	sum := sha256.Sum256([]byte(txid + "\x00" + hash))
	return hex.EncodeToString(sum[:8])
}

// RefundLoginPasscode gives back the send that IssueLoginPasscode counted
// when the message could not be sent, so a failed send is not counted
// (docs/table.md, rate limits). The login's count is given back only if
// the passcode is still the one issued (hash); the admin's send log loses
// exactly the hit of this send (sendTag), wherever it now sits, and
// nothing when it already left the window. The passcode itself stays
// valid: a send that timed out may still have been delivered. Three round
// trips (login update, log read, log write), more under contention.
func (s *Store) RefundLoginPasscode(ctx context.Context, txid, hash string, l Limit, adminID string) error {
	_, err := s.update(ctx, loginKey(txid), "SET sends = sends - :one", "passcode_hash = :h AND sends > :zero", nil,
		map[string]types.AttributeValue{":one": num(1), ":zero": num(0), ":h": str(hash)})
	if err != nil && !isConditionFailed(err) {
		return fmt.Errorf("dynamo: refund login send: %w", err)
	}
	tag := sendTag(txid, hash)
	return s.refund(ctx, []rateRefund{{RateSubject: RateSubject{Limit: l, Subject: adminID}, match: func(e string) bool { return strings.HasSuffix(e, "/"+tag) }}}, nil)
}

// StartLoginPush records a push on the login transaction and indexes it
// under the credential for the phone (GSI1PK = PushGSI1PK(credential),
// GSI1SK = PushGSI1SK(push id)), with its audit event, in one transaction.
// The login must be pending, unexpired and below MaxPushes pushes (the
// pushes attribute counts them), else ErrLoginChanged. The factor
// attribute is left alone: until the login completes it names the channel
// of the current SMS/voice passcode, which stays usable beside the push.
// One round trip.
func (s *Store) StartLoginPush(ctx context.Context, p LoginPush) error {
	auditItem, err := s.TxPutAudit(p.Audit)
	if err != nil {
		return err
	}
	err = s.transact(ctx,
		s.txUpdate(loginKey(p.TxID),
			"SET credential_id = :cred, push_id = :pid, verification_code_hash = :vch, verification_code_length = :vcl, push_expires_at = :e, "+
				"GSI1PK = :gpk, GSI1SK = :gsk ADD pushes :one",
			"#s = :pending AND expires_at > :now AND (attribute_not_exists(pushes) OR pushes < :max)",
			map[string]string{"#s": "status"},
			map[string]types.AttributeValue{
				":cred": str(p.CredentialID), ":pid": str(p.PushID),
				":vch": str(p.VerificationCodeHash), ":vcl": num(int64(p.VerificationCodeLength)), ":e": unix(p.ExpiresAt),
				":gpk": str(PushGSI1PK(p.CredentialID)), ":gsk": str(PushGSI1SK(p.PushID)), ":one": num(1),
				":pending": str(string(domain.LoginPending)), ":now": unix(s.clock.Now()), ":max": num(int64(p.MaxPushes)),
			}),
		auditItem,
	)
	if cancelReasons(err) != nil {
		return ErrLoginChanged
	}
	if err != nil {
		return fmt.Errorf("dynamo: start push: %w", err)
	}
	return nil
}

// CompleteLogin issues the session of a login whose second factor passed,
// in one transaction, so a login yields at most one session even under
// concurrency:
//  1. the login: From → completed, unexpired (and the passcode or push
//     still the one checked), taken off the push index;
//  2. the new session (attribute_not_exists);
//  3. the admin: still active → the lockout's counts back to 0 (lockout.go);
//  4. for a Duo Mobile passcode, the credential: still active and this
//     admin's, counter still From → To, so a passcode is used once;
//  5. the audit event.
//
// A step-up (c.StepUp) writes no new session: item 2 refreshes the bound
// one (stepUpSession) and item 1 also requires the login to be bound to
// it and clears the sealed token, so a step-up yields at most one refresh.
//
// Errors: ErrLoginChanged (item 1), ErrSessionGone (item 2 of a step-up),
// domain.ErrLocked (item 3: locked or disabled meanwhile),
// ErrHOTPCounterMoved (item 4). One round trip.
func (s *Store) CompleteLogin(ctx context.Context, c LoginCompletion) error {
	now := s.clock.Now()
	var sessItem types.TransactWriteItem
	var err error
	if c.StepUp {
		sessItem = s.stepUpSession(c.Session, now)
	} else if sessItem, err = s.TxPutSession(c.Session); err != nil {
		return err
	}
	auditItem, err := s.TxPutAudit(c.Audit)
	if err != nil {
		return err
	}
	statusName := map[string]string{"#s": "status"}
	cond := "#s = :from AND expires_at > :now"
	values := map[string]types.AttributeValue{
		":from": str(string(c.From)), ":done": str(string(domain.LoginCompleted)), ":f": str(string(c.Factor)), ":now": unix(now),
	}
	if c.PasscodeHash != "" {
		cond += " AND passcode_hash = :h AND passcode_expires_at > :now"
		values[":h"] = str(c.PasscodeHash)
	}
	if c.PushID != "" {
		cond += " AND push_id = :pid"
		values[":pid"] = str(c.PushID)
	}
	// The completed login leaves the credential's push partition, so the
	// phone's list stays short (readers check the status anyway).
	gpk, gsk := loginGSI1(c.TxID)
	values[":gpk"], values[":gsk"] = str(gpk), str(gsk)
	update := "SET #s = :done, #f = :f, GSI1PK = :gpk, GSI1SK = :gsk"
	if c.StepUp {
		// The sealed token is cleared by SET to "" rather than REMOVE:
		// minidyn ignores REMOVE (docs/table.md, minidyn gaps).
		cond += " AND session_token_hash = :sth"
		values[":sth"], values[":nosealed"] = str(c.Session.TokenHash), str("")
		update += ", sealed_session_token = :nosealed"
	}
	items := []types.TransactWriteItem{
		s.txUpdate(loginKey(c.TxID), update, cond,
			map[string]string{"#s": "status", "#f": "factor"}, values),
		sessItem,
		s.txUpdate(key(adminPK(c.Session.AdminID), skAdmin), "SET failed_attempts = :zero, attempts_reserved = :zero", "#s = :active", statusName,
			map[string]types.AttributeValue{":zero": num(0), ":active": str(string(domain.AdminActive))}),
	}
	if h := c.HOTP; h != nil {
		items = append(items, s.txUpdate(key(credentialPK(h.CredentialID), skCredential), "SET hotp_counter = :to",
			"hotp_counter = :from AND #s = :active AND admin_id = :admin", statusName,
			map[string]types.AttributeValue{
				":to": unum(h.To), ":from": unum(h.From), ":active": str(string(domain.CredentialActive)), ":admin": str(c.Session.AdminID),
			}))
	}
	items = append(items, auditItem)
	err = s.transact(ctx, items...)
	if reasons := cancelReasons(err); reasons != nil {
		failed := func(i int) bool { return i < len(reasons) && reasons[i] == "ConditionalCheckFailed" }
		switch {
		case c.StepUp && failed(1):
			return ErrSessionGone
		case failed(2):
			return domain.NewError(domain.CodeLocked)
		case c.HOTP != nil && failed(3):
			return ErrHOTPCounterMoved
		}
		return ErrLoginChanged
	}
	if err != nil {
		return fmt.Errorf("dynamo: complete login: %w", err)
	}
	return nil
}

// stepUpSession is the transaction item of a step-up's session: the
// session sess.TokenHash gets sess's authenticated_at, last_seen_at and
// factor, on condition that it still exists, is sess.AdminID's and has not
// reached its absolute end (an idle one cannot reach here: the step-up's
// login ends before its session's idle expiry). Its acting account, home
// account and absolute expiry stay as they are.
func (s *Store) stepUpSession(sess domain.Session, now time.Time) types.TransactWriteItem {
	return s.txUpdate(key(sessionPK(sess.TokenHash), skSession),
		"SET authenticated_at = :at, last_seen_at = :seen, #f = :f",
		"attribute_exists(PK) AND admin_id = :admin AND absolute_expires_at > :now",
		map[string]string{"#f": "factor"},
		map[string]types.AttributeValue{
			":at": str(sess.AuthenticatedAt.UTC().Format(time.RFC3339Nano)), ":seen": str(sess.LastSeenAt.UTC().Format(time.RFC3339Nano)),
			":f": str(string(sess.Factor)), ":admin": str(sess.AdminID), ":now": unix(now),
		})
}

// SwitchActingAccount sets the account a session acts in and writes the
// audit event, in one transaction; a session that no longer exists gives
// domain.ErrNotAuthenticated. One round trip.
func (s *Store) SwitchActingAccount(ctx context.Context, tokenHash, accountID string, ev domain.AuditEvent) error {
	auditItem, err := s.TxPutAudit(ev)
	if err != nil {
		return err
	}
	err = s.transact(ctx,
		s.txUpdate(key(sessionPK(tokenHash), skSession), "SET acting_account_id = :a", "attribute_exists(PK)", nil,
			map[string]types.AttributeValue{":a": str(accountID)}),
		auditItem,
	)
	if transactionConflict(err) {
		return domain.NewError(domain.CodeNotAuthenticated)
	}
	if err != nil {
		return fmt.Errorf("dynamo: switch account: %w", err)
	}
	return nil
}

// EndSession deletes a session (logout) and writes the audit event, in one
// transaction. One round trip.
func (s *Store) EndSession(ctx context.Context, tokenHash string, ev domain.AuditEvent) error {
	auditItem, err := s.TxPutAudit(ev)
	if err != nil {
		return err
	}
	err = s.transact(ctx,
		types.TransactWriteItem{Delete: &types.Delete{TableName: &s.table, Key: key(sessionPK(tokenHash), skSession)}},
		auditItem,
	)
	if err != nil {
		return fmt.Errorf("dynamo: end session: %w", err)
	}
	return nil
}
