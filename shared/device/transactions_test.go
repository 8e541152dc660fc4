package device_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"push-reactivation/internal/testenv/apptest"
	"push-reactivation/shared/device"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/secret"
)

func TestPendingPushesAreListed(t *testing.T) {
	f := newFixture(t)
	p := f.activate(f.start("admin@acme.example").Code, key(0))
	if txs := f.pending(p); len(txs) != 0 {
		t.Fatalf("fresh credential has %d pushes", len(txs))
	}
	older := f.push(p, "")
	f.Clock.Advance(time.Second)
	verified := f.push(p, "427")
	txs := f.pending(p)
	if len(txs) != 2 || txs[0].URGID != verified.PushID || txs[1].URGID != older.PushID {
		t.Fatalf("pushes %+v", txs)
	}
	v := txs[0]
	if v.Type != "login" || !strings.Contains(v.Summary, "Acme Corp") || v.Expiration != verified.PushExpiresAt.Unix() ||
		!v.RequiresVerificationCode || v.VerificationCodeLength != domain.DefaultVerifiedPushLength || txs[1].RequiresVerificationCode {
		t.Fatalf("push %+v", v)
	}
	labels := map[string]string{}
	for _, a := range v.Attributes {
		labels[a[0]] = a[1]
	}
	if labels["Account"] != "Acme Corp" || labels["Admin"] != "admin@acme.example" || labels["IP"] != "198.51.100.23" || labels["Time"] == "" {
		t.Fatalf("attributes %v", v.Attributes)
	}
	// A lapsed push is no longer listed, and cannot be answered.
	f.Clock.Advance(domain.PushValidity)
	if txs := f.pending(p); len(txs) != 0 {
		t.Fatalf("lapsed pushes listed: %+v", txs)
	}
	apptest.ExpectFail(t, f.reply(p, older.PushID, "answer", "approve"), 410, 41001)
	if st := f.loginStatus(older); st != domain.LoginPending {
		t.Fatalf("lapsed push %s", st)
	}
}

func TestPushAnswers(t *testing.T) {
	f := newFixture(t)
	p := f.activate(f.start("admin@acme.example").Code, key(0))
	other := f.activate(f.start("owner@acme.example").Code, key(1))

	t.Run("approve", func(t *testing.T) {
		tx := f.push(p, "")
		var a struct{ Status string }
		f.reply(p, tx.PushID, "answer", "approve").OK(t, &a)
		if a.Status != "approved" || f.loginStatus(tx) != domain.LoginApproved {
			t.Fatalf("answer %+v, stored %s", a, f.loginStatus(tx))
		}
		apptest.ExpectFail(t, f.reply(p, tx.PushID, "answer", "deny"), 409, 40901)
		if f.loginStatus(tx) != domain.LoginApproved {
			t.Fatal("a second answer changed the first")
		}
	})
	t.Run("deny", func(t *testing.T) {
		tx := f.push(p, "")
		var a struct{ Status string }
		f.reply(p, tx.PushID, "answer", "deny").OK(t, &a)
		if a.Status != "denied" || f.loginStatus(tx) != domain.LoginDenied {
			t.Fatalf("answer %+v", a)
		}
	})
	t.Run("verified push, right code", func(t *testing.T) {
		tx := f.push(p, "042")
		apptest.ExpectFail(t, f.reply(p, tx.PushID, "answer", "approve"), 400, 40014)
		if f.loginStatus(tx) != domain.LoginPending {
			t.Fatal("approval without the code changed the push")
		}
		f.reply(p, tx.PushID, "answer", "approve", "verification_code", "042").OK(t, nil)
		if f.loginStatus(tx) != domain.LoginApproved {
			t.Fatal("not approved")
		}
	})
	t.Run("verified push, wrong code denies", func(t *testing.T) {
		tx := f.push(p, "042")
		fe := apptest.ExpectFail(t, f.reply(p, tx.PushID, "answer", "approve", "verification_code", "420"), 403, 40301)
		if !strings.Contains(fe.MessageDetail, "verification_code") {
			t.Fatalf("detail %q", fe.MessageDetail)
		}
		if f.loginStatus(tx) != domain.LoginDenied {
			t.Fatal("wrong code did not deny")
		}
		// No second guess.
		apptest.ExpectFail(t, f.reply(p, tx.PushID, "answer", "approve", "verification_code", "042"), 409, 40901)
		if slices.ContainsFunc(f.pending(p), func(x device.Transaction) bool { return x.URGID == tx.PushID }) {
			t.Fatal("denied push still listed")
		}
	})
	t.Run("verified push, deny needs no code", func(t *testing.T) {
		tx := f.push(p, "042")
		f.reply(p, tx.PushID, "answer", "deny").OK(t, nil)
		if f.loginStatus(tx) != domain.LoginDenied {
			t.Fatal("not denied")
		}
	})
	t.Run("bad answers", func(t *testing.T) {
		tx := f.push(p, "")
		apptest.ExpectFail(t, f.reply(p, tx.PushID), 400, 40002)
		apptest.ExpectFail(t, f.reply(p, tx.PushID, "answer", "maybe"), 400, 40002)
		apptest.ExpectFail(t, f.reply(p, tx.PushID, "answer", "approve", "verification_code", strings.Repeat("1", 17)), 400, 40002)
		apptest.ExpectFail(t, f.reply(p, "no-such-push", "answer", "approve"), 404, 40401)
		// Another credential cannot see or answer it.
		apptest.ExpectFail(t, f.reply(other, tx.PushID, "answer", "approve"), 404, 40401)
		if len(f.pending(other)) != 0 {
			t.Fatal("other credential sees the push")
		}
		if f.loginStatus(tx) != domain.LoginPending {
			t.Fatal("a refused answer changed the push")
		}
	})

	evs, _, _ := f.Deps.Store.ListAudit(f.Ctx, "acme", domain.AuditFilter{Action: domain.ActionLoginPush, Limit: 100})
	outcomes := map[string]int{}
	for _, ev := range evs {
		outcomes[string(ev.Outcome)+"/"+ev.Details["reason"]]++
	}
	if outcomes["success/"] != 2 || outcomes["failure/user"] != 2 || outcomes["failure/"+domain.PushDeniedWrongCode] != 1 {
		t.Fatalf("audit outcomes %v", outcomes)
	}
	if logs := f.Logs.String(); strings.Contains(logs, `"042"`) || strings.Contains(logs, "=042") {
		t.Fatal("verification code logged")
	}
}

