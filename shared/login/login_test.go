//go:build !fuzz

package login_test

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"push-reactivation/infra/smsvoicelocal"
	"push-reactivation/internal/testenv/apptest"
	"push-reactivation/shared/demo"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/login"
)

func TestPasswordAndSMS(t *testing.T) {
	f := newFixture(t)
	tx := f.login(owner)
	if len(tx.TxID) != 32 || !tx.ExpiresAt.Equal(f.env.Clock.Now().Add(domain.LoginTransactionValidity)) {
		t.Fatalf("login answer %+v", tx)
	}
	// No push credential yet: only the phone factors.
	want := []login.FactorOption{
		{Factor: domain.FactorSMS, Label: "SMS passcode to +*******0100"},
		{Factor: domain.FactorPhone, Label: "Phone call to +*******0100"},
	}
	if !slices.Equal(tx.Factors, want) {
		t.Fatalf("factors %+v, want %+v", tx.Factors, want)
	}

	d := f.factor(tx.TxID, domain.FactorSMS)
	if d.Factor != domain.FactorSMS || d.Status != domain.LoginPending || !d.ExpiresAt.Equal(f.env.Clock.Now().Add(domain.PasscodeValidity)) {
		t.Fatalf("factor answer %+v", d)
	}
	msg := f.lastMessage(ownerPhone, smsvoicelocal.KindSMS)
	if msg.OriginationIdentity != "+15555550000" || msg.MessageType != "TRANSACTIONAL" {
		t.Errorf("message sent as %+v", msg)
	}
	var auth login.Authenticated
	f.verify(tx.TxID, f.passcode(ownerPhone, smsvoicelocal.KindSMS)).OK(t, &auth)
	if auth.SessionToken == "" || auth.Admin.Email != owner || auth.Admin.AccountID != "acme" || auth.Admin.Role != domain.RoleOwner {
		t.Fatalf("verify answer %+v", auth)
	}
	if !auth.ExpiresAt.Equal(f.env.Clock.Now().Add(domain.SessionIdleTimeout)) {
		t.Errorf("session expires_at %s", auth.ExpiresAt)
	}

	var info login.SessionInfo
	f.call(http.MethodGet, "/v1/session", nil, auth.SessionToken).OK(t, &info)
	if info.Admin.AdminID != "acme-owner" || info.Factor != domain.FactorSMS || info.HomeAccount != "acme" || info.ActingAccount != "acme" {
		t.Fatalf("session %+v", info)
	}
	// The transaction is spent.
	failCode(t, f.verify(tx.TxID, f.passcode(ownerPhone, smsvoicelocal.KindSMS)), domain.CodeConflict)

	actions := f.auditActions("acme")
	for _, a := range []string{"login.password:success", "login.factor:success", "login.verify:success"} {
		if !slices.Contains(actions, a) {
			t.Errorf("audit log %v lacks %s", actions, a)
		}
	}
}

func TestPasswordAndPhoneCallback(t *testing.T) {
	f := newFixture(t)
	tx := f.login(owner)
	f.factor(tx.TxID, domain.FactorPhone)
	msg := f.lastMessage(ownerPhone, smsvoicelocal.KindVoice)
	if msg.BodyTextType != "SSML" || !strings.HasPrefix(msg.Body, "<speak>") || !strings.Contains(msg.Body, `interpret-as="digits"`) {
		t.Fatalf("voice message %+v", msg)
	}
	code := f.passcode(ownerPhone, smsvoicelocal.KindVoice)
	var auth login.Authenticated
	f.verify(tx.TxID, code).OK(t, &auth)
	var info login.SessionInfo
	f.call(http.MethodGet, "/v1/session", nil, auth.SessionToken).OK(t, &info)
	if info.Factor != domain.FactorPhone {
		t.Fatalf("session factor %s, want phone", info.Factor)
	}
}

