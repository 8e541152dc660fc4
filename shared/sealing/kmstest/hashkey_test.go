package kmstest

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"push-reactivation/infra/localkms"
	"push-reactivation/internal/testenv/apptest"
	"push-reactivation/shared/apigw"
	"push-reactivation/shared/app"
	"push-reactivation/shared/demo"
	"push-reactivation/shared/login"
	"push-reactivation/shared/sealing/kmskeys"
	"push-reactivation/shared/sealing/kmswire"
	"push-reactivation/shared/smsvoice"
)

// deployed is the environment's dependencies configured as template.yaml
// deploys them: the code hash key given only sealed under KMS.
func deployed(env *apptest.Env) (*app.Deps, []byte, func(context.Context) error) {
	d := *env.Deps
	sealed, ready := env.SealedCodeHashKey(&d)
	return &d, sealed, ready
}

// smsPasscode logs email in, asks for an SMS and returns the txid, the
// login secret and the passcode the phone received.
func smsPasscode(t *testing.T, env *apptest.Env, r *apigw.Router, email string) (txid, loginSecret, passcode string) {
	t.Helper()
	var started login.Started
	env.Call(r, apptest.Request{Method: http.MethodPost, Path: "/v1/login", JSON: map[string]string{"email": email, "password": demo.Password}}).OK(t, &started)
	env.Call(r, apptest.Request{Method: http.MethodPost, Path: "/v1/login/" + started.TxID + "/factor",
		JSON: map[string]string{"factor": "sms"}, Headers: map[string]string{login.LoginSecretHeader: started.LoginSecret}}).OK(t, nil)
	msgs := env.SMS.Messages()
	code, ok := smsvoice.ExtractPasscode(msgs[len(msgs)-1].Body)
	if !ok {
		t.Fatal("no passcode in the SMS")
	}
	return started.TxID, started.LoginSecret, code
}

func passcodeMAC(key []byte, passcode string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("login-passcode\x00" + passcode))
	return hex.EncodeToString(m.Sum(nil))
}

// TestPasscodeHashNeedsTheKMSKey: with the code hash key deployed sealed,
// the stored passcode hash cannot be checked with anything a table dump
// and the functions' configuration give (the sealed key, raw or decoded,
// any attribute of any item): even the right passcode does not reproduce
// it. Only the key KMS unwraps, for the code-hash-key purpose and no
// other, does; and the service itself verifies the passcode.
func TestPasscodeHashNeedsTheKMSKey(t *testing.T) {
	env := apptest.New(t)
	srv, err := localkms.Shared(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	keys := kmskeys.New(srv.Client(), localkms.Alias)
	d, sealed, ready := deployed(env)
	r := login.NewRouter(d.Logic(), env.Phone()).Before(ready)
	txid, loginSecret, passcode := smsPasscode(t, env, r, "admin@acme.example")
	tx, err := env.Deps.Store.GetLogin(env.Ctx, txid)
	if err != nil || tx.PasscodeHash == "" {
		t.Fatalf("login %v, %v", tx, err)
	}

	// What a table dump and the configuration give, tried as the key.
	sealedB64 := base64.StdEncoding.EncodeToString(sealed)
	candidates := [][]byte{sealed, []byte(sealedB64), []byte(localkms.Alias), []byte(apptest.CodeHashKey)}
	for _, it := range scan(t, env) {
		for _, v := range it {
			switch a := v.(type) {
			case *types.AttributeValueMemberS:
				candidates = append(candidates, []byte(a.Value))
				if b, err := hex.DecodeString(a.Value); err == nil {
					candidates = append(candidates, b)
				}
				if b, err := base64.StdEncoding.DecodeString(a.Value); err == nil {
					candidates = append(candidates, b)
				}
			case *types.AttributeValueMemberB:
				candidates = append(candidates, a.Value)
			}
		}
	}
	for _, c := range candidates {
		if passcodeMAC(c, passcode) == tx.PasscodeHash {
			t.Fatalf("the passcode hash is checkable with a value from the table or the configuration (%d bytes)", len(c))
		}
	}
	// The apptest plain key is not in use: the hash is not under it.
	if env.Deps.Config.Codes.Matches("login-passcode", passcode, tx.PasscodeHash) {
		t.Fatal("the passcode was hashed under the plain test key, not the sealed one")
	}

	// KMS unwraps the key for its purpose only.
	if _, err := keys.Decrypt(env.Ctx, sealed, map[string]string{"purpose": kmswire.HOTPSecretPurpose}); err == nil {
		t.Fatal("KMS unwrapped the code hash key under the HOTP secrets' purpose")
	}
	key, err := keys.Decrypt(env.Ctx, sealed, kmswire.CodeHashKeyContext())
	if err != nil {
		t.Fatal(err)
	}
	if passcodeMAC(key, passcode) != tx.PasscodeHash {
		t.Fatal("the stored hash is not the HMAC of the passcode under the KMS-unwrapped key")
	}
	// And the service verifies it.
	resp := env.Call(r, apptest.Request{Method: http.MethodPost, Path: "/v1/login/" + txid + "/verify",
		JSON: map[string]string{"passcode": passcode}, Headers: map[string]string{login.LoginSecretHeader: loginSecret}})
	if resp.Status != http.StatusOK {
		t.Fatalf("verify under the sealed key: %d %s", resp.Status, resp.Body)
	}
}
