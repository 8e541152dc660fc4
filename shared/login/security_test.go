//go:build !fuzz

package login_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"push-reactivation/infra/smsvoicelocal"
	"push-reactivation/internal/testenv/apptest"
	"push-reactivation/shared/demo"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/hotp"
	"push-reactivation/shared/login"
)

// TestUnknownEmailAndWrongPasswordAlike: an unknown email, a wrong
// password and a disabled admin with the right password get byte-identical
// answers (status, headers, body).
func TestUnknownEmailAndWrongPasswordAlike(t *testing.T) {
	f := newFixture(t)
	if err := f.env.Deps.Store.SetAdminStatus(f.env.Ctx, "acme-helpdesk", domain.AdminDisabled); err != nil {
		t.Fatal(err)
	}
	attempt := func(email, password string) *apptest.Response {
		return f.call(http.MethodPost, "/v1/login", map[string]string{"email": email, "password": password}, "")
	}
	unknown := attempt("nobody@acme.example", demo.Password)
	wrong := attempt(owner, "not-the-password")
	disabled := attempt(helpdesk, demo.Password)
	failCode(t, unknown, domain.CodeNotAuthenticated)
	for name, r := range map[string]*apptest.Response{"wrong password": wrong, "disabled admin": disabled} {
		if r.Status != unknown.Status || r.Body != unknown.Body || !headersEqual(r.Headers, unknown.Headers) {
			t.Errorf("%s: %d %v %s\nunknown email: %d %v %s", name, r.Status, r.Headers, r.Body, unknown.Status, unknown.Headers, unknown.Body)
		}
	}
	if a := f.admin(owner); a.FailedAttempts != 0 || a.Status != domain.AdminActive {
		t.Fatalf("a wrong password changed the admin: %+v", a)
	}
}

func headersEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestLockedAdminLearnsOnlyWithPassword: a locked admin is told so only
// after the right password; a wrong one looks like any other.
func TestLockedAdminLearnsOnlyWithPassword(t *testing.T) {
	f := newFixture(t)
	if err := f.env.Deps.Store.SetAdminStatus(f.env.Ctx, "acme-owner", domain.AdminLocked); err != nil {
		t.Fatal(err)
	}
	unknown := f.call(http.MethodPost, "/v1/login", map[string]string{"email": "nobody@acme.example", "password": "x"}, "")
	wrong := f.call(http.MethodPost, "/v1/login", map[string]string{"email": owner, "password": "x"}, "")
	if wrong.Body != unknown.Body {
		t.Fatalf("wrong password of a locked admin: %s, unknown email: %s", wrong.Body, unknown.Body)
	}
	failCode(t, f.call(http.MethodPost, "/v1/login", map[string]string{"email": owner, "password": demo.Password}, ""), domain.CodeLocked)
}

// TestOneSessionFromConcurrentVerifies sends the right passcode 20 times
// at once: exactly one session, and the admin is not locked by the burst.
func TestOneSessionFromConcurrentVerifies(t *testing.T) {
	f := newFixture(t)
	tx := f.login(owner)
	f.factor(tx.TxID, domain.FactorSMS)
	code := f.passcode(ownerPhone, smsvoicelocal.KindSMS)
	const n = 20
	var wg sync.WaitGroup
	resps := make([]*apptest.Response, n)
	for i := range n {
		wg.Go(func() { resps[i] = f.verify(tx.TxID, code) })
	}
	wg.Wait()
	ok := 0
	for _, r := range resps {
		switch r.Status {
		case http.StatusOK:
			ok++
		case http.StatusConflict, http.StatusUnauthorized:
		default:
			t.Errorf("unexpected answer %d %s", r.Status, r.Body)
		}
	}
	if ok != 1 {
		t.Fatalf("%d verifies succeeded, want 1", ok)
	}
	if got := f.countSessions(); got != 1 {
		t.Fatalf("%d sessions stored, want 1", got)
	}
	if a := f.admin(owner); a.Status != domain.AdminActive || a.FailedAttempts != 0 {
		t.Fatalf("admin after the burst: %s, %d failures", a.Status, a.FailedAttempts)
	}
}

