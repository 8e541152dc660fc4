package faultproxy_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"push-reactivation/infra/faultproxy"
	"push-reactivation/internal/testenv/apptest"
	"push-reactivation/shared/apigw"
	"push-reactivation/shared/demo"
	"push-reactivation/shared/device"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/dynamo"
	"push-reactivation/shared/email"
	"push-reactivation/shared/login"
	"push-reactivation/shared/owner"
	"push-reactivation/shared/reactivation"
	"push-reactivation/shared/smsvoice"
)

// answerBound is the hard upper bound a faulted answer is checked
// against: the contract's 3 s (domain.AnswerWithin) plus 0.5 s for a
// loaded 2-core test machine running many environments in parallel under
// the race detector. The service's own budget is 2.6 s (docs/security/faults.md).
const answerBound = domain.AnswerWithin + 500*time.Millisecond

// The admin every flow logs in as, and the Owner who acts on it.
const (
	adminEmail = "helpdesk@acme.example"
	ownerEmail = "owner@acme.example"
)

// rig is one environment with a fault proxy in front of each dependency:
// its own embedded DynamoDB and SMS/voice endpoint, the shared
// aws-ses-v2-local, and the routers of the five functions.
type rig struct {
	*apptest.ParallelEnv
	t                                  *testing.T
	proxy                              map[string]*faultproxy.Proxy
	login, react, email, device, owner *apigw.Router
}

var protocols = map[string]faultproxy.Protocol{
	apptest.ServiceDynamoDB: faultproxy.DynamoDB, apptest.ServiceSESv2: faultproxy.SESv2, apptest.ServiceSMSVoice: faultproxy.SMSVoice,
	apptest.ServiceKMS: faultproxy.KMS,
}

func newRig(t *testing.T, sesURL string) *rig {
	t.Helper()
	r := &rig{t: t, proxy: map[string]*faultproxy.Proxy{}}
	r.ParallelEnv = apptest.NewParallel(t, apptest.Options{SESURL: sesURL, Through: func(service, endpoint string) string {
		p, err := faultproxy.New(endpoint, protocols[service])
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = p.Close() })
		r.proxy[service] = p
		return p.URL
	}})
	d := r.Deps
	r.login, r.react, r.email, r.device, r.owner = login.NewRouter(d.Logic(), r.Phone()), reactivation.NewRouter(d.Logic()), email.NewRouter(d.Logic(), r.Mailer()), device.NewRouter(d.Logic(), r.Mailer()), owner.NewRouter(d.Logic(), r.Mailer())
	return r
}

// set switches the fault of one dependency.
func (r *rig) set(service string, f faultproxy.Fault) {
	r.t.Helper()
	if err := r.proxy[service].Set(f); err != nil {
		r.t.Fatal(err)
	}
}

// heal lifts every fault.
func (r *rig) heal() {
	for s := range r.proxy {
		r.set(s, faultproxy.Pass)
	}
}

// loginTx is a started login: its txid and, where the contract has it,
// its login secret (DESIGN.md §4.1), sent on every later call.
type loginTx struct{ txid, secret string }

func (r *rig) startLogin() loginTx {
	r.t.Helper()
	resp := r.expect("login", 200, func() *apptest.Response {
		return r.Call(r.login, apptest.Request{Method: "POST", Path: "/v1/login", JSON: map[string]string{"email": adminEmail, "password": demo.Password}})
	})
	var out struct {
		TxID        string `json:"txid"`
		LoginSecret string `json:"login_secret"`
	}
	resp.OK(r.t, &out)
	return loginTx{out.TxID, out.LoginSecret}
}

func (r *rig) loginCall(tx loginTx, path string, body any) *apptest.Response {
	h := map[string]string{}
	if tx.secret != "" {
		h["X-Login-Secret"] = tx.secret
	}
	return r.Call(r.login, apptest.Request{Method: "POST", Path: "/v1/login/" + tx.txid + path, JSON: body, Headers: h})
}

func (r *rig) factor(tx loginTx, f string) *apptest.Response {
	return r.loginCall(tx, "/factor", map[string]string{"factor": f})
}

// expect makes a call that should succeed with status, outside the
// injected fault, and returns its answer. A 503 is made again, a few
// times: on a loaded test machine a healthy local peer can be slower than
// the production timeouts, and a 503 promises that nothing was done or
// counted, so calling again is what a client does (the counts checked
// afterwards prove the promise).
// healthyDeadline is the request deadline of calls made through expect.
const healthyDeadline = 20 * time.Second

func (r *rig) expect(what string, status int, call func() *apptest.Response) *apptest.Response {
	r.t.Helper()
	// Calls on healthy peers are not what these tests time: give them more
	// than the production request deadline, which a loaded machine (the
	// race detector, other test binaries) can overrun. The calls under a
	// fault keep the production deadline.
	production := r.Ctx
	r.Ctx = apigw.WithRequestDeadline(production, healthyDeadline)
	defer func() { r.Ctx = production }()
	resp := call()
	for range 3 {
		if resp.Status != 503 || status == 503 {
			break
		}
		r.t.Logf("%s: 503 on a healthy dependency (loaded machine), again", what)
		resp = call()
	}
	r.mustStatus(resp, status, what)
	return resp
}

// mustStatus fails the test unless resp has the status.
func (r *rig) mustStatus(resp *apptest.Response, status int, what string) {
	r.t.Helper()
	if resp.Status != status {
		r.t.Fatalf("%s: status %d, want %d: %s", what, resp.Status, status, resp.Body)
	}
}

