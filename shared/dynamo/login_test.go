//go:build !fuzz

package dynamo_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"push-reactivation/shared/domain"
	"push-reactivation/shared/dynamo"
	"push-reactivation/shared/secret"
)

var loginSendLimit = dynamo.Limit{Name: "passcode", Window: time.Hour, Max: domain.MaxSendsPerAdminHour}

// newLogin writes a pending login transaction for admin.
func (f *fixture) newLogin(t *testing.T, admin domain.Admin) domain.LoginTx {
	t.Helper()
	id, _ := secret.ID(nil)
	now := f.clock.Now()
	tx := domain.LoginTx{ID: id, AdminID: admin.ID, AccountID: admin.AccountID, Status: domain.LoginPending,
		CreatedAt: now, ExpiresAt: now.Add(domain.LoginTransactionValidity)}
	if err := f.store.CreateLogin(f.ctx, tx, f.loginAudit(admin, domain.ActionLoginPassword)); err != nil {
		t.Fatal(err)
	}
	return tx
}

func (f *fixture) loginAudit(admin domain.Admin, action string) domain.AuditEvent {
	id, _ := secret.ID(nil)
	return domain.AuditEvent{ID: id, Time: f.clock.Now(), AccountID: admin.AccountID, ActorID: admin.ID, TargetID: admin.ID,
		Action: action, Outcome: domain.OutcomeSuccess}
}

func (f *fixture) issueLoginPasscode(admin domain.Admin, tx domain.LoginTx, passcode string) error {
	_, err := f.store.IssueLoginPasscode(f.ctx, dynamo.LoginPasscode{
		TxID: tx.ID, AdminID: admin.ID, Factor: domain.FactorSMS, Hash: secret.Hash(passcode),
		ExpiresAt: f.clock.Now().Add(domain.PasscodeValidity), MaxSends: domain.MaxSendsPerLogin,
		Limit: loginSendLimit, Audit: f.loginAudit(admin, domain.ActionLoginFactor),
	})
	return err
}

