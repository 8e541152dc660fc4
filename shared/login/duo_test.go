//go:build !fuzz

package login_test

import (
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"push-reactivation/infra/smsvoicelocal"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/hotp"
	"push-reactivation/shared/login"
	"push-reactivation/shared/secret"
)

// TestDuoMobilePasscode checks the HOTP factor end to end with the RFC 4226
// Appendix D values as passcodes: no factor step, counter advanced, reuse
// rejected, look-ahead of 10.
func TestDuoMobilePasscode(t *testing.T) {
	f := newFixture(t)
	cred := f.activate(owner, rfcKey)

	tx := f.login(owner)
	wantFactors := []domain.Factor{domain.FactorPush, domain.FactorSMS, domain.FactorPhone, domain.FactorPasscode}
	var got []domain.Factor
	for _, o := range tx.Factors {
		got = append(got, o.Factor)
	}
	if !slices.Equal(got, wantFactors) || tx.Factors[0].Label != "Duo Push to Pixel 9" || tx.Factors[3].Label != "Duo Mobile passcode" {
		t.Fatalf("factors %+v", tx.Factors)
	}
	// RFC 4226 Appendix D, counter 0.
	var auth login.Authenticated
	f.verify(tx.TxID, "755224").OK(t, &auth)
	var info login.SessionInfo
	f.call(http.MethodGet, "/v1/session", nil, auth.SessionToken).OK(t, &info)
	if info.Factor != domain.FactorPasscode {
		t.Fatalf("session factor %s", info.Factor)
	}
	counter := func() uint64 {
		c, err := f.env.Deps.Store.GetCredential(f.env.Ctx, cred.ID)
		if err != nil {
			t.Fatal(err)
		}
		return c.HOTPCounter
	}
	if c := counter(); c != 1 {
		t.Fatalf("counter %d after counter 0 was used, want 1", c)
	}

	tx = f.login(owner)
	// Reused: refused, but not counted, since it guesses nothing (lockout.go).
	if fe := failCode(t, f.verify(tx.TxID, "755224"), domain.CodeNotAuthenticated); !strings.Contains(fe.MessageDetail, "already used") {
		t.Fatalf("reused passcode: %+v", fe)
	}
	// The window is counters 1…10: 11 is too far ahead, 10 is not.
	failCode(t, f.verify(tx.TxID, hotp.Code([]byte(rfcKey), 11, 6)), domain.CodeNotAuthenticated)
	if a := f.admin(owner); a.FailedAttempts != 1 || a.AttemptsReserved != 1 {
		t.Fatalf("failure count %d (%d reserved), want 1", a.FailedAttempts, a.AttemptsReserved)
	}
	f.verify(tx.TxID, hotp.Code([]byte(rfcKey), 10, 6)).OK(t, nil)
	if c := counter(); c != 11 {
		t.Fatalf("counter %d, want 11", c)
	}
	if n := f.admin(owner).FailedAttempts; n != 0 {
		t.Fatalf("failure count %d after success", n)
	}
	tx = f.login(owner)
	failCode(t, f.verify(tx.TxID, "520489"), domain.CodeNotAuthenticated) // RFC counter 9, now behind
}

// TestDuoMobilePasscodeConcurrentReuse sends one passcode in several logins
// at the same moment: it is accepted once.
func TestDuoMobilePasscodeConcurrentReuse(t *testing.T) {
	f := newFixture(t)
	f.activate(owner, rfcKey)
	const n = 5
	txids := make([]string, n)
	for i := range txids {
		txids[i] = f.login(owner).TxID
	}
	var wg sync.WaitGroup
	status := make([]int, n)
	for i := range n {
		wg.Go(func() { status[i] = f.verify(txids[i], "287082").Status }) // RFC counter 1, in the window 0…9
	}
	wg.Wait()
	ok := 0
	for _, s := range status {
		if s == http.StatusOK {
			ok++
		}
	}
	if ok != 1 {
		t.Fatalf("statuses %v: want exactly one 200", status)
	}
}

