// Package kmstest holds the end-to-end tests of secrets at rest under KMS
// (docs/security/kms.md), against local-kms and the embedded DynamoDB.
package kmstest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"push-reactivation/internal/testenv/apptest"
	"push-reactivation/shared/login"
)

// forms are the ways a HOTP secret could sit in an item: the hex string the
// phone is given (whose ASCII bytes are the HOTP key), the raw 20 bytes it
// encodes, and either in base32 (what otpauth:// URIs carry), base64 in all
// its alphabets, and hex of the ASCII bytes.
func forms(t *testing.T, hexSecret string) (texts []string, raws [][]byte) {
	t.Helper()
	raw, err := hex.DecodeString(hexSecret)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range [][]byte{raw, []byte(hexSecret)} {
		raws = append(raws, b)
		for _, enc := range []*base32.Encoding{base32.StdEncoding, base32.StdEncoding.WithPadding(base32.NoPadding), base32.HexEncoding} {
			s := enc.EncodeToString(b)
			texts = append(texts, s, strings.ToLower(s))
		}
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
			texts = append(texts, enc.EncodeToString(b))
		}
		texts = append(texts, hex.EncodeToString(b), strings.ToUpper(hex.EncodeToString(b)))
	}
	return append(texts, hexSecret, strings.ToUpper(hexSecret)), raws
}

// scan reads every item of the table.
func scan(t *testing.T, env *apptest.Env) []map[string]types.AttributeValue {
	t.Helper()
	var items []map[string]types.AttributeValue
	in := &dynamodb.ScanInput{TableName: &env.Deps.Config.TableName}
	for {
		out, err := env.AWS.DynamoDB.Scan(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, out.Items...)
		if len(out.LastEvaluatedKey) == 0 {
			return items
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// holds reports the first attribute (by path) of v that equals or
// contains one of texts or raws, in any attribute type.
func holds(path string, v types.AttributeValue, texts []string, raws [][]byte) string {
	hasText := func(s string) bool {
		for _, x := range texts {
			if strings.Contains(s, x) {
				return true
			}
		}
		return false
	}
	hasRaw := func(b []byte) bool {
		for _, x := range raws {
			if bytes.Contains(b, x) {
				return true
			}
		}
		return hasText(string(b))
	}
	switch a := v.(type) {
	case *types.AttributeValueMemberS:
		if hasText(a.Value) || hasRaw([]byte(a.Value)) {
			return path
		}
	case *types.AttributeValueMemberB:
		if hasRaw(a.Value) {
			return path
		}
	case *types.AttributeValueMemberSS:
		for _, s := range a.Value {
			if hasText(s) {
				return path
			}
		}
	case *types.AttributeValueMemberBS:
		for _, b := range a.Value {
			if hasRaw(b) {
				return path
			}
		}
	case *types.AttributeValueMemberL:
		for _, x := range a.Value {
			if p := holds(path+"[]", x, texts, raws); p != "" {
				return p
			}
		}
	case *types.AttributeValueMemberM:
		for k, x := range a.Value {
			if p := holds(path+"."+k, x, texts, raws); p != "" {
				return p
			}
		}
	}
	return ""
}

// TestTableNeverHoldsTheHOTPSecret activates Duo Mobile through the real
// device route, then scans the whole table: no attribute of any item
// equals or contains the HOTP secret the phone was given, in any common
// encoding, raw or as its ASCII bytes. The credential still verifies: the
// phone's passcode logs the admin in.
func TestTableNeverHoldsTheHOTPSecret(t *testing.T) {
	env := apptest.New(t)
	phone := env.ActivateDuoMobile("admin@acme.example")
	texts, raws := forms(t, phone.HOTPSecret)
	items := scan(t, env)
	sealed := 0
	for _, it := range items {
		for name, v := range it {
			if p := holds(name, v, texts, raws); p != "" {
				t.Errorf("item %v/%v holds the HOTP secret in %s", it["PK"], it["SK"], p)
			}
			if name == "hotp_secret" {
				t.Errorf("item %v has a hotp_secret attribute", it["PK"])
			}
			if name == "hotp_secret_sealed" {
				sealed++
			}
		}
	}
	if sealed != 1 {
		t.Fatalf("%d sealed HOTP secrets in %d items, want 1", sealed, len(items))
	}
	resp := env.LoginWithDuoMobile(login.NewRouter(env.Deps.Logic(), env.Phone()), "admin@acme.example", phone)
	if resp.Status != http.StatusOK {
		t.Fatalf("Duo Mobile login with the sealed credential: %d %s", resp.Status, resp.Body)
	}
}

// The scan itself finds a secret stored in each form it claims to find:
// a check that cannot fail proves nothing.
func TestScanFindsEveryForm(t *testing.T) {
	const secret = "3132333435363738393031323334353637383930"
	texts, raws := forms(t, secret)
	for _, s := range texts {
		if holds("a", &types.AttributeValueMemberS{Value: "x" + s + "y"}, texts, raws) == "" {
			t.Errorf("form %q not found", s)
		}
	}
	for _, b := range raws {
		if holds("a", &types.AttributeValueMemberB{Value: append([]byte{1}, b...)}, texts, raws) == "" {
			t.Errorf("raw form %x not found", b)
		}
	}
	// The HMAC of the secret is not the secret.
	m := hmac.New(sha256.New, []byte("k"))
	m.Write([]byte(secret))
	if holds("a", &types.AttributeValueMemberS{Value: hex.EncodeToString(m.Sum(nil))}, texts, raws) != "" {
		t.Error("an unrelated value was taken for the secret")
	}
}
