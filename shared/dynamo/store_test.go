//go:build !fuzz

package dynamo_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"push-reactivation/internal/testenv"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/dynamo"
	"push-reactivation/shared/secret"
	"push-reactivation/shared/tablespec"
)

// fakeClock is a settable clock shared by goroutines.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

type fixture struct {
	store  *dynamo.Store
	client *dynamodb.Client
	table  string
	clock  *fakeClock
	ctx    context.Context
}

func newFixture(t *testing.T) *fixture {
	client, table := testenv.StartDynamoDB(t)
	clock := &fakeClock{now: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)}
	return &fixture{store: dynamo.New(client, table, clock), client: client, table: table, clock: clock, ctx: context.Background()}
}

func (f *fixture) seedAdmin(t *testing.T, id, email string) domain.Admin {
	t.Helper()
	if err := f.store.PutAccount(f.ctx, domain.Account{ID: "acme", Name: "Acme", Kind: domain.AccountStandard, Policy: domain.DefaultPolicy()}); err != nil {
		t.Fatal(err)
	}
	a := domain.Admin{ID: id, AccountID: "acme", Email: email, Name: id, Role: domain.RoleOwner, Status: domain.AdminActive, CreatedAt: f.clock.Now()}
	if err := f.store.CreateAdmin(f.ctx, a); err != nil {
		t.Fatal(err)
	}
	a.Email = domain.NormalizeEmail(email)
	return a
}

// startReactivation creates a reactivation with a QR code and returns the code.
func (f *fixture) startReactivation(t *testing.T, admin domain.Admin, validity time.Duration) (domain.Reactivation, string) {
	t.Helper()
	code, _ := secret.ActivationCode(nil, domain.ActivationCodeLength)
	id, _ := secret.ID(nil)
	now := f.clock.Now()
	r := domain.Reactivation{ID: id, AdminID: admin.ID, AccountID: admin.AccountID, InitiatedBy: admin.ID,
		Status: domain.ReactivationPending, CreatedAt: now, ExpiresAt: now.Add(validity),
		QRCodeHash: secret.Hash(code), QRExpiresAt: now.Add(validity)}
	cur, err := f.store.GetAdmin(f.ctx, admin.ID)
	if err != nil {
		t.Fatal(err)
	}
	var prev *domain.Reactivation
	if cur.PendingReactivationID != "" {
		if p, err := f.store.GetReactivation(f.ctx, cur.PendingReactivationID); err == nil && p.Status == domain.ReactivationPending {
			prev = p
		}
	}
	err = f.store.CreateReactivation(f.ctx, dynamo.NewReactivation{
		Reactivation: r,
		QRCode: domain.ActivationCode{Hash: r.QRCodeHash, Kind: domain.CodeKindQR, ReactivationID: r.ID, AdminID: admin.ID,
			AccountID: admin.AccountID, Status: domain.ReactivationPending, ExpiresAt: r.QRExpiresAt},
		ExpectedPending: cur.PendingReactivationID,
		Cancel:          prev,
		Audit:           domain.AuditEvent{ID: id, Time: now, AccountID: admin.AccountID, ActorID: admin.ID, TargetID: admin.ID, Action: domain.ActionReactivationStart, Outcome: domain.OutcomeSuccess},
		Limit:           dynamo.Limit{Name: "react", Window: time.Hour, Max: domain.MaxReactivationsPerAdminHour},
	})
	if err != nil {
		t.Fatal(err)
	}
	return r, code
}

func (f *fixture) redeem(code, credID string) error {
	target, err := f.store.GetActivationTarget(f.ctx, secret.Hash(code))
	if err != nil {
		return err
	}
	now := f.clock.Now()
	return f.store.Redeem(f.ctx, dynamo.Redemption{
		Target: target,
		Credential: domain.Credential{ID: credID, AKey: "A" + credID, AdminID: target.Admin.ID, AccountID: target.Admin.AccountID,
			Status: domain.CredentialActive, CreatedAt: now, ActivatedAt: now, ReactivationID: target.Reactivation.ID},
		Audit: domain.AuditEvent{ID: credID, Time: now, AccountID: target.Admin.AccountID, TargetID: target.Admin.ID, Action: domain.ActionReactivationActivate, Outcome: domain.OutcomeSuccess},
	})
}