func TestFiveWrongTriesSpendAPasscode(t *testing.T) {
	f := newFixture(t)
	tx := f.login(owner)
	f.factor(tx.TxID, domain.FactorSMS)
	right := f.passcode(ownerPhone, smsvoicelocal.KindSMS)
	for i := 1; i <= domain.MaxPasscodeTries; i++ {
		fe := failCode(t, f.verify(tx.TxID, wrongPasscode(right)), domain.CodeNotAuthenticated)
		if !strings.HasPrefix(fe.MessageDetail, "wrong passcode") {
			t.Fatalf("try %d: %+v", i, fe)
		}
		if n := f.admin(owner).FailedAttempts; n != i {
			t.Fatalf("after %d wrong tries the failure count is %d", i, n)
		}
	}
	// Spent: even the right passcode fails now, and that refusal compares
	// nothing, so it is not counted.
	fe := failCode(t, f.verify(tx.TxID, right), domain.CodeNotAuthenticated)
	if !strings.Contains(fe.MessageDetail, "request a new one") {
		t.Fatalf("spent passcode: %+v", fe)
	}
	if n := f.admin(owner).FailedAttempts; n != domain.MaxPasscodeTries {
		t.Fatalf("failure count %d after a spent-passcode refusal", n)
	}
	// A new passcode works, and the success resets the count.
	f.factor(tx.TxID, domain.FactorSMS)
	f.verify(tx.TxID, f.passcode(ownerPhone, smsvoicelocal.KindSMS)).OK(t, nil)
	if n := f.admin(owner).FailedAttempts; n != 0 {
		t.Fatalf("failure count %d after success", n)
	}
}

func TestTenConsecutiveFailuresLock(t *testing.T) {
	f := newFixture(t)
	tx := f.login(owner)
	var right string
	for i := 1; i <= domain.LockoutThreshold; i++ {
		if (i-1)%domain.MaxPasscodeTries == 0 {
			f.factor(tx.TxID, domain.FactorSMS)
			right = f.passcode(ownerPhone, smsvoicelocal.KindSMS)
		}
		resp := f.verify(tx.TxID, wrongPasscode(right))
		if i < domain.LockoutThreshold {
			failCode(t, resp, domain.CodeNotAuthenticated)
			continue
		}
		failCode(t, resp, domain.CodeLocked)
	}
	if a := f.admin(owner); a.Status != domain.AdminLocked || a.FailedAttempts != domain.LockoutThreshold {
		t.Fatalf("admin after 10 failures: %s, %d", a.Status, a.FailedAttempts)
	}
	// The lock survives a right passcode, a new factor and a new login.
	failCode(t, f.verify(tx.TxID, right), domain.CodeLocked)
	failCode(t, f.call(http.MethodPost, "/v1/login/"+tx.TxID+"/factor", map[string]string{"factor": "sms"}, ""), domain.CodeLocked)
	failCode(t, f.call(http.MethodPost, "/v1/login", map[string]string{"email": owner, "password": demo.Password}, ""), domain.CodeLocked)
	if a := f.admin(owner); a.Status != domain.AdminLocked {
		t.Fatalf("status %s", a.Status)
	}
	if actions := f.auditActions("acme"); !slices.Contains(actions, "login.locked:failure") {
		t.Errorf("audit log %v lacks the lockout", actions)
	}
}

func TestResendReplacesPasscodeKeepsFailures(t *testing.T) {
	f := newFixture(t)
	tx := f.login(owner)
	f.factor(tx.TxID, domain.FactorSMS)
	first := f.passcode(ownerPhone, smsvoicelocal.KindSMS)
	failCode(t, f.verify(tx.TxID, wrongPasscode(first)), domain.CodeNotAuthenticated)
	failCode(t, f.verify(tx.TxID, wrongPasscode(first)), domain.CodeNotAuthenticated)

	// Resend, this time as a call.
	f.factor(tx.TxID, domain.FactorPhone)
	second := f.passcode(ownerPhone, smsvoicelocal.KindVoice)
	if n := f.admin(owner).FailedAttempts; n != 2 {
		t.Fatalf("failure count %d after a resend, want 2 (kept)", n)
	}
	if first != second {
		failCode(t, f.verify(tx.TxID, first), domain.CodeNotAuthenticated)
		if n := f.admin(owner).FailedAttempts; n != 3 {
			t.Fatalf("the replaced passcode was not counted as wrong: %d", n)
		}
	}
	f.verify(tx.TxID, second).OK(t, nil)
}

