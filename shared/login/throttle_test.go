//go:build !fuzz

package login_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"push-reactivation/internal/testenv/apptest"
	"push-reactivation/shared/demo"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/login"
)

// Source addresses of the throttle tests: the attacker's, and the real
// user's (a second loopback address, as a person on another machine).
const (
	attackerIP = "198.51.100.9"
	realUserIP = "127.0.0.2"
)

// loginFrom does the password step from the source address ip, as API
// Gateway reports it (requestContext.http.sourceIp).
func (f *fixture) loginFrom(ip, email, password string) *apptest.Response {
	f.t.Helper()
	ev := apptest.Event(apptest.Request{Method: http.MethodPost, Path: "/v1/login",
		JSON: map[string]string{"email": email, "password": password}})
	ev.RequestContext.HTTP.SourceIP = ip
	resp, err := f.r.Handle(f.env.Ctx, ev)
	if err != nil {
		f.t.Fatalf("handler returned an error: %v", err)
	}
	return &apptest.Response{Status: resp.StatusCode, Headers: resp.Headers, Body: resp.Body}
}

// retryAfterSecs is the Retry-After header of a 42901 answer.
func retryAfterSecs(t *testing.T, resp *apptest.Response) int {
	t.Helper()
	failCode(t, resp, domain.CodeRateLimited)
	n, err := strconv.Atoi(resp.Headers["Retry-After"])
	if err != nil || n <= 0 {
		t.Fatalf("Retry-After %q", resp.Headers["Retry-After"])
	}
	return n
}

// TestPasswordThrottlePerEmailAndAddress replays issue 11 §4: 30 wrong
// passwords for one email, then the right one. Now the attacker's address
// gets 429 42901 with Retry-After after 5 failures, even with the right
// password, and the real user at another address logs in unhindered.
func TestPasswordThrottlePerEmailAndAddress(t *testing.T) {
	f := newFixture(t)
	for i := range domain.PasswordTriesPerEmailAddress {
		failCode(t, f.loginFrom(attackerIP, helpdesk, fmt.Sprintf("guess-%d", i)), domain.CodeNotAuthenticated)
	}
	f.env.Clock.Advance(time.Minute)
	wait := retryAfterSecs(t, f.loginFrom(attackerIP, helpdesk, "guess-x"))
	if want := int((domain.PasswordTriesPerEmailAddressWindow - time.Minute) / time.Second); wait != want {
		t.Fatalf("Retry-After %d s, want %d s (the first failure leaves the window)", wait, want)
	}
	retryAfterSecs(t, f.loginFrom(attackerIP, helpdesk, demo.Password)) // no way past, even knowing it

	var started login.Started
	f.loginFrom(realUserIP, helpdesk, demo.Password).OK(t, &started)
	if started.TxID == "" {
		t.Fatal("the real user got no login")
	}
	// The attacker's other targets are not throttled by this one's limit.
	failCode(t, f.loginFrom(attackerIP, owner, "guess"), domain.CodeNotAuthenticated)
	// Once the window has passed, the attacker's address may try again.
	f.env.Clock.Advance(domain.PasswordTriesPerEmailAddressWindow)
	failCode(t, f.loginFrom(attackerIP, helpdesk, "guess-y"), domain.CodeNotAuthenticated)
	if a := f.admin(helpdesk); a.Status != domain.AdminActive {
		t.Fatalf("wrong passwords changed the admin's status to %s", a.Status)
	}
}

// TestPasswordThrottleUnknownEmail: an email nobody has is throttled
// exactly like a known one (same answers, same Retry-After), so the
// throttle tells nothing about which addresses exist.
func TestPasswordThrottleUnknownEmail(t *testing.T) {
	f := newFixture(t)
	answers := map[string][]string{}
	for _, email := range []string{helpdesk, "nobody@acme.example"} {
		for i := range domain.PasswordTriesPerEmailAddress + 1 {
			resp := f.loginFrom(attackerIP, email, fmt.Sprintf("guess-%d", i))
			answers[email] = append(answers[email], fmt.Sprintf("%d %s %s", resp.Status, resp.Headers["Retry-After"], resp.Body))
		}
	}
	if fmt.Sprint(answers[helpdesk]) != fmt.Sprint(answers["nobody@acme.example"]) {
		t.Fatalf("known and unknown emails answered differently:\n%v\n%v", answers[helpdesk], answers["nobody@acme.example"])
	}
	if last := answers[helpdesk][domain.PasswordTriesPerEmailAddress]; last[:3] != "429" {
		t.Fatalf("6th try: %s", last)
	}
}