func TestLoginPasscodeSendsAndTries(t *testing.T) {
	f := newFixture(t)
	admin := f.seedAdmin(t, "a1", "a1@example.com")
	tx := f.newLogin(t, admin)

	for i := range domain.MaxSendsPerLogin {
		if err := f.issueLoginPasscode(admin, tx, fmt.Sprintf("000000%d", i)); err != nil {
			t.Fatalf("send %d: %v", i+1, err)
		}
	}
	if err := f.issueLoginPasscode(admin, tx, "1111111"); !errors.Is(err, dynamo.ErrLoginChanged) {
		t.Fatalf("4th send: %v, want ErrLoginChanged", err)
	}
	// A failed send is given back: one more send fits.
	if err := f.store.RefundLoginPasscode(f.ctx, tx.ID, secret.Hash("0000002"), loginSendLimit, admin.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.issueLoginPasscode(admin, tx, "2222222"); err != nil {
		t.Fatalf("send after refund: %v", err)
	}
	got, err := f.store.GetLogin(f.ctx, tx.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Sends != 3 || got.PasscodeHash != secret.Hash("2222222") || got.PasscodeTries != 0 || got.Factor != domain.FactorSMS {
		t.Fatalf("login after sends: %+v", got)
	}

	roomy := dynamo.Lockout{Max: 100, Lease: time.Minute} // the admin's allowance out of the way
	if err := f.store.ReservePasscodeAttempt(f.ctx, tx.ID, secret.Hash("0000002"), domain.MaxPasscodeTries, admin.ID, roomy); !errors.Is(err, dynamo.ErrLoginChanged) {
		t.Fatalf("try of a replaced passcode: %v, want ErrLoginChanged", err)
	}
	for i := range domain.MaxPasscodeTries {
		if err := f.store.ReservePasscodeAttempt(f.ctx, tx.ID, got.PasscodeHash, domain.MaxPasscodeTries, admin.ID, roomy); err != nil {
			t.Fatalf("try %d: %v", i+1, err)
		}
		if r, _ := f.store.GetLogin(f.ctx, tx.ID); r.PasscodeTries != i+1 {
			t.Fatalf("try %d: %d tries stored", i+1, r.PasscodeTries)
		}
	}
	if err := f.store.ReservePasscodeAttempt(f.ctx, tx.ID, got.PasscodeHash, domain.MaxPasscodeTries, admin.ID, roomy); !errors.Is(err, dynamo.ErrLoginChanged) {
		t.Fatalf("6th try: %v, want ErrLoginChanged", err)
	}
	if a, _ := f.store.GetAdmin(f.ctx, admin.ID); a.AttemptsReserved != domain.MaxPasscodeTries {
		t.Fatalf("admin attempts reserved: %d, want one per try taken", a.AttemptsReserved)
	}
}

func TestLoginAdminSendLimit(t *testing.T) {
	f := newFixture(t)
	admin := f.seedAdmin(t, "a1", "a1@example.com")
	sent := 0
	for sent < domain.MaxSendsPerAdminHour {
		tx := f.newLogin(t, admin)
		for range domain.MaxSendsPerLogin {
			if sent == domain.MaxSendsPerAdminHour {
				break
			}
			if err := f.issueLoginPasscode(admin, tx, "1234567"); err != nil {
				t.Fatalf("send %d: %v", sent+1, err)
			}
			sent++
		}
	}
	tx := f.newLogin(t, admin)
	err := f.issueLoginPasscode(admin, tx, "1234567")
	de, ok := domain.AsError(err)
	if !ok || de.Code != domain.CodeRateLimited || de.RetryAfter != time.Hour {
		t.Fatalf("11th send: %v, want 42901 with an hour's Retry-After", err)
	}
	if got, _ := f.store.GetLogin(f.ctx, tx.ID); got.Sends != 0 || got.PasscodeHash != "" {
		t.Fatalf("a refused send changed the login: %+v", got)
	}
}

func TestCompleteLoginExactlyOnce(t *testing.T) {
	f := newFixture(t)
	admin := f.seedAdmin(t, "a1", "a1@example.com")
	tx := f.newLogin(t, admin)
	if err := f.issueLoginPasscode(admin, tx, "7654321"); err != nil {
		t.Fatal(err)
	}
	const n = 20
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			tok, _ := secret.Token(nil, 32)
			errs[i] = f.store.CompleteLogin(f.ctx, dynamo.LoginCompletion{
				TxID: tx.ID, From: domain.LoginPending, PasscodeHash: secret.Hash("7654321"), Factor: domain.FactorSMS,
				Session: domain.Session{TokenHash: secret.Hash(tok), AdminID: admin.ID, HomeAccountID: admin.AccountID,
					ActingAccountID: admin.AccountID, LastSeenAt: f.clock.Now(), AbsoluteExpiresAt: f.clock.Now().Add(time.Hour)},
				Audit: f.loginAudit(admin, domain.ActionLoginVerify),
			})
		})
	}
	wg.Wait()
	wins := 0
	for _, err := range errs {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, dynamo.ErrLoginChanged):
			t.Errorf("loser: %v", err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d completions, want exactly 1", wins)
	}
	if got, _ := f.store.GetLogin(f.ctx, tx.ID); got.Status != domain.LoginCompleted {
		t.Fatalf("status %s", got.Status)
	}
}

func TestCompleteLoginChecksHOTPCounterAndAdmin(t *testing.T) {
	f := newFixture(t)
	admin := f.seedAdmin(t, "a1", "a1@example.com")
	_, code := f.startReactivation(t, admin, time.Hour)
	if err := f.redeem(code, "DPCRED"); err != nil {
		t.Fatal(err)
	}
	complete := func(tx domain.LoginTx, from uint64) error {
		tok, _ := secret.Token(nil, 32)
		return f.store.CompleteLogin(f.ctx, dynamo.LoginCompletion{
			TxID: tx.ID, From: domain.LoginPending, Factor: domain.FactorPasscode,
			Session: domain.Session{TokenHash: secret.Hash(tok), AdminID: admin.ID, LastSeenAt: f.clock.Now(), AbsoluteExpiresAt: f.clock.Now().Add(time.Hour)},
			HOTP:    &dynamo.HOTPAdvance{CredentialID: "DPCRED", From: from, To: from + 3},
			Audit:   f.loginAudit(admin, domain.ActionLoginVerify),
		})
	}
	if err := complete(f.newLogin(t, admin), 0); err != nil {
		t.Fatal(err)
	}
	if c, _ := f.store.GetCredential(f.ctx, "DPCRED"); c.HOTPCounter != 3 {
		t.Fatalf("counter %d, want 3", c.HOTPCounter)
	}
	tx := f.newLogin(t, admin)
	if err := complete(tx, 0); !errors.Is(err, dynamo.ErrHOTPCounterMoved) {
		t.Fatalf("stale counter: %v, want ErrHOTPCounterMoved", err)
	}
	if got, _ := f.store.GetLogin(f.ctx, tx.ID); got.Status != domain.LoginPending {
		t.Fatalf("a refused completion changed the login: %s", got.Status)
	}
	if err := f.store.SetAdminStatus(f.ctx, admin.ID, domain.AdminLocked); err != nil {
		t.Fatal(err)
	}
	if err := complete(tx, 3); !errors.Is(err, domain.ErrLocked) {
		t.Fatalf("locked admin: %v, want 42301", err)
	}
}

