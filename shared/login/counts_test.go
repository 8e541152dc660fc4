//go:build !fuzz

package login_test

import (
	"net/http"
	"testing"

	"push-reactivation/infra/smsvoicelocal"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/hotp"
	"push-reactivation/shared/login"
)

// TestSendsLeft (DESIGN.md §4.1, counts that help a person): each SMS or
// voice send answers how many more sends are allowed, the smaller of this
// login's 3 and the admin's 10 an hour; each push, the pushes left in the
// login.
func TestSendsLeft(t *testing.T) {
	f := newFixture(t)
	// Sends 1…10 of the hour over four logins of up to 3 sends each.
	want := []int{
		2, 1, 0, // login 1: its own bound (admin: 9, 8, 7 left)
		2, 1, 0, // login 2 (admin: 6, 5, 4)
		2, 1, 0, // login 3 (admin: 3, 2, 1)
		0, // login 4: it has 2 sends left, but the admin's hour has none
	}
	var tx login.Started
	for i, w := range want {
		if i%domain.MaxSendsPerLogin == 0 {
			tx = f.login(owner)
		}
		factor := domain.FactorSMS
		if i%2 == 1 {
			factor = domain.FactorPhone // text and voice share both bounds
		}
		if d := f.factor(tx.TxID, factor); d.SendsLeft != w {
			t.Fatalf("send %d (%s): sends_left %d, want %d", i+1, factor, d.SendsLeft, w)
		}
	}
	failCode(t, f.call(http.MethodPost, "/v1/login/"+tx.TxID+"/factor", map[string]string{"factor": "sms"}, ""), domain.CodeRateLimited)

	// The field is always in the answer, 0 included.
	f.env.Clock.Advance(domain.SessionAbsoluteTimeout)
	tx = f.login(owner)
	resp := f.call(http.MethodPost, "/v1/login/"+tx.TxID+"/factor", map[string]string{"factor": "sms"}, "")
	var raw map[string]any
	resp.OK(t, &raw)
	if v, ok := raw["sends_left"].(float64); !ok || v != 2 {
		t.Fatalf("factor answer %s", resp.Body)
	}

	f.activate(owner, rfcKey)
	tx = f.login(owner)
	for i := range domain.MaxPushesPerLogin {
		if d := f.factor(tx.TxID, domain.FactorPush); d.SendsLeft != domain.MaxPushesPerLogin-1-i {
			t.Fatalf("push %d: sends_left %d", i+1, d.SendsLeft)
		}
	}
}

// TestWrongPasscodeSaysTriesLeft (DESIGN.md §4.1): a wrong passcode is
// 401 40101 whose message_detail gives the tries left under the nearer
// of two bounds, the passcode's 5 tries and the admin's 10 consecutive
// failures before the lock, and says which.
func TestWrongPasscodeSaysTriesLeft(t *testing.T) {
	f := newFixture(t)
	tx := f.login(owner)
	f.factor(tx.TxID, domain.FactorSMS)
	right := f.passcode(ownerPhone, smsvoicelocal.KindSMS)
	wantDetails := []string{
		"wrong passcode: 4 tries left for this passcode",
		"wrong passcode: 3 tries left for this passcode",
		"wrong passcode: 2 tries left for this passcode",
		"wrong passcode: 1 try left for this passcode",
		"wrong passcode: no tries left for this passcode, request a new one",
		// A new passcode has 5 tries, but only 5 failures remain before the
		// lock: from here the lockout is the nearer bound (and wins a tie).
		"wrong passcode: 4 tries left before this administrator is locked out",
		"wrong passcode: 3 tries left before this administrator is locked out",
		"wrong passcode: 2 tries left before this administrator is locked out",
		"wrong passcode: 1 try left before this administrator is locked out",
	}
	for i, want := range wantDetails {
		if i == domain.MaxPasscodeTries {
			f.factor(tx.TxID, domain.FactorSMS)
			right = f.passcode(ownerPhone, smsvoicelocal.KindSMS)
		}
		fe := failCode(t, f.verify(tx.TxID, wrongPasscode(right)), domain.CodeNotAuthenticated)
		if fe.MessageDetail != want {
			t.Fatalf("wrong try %d: %q, want %q", i+1, fe.MessageDetail, want)
		}
	}
	failCode(t, f.verify(tx.TxID, wrongPasscode(right)), domain.CodeLocked)

	// A Duo Mobile passcode has no tries of its own: only the lockout.
	f = newFixture(t)
	f.activate(owner, rfcKey)
	tx = f.login(owner)
	fe := failCode(t, f.verify(tx.TxID, hotp.Code([]byte(rfcKey), 50, 6)), domain.CodeNotAuthenticated)
	if fe.MessageDetail != "wrong passcode: 9 tries left before this administrator is locked out" {
		t.Fatalf("wrong Duo Mobile passcode: %q", fe.MessageDetail)
	}
}