// pushItem finds the login item that a phone would list for credential:
// GSI1PK "CRED#<pkey>#PUSH", GSI1SK "PUSH#<push id>" (the device API's
// query, issue #5).
func (f *fixture) pushItem(credentialID string) domain.LoginTx {
	f.t.Helper()
	res, err := f.env.AWS.DynamoDB.Query(f.env.Ctx, &dynamodb.QueryInput{
		TableName: aws.String(f.env.Deps.Config.TableName), IndexName: aws.String("GSI1"),
		KeyConditionExpression: aws.String("GSI1PK = :pk AND begins_with(GSI1SK, :push)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk":   &types.AttributeValueMemberS{Value: "CRED#" + credentialID + "#PUSH"},
			":push": &types.AttributeValueMemberS{Value: "PUSH#"},
		},
	})
	if err != nil || len(res.Items) != 1 {
		f.t.Fatalf("push index: %d items, %v", len(res.Items), err)
	}
	var tx domain.LoginTx
	if err := attributevalue.UnmarshalMap(res.Items[0], &tx); err != nil {
		f.t.Fatal(err)
	}
	if sk := res.Items[0]["GSI1SK"].(*types.AttributeValueMemberS).Value; sk != "PUSH#"+tx.PushID {
		f.t.Fatalf("GSI1SK %q for push %q", sk, tx.PushID)
	}
	return tx
}

// answer stands in for the phone (issue #5): pending → approved or denied.
func (f *fixture) answer(txid string, status domain.LoginStatus) {
	f.t.Helper()
	_, err := f.env.AWS.DynamoDB.UpdateItem(f.env.Ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(f.env.Deps.Config.TableName),
		Key: map[string]types.AttributeValue{
			"PK": &types.AttributeValueMemberS{Value: "LOGIN#" + txid}, "SK": &types.AttributeValueMemberS{Value: "#LOGIN"},
		},
		UpdateExpression:         aws.String("SET #s = :new"),
		ConditionExpression:      aws.String("#s = :pending"),
		ExpressionAttributeNames: map[string]string{"#s": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":new": &types.AttributeValueMemberS{Value: string(status)}, ":pending": &types.AttributeValueMemberS{Value: "pending"},
		},
	})
	if err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) pushStatus(txid string) login.PushStatus {
	f.t.Helper()
	var st login.PushStatus
	f.call(http.MethodGet, "/v1/login/"+txid, nil, "").OK(f.t, &st)
	return st
}

func TestPushApproved(t *testing.T) {
	f := newFixture(t)
	cred := f.activate(owner, rfcKey)
	tx := f.login(owner)
	d := f.factor(tx.TxID, domain.FactorPush)
	if d.Factor != domain.FactorPush || len(d.VerificationCode) != domain.DefaultVerifiedPushLength ||
		!d.ExpiresAt.Equal(f.env.Clock.Now().Add(domain.PushValidity)) {
		t.Fatalf("push answer %+v", d)
	}
	item := f.pushItem(cred.ID)
	if item.ID != tx.TxID || item.Status != domain.LoginPending || item.CredentialID != cred.ID || item.PushID == "" ||
		!f.env.Deps.Config.Codes.Matches(secret.PushVerificationCode, d.VerificationCode, item.VerificationCodeHash) ||
		item.VerificationCodeLength != domain.DefaultVerifiedPushLength || item.IP != "203.0.113.7" {
		t.Fatalf("push item %+v", item)
	}
	if st := f.pushStatus(tx.TxID); st.Status != "pending" || st.SessionToken != "" {
		t.Fatalf("before the answer: %+v", st)
	}

	f.answer(tx.TxID, domain.LoginApproved)
	st := f.pushStatus(tx.TxID)
	if st.Status != "approved" || st.SessionToken == "" || st.Admin == nil || st.Admin.Email != owner {
		t.Fatalf("first poll after approval: %+v", st)
	}
	// The token is handed out once.
	if again := f.pushStatus(tx.TxID); again.Status != "approved" || again.SessionToken != "" {
		t.Fatalf("second poll: %+v", again)
	}
	var info login.SessionInfo
	f.call(http.MethodGet, "/v1/session", nil, st.SessionToken).OK(t, &info)
	if info.Factor != domain.FactorPush {
		t.Fatalf("session factor %s", info.Factor)
	}
	failCode(t, f.verify(tx.TxID, "1234567"), domain.CodeConflict)
	if actions := f.auditActions("acme"); !slices.Contains(actions, "login.push:success") {
		t.Errorf("audit log %v lacks the push login", actions)
	}
}

func TestPushApprovedPickedUpOnceUnderConcurrency(t *testing.T) {
	f := newFixture(t)
	f.activate(owner, rfcKey)
	tx := f.login(owner)
	f.factor(tx.TxID, domain.FactorPush)
	f.answer(tx.TxID, domain.LoginApproved)
	const n = 10
	var wg sync.WaitGroup
	tokens := make([]string, n)
	for i := range n {
		wg.Go(func() { tokens[i] = f.pushStatus(tx.TxID).SessionToken })
	}
	wg.Wait()
	got := 0
	for _, tok := range tokens {
		if tok != "" {
			got++
		}
	}
	if got != 1 {
		t.Fatalf("%d polls got a token, want 1", got)
	}
}