func TestPasscodeExpiresAfterFiveMinutes(t *testing.T) {
	f := newFixture(t)
	tx := f.login(owner)
	f.factor(tx.TxID, domain.FactorSMS)
	code := f.passcode(ownerPhone, smsvoicelocal.KindSMS)
	f.env.Clock.Advance(domain.PasscodeValidity)
	fe := failCode(t, f.verify(tx.TxID, code), domain.CodeExpired)
	if !strings.Contains(fe.MessageDetail, "passcode") {
		t.Fatalf("expired passcode: %+v", fe)
	}
	// The login lives 10 minutes: a new passcode still works within it.
	f.factor(tx.TxID, domain.FactorSMS)
	f.env.Clock.Advance(4*time.Minute + 59*time.Second)
	f.verify(tx.TxID, f.passcode(ownerPhone, smsvoicelocal.KindSMS)).OK(t, nil)
}

func TestExpiredLoginTransaction(t *testing.T) {
	f := newFixture(t)
	tx := f.login(owner)
	f.factor(tx.TxID, domain.FactorSMS)
	code := f.passcode(ownerPhone, smsvoicelocal.KindSMS)
	f.env.Clock.Advance(domain.LoginTransactionValidity)
	failCode(t, f.verify(tx.TxID, code), domain.CodeExpired)
	failCode(t, f.call(http.MethodPost, "/v1/login/"+tx.TxID+"/factor", map[string]string{"factor": "sms"}, ""), domain.CodeExpired)
	var st login.PushStatus
	f.call(http.MethodGet, "/v1/login/"+tx.TxID, nil, "").OK(t, &st)
	if st.Status != "expired" {
		t.Fatalf("status %q", st.Status)
	}
	if n := f.admin(owner).FailedAttempts; n != 0 {
		t.Fatalf("an expired login counted %d failures", n)
	}
}

func TestSendLimits(t *testing.T) {
	f := newFixture(t)
	sends := 0
	send := func(txid string) *apptest.Response {
		resp := f.call(http.MethodPost, "/v1/login/"+txid+"/factor", map[string]string{"factor": "sms"}, "")
		if resp.Status == http.StatusOK {
			sends++
		}
		return resp
	}
	// 3 per login transaction.
	tx := f.login(owner)
	for range domain.MaxSendsPerLogin {
		send(tx.TxID).OK(t, nil)
	}
	f.env.Clock.Advance(time.Minute)
	resp := send(tx.TxID)
	failCode(t, resp, domain.CodeRateLimited)
	if got := resp.Headers["Retry-After"]; got != strconv.Itoa(int((domain.LoginTransactionValidity - time.Minute).Seconds())) {
		t.Fatalf("Retry-After %q for the login limit", got)
	}
	// 10 per admin per hour, across logins.
	for sends < domain.MaxSendsPerAdminHour {
		tx = f.login(owner)
		for i := 0; i < domain.MaxSendsPerLogin && sends < domain.MaxSendsPerAdminHour; i++ {
			send(tx.TxID).OK(t, nil)
		}
	}
	if tx.TxID == "" {
		t.Fatal("no login")
	}
	tx = f.login(owner)
	resp = send(tx.TxID)
	failCode(t, resp, domain.CodeRateLimited)
	// The clock started on the hour and moved one minute: 59 minutes left.
	if got := resp.Headers["Retry-After"]; got != "3540" {
		t.Fatalf("Retry-After %q for the hourly limit, want 3540", got)
	}
	if n := len(f.env.SMS.Messages()); n != domain.MaxSendsPerAdminHour {
		t.Fatalf("%d messages sent, want %d", n, domain.MaxSendsPerAdminHour)
	}
	// A refused send changed nothing: the login still has all its sends.
	f.env.Clock.Advance(59 * time.Minute)
	tx = f.login(owner)
	for range domain.MaxSendsPerLogin {
		send(tx.TxID).OK(t, nil)
	}
}

func TestSMSUnavailable(t *testing.T) {
	f := newFixture(t)
	tx := f.login(owner)
	f.env.SMS.SetFailure(true)
	failCode(t, f.call(http.MethodPost, "/v1/login/"+tx.TxID+"/factor", map[string]string{"factor": "sms"}, ""), domain.CodeUnavailable)
	f.env.SMS.SetFailure(false)
	// The failed send was given back: three sends remain.
	for range domain.MaxSendsPerLogin {
		f.factor(tx.TxID, domain.FactorSMS)
	}
	f.verify(tx.TxID, f.passcode(ownerPhone, smsvoicelocal.KindSMS)).OK(t, nil)
}

