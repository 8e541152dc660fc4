//go:build !fuzz

package dynamo_test

import (
	"errors"
	"testing"
	"time"

	"push-reactivation/internal/testenv/dynamotest"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/dynamo"
	"push-reactivation/shared/secret"
)

// phonePush is a login transaction with a pending push to credID.
func (f *fixture) phonePush(t *testing.T, admin domain.Admin, txid, credID, code string) domain.LoginTx {
	t.Helper()
	now := f.clock.Now()
	tx := domain.LoginTx{ID: txid, AdminID: admin.ID, AccountID: admin.AccountID, Factor: domain.FactorPush, Status: domain.LoginPending,
		CreatedAt: now, ExpiresAt: now.Add(domain.LoginTransactionValidity),
		CredentialID: credID, PushID: "push-" + txid, PushExpiresAt: now.Add(domain.PushValidity)}
	if code != "" {
		tx.VerificationCodeHash = secret.Hash(code)
	}
	if err := dynamotest.PutPush(f.ctx, f.client, f.table, tx); err != nil {
		t.Fatal(err)
	}
	return tx
}

func (f *fixture) phoneAnswer(tx *domain.LoginTx, credID string, status domain.LoginStatus) error {
	return f.store.AnswerPush(f.ctx, dynamo.PushReply{Tx: tx, CredentialID: credID, Status: status,
		Audit: domain.AuditEvent{ID: "answer-" + tx.ID + string(status), Time: f.clock.Now(), AccountID: tx.AccountID, Action: domain.ActionLoginPush}})
}

func TestPendingPushesOfACredential(t *testing.T) {
	f := newFixture(t)
	admin := f.seedAdmin(t, "a1", "a1@acme.example")
	_, code := f.startReactivation(t, admin, 10*time.Minute)
	if err := f.redeem(code, "c1"); err != nil {
		t.Fatal(err)
	}
	first := f.phonePush(t, admin, "t1", "c1", "")
	f.clock.Add(time.Second)
	second := f.phonePush(t, admin, "t2", "c1", "123")
	f.phonePush(t, admin, "t3", "c2", "")
	answered := f.phonePush(t, admin, "t4", "c1", "")
	if err := f.phoneAnswer(&answered, "c1", domain.LoginDenied); err != nil {
		t.Fatal(err)
	}

	got, err := f.store.ListPendingPushes(f.ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != second.ID || got[1].ID != first.ID || got[0].VerificationCodeHash != second.VerificationCodeHash {
		t.Fatalf("pending of c1: %+v", got)
	}
	// Expiry is checked at read time: the items are still stored.
	f.clock.Add(domain.PushValidity - time.Second)
	if got, _ := f.store.ListPendingPushes(f.ctx, "c1"); len(got) != 1 || got[0].ID != second.ID {
		t.Fatalf("after first lapsed: %+v", got)
	}
	f.clock.Add(time.Second)
	if got, _ := f.store.ListPendingPushes(f.ctx, "c1"); len(got) != 0 {
		t.Fatalf("after all lapsed: %+v", got)
	}
	if _, err := f.store.GetPush(f.ctx, "c1", first.PushID); err != nil {
		t.Fatalf("a lapsed push is still readable: %v", err)
	}
	if _, err := f.store.GetPush(f.ctx, "c2", first.PushID); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("c1's push read as c2's: %v", err)
	}
}

