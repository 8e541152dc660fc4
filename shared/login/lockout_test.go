//go:build !fuzz

package login_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"

	"push-reactivation/infra/smsvoicelocal"
	"push-reactivation/internal/testenv/apptest"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/hotp"
)

// wrongHOTP is a 6-digit passcode that is no Duo Mobile passcode of the
// rfcKey credential in the window of counter 0, nor the one before it.
func wrongHOTP(t *testing.T, i int) string {
	t.Helper()
	for c := uint64(1000 + i*37); ; c++ {
		code := hotp.Code([]byte(rfcKey), c, domain.HOTPDigits)
		if _, hit := hotp.Verify([]byte(rfcKey), 0, domain.HOTPLookAhead+1, code); !hit {
			return code
		}
	}
}

// TestLockoutHoldsUnderConcurrentGuesses (issue 11 §2): 10 login
// transactions, 50 wrong guesses at once spread over them, for SMS
// passcodes, Duo Mobile passcodes and a mix of both. At most
// LockoutThreshold passcodes are compared before the lock: at most 10
// "wrong passcode" answers, every other answer 423 (locked) or 429 (other
// attempts in flight), the SMS passcodes' tries taken sum to at most 10,
// and the admin ends locked with exactly 10 counted failures.
func TestLockoutHoldsUnderConcurrentGuesses(t *testing.T) {
	for _, mix := range []string{"sms", "duo", "mixed"} {
		t.Run(mix, func(t *testing.T) {
			f := newFixture(t)
			f.activate(owner, rfcKey)
			const logins, guesses = 10, 50
			txids := make([]string, logins)
			codes := make([]string, logins) // the SMS passcode of each login, or ""
			for i := range txids {
				txids[i] = f.login(owner).TxID
				if mix == "sms" || (mix == "mixed" && i%2 == 0) {
					f.factor(txids[i], domain.FactorSMS)
					codes[i] = f.passcode(ownerPhone, smsvoicelocal.KindSMS)
				}
			}
			resps := make([]*apptest.Response, guesses)
			var wg sync.WaitGroup
			for g := range guesses {
				wg.Go(func() {
					i := g % logins
					guess := wrongHOTP(t, g)
					if codes[i] != "" {
						guess = wrongPasscode(codes[i])
					}
					resps[g] = f.verify(txids[i], guess)
				})
			}
			wg.Wait()

			wrong := 0
			for _, r := range resps {
				switch {
				case r.Status == http.StatusUnauthorized && strings.Contains(r.Body, "wrong passcode"):
					wrong++
				case r.Status == http.StatusLocked, r.Status == http.StatusTooManyRequests:
				default:
					t.Errorf("unexpected answer %d %s", r.Status, r.Body)
				}
			}
			tries := 0
			for _, txid := range txids {
				tx, err := f.env.Deps.Store.GetLogin(f.env.Ctx, txid)
				if err != nil {
					t.Fatal(err)
				}
				tries += tx.PasscodeTries
			}
			a := f.admin(owner)
			t.Logf("%s: %d wrong-passcode answers, %d SMS tries taken, %d failures counted", mix, wrong, tries, a.FailedAttempts)
			if wrong > domain.LockoutThreshold || tries > domain.LockoutThreshold {
				t.Errorf("%d passcodes compared (%d SMS tries), at most %d may be", wrong, tries, domain.LockoutThreshold)
			}
			if a.Status != domain.AdminLocked || a.FailedAttempts != domain.LockoutThreshold {
				t.Errorf("admin after the burst: %s with %d failures, want locked with %d", a.Status, a.FailedAttempts, domain.LockoutThreshold)
			}
		})
	}
}

// TestOnePasscodeUsedTwentyTimesAtOnce (issue 11 §2): one valid Duo Mobile
// passcode sent 20 times at once, in one login and in 20 logins, logs in
// exactly once; the other uses are replays, which neither count as failures
// nor lock the admin, so the session issued keeps working.
func TestOnePasscodeUsedTwentyTimesAtOnce(t *testing.T) {
	for _, logins := range []int{1, 20} {
		t.Run(map[int]string{1: "one login", 20: "twenty logins"}[logins], func(t *testing.T) {
			f := newFixture(t)
			f.activate(owner, rfcKey)
			const uses = 20
			txids := make([]string, logins)
			for i := range txids {
				txids[i] = f.login(owner).TxID
			}
			resps := make([]*apptest.Response, uses)
			var wg sync.WaitGroup
			for u := range uses {
				wg.Go(func() { resps[u] = f.verify(txids[u%logins], "755224") }) // RFC 4226 counter 0
			}
			wg.Wait()
			var token string
			for _, r := range resps {
				switch r.Status {
				case http.StatusOK:
					if token != "" {
						t.Fatalf("a second session from one passcode: %s", r.Body)
					}
					var auth struct {
						SessionToken string `json:"session_token"`
					}
					r.OK(t, &auth)
					token = auth.SessionToken
				case http.StatusUnauthorized, http.StatusConflict, http.StatusTooManyRequests:
					if strings.Contains(r.Body, "wrong passcode") {
						t.Errorf("a replay was answered as a wrong guess: %s", r.Body)
					}
				default:
					t.Errorf("unexpected answer %d %s", r.Status, r.Body)
				}
			}
			if token == "" {
				t.Fatal("no use of the passcode logged in")
			}
			if got := f.countSessions(); got != 1 {
				t.Fatalf("%d sessions stored, want 1", got)
			}
			if a := f.admin(owner); a.Status != domain.AdminActive || a.FailedAttempts != 0 {
				t.Fatalf("admin after the replays: %s with %d failures", a.Status, a.FailedAttempts)
			}
			f.call(http.MethodGet, "/v1/session", nil, token).OK(t, nil)
		})
	}
}