// countSessions counts session items in the table.
func (f *fixture) countSessions() int {
	f.t.Helper()
	out, err := f.env.AWS.DynamoDB.Scan(context.Background(), &dynamodb.ScanInput{
		TableName: aws.String(f.env.Deps.Config.TableName), FilterExpression: aws.String("#t = :s"),
		ExpressionAttributeNames:  map[string]string{"#t": "type"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":s": &types.AttributeValueMemberS{Value: "session"}},
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return len(out.Items)
}

// TestNoSecretsInLogsOrAudit runs every flow, success and failure, and then
// looks for each password, passcode, verification code, session token and
// txid in the handlers' logs and in the administrator log.
func TestNoSecretsInLogsOrAudit(t *testing.T) {
	f := newFixture(t)
	secrets := []string{demo.Password, "not-the-password"}
	f.activate(owner, rfcKey)

	f.call(http.MethodPost, "/v1/login", map[string]string{"email": owner, "password": "not-the-password"}, "")
	f.call(http.MethodPost, "/v1/login", map[string]string{"email": "nobody@acme.example", "password": "not-the-password"}, "")

	// SMS with a wrong try, then a phone callback.
	tx := f.login(owner)
	f.factor(tx.TxID, domain.FactorSMS)
	sms := f.passcode(ownerPhone, smsvoicelocal.KindSMS)
	f.verify(tx.TxID, wrongPasscode(sms))
	f.factor(tx.TxID, domain.FactorPhone)
	voice := f.passcode(ownerPhone, smsvoicelocal.KindVoice)
	var auth login.Authenticated
	f.verify(tx.TxID, voice).OK(t, &auth)
	secrets = append(secrets, tx.TxID, tx.LoginSecret, sms, voice, auth.SessionToken, wrongPasscode(sms))
	f.call(http.MethodGet, "/v1/session", nil, auth.SessionToken).OK(t, nil)
	f.call(http.MethodDelete, "/v1/session", nil, auth.SessionToken).OK(t, nil)

	// Duo Mobile passcode, a wrong one then the right one.
	tx = f.login(owner)
	wrongHOTP := hotp.Code([]byte(rfcKey), 50, 6)
	f.verify(tx.TxID, wrongHOTP)
	f.verify(tx.TxID, "755224").OK(t, &auth)
	secrets = append(secrets, tx.TxID, tx.LoginSecret, wrongHOTP, "755224", auth.SessionToken)

	// Push with verification code.
	tx = f.login(owner)
	d := f.factor(tx.TxID, domain.FactorPush)
	f.answer(tx.TxID, domain.LoginApproved)
	st := f.pushStatus(tx.TxID)
	secrets = append(secrets, tx.TxID, tx.LoginSecret, d.VerificationCode, st.SessionToken)

	// Switch accounts (refused) and a send while SMS is down.
	token := f.smsLogin(msp, "+15555550200")
	f.call(http.MethodPut, "/v1/session/account", map[string]string{"account_id": "acme"}, token)
	secrets = append(secrets, token)
	// A step-up of that session, a wrong passcode then the right one.
	up := f.stepUp(token)
	f.factor(up.TxID, domain.FactorSMS)
	stepUpCode := f.passcode("+15555550200", smsvoicelocal.KindSMS)
	f.verify(up.TxID, wrongPasscode(stepUpCode))
	f.verify(up.TxID, stepUpCode).OK(t, nil)
	secrets = append(secrets, up.TxID, up.LoginSecret, stepUpCode, wrongPasscode(stepUpCode))
	tx = f.login(owner)
	f.env.SMS.SetFailure(true)
	f.call(http.MethodPost, "/v1/login/"+tx.TxID+"/factor", map[string]string{"factor": "sms"}, "")
	f.env.SMS.SetFailure(false)
	secrets = append(secrets, tx.TxID, tx.LoginSecret)

	logs := f.env.Logs.String()
	if !strings.Contains(logs, `"route":"POST /v1/login/{txid}/verify"`) {
		t.Fatalf("the logs do not show the requests: %.500s", logs)
	}
	var audit strings.Builder
	for _, account := range []string{"acme", "umbrella"} {
		events, _, err := f.env.Deps.Store.ListAudit(f.env.Ctx, account, domain.AuditFilter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(events)
		audit.Write(b)
	}
	for _, s := range secrets {
		if s == "" {
			t.Fatal("a secret of the flow is empty")
		}
		if len(s) < 6 {
			// A 3-digit verification code turns up inside random ids by
			// chance; look for it as a value of its own.
			s = `"` + s + `"`
		}
		if strings.Contains(logs, s) {
			t.Errorf("logs contain the secret %q", s)
		}
		if strings.Contains(audit.String(), s) {
			t.Errorf("the administrator log contains the secret %q", s)
		}
	}
}