// TestPasswordThrottlePerAddress: password spraying from one address,
// 5 emails at a time so the per-email limit never triggers, stops at 100
// failures an hour; another address is not affected.
func TestPasswordThrottlePerAddress(t *testing.T) {
	f := newFixture(t)
	emails := []string{owner, helpdesk, "admin@acme.example", msp}
	n := 0
	for n < domain.PasswordTriesPerAddress {
		// Known admins first (cheap test hashes), then unknown emails.
		email := fmt.Sprintf("spray-%d@acme.example", n/domain.PasswordTriesPerEmailAddress)
		if k := n / domain.PasswordTriesPerEmailAddress; k < len(emails) {
			email = emails[k]
		}
		failCode(t, f.loginFrom(attackerIP, email, "Winter2026!"), domain.CodeNotAuthenticated)
		n++
	}
	retryAfterSecs(t, f.loginFrom(attackerIP, "fresh@acme.example", "Winter2026!"))
	f.loginFrom(realUserIP, owner, demo.Password).OK(t, nil)
}

// TestPasswordAccountCeilingSlows: after 100 consecutive failures from
// many addresses (none over its own limits), the account is slowed, never
// locked: attempts from anywhere share a few slots per window, and get
// 429 when those are used up. The real user, at an address they logged in
// from before, is not held back; their right password resets the count.
func TestPasswordAccountCeilingSlows(t *testing.T) {
	f := newFixture(t)
	f.loginFrom(realUserIP, owner, demo.Password).OK(t, nil) // the real user's usual place
	for i := range domain.PasswordFailuresBeforeSlowdown {
		ip := fmt.Sprintf("192.0.2.%d", 1+i/domain.PasswordTriesPerEmailAddress)
		failCode(t, f.loginFrom(ip, owner, fmt.Sprintf("guess-%d", i)), domain.CodeNotAuthenticated)
	}
	// From a fresh address, even with the right password: slowed.
	wait := retryAfterSecs(t, f.loginFrom("192.0.2.200", owner, demo.Password))
	if wait > int(domain.PasswordTriesPerAccountSlowedWindow/time.Second) {
		t.Fatalf("Retry-After %d s beyond the per-account window", wait)
	}
	if a := f.admin(owner); a.Status != domain.AdminActive {
		t.Fatalf("the ceiling locked the admin (%s)", a.Status)
	}
	// Other accounts are not slowed.
	f.loginFrom("192.0.2.201", helpdesk, demo.Password).OK(t, nil)

	f.env.Clock.Advance(time.Duration(wait) * time.Second)
	// Slowed means a few tries per window, from all addresses together.
	for i := range domain.PasswordTriesPerAccountSlowed {
		failCode(t, f.loginFrom(fmt.Sprintf("192.0.2.%d", 210+i), owner, "guess"), domain.CodeNotAuthenticated)
	}
	retryAfterSecs(t, f.loginFrom("192.0.2.230", owner, "guess"))
	// The real user at their usual address is not held back by the slowdown.
	f.loginFrom(realUserIP, owner, demo.Password).OK(t, nil)
	// The success reset the count: failures are plain 401s again, and many.
	for i := range domain.PasswordTriesPerAccountSlowed + 1 {
		failCode(t, f.loginFrom(fmt.Sprintf("192.0.2.%d", 240+i), owner, "guess"), domain.CodeNotAuthenticated)
	}
}

// TestConcurrentPasswordGuessesBounded: 20 concurrent wrong passwords for
// one email from one address: at most 5 are checked, the rest get 429.
func TestConcurrentPasswordGuessesBounded(t *testing.T) {
	f := newFixture(t)
	var mu sync.Mutex
	codes := map[int]int{}
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			resp := f.loginFrom(attackerIP, owner, fmt.Sprintf("guess-%d", i))
			mu.Lock()
			codes[resp.Status]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if codes[401] > domain.PasswordTriesPerEmailAddress || codes[401]+codes[429] != 20 {
		t.Fatalf("answers %v: at most %d may be checked", codes, domain.PasswordTriesPerEmailAddress)
	}
}

