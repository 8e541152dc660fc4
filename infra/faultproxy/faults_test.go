package faultproxy_test

import (
	"strings"
	"testing"
	"time"

	"push-reactivation/infra/faultproxy"
	"push-reactivation/internal/testenv"
	"push-reactivation/internal/testenv/apptest"
	"push-reactivation/shared/apigw"
	"push-reactivation/shared/domain"
)

// flow is the state a step needs, made with every dependency healthy.
type flow struct {
	tx       loginTx
	passcode string
	token    string
	started  apptest.Started
	targetID string
	// KMS steps (kms_test.go): a Duo Mobile phone, a router built for
	// the step.
	phone  *apptest.DuoMobile
	router *apigw.Router
}

// step is one request of a flow, as the fault matrix sees it.
type step struct {
	name string
	// uses lists the dependencies the request calls: only their faults
	// are injected.
	uses    []string
	prepare func(r *rig) *flow
	call    func(r *rig, f *flow) *apptest.Response
	ok      int // the status when every dependency is healthy
	// degraded is the status when the named dependency fails but the
	// request's own work stands (a security notice after a committed
	// action): not 503, as the action was done.
	degraded map[string]int
	// afterCommit is how many of the step's last DynamoDB calls are
	// best-effort work after its commit (the security notice's audit
	// event): DynamoDB failing there is logged for operators, and the
	// answer stays the committed action's.
	afterCommit int
	// reservesTry: the step reserves a passcode try before comparing
	// (shared/login, the lockout under concurrency); DynamoDB failing
	// after that leaves the one try counted, and only that.
	reservesTry bool
	// reservesThrottle: the password step takes its throttle hits before
	// the password is checked (shared/login/throttle.go: concurrent guesses
	// cannot all be checked) and gives them back on a dependency failure,
	// on a detached context. When DynamoDB stays down that give-back fails
	// too, so the password throttle logs (RATE#pw-*), and only they, may
	// keep one hit each until it leaves its window.
	reservesThrottle bool
	// recovered checks, with the fault lifted, that nothing was left
	// half-done or counted, and that the step works again.
	recovered func(r *rig, f *flow, service string)
}

var (
	db  = apptest.ServiceDynamoDB
	ses = apptest.ServiceSESv2
	sms = apptest.ServiceSMSVoice
	kms = apptest.ServiceKMS
)

// retry makes the step again and expects its healthy status: what the
// failed request consumed (a code, a try, a send) is still there.
func retry(r *rig, f *flow, s step) {
	r.t.Helper()
	r.expect(s.name+" after recovery", s.ok, func() *apptest.Response { return s.call(r, f) })
}

// sendsNotCounted checks that an SMS/voice send that failed counted
// against neither the login's 3 sends nor the admin's 10 per hour, and
// was audited: the login takes 3 sends and no 4th, and after two more
// logins of 3 sends each one more send (the admin's 10th) goes out and
// the next is refused.
func sendsNotCounted(r *rig, f *flow, factor string) {
	r.t.Helper()
	tx, err := r.Deps.Store.GetLogin(r.Ctx, f.tx.txid)
	if err != nil {
		r.t.Fatal(err)
	}
	if tx.Sends != 0 {
		r.t.Errorf("login sends = %d after a failed send, want 0", tx.Sends)
	}
	r.wantAudit(domain.ActionLoginFactor, domain.OutcomeFailure, "send_failed")
	for i := range 3 {
		r.expect("send after recovery "+string(rune('1'+i)), 200, func() *apptest.Response { return r.factor(f.tx, factor) })
	}
	r.expect("4th send of one login", 429, func() *apptest.Response { return r.factor(f.tx, factor) })
	for range 2 {
		tx := r.startLogin()
		for range 3 {
			r.expect("send", 200, func() *apptest.Response { return r.factor(tx, factor) })
		}
	}
	last := r.startLogin()
	r.expect("the admin's 10th send", 200, func() *apptest.Response { return r.factor(last, factor) })
	r.expect("the admin's 11th send", 429, func() *apptest.Response { return r.factor(last, factor) })
}