func TestTemplateTableMatchesStore(t *testing.T) {
	spec, err := tablespec.LoadDefault()
	if err != nil {
		t.Fatal(err)
	}
	in := spec.CreateTableInput("x")
	keys := map[string]string{}
	for _, k := range in.KeySchema {
		keys[aws.ToString(k.AttributeName)] = string(k.KeyType)
	}
	if keys["PK"] != "HASH" || keys["SK"] != "RANGE" || len(keys) != 2 {
		t.Fatalf("table key schema %v, store expects PK/SK", keys)
	}
	if len(in.GlobalSecondaryIndexes) != 1 || aws.ToString(in.GlobalSecondaryIndexes[0].IndexName) != "GSI1" {
		t.Fatalf("store expects one index GSI1, template has %d", len(in.GlobalSecondaryIndexes))
	}
	g := in.GlobalSecondaryIndexes[0]
	if aws.ToString(g.KeySchema[0].AttributeName) != "GSI1PK" || aws.ToString(g.KeySchema[1].AttributeName) != "GSI1SK" || g.Projection.ProjectionType != "ALL" {
		t.Fatalf("GSI1 shape %+v", g)
	}
	if spec.TTLAttribute() != "ttl" {
		t.Fatalf("TTL attribute %q, store writes ttl", spec.TTLAttribute())
	}
	if in.BillingMode != "PAY_PER_REQUEST" {
		t.Fatalf("billing %s", in.BillingMode)
	}
	tbl := spec.Table
	if tbl.PointInTimeRecoverySpecification == nil || !aws.ToBool(tbl.PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled) {
		t.Fatal("point-in-time recovery must be on")
	}
}

// TestRedeemExactlyOnceUnderConcurrency: 50 goroutines redeem one code at
// once; exactly one wins and the admin ends with exactly one active
// credential.
func TestRedeemExactlyOnceUnderConcurrency(t *testing.T) {
	f := newFixture(t)
	admin := f.seedAdmin(t, "a1", "a1@acme.example")
	_, code := f.startReactivation(t, admin, 10*time.Minute)

	var wins, unknown, other atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			err := f.redeem(code, fmt.Sprintf("cred-%02d", i))
			switch {
			case err == nil:
				wins.Add(1)
			case errors.Is(err, domain.ErrUnknownActivation):
				unknown.Add(1)
			default:
				t.Errorf("unexpected error: %v", err)
				other.Add(1)
			}
		}()
	}
	close(start)
	wg.Wait()
	if wins.Load() != 1 || unknown.Load() != 49 {
		t.Fatalf("wins=%d unknown=%d other=%d, want 1/49/0", wins.Load(), unknown.Load(), other.Load())
	}
	creds, err := f.store.ListCredentials(f.ctx, admin.ID)
	if err != nil {
		t.Fatal(err)
	}
	active := 0
	for _, c := range creds {
		if c.Status == domain.CredentialActive {
			active++
		}
	}
	a, _ := f.store.GetAdmin(f.ctx, admin.ID)
	if len(creds) != 1 || active != 1 || a.ActiveCredentialID != creds[0].ID || a.PendingReactivationID != "" {
		t.Fatalf("creds=%d active=%d admin.active=%q pending=%q", len(creds), active, a.ActiveCredentialID, a.PendingReactivationID)
	}
}

