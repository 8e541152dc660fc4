package metrics_test

import (
	"encoding/json"
	"strings"
	"testing"

	"push-reactivation/internal/testenv"
	"push-reactivation/internal/testenv/apptest"
	"push-reactivation/shared/demo"
	"push-reactivation/shared/device"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/login"
	"push-reactivation/shared/metrics"
	"push-reactivation/shared/reactivation"
	"push-reactivation/shared/smsvoice"
)

// samples parses every EMF line env wrote, failing on an invalid one.
func samples(t *testing.T, env *apptest.Env) []metrics.Sample {
	t.Helper()
	var out []metrics.Sample
	for _, line := range strings.Split(strings.TrimSpace(env.Metrics.String()), "\n") {
		if line == "" {
			continue
		}
		s, err := metrics.ParseLine([]byte(line))
		if err != nil {
			t.Fatalf("invalid EMF line: %v\n%s", err, line)
		}
		out = append(out, s...)
	}
	return out
}

// count sums the values of name whose dimensions include dims.
func count(all []metrics.Sample, name metrics.Name, dims map[string]string) float64 {
	var n float64
next:
	for _, s := range all {
		if s.Name != name {
			continue
		}
		for k, v := range dims {
			if s.Dimensions[k] != v {
				continue next
			}
		}
		n += s.Value
	}
	return n
}

// smsLogin logs owner in with password and SMS passcode through the
// fallback-login router; wrong, when set, is tried first.
func smsLogin(t *testing.T, env *apptest.Env, email, wrong string) (token, txid string) {
	t.Helper()
	r := login.NewRouter(env.Deps.Logic(), env.Phone())
	var started login.Started
	env.Call(r, apptest.Request{Method: "POST", Path: "/v1/login", JSON: map[string]string{"email": email, "password": demo.Password}}).OK(t, &started)
	secret := map[string]string{login.LoginSecretHeader: started.LoginSecret}
	base := "/v1/login/" + started.TxID
	env.Call(r, apptest.Request{Method: "POST", Path: base + "/factor", Headers: secret, JSON: map[string]string{"factor": "sms"}}).OK(t, nil)
	msgs := env.SMS.Messages()
	passcode, ok := smsvoice.ExtractPasscode(msgs[len(msgs)-1].Body)
	if !ok {
		t.Fatalf("no passcode in %q", msgs[len(msgs)-1].Body)
	}
	if wrong != "" {
		if resp := env.Call(r, apptest.Request{Method: "POST", Path: base + "/verify", Headers: secret, JSON: map[string]string{"passcode": wrong}}); resp.Status != 401 {
			t.Fatalf("wrong passcode: %d %s", resp.Status, resp.Body)
		}
	}
	var out struct {
		SessionToken string `json:"session_token"`
	}
	env.Call(r, apptest.Request{Method: "POST", Path: base + "/verify", Headers: secret, JSON: map[string]string{"passcode": passcode}}).OK(t, &out)
	return out.SessionToken, started.TxID
}

