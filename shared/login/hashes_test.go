//go:build !fuzz

package login_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"push-reactivation/infra/smsvoicelocal"
	"push-reactivation/internal/testenv/apptest"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/login"
	"push-reactivation/shared/secret"
)

// keyedHash is the HMAC-SHA-256 that the stored hash of a code must be,
// computed here from the test environment's CODE_HASH_KEY without
// shared/secret, so a change of the scheme is noticed.
func keyedHash(kind, code string) string {
	m := hmac.New(sha256.New, []byte(apptest.CodeHashKey))
	m.Write([]byte(kind + "\x00" + code))
	return hex.EncodeToString(m.Sum(nil))
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// otherHasher is a hasher under a key that is not the configured one.
func otherHasher(t testing.TB) *secret.CodeHasher {
	h, err := secret.NewCodeHasher(bytes.Repeat([]byte{0xee}, secret.MinCodeKeyBytes))
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// loginItem reads a login transaction's item straight from DynamoDB.
func (f *fixture) loginItem(txid string) map[string]types.AttributeValue {
	f.t.Helper()
	out, err := f.env.AWS.DynamoDB.GetItem(f.env.Ctx, &dynamodb.GetItemInput{
		TableName: aws.String(f.env.Deps.Config.TableName),
		Key: map[string]types.AttributeValue{
			"PK": &types.AttributeValueMemberS{Value: "LOGIN#" + txid}, "SK": &types.AttributeValueMemberS{Value: "#LOGIN"},
		},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil || out.Item == nil {
		f.t.Fatalf("login item %s: %v", txid, err)
	}
	return out.Item
}

func attrS(t testing.TB, item map[string]types.AttributeValue, name string) string {
	t.Helper()
	v, ok := item[name].(*types.AttributeValueMemberS)
	if !ok {
		t.Fatalf("item has no string %s: %v", name, item[name])
	}
	return v.Value
}

// TestStoredPasscodeHashIsKeyed: the SMS passcode's hash in the table is
// the HMAC under CODE_HASH_KEY, not the SHA-256 of the passcode (which
// anyone reading the table reverses by trying the 10^7 passcodes); a
// service under another key does not accept the passcode; under the
// configured key the login goes through.
func TestStoredPasscodeHashIsKeyed(t *testing.T) {
	f := newFixture(t)
	tx := f.login(owner)
	f.factor(tx.TxID, domain.FactorSMS)
	passcode := f.passcode(ownerPhone, smsvoicelocal.KindSMS)

	stored := attrS(t, f.loginItem(tx.TxID), "passcode_hash")
	if stored == sha256Hex(passcode) {
		t.Fatal("the passcode is stored as its plain SHA-256")
	}
	if stored != keyedHash("login-passcode", passcode) {
		t.Fatalf("passcode_hash %s is not the HMAC of the passcode under CODE_HASH_KEY", stored)
	}
	if otherHasher(t).Matches(secret.LoginPasscode, passcode, stored) {
		t.Fatal("the passcode hash matches under another key")
	}

	// The fallback login under another key refuses the right passcode.
	deps := *f.env.Deps
	deps.Config.Codes = otherHasher(t)
	configured := f.r
	f.r = login.NewRouter(deps.Logic(), f.env.Phone())
	failCode(t, f.verify(tx.TxID, passcode), domain.CodeNotAuthenticated)
	f.r = configured

	var auth login.Authenticated
	f.verify(tx.TxID, passcode).OK(t, &auth)
	if auth.SessionToken == "" {
		t.Fatal("no session")
	}
}

// TestStoredVerificationCodeHashIsKeyed: the verified-push code's hash on
// the push is the HMAC under CODE_HASH_KEY (a 3-digit code's SHA-256 is
// reversed in a thousand tries), with the code's length beside it; the
// length is the policy's at the start of each push.
func TestStoredVerificationCodeHashIsKeyed(t *testing.T) {
	f := newFixture(t)
	cred := f.activate(owner, rfcKey)
	tx := f.login(owner)
	d := f.factor(tx.TxID, domain.FactorPush)
	if len(d.VerificationCode) != domain.DefaultVerifiedPushLength {
		t.Fatalf("verification code %q", d.VerificationCode)
	}
	item := f.loginItem(tx.TxID)
	stored := attrS(t, item, "verification_code_hash")
	if stored == sha256Hex(d.VerificationCode) {
		t.Fatal("the verification code is stored as its plain SHA-256")
	}
	if stored != keyedHash("push-verification-code", d.VerificationCode) {
		t.Fatalf("verification_code_hash %s is not the HMAC of the code under CODE_HASH_KEY", stored)
	}
	if otherHasher(t).Matches(secret.PushVerificationCode, d.VerificationCode, stored) {
		t.Fatal("the verification code hash matches under another key")
	}
	if n, ok := item["verification_code_length"].(*types.AttributeValueMemberN); !ok || n.Value != "3" {
		t.Fatalf("verification_code_length %v, want 3", item["verification_code_length"])
	}

	// A later push of the same login takes the policy as it is then.
	acme, _ := f.env.Deps.Store.GetAccount(f.env.Ctx, "acme")
	acme.Policy.VerifiedPushLength = 6
	if err := f.env.Deps.Store.PutAccount(f.env.Ctx, *acme); err != nil {
		t.Fatal(err)
	}
	d = f.factor(tx.TxID, domain.FactorPush)
	if got := f.pushItem(cred.ID); len(d.VerificationCode) != 6 || got.VerificationCodeLength != 6 ||
		got.VerificationCodeHash != keyedHash("push-verification-code", d.VerificationCode) {
		t.Fatalf("second push: code %q, stored length %d", d.VerificationCode, got.VerificationCodeLength)
	}
}
