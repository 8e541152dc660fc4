package main

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"push-reactivation/infra/localkms"
	"push-reactivation/internal/testenv/apptest"
	"push-reactivation/shared/login"
	"push-reactivation/shared/sealing"
	"push-reactivation/shared/sealing/kmswire"
)

// TestReencryptMovesSecretsToTheNewKey: the alias is pointed at a new KMS
// key (a key change: suspected compromise, or a manual rotation) and the
// old key is to be disabled. Before `adminctl reencrypt` the credentials
// no longer open with the old key disabled; after it every data key is
// under the new key (KMS says so), a credential written in plain before
// secrets were sealed is sealed, the old key can be disabled, and every
// credential still verifies its phone's passcode. A second run has
// nothing to do.
func TestReencryptMovesSecretsToTheNewKey(t *testing.T) {
	ctx := context.Background()
	bin, err := localkms.InstallForTests(ctx)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := localkms.Start(ctx, localkms.Options{Binary: bin}) // its own: the alias moves
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	env := apptest.New(t)
	env.KMSURL = srv.URL
	env.ColdKMS() // the store seals under this emulator's key
	tableName := env.Deps.Config.TableName
	t.Setenv("AWS_ENDPOINT_URL_KMS", srv.URL)
	t.Setenv("KMS_KEY_ID", localkms.Alias)

	admin, owner := "admin@acme.example", "owner@acme.example"
	phones := map[string]*apptest.DuoMobile{admin: env.ActivateDuoMobile(admin), owner: env.ActivateDuoMobile(owner)}
	// The owner's credential as written before issue 16: hotp_secret in plain.
	ownerCred := phones[owner].PKey
	_, err = env.AWS.DynamoDB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &tableName, Key: map[string]types.AttributeValue{
			"PK": &types.AttributeValueMemberS{Value: "CRED#" + ownerCred}, "SK": &types.AttributeValueMemberS{Value: "#CRED"}},
		UpdateExpression: aws.String("SET hotp_secret = :p, hotp_secret_sealed = :none"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": &types.AttributeValueMemberS{Value: phones[owner].HOTPSecret},
			":none": &types.AttributeValueMemberS{Value: ""}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if c, err := env.Deps.Store.GetCredential(ctx, ownerCred); err != nil || c.HOTPSecret == "" || c.SealedHOTPSecret != "" {
		t.Fatalf("the owner's credential was not made plain: %+v %v", c, err)
	}

	kc := srv.Client()
	oldKey := srv.KeyID
	k2, err := kc.CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	newKey := aws.ToString(k2.KeyMetadata.Arn)
	if _, err := kc.UpdateAlias(ctx, &kms.UpdateAliasInput{AliasName: aws.String(localkms.Alias), TargetKeyId: &newKey}); err != nil {
		t.Fatal(err)
	}
	setKeyEnabled := func(enabled bool) {
		t.Helper()
		var err error
		if enabled {
			_, err = kc.EnableKey(ctx, &kms.EnableKeyInput{KeyId: &oldKey})
		} else {
			_, err = kc.DisableKey(ctx, &kms.DisableKeyInput{KeyId: &oldKey})
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	loginStatus := func(email string) int {
		t.Helper()
		env.ColdKMS() // a new function instance: no cached data key
		return env.LoginWithDuoMobile(login.NewRouter(env.Deps.Logic(), env.Phone()), email, phones[email]).Status
	}

	// Not yet re-encrypted: the old key is still needed.
	setKeyEnabled(false)
	if s := loginStatus(admin); s == http.StatusOK {
		t.Fatal("a credential opened with its key disabled: the test proves nothing")
	}
	setKeyEnabled(true)

	out := mustRun(t, "", "--table", tableName, "reencrypt")
	if !strings.Contains(out, "rewrapped 1, sealed 1 (were plain), unchanged 0") {
		t.Fatalf("reencrypt said %q", out)
	}
	for email, p := range phones {
		cred, err := env.Deps.Store.GetCredential(ctx, p.PKey)
		if err != nil {
			t.Fatal(err)
		}
		if cred.HOTPSecret != "" || cred.SealedHOTPSecret == "" {
			t.Fatalf("%s: credential not sealed after reencrypt: plain %v", email, cred.HOTPSecret != "")
		}
		wrapped, err := sealing.WrappedKey(cred.SealedHOTPSecret)
		if err != nil {
			t.Fatal(err)
		}
		dec, err := kc.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: wrapped,
			EncryptionContext: map[string]string{"purpose": kmswire.HOTPSecretPurpose, "id": p.PKey}})
		if err != nil {
			t.Fatal(err)
		}
		if got := aws.ToString(dec.KeyId); got != newKey {
			t.Errorf("%s: data key under %s after reencrypt, want the new key %s", email, got, newKey)
		}
	}

	setKeyEnabled(false)
	for _, email := range []string{admin, owner} {
		if s := loginStatus(email); s != http.StatusOK {
			t.Errorf("%s: Duo Mobile login after reencrypt with the old key disabled: %d", email, s)
		}
	}
	if out := mustRun(t, "", "--table", tableName, "reencrypt"); !strings.Contains(out, "rewrapped 0, sealed 0 (were plain), unchanged 2") {
		t.Errorf("second reencrypt said %q", out)
	}
}

// TestSealHashKey: seal-hash-key prints a key KMS unwraps for the code
// hash key's purpose only; --rewrap moves it to the alias's current key
// and keeps the same key.
func TestSealHashKey(t *testing.T) {
	ctx := context.Background()
	srv, err := localkms.Shared(ctx)
	if err != nil {
		t.Fatal(err)
	}
	startDB(t)
	t.Setenv("AWS_ENDPOINT_URL_KMS", srv.URL)
	t.Setenv("KMS_KEY_ID", localkms.Alias)
	sealedB64 := strings.TrimSpace(mustRun(t, "", "seal-hash-key"))
	keys := sealedKeys(t, srv)
	key, err := keys.open(ctx, sealedB64, kmswire.CodeHashKeyContext())
	if err != nil || len(key) != 32 {
		t.Fatalf("sealed key opens to %d bytes: %v", len(key), err)
	}
	if _, err := keys.open(ctx, sealedB64, map[string]string{"purpose": kmswire.HOTPSecretPurpose}); err == nil {
		t.Fatal("the sealed hash key opens under another purpose")
	}
	rewrapped := strings.TrimSpace(mustRun(t, sealedB64+"\n", "seal-hash-key", "--rewrap"))
	again, err := keys.open(ctx, rewrapped, kmswire.CodeHashKeyContext())
	if err != nil || string(again) != string(key) || rewrapped == sealedB64 {
		t.Fatalf("rewrapped key differs or did not change: %v", err)
	}
	if r := adminctl(t, "", "seal-hash-key", "--kms-key", ""); r.err == nil {
		t.Fatal("seal-hash-key without a key succeeded")
	}
}