func TestReactivationRevokesOnlyPreviousCredential(t *testing.T) {
	f := newFixture(t)
	admin := f.seedAdmin(t, "a1", "a1@acme.example")
	_, code1 := f.startReactivation(t, admin, 10*time.Minute)
	if err := f.redeem(code1, "old"); err != nil {
		t.Fatal(err)
	}
	if err := f.redeem(code1, "again"); !errors.Is(err, domain.ErrUnknownActivation) {
		t.Fatalf("second redeem of a used code: %v", err)
	}
	_, code2 := f.startReactivation(t, admin, 10*time.Minute)
	if err := f.redeem(code2, "new"); err != nil {
		t.Fatal(err)
	}
	old, _ := f.store.GetCredential(f.ctx, "old")
	cur, _ := f.store.GetCredential(f.ctx, "new")
	if old.Status != domain.CredentialRevoked || cur.Status != domain.CredentialActive {
		t.Fatalf("old=%s new=%s", old.Status, cur.Status)
	}
}

func TestSecondReactivationCancelsFirst(t *testing.T) {
	f := newFixture(t)
	admin := f.seedAdmin(t, "a1", "a1@acme.example")
	r1, code1 := f.startReactivation(t, admin, 10*time.Minute)
	r2, code2 := f.startReactivation(t, admin, 10*time.Minute)
	got1, _ := f.store.GetReactivation(f.ctx, r1.ID)
	if got1.Status != domain.ReactivationCancelled {
		t.Fatalf("first status %s", got1.Status)
	}
	if err := f.redeem(code1, "c1"); !errors.Is(err, domain.ErrUnknownActivation) {
		t.Fatalf("cancelled code redeemed: %v", err)
	}
	if err := f.redeem(code2, "c2"); err != nil {
		t.Fatal(err)
	}
	got2, _ := f.store.GetReactivation(f.ctx, r2.ID)
	if got2.Status != domain.ReactivationActivated || got2.CredentialID != "c2" {
		t.Fatalf("second %+v", got2)
	}
}

// TestExpiredItemsAreAbsent: minidyn never deletes by TTL (nor does
// DynamoDB promptly), so the store itself must treat expired items as absent.
func TestExpiredItemsAreAbsent(t *testing.T) {
	f := newFixture(t)
	admin := f.seedAdmin(t, "a1", "a1@acme.example")
	r, code := f.startReactivation(t, admin, time.Minute)
	sess := domain.Session{TokenHash: secret.Hash("tok"), AdminID: admin.ID, HomeAccountID: "acme", ActingAccountID: "acme",
		AuthenticatedAt: f.clock.Now(), LastSeenAt: f.clock.Now(), AbsoluteExpiresAt: f.clock.Now().Add(domain.SessionAbsoluteTimeout)}
	if err := f.store.PutSession(f.ctx, sess); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(61 * time.Second)
	if _, err := f.store.GetActivationCode(f.ctx, secret.Hash(code)); !errors.Is(err, domain.ErrUnknownActivation) {
		t.Fatalf("expired code: %v", err)
	}
	if err := f.redeem(code, "c"); !errors.Is(err, domain.ErrUnknownActivation) {
		t.Fatalf("expired code redeemed: %v", err)
	}
	got, err := f.store.GetReactivation(f.ctx, r.ID)
	if err != nil || got.Status != domain.ReactivationExpired {
		t.Fatalf("reactivation status %v %v", got, err)
	}
	// The code item is still stored: it is the read that hides it.
	out, err := f.client.GetItem(f.ctx, &dynamodb.GetItemInput{TableName: &f.table, Key: map[string]dtypesAV{
		"PK": &dtypesS{Value: "CODE#" + secret.Hash(code)}, "SK": &dtypesS{Value: "#CODE"}}})
	if err != nil || out.Item == nil {
		t.Fatalf("expired code item should still be stored: %v", err)
	}
	if _, err := f.store.GetSession(f.ctx, sess.TokenHash); err != nil {
		t.Fatalf("session within idle window: %v", err)
	}
	f.clock.Add(domain.SessionIdleTimeout)
	if _, err := f.store.GetSession(f.ctx, sess.TokenHash); !errors.Is(err, domain.ErrNotAuthenticated) {
		t.Fatalf("idle session: %v", err)
	}
}