// TestMetricsOfRealFlows: logins, reactivations, sends and route misses
// through the real handlers write valid EMF lines with the expected
// values.
func TestMetricsOfRealFlows(t *testing.T) {
	srv := testenv.StartSES(t)
	t.Setenv("AWS_ENDPOINT_URL_SESV2", srv.URL())
	env := apptest.New(t)

	token, _ := smsLogin(t, env, "owner@acme.example", "0000000")
	react := reactivation.NewRouter(env.Deps.Logic())
	dev := device.NewRouter(env.Deps.Logic(), env.Mailer())
	started := env.StartReactivation(react, token, apptest.SelfReactivationPath, nil)
	if resp := env.Activate(dev, started.Code(), "Android", "Pixel"); resp.Status != 200 {
		t.Fatalf("activate: %d %s", resp.Status, resp.Body)
	}
	again := env.StartReactivation(react, token, apptest.SelfReactivationPath, nil)
	env.Call(react, apptest.Request{Method: "DELETE", Path: "/v1/reactivations/" + again.ReactivationID, Token: token})
	if resp := env.Call(dev, apptest.Request{Method: "GET", Path: "/no/such/route"}); resp.Status != 404 {
		t.Fatalf("route miss: %d", resp.Status)
	}
	env.SMS.SetFailure(true)
	r := login.NewRouter(env.Deps.Logic(), env.Phone())
	var st login.Started
	env.Call(r, apptest.Request{Method: "POST", Path: "/v1/login", JSON: map[string]string{"email": "owner@acme.example", "password": demo.Password}}).OK(t, &st)
	if resp := env.Call(r, apptest.Request{Method: "POST", Path: "/v1/login/" + st.TxID + "/factor",
		Headers: map[string]string{login.LoginSecretHeader: st.LoginSecret}, JSON: map[string]string{"factor": "sms"}}); resp.Status != 503 {
		t.Fatalf("SMS down: %d %s", resp.Status, resp.Body)
	}

	all := samples(t, env)
	for _, c := range []struct {
		name metrics.Name
		dims map[string]string
		want float64
	}{
		{metrics.Requests, map[string]string{metrics.DimRoute: "POST /v1/login/{txid}/verify"}, 2},
		{metrics.Logins, map[string]string{metrics.DimFactor: "sms", metrics.DimOutcome: "success"}, 1},
		{metrics.Logins, map[string]string{metrics.DimFactor: "sms", metrics.DimOutcome: "failure"}, 1},
		{metrics.MessagesSent, map[string]string{metrics.DimChannel: "sms"}, 1},
		{metrics.MessageSendFailures, map[string]string{metrics.DimChannel: "sms"}, 1},
		{metrics.DependencyFailures, map[string]string{metrics.DimRoute: "POST /v1/login/{txid}/factor"}, 1},
		{metrics.ServerErrors, map[string]string{metrics.DimRoute: "POST /v1/login/{txid}/factor"}, 1},
		{metrics.ServerErrors, map[string]string{metrics.DimRoute: "POST /v1/login"}, 0},
		{metrics.Reactivations, map[string]string{metrics.DimStage: "started", metrics.DimStartedBy: "self"}, 2},
		{metrics.Reactivations, map[string]string{metrics.DimStage: "activated", metrics.DimStartedBy: "self"}, 1},
		{metrics.Reactivations, map[string]string{metrics.DimStage: "cancelled", metrics.DimStartedBy: "self"}, 1},
		// The phone's activation sends the admin a security notice.
		{metrics.MessagesSent, map[string]string{metrics.DimChannel: "email"}, 1},
		{metrics.Requests, map[string]string{metrics.DimRoute: metrics.RouteMiss}, 1},
	} {
		if got := count(all, c.name, c.dims); got != c.want {
			t.Errorf("%s %v = %v, want %v", c.name, c.dims, got, c.want)
		}
	}
}

// TestCorrelationID: the log lines of one request (the adapter's and the
// logic's, logged with its context), its metric line and the audit event
// it wrote carry the same request id, API Gateway's.
func TestCorrelationID(t *testing.T) {
	env := apptest.New(t)
	r := login.NewRouter(env.Deps.Logic(), env.Phone())
	var st login.Started
	env.Call(r, apptest.Request{Method: "POST", Path: "/v1/login", JSON: map[string]string{"email": "owner@acme.example", "password": demo.Password}}).OK(t, &st)
	env.SMS.SetFailure(true)
	ev := apptest.Event(apptest.Request{Method: "POST", Path: "/v1/login/" + st.TxID + "/factor",
		Headers: map[string]string{login.LoginSecretHeader: st.LoginSecret}, JSON: map[string]string{"factor": "sms"}})
	id := ev.RequestContext.RequestID
	resp, err := r.Handle(env.Ctx, ev)
	if err != nil || resp.StatusCode != 503 {
		t.Fatalf("SMS down: %v %d %s", err, resp.StatusCode, resp.Body)
	}
	apptest.CheckContract(t, ev, resp)

	var mine []string
	for _, line := range strings.Split(env.Logs.String(), "\n") {
		var l map[string]any
		if json.Unmarshal([]byte(line), &l) != nil {
			continue
		}
		if l["request_id"] == id {
			mine = append(mine, l["msg"].(string))
		}
		if strings.Count(line, `"request_id"`) > 1 {
			t.Errorf("request id twice: %s", line)
		}
	}
	for _, msg := range []string{"passcode send failed", "request"} {
		if !strings.Contains(strings.Join(mine, "|"), msg) {
			t.Errorf("no log line %q with request id %s; lines with it: %q\nlogs:\n%s", msg, id, mine, env.Logs.String())
		}
	}
	if !strings.Contains(env.Metrics.String(), `"request_id":"`+id+`"`) {
		t.Errorf("no metric line with request id %s", id)
	}
	admin := env.Admin("owner@acme.example")
	events, _, err := env.Deps.Store.ListAudit(env.Ctx, admin.AccountID, domain.AuditFilter{Action: "login.factor"})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range events {
		if e.Outcome == "failure" && e.Details["reason"] == "send_failed" {
			found = true
			if e.RequestID != id {
				t.Errorf("audit event request id %q, want %q", e.RequestID, id)
			}
		}
	}
	if !found {
		t.Errorf("no send_failed audit event in %+v", events)
	}
}