func TestAccountPolicyLimitsFactors(t *testing.T) {
	f := newFixture(t)
	acme, err := f.env.Deps.Store.GetAccount(f.env.Ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	acme.Policy.AllowedFactors = []domain.Factor{domain.FactorSMS}
	if err := f.env.Deps.Store.PutAccount(f.env.Ctx, *acme); err != nil {
		t.Fatal(err)
	}
	tx := f.login(owner)
	if len(tx.Factors) != 1 || tx.Factors[0].Factor != domain.FactorSMS {
		t.Fatalf("factors %+v, want sms only", tx.Factors)
	}
	failCode(t, f.call(http.MethodPost, "/v1/login/"+tx.TxID+"/factor", map[string]string{"factor": "phone"}, ""), domain.CodeForbidden)
	if n := len(f.env.SMS.Messages()); n != 0 {
		t.Fatalf("%d messages sent for a refused factor", n)
	}
}

func TestBadInputChangesNothing(t *testing.T) {
	f := newFixture(t)
	tx := f.login(owner)
	valid := "/v1/login/" + tx.TxID
	for _, tt := range []struct {
		name   string
		method string
		path   string
		body   string
		code   domain.Code
	}{
		{"login: no body", http.MethodPost, "/v1/login", ``, domain.CodeInvalidParams},
		{"login: unknown field", http.MethodPost, "/v1/login", `{"email":"owner@acme.example","password":"x","otp":1}`, domain.CodeInvalidParams},
		{"login: not an object", http.MethodPost, "/v1/login", `["owner@acme.example"]`, domain.CodeInvalidParams},
		{"login: number as email", http.MethodPost, "/v1/login", `{"email":1,"password":"x"}`, domain.CodeInvalidParams},
		{"factor: malformed txid", http.MethodPost, "/v1/login/XYZ/factor", `{"factor":"sms"}`, domain.CodeInvalidParams},
		{"factor: upper-case txid", http.MethodPost, "/v1/login/" + strings.ToUpper(tx.TxID) + "/factor", `{"factor":"sms"}`, domain.CodeInvalidParams},
		{"factor: unknown factor", http.MethodPost, valid + "/factor", `{"factor":"email"}`, domain.CodeInvalidParams},
		{"factor: passcode needs no factor step", http.MethodPost, valid + "/factor", `{"factor":"passcode"}`, domain.CodeInvalidParams},
		{"factor: trailing data", http.MethodPost, valid + "/factor", `{"factor":"sms"} {}`, domain.CodeInvalidParams},
		{"verify: letters", http.MethodPost, valid + "/verify", `{"passcode":"12a4567"}`, domain.CodeInvalidParams},
		{"verify: 8 digits", http.MethodPost, valid + "/verify", `{"passcode":"12345678"}`, domain.CodeInvalidParams},
		{"verify: empty", http.MethodPost, valid + "/verify", `{}`, domain.CodeInvalidParams},
		{"verify: unknown txid", http.MethodPost, "/v1/login/" + strings.Repeat("0", 32) + "/verify", `{"passcode":"1234567"}`, domain.CodeNotFound},
		{"status: malformed txid", http.MethodGet, "/v1/login/" + tx.TxID + "0", ``, domain.CodeInvalidParams},
		{"status: unknown txid", http.MethodGet, "/v1/login/" + strings.Repeat("a", 32), ``, domain.CodeNotFound},
	} {
		t.Run(tt.name, func(t *testing.T) {
			failCode(t, f.env.Call(f.r, apptest.Request{Method: tt.method, Path: tt.path, Body: tt.body}), tt.code)
		})
	}
	if n := len(f.env.SMS.Messages()); n != 0 {
		t.Fatalf("%d messages sent on bad input", n)
	}
	if a := f.admin(owner); a.FailedAttempts != 0 {
		t.Fatalf("bad input counted %d failures", a.FailedAttempts)
	}
	// The login is untouched and still works.
	f.factor(tx.TxID, domain.FactorSMS)
	f.verify(tx.TxID, f.passcode(ownerPhone, smsvoicelocal.KindSMS)).OK(t, nil)
}