func TestPushDeniedAndExpired(t *testing.T) {
	f := newFixture(t)
	f.activate(owner, rfcKey)

	tx := f.login(owner)
	f.factor(tx.TxID, domain.FactorPush)
	f.answer(tx.TxID, domain.LoginDenied)
	if st := f.pushStatus(tx.TxID); st.Status != "denied" || st.SessionToken != "" {
		t.Fatalf("denied push: %+v", st)
	}
	failCode(t, f.call(http.MethodPost, "/v1/login/"+tx.TxID+"/factor", map[string]string{"factor": "sms"}, ""), domain.CodeConflict)

	tx = f.login(owner)
	f.factor(tx.TxID, domain.FactorPush)
	f.env.Clock.Advance(domain.PushValidity)
	if st := f.pushStatus(tx.TxID); st.Status != "expired" {
		t.Fatalf("lapsed push: %+v", st)
	}
	// The login outlives its push: push again, up to 3 pushes.
	f.factor(tx.TxID, domain.FactorPush)
	f.factor(tx.TxID, domain.FactorPush)
	resp := f.call(http.MethodPost, "/v1/login/"+tx.TxID+"/factor", map[string]string{"factor": "push"}, "")
	failCode(t, resp, domain.CodeRateLimited)
	if resp.Headers["Retry-After"] == "" {
		t.Fatal("no Retry-After")
	}
}

func TestVerifiedPushOff(t *testing.T) {
	f := newFixture(t)
	cred := f.activate(owner, rfcKey)
	acme, _ := f.env.Deps.Store.GetAccount(f.env.Ctx, "acme")
	acme.Policy.VerifiedPushLength = 0
	if err := f.env.Deps.Store.PutAccount(f.env.Ctx, *acme); err != nil {
		t.Fatal(err)
	}
	tx := f.login(owner)
	if d := f.factor(tx.TxID, domain.FactorPush); d.VerificationCode != "" {
		t.Fatalf("verification code %q with verified push off", d.VerificationCode)
	}
	if item := f.pushItem(cred.ID); item.VerificationCodeHash != "" {
		t.Fatalf("verification code hash stored with verified push off")
	}
}

// TestPasscodeStillWorksAfterPush: an admin who asked for an SMS and then
// for a push may still type the SMS passcode.
func TestPasscodeStillWorksAfterPush(t *testing.T) {
	f := newFixture(t)
	cred := f.activate(owner, rfcKey)
	tx := f.login(owner)
	f.factor(tx.TxID, domain.FactorSMS)
	f.factor(tx.TxID, domain.FactorPush)
	var auth login.Authenticated
	f.verify(tx.TxID, f.passcode(ownerPhone, smsvoicelocal.KindSMS)).OK(t, &auth)
	var info login.SessionInfo
	f.call(http.MethodGet, "/v1/session", nil, auth.SessionToken).OK(t, &info)
	if info.Factor != domain.FactorSMS {
		t.Fatalf("session factor %s, want sms", info.Factor)
	}
	// The push is spent with the login: the phone can no longer approve it.
	if item := f.pushItemsPending(cred.ID); item != 0 {
		t.Fatalf("%d pending pushes left for the phone", item)
	}
	if st := f.pushStatus(tx.TxID); st.Status != "approved" || st.SessionToken != "" {
		t.Fatalf("status after a passcode login: %+v", st)
	}
}

// pushItemsPending counts the pending logins under the credential's push
// partition, as the phone's list would show them.
func (f *fixture) pushItemsPending(credentialID string) int {
	f.t.Helper()
	res, err := f.env.AWS.DynamoDB.Query(f.env.Ctx, &dynamodb.QueryInput{
		TableName: aws.String(f.env.Deps.Config.TableName), IndexName: aws.String("GSI1"),
		KeyConditionExpression:   aws.String("GSI1PK = :pk"),
		FilterExpression:         aws.String("#s = :pending"),
		ExpressionAttributeNames: map[string]string{"#s": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": &types.AttributeValueMemberS{Value: "CRED#" + credentialID + "#PUSH"}, ":pending": &types.AttributeValueMemberS{Value: "pending"},
		},
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return len(res.Items)
}