// TestAnswerLandsOnLoginTransaction: an approval through the device API is
// what the fallback login reads back, and a push replaced by a newer one
// can no longer be answered.
func TestAnswerLandsOnLoginTransaction(t *testing.T) {
	f := newFixture(t)
	p := f.activate(f.start("admin@acme.example").Code, key(0))
	admin := f.Admin("admin@acme.example")
	now := f.Clock.Now()
	tx := domain.LoginTx{ID: "login-1", AdminID: admin.ID, AccountID: admin.AccountID, Status: domain.LoginPending,
		CreatedAt: now, ExpiresAt: now.Add(domain.LoginTransactionValidity)}
	if err := f.Deps.Store.CreateLogin(f.Ctx, tx, domain.AuditEvent{ID: "l1", Time: now, AccountID: "acme", Action: domain.ActionLoginPassword}); err != nil {
		t.Fatal(err)
	}
	startPush := func(pushID, code string) {
		t.Helper()
		err := f.Deps.Store.StartLoginPush(f.Ctx, domain.LoginPush{TxID: tx.ID, CredentialID: p.PKey, PushID: pushID,
			VerificationCodeHash: f.Deps.Config.Codes.Hash(secret.PushVerificationCode, code), VerificationCodeLength: len(code),
			ExpiresAt: now.Add(domain.PushValidity), MaxPushes: domain.MaxPushesPerLogin,
			Audit: domain.AuditEvent{ID: "push-" + pushID, Time: now, AccountID: "acme", Action: domain.ActionLoginFactor}})
		if err != nil {
			t.Fatal(err)
		}
	}
	startPush("push-1", "111")
	startPush("push-2", "222")
	if txs := f.pending(p); len(txs) != 1 || txs[0].URGID != "push-2" {
		t.Fatalf("pending %+v", txs)
	}
	// The replaced push is gone, even with its own (right) code.
	if resp := f.reply(p, "push-1", "answer", "approve", "verification_code", "111"); resp.Status == 200 {
		t.Fatalf("replaced push answered: %s", resp.Body)
	}
	f.reply(p, "push-2", "answer", "approve", "verification_code", "222").OK(t, nil)
	got, err := f.Deps.Store.GetLogin(f.Ctx, tx.ID)
	if err != nil || got.Status != domain.LoginApproved || got.PushID != "push-2" {
		t.Fatalf("login %+v %v", got, err)
	}
}

func TestRegistrationAndInfo(t *testing.T) {
	f := newFixture(t)
	p := f.activate(f.start("admin@acme.example").Code, key(0))
	info := func() map[string]any {
		t.Helper()
		var m map[string]any
		f.signed(p, signedReq{method: "GET", path: "/push/v2/device/info", params: txParams(p)}).OK(t, &m)
		return m
	}
	m := info()
	if m["pkey"] != p.PKey || m["akey"] != p.AKey || m["customer_name"] != "Acme Corp" || m["admin_email"] != "admin@acme.example" ||
		m["platform"] != "Android" || m["model"] != "Pixel 8" || m["app_version"] != "4.59.0" || m["push_token_registered"] != false ||
		m["activated_at"] != f.Clock.Now().UTC().Format(time.RFC3339) {
		t.Fatalf("info %v", m)
	}
	for _, k := range []string{"hotp_secret", "public_key_pem", "push_token"} {
		if _, ok := m[k]; ok {
			t.Fatalf("info shows %s", k)
		}
	}
	register := func(token ...string) *apptest.Response {
		t.Helper()
		params := txParams(p)
		if len(token) > 0 {
			params["token"] = token
		}
		return f.signed(p, signedReq{method: "POST", path: "/push/v2/device/registration", params: params})
	}
	register("fcm-token-1").OK(t, nil)
	register("fcm-token-1").OK(t, nil)
	if c := f.credential(p.PKey); c.PushToken != "fcm-token-1" {
		t.Fatalf("token %q", c.PushToken)
	}
	if info()["push_token_registered"] != true {
		t.Fatal("token not shown as registered")
	}
	apptest.ExpectFail(t, register(), 400, 40002)
	apptest.ExpectFail(t, register(""), 400, 40002)
	apptest.ExpectFail(t, register("a", "b"), 400, 40002)
	apptest.ExpectFail(t, register(strings.Repeat("t", 4097)), 400, 40002)
	evs, _, _ := f.Deps.Store.ListAudit(f.Ctx, "acme", domain.AuditFilter{Action: domain.ActionDeviceRegistration})
	if len(evs) != 1 || strings.Contains(evs[0].Details["credential_id"]+evs[0].UserAgent, "fcm-token") {
		t.Fatalf("registration audit %+v", evs)
	}
	if strings.Contains(f.Logs.String(), "fcm-token-1") {
		t.Fatal("push token logged")
	}
}