func TestAnswerPushIsConditional(t *testing.T) {
	f := newFixture(t)
	admin := f.seedAdmin(t, "a1", "a1@acme.example")
	tx := f.phonePush(t, admin, "t1", "c1", "123")
	read, err := f.store.GetPush(f.ctx, "c1", tx.PushID)
	if err != nil {
		t.Fatal(err)
	}

	wrongCred := *read
	if err := f.phoneAnswer(&wrongCred, "c2", domain.LoginApproved); !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("answer by another credential: %v", err)
	}
	otherCode := *read
	otherCode.VerificationCodeHash = secret.Hash("999")
	if err := f.phoneAnswer(&otherCode, "c1", domain.LoginApproved); !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("answer judged against another code: %v", err)
	}
	otherPush := *read
	otherPush.PushID = "push-other"
	if err := f.phoneAnswer(&otherPush, "c1", domain.LoginApproved); !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("answer to a replaced push: %v", err)
	}
	if err := f.phoneAnswer(read, "c1", domain.LoginCompleted); err == nil {
		t.Fatal("answer may only approve or deny")
	}
	if got, _ := f.store.GetPush(f.ctx, "c1", tx.PushID); got.Status != domain.LoginPending {
		t.Fatalf("refused answers changed the push: %s", got.Status)
	}
	if err := f.phoneAnswer(read, "c1", domain.LoginApproved); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.store.GetPush(f.ctx, "c1", tx.PushID); got.Status != domain.LoginApproved {
		t.Fatalf("status %s", got.Status)
	}
	if err := f.phoneAnswer(read, "c1", domain.LoginDenied); !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("second answer: %v", err)
	}
	evs, _, _ := f.store.ListAudit(f.ctx, "acme", dynamo.AuditFilter{Action: domain.ActionLoginPush})
	if len(evs) != 1 {
		t.Fatalf("%d audit events, want only the successful answer's", len(evs))
	}

	late := f.phonePush(t, admin, "t2", "c1", "")
	f.clock.Add(domain.PushValidity)
	if err := f.phoneAnswer(&late, "c1", domain.LoginApproved); !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("answer to a lapsed push: %v", err)
	}
}

func TestSetPushTokenNeedsActiveCredential(t *testing.T) {
	f := newFixture(t)
	admin := f.seedAdmin(t, "a1", "a1@acme.example")
	_, code := f.startReactivation(t, admin, 10*time.Minute)
	if err := f.redeem(code, "old"); err != nil {
		t.Fatal(err)
	}
	ev := func(id string) domain.AuditEvent {
		return domain.AuditEvent{ID: id, Time: f.clock.Now(), AccountID: "acme", Action: domain.ActionDeviceRegistration}
	}
	if err := f.store.SetPushToken(f.ctx, "old", "tok-1", ev("r1")); err != nil {
		t.Fatal(err)
	}
	if c, _ := f.store.GetCredential(f.ctx, "old"); c.PushToken != "tok-1" {
		t.Fatalf("token %q", c.PushToken)
	}
	_, code2 := f.startReactivation(t, admin, 10*time.Minute)
	if err := f.redeem(code2, "new"); err != nil {
		t.Fatal(err)
	}
	if err := f.store.SetPushToken(f.ctx, "old", "tok-2", ev("r2")); !errors.Is(err, domain.ErrNotAuthenticated) {
		t.Fatalf("revoked credential: %v", err)
	}
	if err := f.store.SetPushToken(f.ctx, "nope", "tok-2", ev("r3")); !errors.Is(err, domain.ErrNotAuthenticated) {
		t.Fatalf("unknown credential: %v", err)
	}
	if c, _ := f.store.GetCredential(f.ctx, "old"); c.PushToken != "tok-1" {
		t.Fatalf("revoked credential's token changed to %q", c.PushToken)
	}
}

// TestPushRoundTrips pins the round trips of the phone's store calls
// (docs/table.md).
func TestPushRoundTrips(t *testing.T) {
	f := newFixture(t)
	admin := f.seedAdmin(t, "a1", "a1@acme.example")
	_, code := f.startReactivation(t, admin, 10*time.Minute)
	if err := f.redeem(code, "c1"); err != nil {
		t.Fatal(err)
	}
	tx := f.phonePush(t, admin, "t1", "c1", "")
	s, measure := f.countingStore(t)
	var read *domain.LoginTx
	measure("ListPendingPushes", 1, func() error { _, err := s.ListPendingPushes(f.ctx, "c1"); return err })
	measure("GetPush", 1, func() (err error) { read, err = s.GetPush(f.ctx, "c1", tx.PushID); return err })
	measure("AnswerPush", 1, func() error {
		return s.AnswerPush(f.ctx, dynamo.PushReply{Tx: read, CredentialID: "c1", Status: domain.LoginApproved,
			Audit: domain.AuditEvent{ID: "e", Time: f.clock.Now(), AccountID: "acme", Action: domain.ActionLoginPush}})
	})
	measure("SetPushToken", 1, func() error {
		return s.SetPushToken(f.ctx, "c1", "tok", domain.AuditEvent{ID: "e2", Time: f.clock.Now(), AccountID: "acme", Action: domain.ActionDeviceRegistration})
	})
}