// lastPasscode is the passcode of the newest message to the admin.
func (r *rig) lastPasscode() string {
	r.t.Helper()
	msgs := r.SMS.Messages()
	if len(msgs) == 0 {
		r.t.Fatal("no SMS sent")
	}
	code, ok := smsvoice.ExtractPasscode(msgs[len(msgs)-1].Body)
	if !ok {
		r.t.Fatal("no passcode in the last message")
	}
	return code
}

// startSelf starts a self-service reactivation for the admin.
func (r *rig) startSelf(token string) apptest.Started {
	resp := r.expect("start reactivation", 201, func() *apptest.Response {
		return r.Call(r.react, apptest.Request{Method: "POST", Path: apptest.SelfReactivationPath, Token: token, JSON: map[string]any{}})
	})
	var st apptest.Started
	resp.OK(r.t, &st)
	return st
}

// activatePush gives the admin an active Duo Push credential.
func (r *rig) activatePush() {
	r.t.Helper()
	st := r.startSelf(r.SessionFor(adminEmail))
	r.expect("activate", 200, func() *apptest.Response { return r.Activate(r.device, st.Code(), "Android", "Pixel") })
}

// audits returns the account's audit events with this action.
func (r *rig) audits(action string) []domain.AuditEvent {
	r.t.Helper()
	evs, _, err := r.Deps.Store.ListAudit(context.Background(), "acme", dynamo.AuditFilter{Limit: 100})
	if err != nil {
		r.t.Fatal(err)
	}
	var out []domain.AuditEvent
	for _, ev := range evs {
		if ev.Action == action {
			out = append(out, ev)
		}
	}
	return out
}

// wantAudit fails unless an event of action with that outcome and reason
// (a substring of details.reason) exists.
func (r *rig) wantAudit(action string, outcome domain.Outcome, reason string) {
	r.t.Helper()
	for _, ev := range r.audits(action) {
		if ev.Outcome == outcome && strings.Contains(ev.Details["reason"], reason) {
			return
		}
	}
	r.t.Errorf("no %s audit event with outcome %s and reason %q: %+v", action, outcome, reason, r.audits(action))
}

// snapshot is every item of the table, read directly from the embedded
// DynamoDB (never through a proxy), keyed by PK and SK, each attribute as
// canonical JSON.
type snapshot map[string]map[string]string

func (r *rig) snapshot() snapshot {
	r.t.Helper()
	out := snapshot{}
	in := &dynamodb.ScanInput{TableName: &r.Table}
	for {
		res, err := r.DB.Scan(context.Background(), in)
		if err != nil {
			r.t.Fatalf("scan: %v", err)
		}
		for _, it := range res.Items {
			var m map[string]any
			if err := attributevalue.UnmarshalMap(it, &m); err != nil {
				r.t.Fatal(err)
			}
			attrs := map[string]string{}
			for k, v := range m {
				b, _ := json.Marshal(v)
				attrs[k] = string(b)
			}
			out[fmt.Sprint(m["PK"], " ", m["SK"])] = attrs
		}
		if len(res.LastEvaluatedKey) == 0 {
			return out
		}
		in.ExclusiveStartKey = res.LastEvaluatedKey
	}
}

// change is one difference between two snapshots: an item added or
// removed, or one attribute of an item changed.
type change struct{ item, attr, from, to string }

func (c change) String() string {
	switch {
	case c.attr == "" && c.from == "":
		return "added " + c.item
	case c.attr == "":
		return "removed " + c.item
	default:
		return fmt.Sprintf("%s: %s %s → %s", c.item, c.attr, c.from, c.to)
	}
}

// diff lists what changed from s to later.
func (s snapshot) diff(later snapshot) []change {
	var out []change
	for k, attrs := range later {
		old, ok := s[k]
		if !ok {
			out = append(out, change{item: k, to: "new"})
			continue
		}
		for a, v := range attrs {
			if old[a] != v {
				out = append(out, change{item: k, attr: a, from: old[a], to: v})
			}
		}
		for a, v := range old {
			if _, ok := attrs[a]; !ok {
				out = append(out, change{item: k, attr: a, from: v, to: "(none)"})
			}
		}
	}
	for k := range s {
		if _, ok := later[k]; !ok {
			out = append(out, change{item: k, from: "gone"})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

// concurrency is how many cases run at once. Most of a case's time is
// spent waiting for a hanging dependency's deadline, so more cases than
// CPUs run side by side (t.Parallel would hold them to GOMAXPROCS).
const concurrency = 4

// runAll runs each case as a subtest, concurrency at a time. t.Run may be
// called from several goroutines; all return before runAll does.
func runAll(t *testing.T, names []string, run func(t *testing.T, i int)) {
	sem := make(chan struct{}, concurrency)
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			t.Run(name, func(t *testing.T) { run(t, i) })
		}()
	}
	wg.Wait()
}

// checkUnavailable checks a faulted answer: 503 50301 with Retry-After,
// within answerBound of the request.
func checkUnavailable(t *testing.T, resp *apptest.Response, elapsed time.Duration) {
	t.Helper()
	t.Logf("answered %d in %v", resp.Status, elapsed.Round(time.Millisecond))
	if elapsed >= answerBound {
		t.Errorf("answered after %v, want < %v", elapsed, answerBound)
	}
	if resp.Status != 503 {
		t.Fatalf("status %d, want 503: %s", resp.Status, resp.Body)
	}
	if f := resp.Fail(t); f.Code != int(domain.CodeUnavailable) {
		t.Errorf("code %d, want %d", f.Code, domain.CodeUnavailable)
	}
	if n, err := strconv.Atoi(resp.Headers["Retry-After"]); err != nil || n < 1 {
		t.Errorf("Retry-After %q, want whole seconds ≥ 1", resp.Headers["Retry-After"])
	}
}