func steps() []step {
	loggedIn := func(r *rig) *flow { return &flow{tx: r.startLogin()} }
	withSession := func(r *rig) *flow { return &flow{token: r.SessionFor(adminEmail)} }
	withReactivation := func(r *rig) *flow {
		f := withSession(r)
		f.started = r.startSelf(f.token)
		return f
	}
	passcodeSent := func(r *rig) *flow {
		f := loggedIn(r)
		r.expect("factor sms", 200, func() *apptest.Response { return r.factor(f.tx, "sms") })
		f.passcode = r.lastPasscode()
		return f
	}
	var all []step
	all = append(all,
		step{name: "login/password", uses: []string{db}, ok: 200, prepare: func(*rig) *flow { return &flow{} }, reservesThrottle: true,
			call: func(r *rig, _ *flow) *apptest.Response {
				return r.Call(r.login, apptest.Request{Method: "POST", Path: "/v1/login", JSON: map[string]string{"email": adminEmail, "password": "demo-password-1"}})
			}},
		step{name: "login/factor-sms", uses: []string{db, sms}, ok: 200, prepare: loggedIn,
			call: func(r *rig, f *flow) *apptest.Response { return r.factor(f.tx, "sms") },
			recovered: func(r *rig, f *flow, service string) {
				if service == sms {
					sendsNotCounted(r, f, "sms")
				}
			}},
		step{name: "login/factor-phone", uses: []string{db, sms}, ok: 200, prepare: loggedIn,
			call: func(r *rig, f *flow) *apptest.Response { return r.factor(f.tx, "phone") },
			recovered: func(r *rig, f *flow, service string) {
				if service == sms {
					sendsNotCounted(r, f, "phone")
				}
			}},
		step{name: "login/factor-push", uses: []string{db}, ok: 200,
			prepare: func(r *rig) *flow { r.activatePush(); return loggedIn(r) },
			call:    func(r *rig, f *flow) *apptest.Response { return r.factor(f.tx, "push") }},
		step{name: "login/verify", uses: []string{db}, ok: 200, prepare: passcodeSent, reservesTry: true,
			call: func(r *rig, f *flow) *apptest.Response {
				return r.loginCall(f.tx, "/verify", map[string]string{"passcode": f.passcode})
			}},
		step{name: "reactivation/start", uses: []string{db}, ok: 201, prepare: withSession,
			call: func(r *rig, f *flow) *apptest.Response {
				return r.Call(r.react, apptest.Request{Method: "POST", Path: apptest.SelfReactivationPath, Token: f.token, JSON: map[string]any{}})
			}},
		step{name: "reactivation/owner-start", uses: []string{db, ses}, ok: 201, degraded: map[string]int{ses: 201}, afterCommit: 1,
			prepare: func(r *rig) *flow { return &flow{token: r.SessionFor(ownerEmail), targetID: r.Admin(adminEmail).ID} },
			call: func(r *rig, f *flow) *apptest.Response {
				return r.Call(r.owner, apptest.Request{Method: "POST", Path: apptest.OwnerReactivationPath(f.targetID), Token: f.token, JSON: map[string]any{}})
			},
			recovered: func(r *rig, _ *flow, service string) {
				if service == ses {
					r.wantAudit(domain.ActionNotification, domain.OutcomeFailure, "email")
				}
			}},
		step{name: "reactivation/cancel", uses: []string{db}, ok: 200, prepare: withReactivation,
			call: func(r *rig, f *flow) *apptest.Response {
				return r.Call(r.react, apptest.Request{Method: "DELETE", Path: "/v1/reactivations/" + f.started.ReactivationID, Token: f.token})
			}},
		step{name: "reactivation/barcode", uses: []string{db}, ok: 201, prepare: withReactivation,
			call: func(r *rig, f *flow) *apptest.Response {
				return r.Call(r.react, apptest.Request{Method: "POST", Path: "/v1/reactivations/" + f.started.ReactivationID + "/barcode", Token: f.token, JSON: map[string]any{}})
			}},
		step{name: "email/send", uses: []string{db, ses}, ok: 202, prepare: withReactivation,
			call: func(r *rig, f *flow) *apptest.Response {
				return r.Call(r.email, apptest.Request{Method: "POST", Path: "/v1/reactivations/" + f.started.ReactivationID + "/email", Token: f.token})
			},
			recovered: func(r *rig, f *flow, service string) {
				if service != ses {
					return
				}
				re, err := r.Deps.Store.GetReactivation(r.Ctx, f.started.ReactivationID)
				if err != nil {
					r.t.Fatal(err)
				}
				if re.EmailsSent != 0 {
					r.t.Errorf("emails_sent = %d after a failed send, want 0", re.EmailsSent)
				}
				r.wantAudit(domain.ActionReactivationEmail, domain.OutcomeFailure, "email")
				path := "/v1/reactivations/" + f.started.ReactivationID + "/email"
				for range domain.MaxEmailsPerReactivation {
					r.expect("email after recovery", 202, func() *apptest.Response {
						return r.Call(r.email, apptest.Request{Method: "POST", Path: path, Token: f.token})
					})
				}
				r.expect("one email too many", 429, func() *apptest.Response {
					return r.Call(r.email, apptest.Request{Method: "POST", Path: path, Token: f.token})
				})
			}},
		step{name: "device/redeem", uses: []string{db, ses, kms}, ok: 200, degraded: map[string]int{ses: 200}, afterCommit: 1, prepare: withReactivation,
			call: func(r *rig, f *flow) *apptest.Response {
				return r.Activate(r.device, f.started.Code(), "Android", "Pixel")
			},
			recovered: func(r *rig, _ *flow, service string) {
				if service == ses {
					r.wantAudit(domain.ActionNotification, domain.OutcomeFailure, "email")
				}
			}},
	)
	return append(all, kmsSteps()...)
}