func TestDuplicateEmailRejectedLeavesNothing(t *testing.T) {
	f := newFixture(t)
	f.seedAdmin(t, "a1", "Owner@Acme.example")
	err := f.store.CreateAdmin(f.ctx, domain.Admin{ID: "a2", AccountID: "acme", Email: "owner@ACME.example ", Role: domain.RoleReadOnly, Status: domain.AdminActive})
	if !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("duplicate email: %v", err)
	}
	if _, err := f.store.GetAdmin(f.ctx, "a2"); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("rejected admin was stored: %v", err)
	}
	got, err := f.store.GetAdminByEmail(f.ctx, "OWNER@acme.EXAMPLE")
	if err != nil || got.ID != "a1" {
		t.Fatalf("lookup by email: %v %v", got, err)
	}
	admins, _ := f.store.ListAdmins(f.ctx, "acme")
	if len(admins) != 1 {
		t.Fatalf("admins %d", len(admins))
	}
}

func TestReactivationRateLimit(t *testing.T) {
	f := newFixture(t)
	admin := f.seedAdmin(t, "a1", "a1@acme.example")
	for range domain.MaxReactivationsPerAdminHour {
		f.startReactivation(t, admin, time.Minute)
	}
	cur, _ := f.store.GetAdmin(f.ctx, admin.ID)
	err := f.store.CreateReactivation(f.ctx, dynamo.NewReactivation{
		Reactivation:    domain.Reactivation{ID: "x", AdminID: admin.ID, AccountID: "acme", Status: domain.ReactivationPending, ExpiresAt: f.clock.Now().Add(time.Minute)},
		QRCode:          domain.ActivationCode{Hash: "h", ExpiresAt: f.clock.Now().Add(time.Minute)},
		ExpectedPending: cur.PendingReactivationID,
		Audit:           domain.AuditEvent{ID: "x", Time: f.clock.Now(), AccountID: "acme", Action: "t"},
		Limit:           dynamo.Limit{Name: "react", Window: time.Hour, Max: domain.MaxReactivationsPerAdminHour},
	})
	var de *domain.Error
	if !errors.As(err, &de) || de.Code != domain.CodeRateLimited || de.RetryAfter <= 0 || de.RetryAfter > time.Hour {
		t.Fatalf("11th reactivation: %v", err)
	}
	if _, err := f.store.GetReactivation(f.ctx, "x"); !errors.Is(err, domain.ErrNotFound) {
		t.Fatal("refused reactivation was stored")
	}
	f.clock.Add(time.Hour)
	f.startReactivation(t, admin, time.Minute)
}