// TestLockoutStore walks the store's side of the lockout: reservations
// stop at Max while attempts are in flight (not locked), the Max-th
// counted failure locks, a given-back attempt makes room, a disabled admin
// is never locked, and attempts lost past their lease lock.
func TestLockoutStore(t *testing.T) {
	f := newFixture(t)
	admin := f.seedAdmin(t, "a1", "a1@example.com")
	l := dynamo.Lockout{Max: domain.LockoutThreshold, Lease: time.Minute}
	for i := range l.Max {
		if err := f.store.ReserveAttempt(f.ctx, admin.ID, l); err != nil {
			t.Fatalf("attempt %d: %v", i+1, err)
		}
	}
	if err := f.store.ReserveAttempt(f.ctx, admin.ID, l); !errors.Is(err, dynamo.ErrAttemptsInFlight) {
		t.Fatalf("attempt %d while all are in flight: %v, want ErrAttemptsInFlight", l.Max+1, err)
	}
	if err := f.store.ReturnAttempt(f.ctx, admin.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.store.ReserveAttempt(f.ctx, admin.ID, l); err != nil {
		t.Fatalf("after a give-back: %v", err)
	}
	for i := 1; i <= l.Max; i++ {
		n, locked, err := f.store.FailAttempt(f.ctx, admin.ID, l)
		if err != nil || n != i || locked != (i == l.Max) {
			t.Fatalf("failure %d: count %d, locked %v, %v", i, n, locked, err)
		}
	}
	if err := f.store.ReserveAttempt(f.ctx, admin.ID, l); !errors.Is(err, domain.ErrLocked) {
		t.Fatalf("locked admin: %v, want 42301", err)
	}
	if _, _, err := f.store.FailAttempt(f.ctx, admin.ID, l); !errors.Is(err, domain.ErrLocked) {
		t.Fatalf("failure of a locked admin: %v, want 42301", err)
	}
	if a, _ := f.store.GetAdmin(f.ctx, admin.ID); a.Status != domain.AdminLocked || a.FailedAttempts != l.Max {
		t.Fatalf("after the lock: %s, %d failures", a.Status, a.FailedAttempts)
	}
	ev := domain.AuditEvent{ID: "r", Time: f.clock.Now(), AccountID: "acme", Action: domain.ActionLockoutReset, Outcome: domain.OutcomeSuccess}
	if err := f.store.ResetLockout(f.ctx, admin.ID, ev); err != nil {
		t.Fatal(err)
	}
	if a, _ := f.store.GetAdmin(f.ctx, admin.ID); a.Status != domain.AdminActive || a.FailedAttempts != 0 || a.AttemptsReserved != 0 {
		t.Fatalf("after the reset: %+v", a)
	}

	// Attempts whose functions died fill the allowance: once the newest is
	// older than the lease they count as failures, which locks.
	for range l.Max {
		if err := f.store.ReserveAttempt(f.ctx, admin.ID, l); err != nil {
			t.Fatal(err)
		}
	}
	f.clock.Add(l.Lease - time.Second)
	if err := f.store.ReserveAttempt(f.ctx, admin.ID, l); !errors.Is(err, dynamo.ErrAttemptsInFlight) {
		t.Fatalf("within the lease: %v, want ErrAttemptsInFlight", err)
	}
	f.clock.Add(2 * time.Second)
	if err := f.store.ReserveAttempt(f.ctx, admin.ID, l); !errors.Is(err, dynamo.ErrLockedNow) {
		t.Fatalf("past the lease: %v, want ErrLockedNow", err)
	}
	if a, _ := f.store.GetAdmin(f.ctx, admin.ID); a.Status != domain.AdminLocked || a.FailedAttempts != l.Max {
		t.Fatalf("after lost attempts: %s, %d failures", a.Status, a.FailedAttempts)
	}

	// A disabled admin is never turned into a locked one.
	if err := f.store.SetAdminStatus(f.ctx, admin.ID, domain.AdminDisabled); err != nil {
		t.Fatal(err)
	}
	if err := f.store.ReserveAttempt(f.ctx, admin.ID, l); !errors.Is(err, domain.ErrNotAuthenticated) {
		t.Fatalf("disabled admin: %v, want 40101", err)
	}
	if a, _ := f.store.GetAdmin(f.ctx, admin.ID); a.Status != domain.AdminDisabled {
		t.Fatalf("status %s, want disabled", a.Status)
	}
}

// TestStartLoginPushIndex checks the keys the phone side queries (issue
// #5, shared/dynamo/pushes.go): GSI1PK "CRED#<pkey>#PUSH", GSI1SK
// "PUSH#<push id>", spelled out here so a change of either breaks a test.
func TestStartLoginPushIndex(t *testing.T) {
	f := newFixture(t)
	admin := f.seedAdmin(t, "a1", "a1@example.com")
	tx := f.newLogin(t, admin)
	push := func(id string) error {
		return f.store.StartLoginPush(f.ctx, dynamo.LoginPush{TxID: tx.ID, CredentialID: "DPCRED", PushID: id,
			VerificationCodeHash: secret.Hash("123"), ExpiresAt: f.clock.Now().Add(domain.PushValidity),
			MaxPushes: domain.MaxPushesPerLogin, Audit: f.loginAudit(admin, domain.ActionLoginFactor)})
	}
	for i := range domain.MaxPushesPerLogin {
		if err := push(fmt.Sprintf("push%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := push("push9"); !errors.Is(err, dynamo.ErrLoginChanged) {
		t.Fatalf("4th push: %v, want ErrLoginChanged", err)
	}
	res, err := f.client.Query(f.ctx, &dynamodb.QueryInput{
		TableName: &f.table, IndexName: aws.String("GSI1"),
		KeyConditionExpression: aws.String("GSI1PK = :pk AND GSI1SK = :sk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": &types.AttributeValueMemberS{Value: "CRED#DPCRED#PUSH"}, ":sk": &types.AttributeValueMemberS{Value: "PUSH#push2"},
		},
	})
	if err != nil || len(res.Items) != 1 {
		t.Fatalf("GSI1 query: %d items, %v", len(res.Items), err)
	}
	// The other GSI1 partitions are intact (see loginGSI1 on minidyn).
	if admins, err := f.store.ListAdmins(f.ctx, "acme"); err != nil || len(admins) != 1 {
		t.Fatalf("ListAdmins after a push: %d admins, %v", len(admins), err)
	}
	got, _ := f.store.GetLogin(f.ctx, tx.ID)
	if got.Factor != "" || got.PushID != "push2" || got.CredentialID != "DPCRED" ||
		got.VerificationCodeHash != secret.Hash("123") || got.Status != domain.LoginPending {
		t.Fatalf("login after push: %+v", got)
	}
	f.clock.Add(domain.LoginTransactionValidity)
	if got, _ := f.store.GetLogin(f.ctx, tx.ID); got.Status != domain.LoginExpired {
		t.Fatalf("status after expiry: %s", got.Status)
	}
}

func TestSwitchAndEndSession(t *testing.T) {
	f := newFixture(t)
	admin := f.seedAdmin(t, "a1", "a1@example.com")
	now := f.clock.Now()
	sess := domain.Session{TokenHash: secret.Hash("tok"), AdminID: admin.ID, HomeAccountID: "acme", ActingAccountID: "acme",
		AuthenticatedAt: now, LastSeenAt: now, AbsoluteExpiresAt: now.Add(time.Hour)}
	if err := f.store.PutSession(f.ctx, sess); err != nil {
		t.Fatal(err)
	}
	if err := f.store.SwitchActingAccount(f.ctx, sess.TokenHash, "child", f.loginAudit(admin, domain.ActionSessionSwitch)); err != nil {
		t.Fatal(err)
	}
	if got, err := f.store.GetSession(f.ctx, sess.TokenHash); err != nil || got.ActingAccountID != "child" {
		t.Fatalf("after switch: %+v, %v", got, err)
	}
	if err := f.store.EndSession(f.ctx, sess.TokenHash, f.loginAudit(admin, domain.ActionLogout)); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.GetSession(f.ctx, sess.TokenHash); !errors.Is(err, domain.ErrNotAuthenticated) {
		t.Fatalf("after logout: %v", err)
	}
	if err := f.store.SwitchActingAccount(f.ctx, sess.TokenHash, "acme", f.loginAudit(admin, domain.ActionSessionSwitch)); !errors.Is(err, domain.ErrNotAuthenticated) {
		t.Fatalf("switch after logout: %v", err)
	}
	events, _, err := f.store.ListAudit(f.ctx, "acme", dynamo.AuditFilter{Action: domain.ActionLogout})
	if err != nil || len(events) != 1 {
		t.Fatalf("logout audit: %d events, %v", len(events), err)
	}
}

func TestGetLoginAdmin(t *testing.T) {
	f := newFixture(t)
	admin := f.seedAdmin(t, "a1", "a1@example.com")
	a, acct, err := f.store.GetLoginAdmin(f.ctx, admin.ID, "acme")
	if err != nil || a.ID != admin.ID || acct.ID != "acme" {
		t.Fatalf("GetLoginAdmin: %+v %+v %v", a, acct, err)
	}
	if _, _, err := f.store.GetLoginAdmin(f.ctx, admin.ID, "other"); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("wrong account: %v", err)
	}
	if _, _, err := f.store.GetLoginAdmin(f.ctx, "nobody", "acme"); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("unknown admin: %v", err)
	}
}

// TestCompleteStepUpRefreshesOnlyTheBoundSession: a step-up completion
// refreshes the session its login is bound to, in the login's transaction,
// and only when that session still exists and is the login's admin's; it
// never writes a session of its own.
func TestCompleteStepUpRefreshesOnlyTheBoundSession(t *testing.T) {
	f := newFixture(t)
	a := f.seedAdmin(t, "a1", "a1@example.com")
	b := f.seedAdmin(t, "b1", "b1@example.com")
	start := f.clock.Now()
	newSession := func(admin domain.Admin) domain.Session {
		tok, _ := secret.Token(nil, 32)
		s := domain.Session{TokenHash: secret.Hash(tok), AdminID: admin.ID, HomeAccountID: admin.AccountID, ActingAccountID: "acme-child",
			Factor: domain.FactorSMS, AuthenticatedAt: start, LastSeenAt: start, AbsoluteExpiresAt: start.Add(domain.SessionAbsoluteTimeout)}
		if err := f.store.PutSession(f.ctx, s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	sessA, sessB := newSession(a), newSession(b)
	f.clock.Add(20 * time.Minute)
	stepUp := func(boundTo string) domain.LoginTx {
		id, _ := secret.ID(nil)
		now := f.clock.Now()
		tx := domain.LoginTx{ID: id, AdminID: a.ID, AccountID: a.AccountID, Status: domain.LoginPending, CreatedAt: now,
			ExpiresAt: now.Add(domain.LoginTransactionValidity), SessionTokenHash: boundTo, SealedSessionToken: "sealed",
			SessionAbsoluteExpiresAt: sessA.AbsoluteExpiresAt}
		if err := f.store.CreateLogin(f.ctx, tx, f.loginAudit(a, domain.ActionLoginReauth)); err != nil {
			t.Fatal(err)
		}
		return tx
	}
	complete := func(tx domain.LoginTx, sessionHash string) error {
		now := f.clock.Now()
		return f.store.CompleteLogin(f.ctx, dynamo.LoginCompletion{
			TxID: tx.ID, From: domain.LoginPending, Factor: domain.FactorPasscode, StepUp: true,
			Session: domain.Session{TokenHash: sessionHash, AdminID: a.ID, Factor: domain.FactorPasscode, AuthenticatedAt: now, LastSeenAt: now},
			Audit:   f.loginAudit(a, domain.ActionLoginReauth),
		})
	}
	unchanged := func(s domain.Session) {
		t.Helper()
		got, err := f.store.GetSession(f.ctx, s.TokenHash)
		if err != nil || !got.AuthenticatedAt.Equal(start) || got.Factor != domain.FactorSMS {
			t.Fatalf("session of %s changed: %+v, %v", s.AdminID, got, err)
		}
	}
	pending := func(tx domain.LoginTx) {
		t.Helper()
		if got, _ := f.store.GetLogin(f.ctx, tx.ID); got.Status != domain.LoginPending || got.SealedSessionToken == "" {
			t.Fatalf("a refused step-up changed its login: %+v", got)
		}
	}

	// A's step-up, bound to A's session, cannot be completed into B's.
	txA := stepUp(sessA.TokenHash)
	if err := complete(txA, sessB.TokenHash); err == nil {
		t.Fatal("A's step-up refreshed B's session")
	}
	unchanged(sessB)
	pending(txA)
	// Nor can a step-up of A bound to B's session (the binding is A's to
	// make, but the store checks the owner too).
	txB := stepUp(sessB.TokenHash)
	if err := complete(txB, sessB.TokenHash); !errors.Is(err, dynamo.ErrSessionGone) {
		t.Fatalf("A's step-up into B's session: %v, want ErrSessionGone", err)
	}
	unchanged(sessB)
	pending(txB)

	// The bound session: refreshed, nothing else moves, no new session.
	if err := complete(txA, sessA.TokenHash); err != nil {
		t.Fatal(err)
	}
	got, err := f.store.GetSession(f.ctx, sessA.TokenHash)
	if err != nil {
		t.Fatal(err)
	}
	now := f.clock.Now()
	if !got.AuthenticatedAt.Equal(now) || !got.LastSeenAt.Equal(now) || got.Factor != domain.FactorPasscode ||
		got.ActingAccountID != "acme-child" || got.HomeAccountID != a.AccountID || !got.AbsoluteExpiresAt.Equal(sessA.AbsoluteExpiresAt) {
		t.Fatalf("refreshed session %+v", got)
	}
	if tx, _ := f.store.GetLogin(f.ctx, txA.ID); tx.Status != domain.LoginCompleted || tx.SealedSessionToken != "" {
		t.Fatalf("completed step-up login %+v: sealed token kept", tx)
	}
	if err := complete(txA, sessA.TokenHash); !errors.Is(err, dynamo.ErrLoginChanged) {
		t.Fatalf("second completion: %v, want ErrLoginChanged", err)
	}

	// A session ended meanwhile is not brought back.
	txA = stepUp(sessA.TokenHash)
	if err := f.store.EndSession(f.ctx, sessA.TokenHash, f.loginAudit(a, domain.ActionLogout)); err != nil {
		t.Fatal(err)
	}
	if err := complete(txA, sessA.TokenHash); !errors.Is(err, dynamo.ErrSessionGone) {
		t.Fatalf("ended session: %v, want ErrSessionGone", err)
	}
	if _, err := f.store.GetSession(f.ctx, sessA.TokenHash); !errors.Is(err, domain.ErrNotAuthenticated) {
		t.Fatalf("ended session came back: %v", err)
	}
	pending(txA)

	// Nor is one past its absolute end (TTL may not have deleted it yet).
	sessA.TokenHash, sessA.AbsoluteExpiresAt = secret.Hash("ends soon"), f.clock.Now().Add(time.Minute)
	if err := f.store.PutSession(f.ctx, sessA); err != nil {
		t.Fatal(err)
	}
	txA = stepUp(sessA.TokenHash)
	f.clock.Add(time.Minute)
	if err := complete(txA, sessA.TokenHash); !errors.Is(err, dynamo.ErrSessionGone) {
		t.Fatalf("session at its absolute end: %v, want ErrSessionGone", err)
	}
}