// faultsOf lists the faults injected for each dependency.
var faultsOf = map[string][]faultproxy.Fault{
	db:  {faultproxy.Refuse, faultproxy.Hang, faultproxy.Throttle, faultproxy.Capacity, faultproxy.ServerError},
	ses: {faultproxy.Refuse, faultproxy.Hang, faultproxy.Throttle, faultproxy.ServerError},
	sms: {faultproxy.Refuse, faultproxy.Hang, faultproxy.Throttle, faultproxy.ServerError},
	kms: {faultproxy.Refuse, faultproxy.Hang, faultproxy.Throttle, faultproxy.ServerError},
}

// TestDependencyFaults is the fault matrix of DESIGN.md §4.1
// "Dependencies down" (docs/security/faults.md): for each step of the
// login, reactivation, email and redeem flows, each dependency the step
// calls and each fault, the answer is 503 50301 with Retry-After within
// answerBound, nothing is written when DynamoDB fails, and once the fault
// is lifted nothing was left half-done or counted and the step works.
func TestDependencyFaults(t *testing.T) {
	apptest.SetParallelEnv(t)
	sesURL := testenv.StartSES(t).URL()
	type matrixCase struct {
		step
		service string
		fault   faultproxy.Fault
	}
	var cases []matrixCase
	var names []string
	for _, s := range steps() {
		for _, service := range s.uses {
			for _, fault := range faultsOf[service] {
				cases = append(cases, matrixCase{s, service, fault})
				names = append(names, s.name+"/"+service+"/"+fault.String())
			}
		}
	}
	runAll(t, names, func(t *testing.T, i int) {
		s, service, fault := cases[i].step, cases[i].service, cases[i].fault
		r := newRig(t, sesURL)
		f := s.prepare(r)
		before := r.snapshot()
		r.set(service, fault)
		start := time.Now()
		resp := s.call(r, f)
		elapsed := time.Since(start)
		if want, ok := s.degraded[service]; ok {
			if elapsed >= answerBound {
				t.Errorf("answered after %v, want < %v", elapsed, answerBound)
			}
			r.mustStatus(resp, want, s.name+" with "+service+" failing")
		} else {
			checkUnavailable(t, resp, elapsed)
		}
		if service == db || service == kms {
			if d := unchanged(s, before.diff(r.snapshot())); len(d) > 0 {
				t.Errorf("%s failing, yet the table changed:\n%v", service, d)
			}
		}
		r.heal()
		if s.recovered != nil {
			s.recovered(r, f, service)
		}
		if _, degraded := s.degraded[service]; !degraded && (s.recovered == nil || service == db) {
			retry(r, f, s)
		}
	})
}

// TestLogsNameKeyKindsNotValues: DynamoDB keys are built from user input
// (the typed email), and a person may type a password into the email
// field. With DynamoDB failing, the failure is logged with the operation
// and the key's kind (EMAIL), never the key's value.
// passwordThrottleCalls is how many DynamoDB calls the password step
// makes for its throttles before it looks the email up (shared/login
// throttle.go: one read of the three logs, one transaction).
const passwordThrottleCalls = 2

func TestLogsNameKeyKindsNotValues(t *testing.T) {
	apptest.SetParallelEnv(t)
	r := newRig(t, "")
	typed := []string{"Tr0ub4dor&3-Zebra!", "Correct.Horse@Battery.Staple"}
	for _, email := range typed {
		// The password throttles (a BatchGetItem and a transaction, keyed by
		// a digest of the email) pass; the lookup of the email fails.
		if err := r.proxy[db].SetAfter(faultproxy.Throttle, passwordThrottleCalls); err != nil {
			t.Fatal(err)
		}
		resp := r.Call(r.login, apptest.Request{Method: "POST", Path: "/v1/login", JSON: map[string]string{"email": email, "password": "x"}})
		r.mustStatus(resp, 503, "login with DynamoDB failing")
	}
	logs := strings.ToLower(r.Logs.String())
	if !strings.Contains(logs, "get email") {
		t.Fatalf("the failure was not logged with its key kind:\n%s", logs)
	}
	for _, email := range typed {
		if strings.Contains(logs, strings.ToLower(email)) {
			t.Errorf("logs hold the typed email field %q:\n%s", email, logs)
		}
	}
}

// unchanged drops from d the one change a failed step may leave: a step
// that reserves a passcode attempt beside its reads (issue 15, login
// verify) and gives it back when KMS then fails leaves the count as it
// was, but not the time of the last reservation (attempts_reserved_at),
// which only ever delays settling lost attempts into a lock.
func unchanged(s step, d []change) []change {
	if !s.reservesTry {
		return d
	}
	var out []change
	for _, c := range d {
		if c.attr != "attempts_reserved_at" {
			out = append(out, c)
		}
	}
	return out
}
