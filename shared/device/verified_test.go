package device_test

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"testing"

	"push-reactivation/internal/testenv/apptest"
	"push-reactivation/shared/device"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/secret"
)

// TestVerifiedPushApprovalWithoutCodeIs40014: approving a verified push
// without verification_code (or with an empty one) is 400 40014 "Please
// enter the verification code", as Duo answers (DESIGN.md §5), and leaves
// the push pending; the right code then approves it.
func TestVerifiedPushApprovalWithoutCodeIs40014(t *testing.T) {
	f := newFixture(t)
	p := f.activate(f.start("admin@acme.example").Code, key(0))
	tx := f.push(p, "042")
	for _, extra := range [][]string{{"answer", "approve"}, {"answer", "approve", "verification_code", ""}} {
		fe := apptest.ExpectFail(t, f.reply(p, tx.PushID, extra...), 400, 40014)
		if fe.Message != "Please enter the verification code" {
			t.Fatalf("message %q", fe.Message)
		}
		if f.loginStatus(tx) != domain.LoginPending {
			t.Fatal("an approval without the code changed the push")
		}
	}
	f.reply(p, tx.PushID, "answer", "approve", "verification_code", "042").OK(t, nil)
	if f.loginStatus(tx) != domain.LoginApproved {
		t.Fatal("the right code did not approve")
	}
}

// TestPushKeepsTheCodeLengthItStartedWith: the code length a push requires
// is stored when the push starts; turning verified push off, or changing
// its length, while the push is listed changes neither what the phone is
// told nor what the answer needs. Pushes go through the store's
// StartLoginPush, as the fallback login starts them.
func TestPushKeepsTheCodeLengthItStartedWith(t *testing.T) {
	f := newFixture(t)
	p := f.activate(f.start("admin@acme.example").Code, key(0))
	admin := f.Admin("admin@acme.example")
	setPolicyLength := func(n int) {
		t.Helper()
		acct, err := f.Deps.Store.GetAccount(f.Ctx, admin.AccountID)
		if err != nil {
			t.Fatal(err)
		}
		acct.Policy.VerifiedPushLength = n
		if err := f.Deps.Store.PutAccount(f.Ctx, *acct); err != nil {
			t.Fatal(err)
		}
	}
	start := func(txid, code string) string {
		t.Helper()
		now := f.Clock.Now()
		err := f.Deps.Store.CreateLogin(f.Ctx, domain.LoginTx{ID: txid, AdminID: admin.ID, AccountID: admin.AccountID,
			Status: domain.LoginPending, CreatedAt: now, ExpiresAt: now.Add(domain.LoginTransactionValidity)},
			domain.AuditEvent{ID: "pw-" + txid, Time: now, AccountID: admin.AccountID, Action: domain.ActionLoginPassword})
		if err != nil {
			t.Fatal(err)
		}
		lp := domain.LoginPush{TxID: txid, CredentialID: p.PKey, PushID: "push-" + txid, ExpiresAt: now.Add(domain.PushValidity),
			MaxPushes: domain.MaxPushesPerLogin, VerificationCodeLength: len(code),
			Audit: domain.AuditEvent{ID: "push-" + txid, Time: now, AccountID: admin.AccountID, Action: domain.ActionLoginFactor}}
		if code != "" {
			lp.VerificationCodeHash = f.Deps.Config.Codes.Hash(secret.PushVerificationCode, code)
		}
		if err := f.Deps.Store.StartLoginPush(f.Ctx, lp); err != nil {
			t.Fatal(err)
		}
		return lp.PushID
	}
	listed := func(urgid string) device.Transaction {
		t.Helper()
		i := slices.IndexFunc(f.pending(p), func(x device.Transaction) bool { return x.URGID == urgid })
		if i < 0 {
			t.Fatalf("push %s not listed", urgid)
		}
		return f.pending(p)[i]
	}

	setPolicyLength(3)
	verified := start("login-verified", "427")
	setPolicyLength(0)
	plain := start("login-plain", "")
	for _, n := range []int{0, 6, 3} {
		setPolicyLength(n)
		if v := listed(verified); !v.RequiresVerificationCode || v.VerificationCodeLength != 3 {
			t.Fatalf("policy length %d: verified push listed as %+v, want a 3-digit code", n, v)
		}
		if v := listed(plain); v.RequiresVerificationCode || v.VerificationCodeLength != 0 {
			t.Fatalf("policy length %d: plain push listed as %+v, want no code", n, v)
		}
	}

	// The answers follow the push too: the plain one needs no code under a
	// policy that now asks for one, the verified one needs its 3 digits
	// under a policy that asks for none.
	setPolicyLength(6)
	f.reply(p, plain, "answer", "approve").OK(t, nil)
	setPolicyLength(0)
	apptest.ExpectFail(t, f.reply(p, verified, "answer", "approve"), 400, 40014)
	f.reply(p, verified, "answer", "approve", "verification_code", "427").OK(t, nil)
	for _, txid := range []string{"login-verified", "login-plain"} {
		if got, err := f.Deps.Store.GetLogin(f.Ctx, txid); err != nil || got.Status != domain.LoginApproved {
			t.Fatalf("%s: %+v %v", txid, got, err)
		}
	}
}