// TestPasswordFailuresAggregateInLog: 30 wrong passwords for one admin
// (from 6 addresses, so none is throttled) are one administrator-log event
// with count 30, not 30 events.
func TestPasswordFailuresAggregateInLog(t *testing.T) {
	f := newFixture(t)
	for i := range 30 {
		ip := fmt.Sprintf("192.0.2.%d", 1+i/domain.PasswordTriesPerEmailAddress)
		failCode(t, f.loginFrom(ip, helpdesk, fmt.Sprintf("guess-%d", i)), domain.CodeNotAuthenticated)
	}
	events, _, err := f.env.Deps.Store.ListAudit(f.env.Ctx, "acme", domain.AuditFilter{Action: domain.ActionLoginPassword, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var failures []domain.AuditEvent
	for _, ev := range events {
		if ev.Outcome == domain.OutcomeFailure {
			failures = append(failures, ev)
		}
	}
	admin := f.admin(helpdesk)
	if len(failures) != 1 || failures[0].Count != 30 || failures[0].TargetID != admin.ID || failures[0].Details["reason"] != "wrong_password" {
		t.Fatalf("failure events %+v, want one with count 30", failures)
	}
	// The next hour starts a new event.
	f.env.Clock.Advance(domain.PasswordFailureAuditBucket)
	failCode(t, f.loginFrom("192.0.2.99", helpdesk, "guess"), domain.CodeNotAuthenticated)
	events, _, _ = f.env.Deps.Store.ListAudit(f.env.Ctx, "acme", domain.AuditFilter{Action: domain.ActionLoginPassword, Limit: 100})
	if len(events) != 2 || events[0].Count != 1 {
		t.Fatalf("events after an hour: %+v", events)
	}
}

// TestEmailSpellingsShareOneKey (issue 11 §7): spellings that normalise to
// one address (Kelvin sign, full-width letters, upper case) are one
// admin and one throttle key, so respelling cannot sidestep the limits.
func TestEmailSpellingsShareOneKey(t *testing.T) {
	f := newFixture(t)
	spellings := []string{"helpdes\u212a@acme.example", "\uff48elpdesk@acme.example", "HELPDESK@ACME.EXAMPLE", " helpdesk@acme.example"}
	for i := range domain.PasswordTriesPerEmailAddress {
		failCode(t, f.loginFrom(attackerIP, spellings[i%len(spellings)], "guess"), domain.CodeNotAuthenticated)
	}
	for _, s := range spellings {
		retryAfterSecs(t, f.loginFrom(attackerIP, s, demo.Password))
	}
	want := f.admin(helpdesk).ID
	for _, s := range spellings {
		if got := f.admin(s).ID; got != want {
			t.Fatalf("%q is admin %s, want %s", s, got, want)
		}
		f.loginFrom(realUserIP, s, demo.Password).OK(t, nil)
	}
}

// TestPasswordThrottleIPv6Prefix: IPv6 addresses count per /64, since one
// subscriber holds a whole /64 and could otherwise rotate addresses.
func TestPasswordThrottleIPv6Prefix(t *testing.T) {
	f := newFixture(t)
	for i := range domain.PasswordTriesPerEmailAddress {
		failCode(t, f.loginFrom(fmt.Sprintf("2001:db8::%x", i+1), owner, "guess"), domain.CodeNotAuthenticated)
	}
	retryAfterSecs(t, f.loginFrom("2001:db8::ffff:1", owner, "guess"))
	failCode(t, f.loginFrom("2001:db8:0:1::1", owner, "guess"), domain.CodeNotAuthenticated) // another /64
}

// TestTypedEmailNeverStored: what is typed into the email field (here a
// password, as happens when a person types in the wrong box) reaches
// neither the table nor the logs: the throttles key on a digest.
func TestTypedEmailNeverStored(t *testing.T) {
	f := newFixture(t)
	const typed = "Correct-Horse-Battery-7"
	for range domain.PasswordTriesPerEmailAddress + 1 {
		f.loginFrom(attackerIP, typed, "guess")
	}
	f.loginFrom(attackerIP, typed+"@acme.example", "guess")
	out, err := f.env.AWS.DynamoDB.Scan(f.env.Ctx, &dynamodb.ScanInput{TableName: aws.String(f.env.Deps.Config.TableName)})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Items) == 0 {
		t.Fatal("empty table")
	}
	dump := ""
	for _, item := range out.Items {
		b, _ := json.Marshal(item)
		dump += string(b)
	}
	if strings.Contains(strings.ToLower(dump), strings.ToLower(typed)) {
		t.Fatal("the typed email is stored in the table")
	}
	if strings.Contains(strings.ToLower(f.env.Logs.String()), strings.ToLower(typed)) {
		t.Fatal("the typed email is in the logs")
	}
}
