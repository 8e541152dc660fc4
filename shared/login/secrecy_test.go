//go:build !fuzz

package login_test

import (
	"encoding/base64"
	"net/http"
	"strings"
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

// TestLoginSecretGuardsEveryLoginCall (DESIGN.md §4.1, login secrecy): the
// password step hands out a login_secret of 256 random bits in base64url,
// which the login item holds only as a hash; /factor, /verify and
// GET /v1/login/{txid} without it, with a wrong one, or with another
// login's, answer byte for byte as for an unknown txid and change nothing
// (no send, no try, no failure counted); with it they work.
func TestLoginSecretGuardsEveryLoginCall(t *testing.T) {
	f := newFixture(t)
	f.activate(owner, rfcKey)
	tx := f.login(owner)
	other := f.login(owner)
	raw, err := base64.RawURLEncoding.DecodeString(tx.LoginSecret)
	if err != nil || len(raw) != 32 {
		t.Fatalf("login_secret %q: %d bytes, %v", tx.LoginSecret, len(raw), err)
	}
	if tx.LoginSecret == other.LoginSecret {
		t.Fatal("two logins got the same secret")
	}
	item, err := f.env.AWS.DynamoDB.GetItem(f.env.Ctx, &dynamodb.GetItemInput{
		TableName: aws.String(f.env.Deps.Config.TableName),
		Key: map[string]types.AttributeValue{
			"PK": &types.AttributeValueMemberS{Value: "LOGIN#" + tx.TxID}, "SK": &types.AttributeValueMemberS{Value: "#LOGIN"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if h, ok := item.Item["login_secret_hash"].(*types.AttributeValueMemberS); !ok || h.Value != secret.Hash(tx.LoginSecret) {
		t.Fatalf("stored login_secret_hash %v", item.Item["login_secret_hash"])
	}
	for name, v := range item.Item {
		if s, ok := v.(*types.AttributeValueMemberS); ok && strings.Contains(s.Value, tx.LoginSecret) {
			t.Fatalf("attribute %s holds the login_secret", name)
		}
	}

	unknown := strings.Repeat("0", 32)
	calls := []struct{ method, suffix, body string }{
		{http.MethodPost, "/factor", `{"factor":"sms"}`},
		{http.MethodPost, "/verify", `{"passcode":"1234567"}`},
		{http.MethodPost, "/verify", `{"passcode":"123456"}`},
		{http.MethodGet, "", ``},
	}
	for _, c := range calls {
		want := f.env.Call(f.r, apptest.Request{Method: c.method, Path: "/v1/login/" + unknown + c.suffix, Body: c.body,
			Headers: map[string]string{"content-type": "application/json", login.LoginSecretHeader: tx.LoginSecret}})
		failCode(t, want, domain.CodeNotFound)
		for name, s := range map[string]string{
			"no secret": "", "wrong secret": strings.Repeat("A", len(tx.LoginSecret)), "another login's secret": other.LoginSecret,
			"secret with a space": tx.LoginSecret + " ", "oversized secret": strings.Repeat("A", 10000),
		} {
			h := map[string]string{"content-type": "application/json"}
			if s != "" {
				h[login.LoginSecretHeader] = s
			}
			got := f.env.Call(f.r, apptest.Request{Method: c.method, Path: "/v1/login/" + tx.TxID + c.suffix, Body: c.body, Headers: h})
			if got.Status != want.Status || got.Body != want.Body || !headersEqual(got.Headers, want.Headers) {
				t.Errorf("%s %s with %s: %d %v %s\nunknown txid: %d %v %s", c.method, c.suffix, name,
					got.Status, got.Headers, got.Body, want.Status, want.Headers, want.Body)
			}
		}
	}
	if n := len(f.env.SMS.Messages()); n != 0 {
		t.Fatalf("%d messages sent without the secret", n)
	}
	if a := f.admin(owner); a.FailedAttempts != 0 {
		t.Fatalf("calls without the secret counted %d failures", a.FailedAttempts)
	}
	// A panel on another origin may send the header.
	pre := f.env.Call(f.r, apptest.Request{Method: http.MethodOptions, Path: "/v1/login/" + tx.TxID,
		Headers: map[string]string{"origin": f.env.Deps.Config.PanelOrigin, "access-control-request-method": "GET"}})
	if !strings.Contains(pre.Headers["Access-Control-Allow-Headers"], login.LoginSecretHeader) {
		t.Errorf("CORS does not allow %s: %v", login.LoginSecretHeader, pre.Headers)
	}
	// With the secret, the same login goes on as usual.
	if st := f.pushStatus(tx.TxID); st.Status != "pending" {
		t.Fatalf("status with the secret: %+v", st)
	}
	f.factor(tx.TxID, domain.FactorSMS)
	f.verify(tx.TxID, f.passcode(ownerPhone, smsvoicelocal.KindSMS)).OK(t, nil)
}