// TestLockoutCountsConcurrentFailures: 30 concurrent attempts, each
// reserved and then failed as a wrong passcode would be: at most Max are
// reserved, each of those is counted, and exactly one of them locks.
func TestLockoutCountsConcurrentFailures(t *testing.T) {
	f := newFixture(t)
	admin := f.seedAdmin(t, "a1", "a1@acme.example")
	l := dynamo.Lockout{Max: domain.LockoutThreshold, Lease: time.Minute}
	var wg sync.WaitGroup
	var mu sync.Mutex
	reserved, locks := 0, 0
	for range 3 * domain.LockoutThreshold {
		wg.Go(func() {
			if err := f.store.ReserveAttempt(f.ctx, admin.ID, l); err != nil {
				if !errors.Is(err, dynamo.ErrAttemptsInFlight) && !errors.Is(err, domain.ErrLocked) {
					t.Error(err)
				}
				return
			}
			_, locked, err := f.store.FailAttempt(f.ctx, admin.ID, l)
			mu.Lock()
			defer mu.Unlock()
			reserved++
			if locked {
				locks++
			}
			if err != nil && !errors.Is(err, domain.ErrLocked) {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	a, _ := f.store.GetAdmin(f.ctx, admin.ID)
	if reserved != domain.LockoutThreshold || locks != 1 || a.FailedAttempts != domain.LockoutThreshold || a.Status != domain.AdminLocked {
		t.Fatalf("reserved %d, locks %d, count=%d status=%s", reserved, locks, a.FailedAttempts, a.Status)
	}
	ev := domain.AuditEvent{ID: "r", Time: f.clock.Now(), AccountID: "acme", Action: domain.ActionLockoutReset, Outcome: domain.OutcomeSuccess}
	if err := f.store.ResetLockout(f.ctx, admin.ID, ev); err != nil {
		t.Fatal(err)
	}
	a, _ = f.store.GetAdmin(f.ctx, admin.ID)
	if a.FailedAttempts != 0 || a.Status != domain.AdminActive {
		t.Fatalf("after reset: %+v", a)
	}
}

func TestAuditPaging(t *testing.T) {
	f := newFixture(t)
	for i := range 7 {
		f.clock.Add(time.Second)
		action := "a.even"
		if i%2 == 1 {
			action = "a.odd"
		}
		if err := f.store.PutAudit(f.ctx, domain.AuditEvent{ID: fmt.Sprint(i), Time: f.clock.Now(), AccountID: "acme", ActorID: "u", Action: action, Outcome: domain.OutcomeSuccess}); err != nil {
			t.Fatal(err)
		}
	}
	_ = f.store.PutAudit(f.ctx, domain.AuditEvent{ID: "other", Time: f.clock.Now(), AccountID: "umbrella", Action: "a.even"})
	var ids []string
	next := ""
	for page := 0; ; page++ {
		evs, n, err := f.store.ListAudit(f.ctx, "acme", dynamo.AuditFilter{Limit: 3, Next: next})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			ids = append(ids, e.ID)
		}
		if n == "" || page > 5 {
			break
		}
		next = n
	}
	if fmt.Sprint(ids) != "[6 5 4 3 2 1 0]" {
		t.Fatalf("newest first across pages: %v", ids)
	}
	evs, _, _ := f.store.ListAudit(f.ctx, "acme", dynamo.AuditFilter{Action: "a.odd", Limit: 100})
	if len(evs) != 3 {
		t.Fatalf("filter by action: %d", len(evs))
	}
	if _, _, err := f.store.ListAudit(f.ctx, "acme", dynamo.AuditFilter{Next: "garbage!"}); !errors.Is(err, domain.ErrInvalidParams) {
		t.Fatalf("bad cursor: %v", err)
	}
}

// TestFailuresNeverLockADisabledAdmin: failed attempts of an admin who was
// disabled meanwhile must not turn it into a locked one, which an Owner's
// reset-lockout would make active again.
func TestFailuresNeverLockADisabledAdmin(t *testing.T) {
	f := newFixture(t)
	admin := f.seedAdmin(t, "a1", "a1@acme.example")
	if err := f.store.SetAdminStatus(f.ctx, admin.ID, domain.AdminDisabled); err != nil {
		t.Fatal(err)
	}
	l := dynamo.Lockout{Max: domain.LockoutThreshold, Lease: time.Minute}
	for range domain.LockoutThreshold + 1 {
		if _, locked, err := f.store.FailAttempt(f.ctx, admin.ID, l); !errors.Is(err, domain.ErrNotAuthenticated) || locked {
			t.Fatalf("failure of a disabled admin: locked=%v %v", locked, err)
		}
	}
	if a, _ := f.store.GetAdmin(f.ctx, admin.ID); a.Status != domain.AdminDisabled {
		t.Fatalf("disabled admin became %s", a.Status)
	}
	ev := domain.AuditEvent{ID: "r", Time: f.clock.Now(), AccountID: "acme", Action: domain.ActionLockoutReset, Outcome: domain.OutcomeSuccess}
	if err := f.store.ResetLockout(f.ctx, admin.ID, ev); !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("reset of a disabled admin: %v", err)
	}
	if a, _ := f.store.GetAdmin(f.ctx, admin.ID); a.Status != domain.AdminDisabled {
		t.Fatalf("reset made a disabled admin %s", a.Status)
	}
}