// TestVerificationCodeOfAnotherLengthIsWrong: a code longer than the push
// was started with is a wrong code (403, push denied), even if it ends
// with the right digits.
func TestVerificationCodeOfAnotherLengthIsWrong(t *testing.T) {
	f := newFixture(t)
	p := f.activate(f.start("admin@acme.example").Code, key(0))
	tx := f.push(p, "427")
	apptest.ExpectFail(t, f.reply(p, tx.PushID, "answer", "approve", "verification_code", "0427"), 403, 40301)
	if f.loginStatus(tx) != domain.LoginDenied {
		t.Fatal("a code of the wrong length did not deny")
	}
}

// TestVerificationCodeComparedUnderTheKey: the device API checks the code
// against its keyed hash: a service configured with another CODE_HASH_KEY
// refuses the right code (and denies the push), the configured one
// accepts it.
func TestVerificationCodeComparedUnderTheKey(t *testing.T) {
	f := newFixture(t)
	p := f.activate(f.start("admin@acme.example").Code, key(0))
	other, err := secret.NewCodeHasher(bytes.Repeat([]byte{1}, secret.MinCodeKeyBytes))
	if err != nil {
		t.Fatal(err)
	}
	otherKey := *f.svc
	otherKey.Codes = other
	tx := f.push(p, "042")
	configured := f.router
	f.router = otherKey.Router()
	resp := f.reply(p, tx.PushID, "answer", "approve", "verification_code", "042")
	f.router = configured
	apptest.ExpectFail(t, resp, 403, 40301)
	if f.loginStatus(tx) != domain.LoginDenied {
		t.Fatal("the code matched under another key")
	}
	tx = f.push(p, "042")
	f.reply(p, tx.PushID, "answer", "approve", "verification_code", "042").OK(t, nil)
}

// TestTransactionShapeUnchanged pins the listing's JSON as third-party
// clients read it (docs/device.md): the same keys as before, with
// verification_code_length only when a code is required.
func TestTransactionShapeUnchanged(t *testing.T) {
	f := newFixture(t)
	p := f.activate(f.start("admin@acme.example").Code, key(0))
	f.push(p, "")
	f.push(p, "123")
	resp := f.signed(p, signedReq{method: "GET", path: "/push/v2/device/transactions", params: txParams(p)})
	var body struct {
		Response struct {
			Transactions []map[string]json.RawMessage `json:"transactions"`
		} `json:"response"`
	}
	if err := json.Unmarshal([]byte(resp.Body), &body); err != nil || len(body.Response.Transactions) != 2 {
		t.Fatalf("%d %s %v", resp.Status, resp.Body, err)
	}
	base := []string{"attributes", "expiration", "requires_verification_code", "summary", "type", "urgid"}
	for _, tr := range body.Response.Transactions {
		want := base
		if string(tr["requires_verification_code"]) == "true" {
			want = append(slices.Clone(base), "verification_code_length")
			if string(tr["verification_code_length"]) != "3" {
				t.Errorf("verification_code_length %s", tr["verification_code_length"])
			}
		}
		slices.Sort(want)
		if got := slices.Sorted(maps.Keys(tr)); !slices.Equal(got, want) {
			t.Errorf("keys %v, want %v", got, want)
		}
	}
}
