//go:build !fuzz

package apigw_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"push-reactivation/infra/faultproxy"
	"push-reactivation/infra/smsvoicelocal"
	"push-reactivation/internal/testenv"
	"push-reactivation/internal/testenv/apptest"
	"push-reactivation/shared/apigw"
	"push-reactivation/shared/demo"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/email"
	"push-reactivation/shared/login"
	"push-reactivation/shared/reactivation"
	"push-reactivation/shared/secret"
	"push-reactivation/shared/smsvoice"
)

// End-to-end tests of Idempotency-Key (DESIGN.md §4.1) through the
// functions' own routers, on the embedded DynamoDB, the local SMS/voice
// endpoint and aws-ses-v2-local.

const (
	adminEmail = "admin@acme.example"
	adminPhone = "+15555550101"
)

func withKey(key string, h map[string]string) map[string]string {
	out := map[string]string{apigw.IdempotencyKeyHeader: key}
	for k, v := range h {
		out[k] = v
	}
	return out
}

// startLogin does the password step (without a key) and returns it.
func startLogin(env *apptest.Env, r *apigw.Router) login.Started {
	env.T.Helper()
	var out login.Started
	env.Call(r, apptest.Request{Method: "POST", Path: "/v1/login", JSON: map[string]string{"email": adminEmail, "password": demo.Password}}).OK(env.T, &out)
	return out
}

func smsTo(env *apptest.Env, phone string) []smsvoicelocal.Message {
	var out []smsvoicelocal.Message
	for _, m := range env.SMS.Messages() {
		if m.To == phone {
			out = append(out, m)
		}
	}
	return out
}

// auditCount counts the audit items of an account, read from DynamoDB.
func auditCount(env *apptest.Env, account string) int {
	env.T.Helper()
	out, err := env.AWS.DynamoDB.Query(env.Ctx, &dynamodb.QueryInput{
		TableName: aws.String(env.Deps.Config.TableName), KeyConditionExpression: aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: "AUDIT#" + account}},
	})
	if err != nil {
		env.T.Fatal(err)
	}
	return len(out.Items)
}

// sameAnswer checks that a replay is the first answer, byte for byte,
// marked replayed.
func sameAnswer(t *testing.T, first, again *apptest.Response) {
	t.Helper()
	if first.Headers[apigw.IdempotentReplayedHeader] != "" {
		t.Fatalf("first answer marked replayed: %v", first.Headers)
	}
	if again.Headers[apigw.IdempotentReplayedHeader] != "true" {
		t.Fatalf("repeat not marked replayed: %d %v %s", again.Status, again.Headers, again.Body)
	}
	if again.Status != first.Status || again.Body != first.Body || again.Headers["Content-Type"] != first.Headers["Content-Type"] {
		t.Fatalf("replay differs:\n%d %s\n%d %s", first.Status, first.Body, again.Status, again.Body)
	}
}

func TestReplayedSMSFactorSendsOneSMS(t *testing.T) {
	env := apptest.New(t)
	r := login.NewRouter(env.Deps.Logic(), env.Phone())
	tx := startLogin(env, r)
	key := "factor-key-0b6f1c"
	call := func() *apptest.Response {
		return env.Call(r, apptest.Request{Method: "POST", Path: "/v1/login/" + tx.TxID + "/factor",
			JSON: map[string]string{"factor": "sms"}, Headers: withKey(key, map[string]string{login.LoginSecretHeader: tx.LoginSecret})})
	}
	first := call()
	var d login.Delivery
	first.OK(t, &d)
	audits := auditCount(env, "acme")
	again := call()
	sameAnswer(t, first, again)
	if n := len(smsTo(env, adminPhone)); n != 1 {
		t.Fatalf("%d SMS sent, want 1", n)
	}
	if n := auditCount(env, "acme"); n != audits {
		t.Fatalf("the replay wrote %d audit events", n-audits)
	}
	if strings.Contains(env.Logs.String(), key) {
		t.Fatal("the Idempotency-Key was logged")
	}
	// The passcode of the one SMS still logs in: the replay made no new one.
	code, _ := smsvoice.ExtractPasscode(smsTo(env, adminPhone)[0].Body)
	resp := env.Call(r, apptest.Request{Method: "POST", Path: "/v1/login/" + tx.TxID + "/verify",
		JSON: map[string]string{"passcode": code}, Headers: map[string]string{login.LoginSecretHeader: tx.LoginSecret}})
	resp.OK(t, nil)
}

// A replay under /v1/login/{txid} needs the login's secret like any call:
// without it the stored answer (here a session token) is out of reach.
func TestLoginReplayNeedsLoginSecret(t *testing.T) {
	env := apptest.New(t)
	r := login.NewRouter(env.Deps.Logic(), env.Phone())
	tx := startLogin(env, r)
	secretHeader := map[string]string{login.LoginSecretHeader: tx.LoginSecret}
	env.Call(r, apptest.Request{Method: "POST", Path: "/v1/login/" + tx.TxID + "/factor", JSON: map[string]string{"factor": "sms"}, Headers: secretHeader}).OK(t, nil)
	code, _ := smsvoice.ExtractPasscode(smsTo(env, adminPhone)[0].Body)
	key := "verify-key"
	verify := func(h map[string]string) *apptest.Response {
		return env.Call(r, apptest.Request{Method: "POST", Path: "/v1/login/" + tx.TxID + "/verify", JSON: map[string]string{"passcode": code}, Headers: withKey(key, h)})
	}
	first := verify(secretHeader)
	var auth login.Authenticated
	first.OK(t, &auth)

	for name, h := range map[string]map[string]string{
		"no secret":    nil,
		"wrong secret": {login.LoginSecretHeader: tx.LoginSecret[:len(tx.LoginSecret)-2] + "xx"},
	} {
		resp := verify(h)
		apptest.ExpectFail(t, resp, 404, int(domain.CodeNotFound))
		if resp.Headers[apigw.IdempotentReplayedHeader] != "" || strings.Contains(resp.Body, auth.SessionToken) {
			t.Fatalf("%s: replayed: %v %s", name, resp.Headers, resp.Body)
		}
	}
	sameAnswer(t, first, verify(secretHeader))
}

// Ten concurrent starts with one key: one reactivation; every other
// answer is the stored one or 40902.
func TestConcurrentReactivationsWithOneKey(t *testing.T) {
	env := apptest.New(t)
	r := reactivation.NewRouter(env.Deps.Logic())
	token := env.SessionFor(adminEmail)
	const n = 10
	resps := make([]*apptest.Response, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			resps[i] = env.Call(r, apptest.Request{Method: "POST", Path: apptest.SelfReactivationPath, Token: token,
				JSON: map[string]any{}, Headers: withKey("start-once", nil)})
		})
	}
	wg.Wait()
	var created []*apptest.Response
	for _, resp := range resps {
		switch resp.Status {
		case 201:
			created = append(created, resp)
		case 409:
			apptest.ExpectFail(t, resp, 409, int(domain.CodeIdempotencyInProgress))
		default:
			t.Fatalf("unexpected answer %d %s", resp.Status, resp.Body)
		}
	}
	if len(created) == 0 {
		t.Fatal("no request got the answer")
	}
	fresh := 0
	for _, resp := range created {
		if resp.Body != created[0].Body {
			t.Fatalf("two different answers:\n%s\n%s", created[0].Body, resp.Body)
		}
		if resp.Headers[apigw.IdempotentReplayedHeader] == "" {
			fresh++
		}
	}
	if fresh != 1 {
		t.Fatalf("%d answers not replayed, want exactly 1", fresh)
	}
	if got := countActions(env, "acme", string(domain.ActionReactivationStart)); got != 1 {
		t.Fatalf("%d reactivations started, want 1", got)
	}
}

// countActions counts the audit events of an action, read from DynamoDB.
func countActions(env *apptest.Env, account, action string) int {
	env.T.Helper()
	out, err := env.AWS.DynamoDB.Query(env.Ctx, &dynamodb.QueryInput{
		TableName: aws.String(env.Deps.Config.TableName), KeyConditionExpression: aws.String("PK = :pk"),
		FilterExpression:          aws.String("#a = :a"),
		ExpressionAttributeNames:  map[string]string{"#a": "action"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: "AUDIT#" + account}, ":a": &types.AttributeValueMemberS{Value: action}},
	})
	if err != nil {
		env.T.Fatal(err)
	}
	return len(out.Items)
}

// Ten concurrent activation emails with one key: one email.
func TestConcurrentEmailsWithOneKey(t *testing.T) {
	srv := testenv.StartSES(t)
	t.Setenv("AWS_ENDPOINT_URL_SESV2", srv.URL())
	env := apptest.New(t)
	react, mail := reactivation.NewRouter(env.Deps.Logic()), email.NewRouter(env.Deps.Logic(), env.Mailer())
	token := env.SessionFor(adminEmail)
	st := env.StartReactivation(react, token, apptest.SelfReactivationPath, nil)
	const n = 10
	resps := make([]*apptest.Response, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			resps[i] = env.Call(mail, apptest.Request{Method: "POST", Path: "/v1/reactivations/" + st.ReactivationID + "/email", Token: token,
				Headers: withKey("email-once", nil)})
		})
	}
	wg.Wait()
	fresh := 0
	for _, resp := range resps {
		switch {
		case resp.Status == 202 && resp.Headers[apigw.IdempotentReplayedHeader] == "":
			fresh++
		case resp.Status == 202:
		default:
			apptest.ExpectFail(t, resp, 409, int(domain.CodeIdempotencyInProgress))
		}
	}
	if fresh != 1 {
		t.Fatalf("%d emails answered fresh, want 1", fresh)
	}
	emails, err := srv.Emails(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(emails) != 1 {
		t.Fatalf("%d emails sent, want 1", len(emails))
	}
}

func TestKeyReusedWithAnotherRequest(t *testing.T) {
	env := apptest.New(t)
	r := reactivation.NewRouter(env.Deps.Logic())
	token := env.SessionFor(adminEmail)
	start := func(body any) *apptest.Response {
		return env.Call(r, apptest.Request{Method: "POST", Path: apptest.SelfReactivationPath, Token: token, JSON: body, Headers: withKey("k1", nil)})
	}
	if resp := start(map[string]int{"valid_secs": 600}); resp.Status != 201 {
		t.Fatalf("%d %s", resp.Status, resp.Body)
	}
	resp := start(map[string]int{"valid_secs": 900})
	apptest.ExpectFail(t, resp, 422, int(domain.CodeIdempotencyMismatch))
	// The same key on another route of the session is another request too.
	resp = env.Call(r, apptest.Request{Method: "DELETE", Path: "/v1/reactivations/x", Token: token, Headers: withKey("k1", nil)})
	apptest.ExpectFail(t, resp, 422, int(domain.CodeIdempotencyMismatch))
	if got := countActions(env, "acme", string(domain.ActionReactivationStart)); got != 1 {
		t.Fatalf("%d reactivations started, want 1", got)
	}
}

func TestAnotherSessionHasItsOwnRecord(t *testing.T) {
	env := apptest.New(t)
	r := reactivation.NewRouter(env.Deps.Logic())
	var ids []string
	for _, token := range []string{env.SessionFor(adminEmail), env.SessionFor(adminEmail)} {
		resp := env.Call(r, apptest.Request{Method: "POST", Path: apptest.SelfReactivationPath, Token: token, JSON: map[string]any{}, Headers: withKey("shared-key", nil)})
		if resp.Status != 201 || resp.Headers[apigw.IdempotentReplayedHeader] != "" {
			t.Fatalf("%d %v %s", resp.Status, resp.Headers, resp.Body)
		}
		var st apptest.Started
		resp.OK(t, &st)
		ids = append(ids, st.ReactivationID)
	}
	if ids[0] == ids[1] {
		t.Fatal("the second session got the first one's answer")
	}
	// POST /v1/login: the same email from another address is another caller.
	lr := login.NewRouter(env.Deps.Logic(), env.Phone())
	var txids []string
	for _, ip := range []string{"203.0.113.7", "198.51.100.9"} {
		ev := apptest.Event(apptest.Request{Method: "POST", Path: "/v1/login", JSON: map[string]string{"email": adminEmail, "password": demo.Password}, Headers: withKey("login-key", nil)})
		ev.RequestContext.HTTP.SourceIP = ip
		out, err := lr.Handle(env.Ctx, ev)
		if err != nil || out.StatusCode != 200 || out.Headers[apigw.IdempotentReplayedHeader] != "" {
			t.Fatalf("%s: %d %v %s", ip, out.StatusCode, out.Headers, out.Body)
		}
		var env struct {
			Response login.Started `json:"response"`
		}
		_ = json.Unmarshal([]byte(out.Body), &env)
		txids = append(txids, env.Response.TxID)
	}
	if txids[0] == "" || txids[0] == txids[1] {
		t.Fatalf("txids %v", txids)
	}
}

func TestInvalidIdempotencyKeys(t *testing.T) {
	env := apptest.New(t)
	r := reactivation.NewRouter(env.Deps.Logic())
	token := env.SessionFor(adminEmail)
	for _, key := range []string{"", strings.Repeat("a", 256), "tab\there", "nul\x00", "del\x7f", "café"} {
		resp := env.Call(r, apptest.Request{Method: "POST", Path: apptest.SelfReactivationPath, Token: token, JSON: map[string]any{}, Headers: withKey(key, nil)})
		fe := apptest.ExpectFail(t, resp, 400, int(domain.CodeInvalidParams))
		if fe.MessageDetail != apigw.IdempotencyKeyHeader {
			t.Fatalf("%q: detail %q", key, fe.MessageDetail)
		}
	}
	if got := countActions(env, "acme", string(domain.ActionReactivationStart)); got != 0 {
		t.Fatalf("%d reactivations started by refused requests", got)
	}
	for _, key := range []string{strings.Repeat("~", 255), "a", "uuid 6f1c-0b ! {}"} {
		resp := env.Call(r, apptest.Request{Method: "POST", Path: apptest.SelfReactivationPath, Token: token, JSON: map[string]any{}, Headers: withKey(key, nil)})
		if resp.Status != 201 {
			t.Fatalf("%q: %d %s", key, resp.Status, resp.Body)
		}
	}
}

// idempotencyItem reads the record of (scope, key) from DynamoDB.
func idempotencyItem(env *apptest.Env, scope, key string) map[string]types.AttributeValue {
	env.T.Helper()
	hash := apigw.DeriveIdempotencyKeys(scope, key).KeyHash
	out, err := env.AWS.DynamoDB.GetItem(env.Ctx, &dynamodb.GetItemInput{
		TableName: aws.String(env.Deps.Config.TableName), ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: "IDEM#" + hash}, "SK": &types.AttributeValueMemberS{Value: "#IDEM"}},
	})
	if err != nil {
		env.T.Fatal(err)
	}
	return out.Item
}

// itemText is every attribute of an item as text, binary ones raw and in
// base64, so a search finds a secret in any form the table could give.
func itemText(item map[string]types.AttributeValue) string {
	var b strings.Builder
	for k, v := range item {
		b.WriteString(k + "=")
		switch v := v.(type) {
		case *types.AttributeValueMemberS:
			b.WriteString(v.Value)
		case *types.AttributeValueMemberN:
			b.WriteString(v.Value)
		case *types.AttributeValueMemberB:
			b.Write(v.Value)
			b.WriteString(" " + base64.StdEncoding.EncodeToString(v.Value) + " " + base64.RawURLEncoding.EncodeToString(v.Value))
		}
		b.WriteString("\n")
	}
	return b.String()
}

// The stored answers hold a barcode, a session token and a login secret;
// the table holds none of them, nor the key, and only the key in its
// scope opens them.
func TestStoredAnswersHoldNoUsableSecret(t *testing.T) {
	env := apptest.New(t)
	lr, rr := login.NewRouter(env.Deps.Logic(), env.Phone()), reactivation.NewRouter(env.Deps.Logic())
	const key = "0b6f1c2e-4d1a-4f7e-9a53-5c7e2b1d9f00"

	// POST /v1/login with a key: the answer holds the login secret.
	first := env.Call(lr, apptest.Request{Method: "POST", Path: "/v1/login", JSON: map[string]string{"email": adminEmail, "password": demo.Password}, Headers: withKey(key, nil)})
	var tx login.Started
	first.OK(t, &tx)
	env.Call(lr, apptest.Request{Method: "POST", Path: "/v1/login/" + tx.TxID + "/factor", JSON: map[string]string{"factor": "sms"},
		Headers: map[string]string{login.LoginSecretHeader: tx.LoginSecret}}).OK(t, nil)
	code, _ := smsvoice.ExtractPasscode(smsTo(env, adminPhone)[0].Body)
	var auth login.Authenticated
	env.Call(lr, apptest.Request{Method: "POST", Path: "/v1/login/" + tx.TxID + "/verify", JSON: map[string]string{"passcode": code},
		Headers: withKey(key, map[string]string{login.LoginSecretHeader: tx.LoginSecret})}).OK(t, &auth)
	startResp := env.Call(rr, apptest.Request{Method: "POST", Path: apptest.SelfReactivationPath, Token: auth.SessionToken, JSON: map[string]any{}, Headers: withKey(key, nil)})
	var st apptest.Started
	startResp.OK(t, &st)

	scopes := map[string]string{
		"password step": "route\x00POST /v1/login\x00" + secret.Hash(adminEmail) + "\x00" + "203.0.113.7",
		"verify":        "route\x00POST /v1/login/{txid}/verify\x00" + tx.TxID + "\x00" + secret.Hash(tx.LoginSecret),
		"start":         "session\x00" + secret.Hash(auth.SessionToken),
	}
	secrets := map[string]string{
		"login_secret": tx.LoginSecret, "session_token": auth.SessionToken, "barcode": st.Barcode, "code": st.Code(),
		"barcode_png": st.BarcodePNG[:40], "activation_url": st.ActivationURL, "key": key, "passcode": code,
	}
	for name, scope := range scopes {
		item := idempotencyItem(env, scope, key)
		if item == nil {
			t.Fatalf("%s: no record", name)
		}
		text := itemText(item)
		for what, s := range secrets {
			for _, form := range []string{s, base64.StdEncoding.EncodeToString([]byte(s)), base64.RawURLEncoding.EncodeToString([]byte(s))} {
				if strings.Contains(text, form) {
					t.Fatalf("%s: the record holds the %s", name, what)
				}
			}
		}
		for _, plain := range []string{`"stat"`, `"response"`} {
			if strings.Contains(text, plain) {
				t.Fatalf("%s: the record holds the answer in clear (%q)", name, plain)
			}
		}
		sealed := item["answer"].(*types.AttributeValueMemberB).Value
		resp, err := apigw.DeriveIdempotencyKeys(scope, key).Open(sealed)
		if err != nil || resp.Status >= 300 || !strings.Contains(resp.RawBody, `"stat":"OK"`) {
			t.Fatalf("%s: the right key does not open the answer: %v", name, err)
		}
		for other, k := range map[string]apigw.IdempotencyKeys{
			"another key":   apigw.DeriveIdempotencyKeys(scope, key+"x"),
			"another scope": apigw.DeriveIdempotencyKeys(scope+"x", key),
		} {
			if _, err := k.Open(sealed); err == nil {
				t.Fatalf("%s: %s opens the answer", name, other)
			}
		}
		tampered := append([]byte(nil), sealed...)
		tampered[len(tampered)-1] ^= 1
		if _, err := apigw.DeriveIdempotencyKeys(scope, key).Open(tampered); err == nil {
			t.Fatalf("%s: a changed answer opens", name)
		}
	}
	// And the replays hand the secrets back to whoever holds the key.
	again := env.Call(rr, apptest.Request{Method: "POST", Path: apptest.SelfReactivationPath, Token: auth.SessionToken, JSON: map[string]any{}, Headers: withKey(key, nil)})
	sameAnswer(t, startResp, again)
}

func TestCORSAllowsIdempotencyHeaders(t *testing.T) {
	env := apptest.New(t)
	r := reactivation.NewRouter(env.Deps.Logic())
	resp := env.Call(r, apptest.Request{Method: http.MethodOptions, Path: apptest.SelfReactivationPath, Headers: map[string]string{"Origin": "http://127.0.0.1:3000"}})
	if !strings.Contains(resp.Headers["Access-Control-Allow-Headers"], apigw.IdempotencyKeyHeader) ||
		!strings.Contains(resp.Headers["Access-Control-Expose-Headers"], apigw.IdempotentReplayedHeader) {
		t.Fatalf("CORS headers %v", resp.Headers)
	}
}

// scripted is a router of one Bearer POST route whose handler answers from
// a script, on the real store; runs counts the handler's runs.
type scripted struct {
	env    *apptest.Env
	router *apigw.Router
	token  string
	mu     sync.Mutex
	runs   int
	script []func() (*apigw.Response, error)
}

func newScripted(t *testing.T, script ...func() (*apigw.Response, error)) *scripted {
	env := apptest.New(t)
	s := &scripted{env: env, token: env.SessionFor(adminEmail), script: script}
	handler := func(context.Context, *apigw.Request) (*apigw.Response, error) {
		s.mu.Lock()
		i := s.runs
		s.runs++
		s.mu.Unlock()
		return s.script[min(i, len(s.script)-1)]()
	}
	s.router = apigw.NewRouter(env.Deps.Log, env.Deps.Sessions, "",
		apigw.Route{Key: "POST /v1/thing", Auth: true, Handler: handler},
		apigw.Route{Key: "GET /v1/thing", Auth: true, Handler: handler},
		// A route without a session, scoped like POST /v1/login to what
		// the route names (here one fixed caller).
		apigw.Route{Key: "POST /v1/open", Handler: handler, Scope: func(*apigw.Request) (string, error) { return "caller", nil }},
	).WithIdempotency(env.Deps.Idempotency)
	return s
}

func (s *scripted) call(method, key string, body any) *apptest.Response {
	s.env.T.Helper()
	return s.env.CallOffContract(s.router, apptest.Request{Method: method, Path: "/v1/thing", Token: s.token, JSON: body, Headers: withKey(key, nil)})
}

func (s *scripted) ran() int { s.mu.Lock(); defer s.mu.Unlock(); return s.runs }

func created() (*apigw.Response, error) { return apigw.Created(map[string]string{"id": "one"}), nil }

// Answers that ask for a retry (503, 500, 429, 40103) are not stored: the claim
// is deleted and the next request with the key runs the handler again.
func TestAnswersAskingForRetryAreNotStored(t *testing.T) {
	s := newScripted(t,
		func() (*apigw.Response, error) { return nil, domain.Unavailable("sms") },
		func() (*apigw.Response, error) { return nil, domain.RateLimited(0) },
		func() (*apigw.Response, error) { return nil, context.DeadlineExceeded }, // 500
		func() (*apigw.Response, error) { return nil, domain.NewError(domain.CodeRecentAuthNeeded) },
		created)
	for i, want := range []int{503, 429, 500, 401, 201} {
		resp := s.call("POST", "retry-key", map[string]any{})
		if resp.Status != want || resp.Headers[apigw.IdempotentReplayedHeader] != "" || s.ran() != i+1 {
			t.Fatalf("call %d: %d %v %s after %d runs", i, resp.Status, resp.Headers, resp.Body, s.ran())
		}
		if want == 503 && idempotencyItem(s.env, "session\x00"+secret.Hash(s.token), "retry-key") != nil {
			t.Fatal("the 503 left a record")
		}
	}
	if resp := s.call("POST", "retry-key", map[string]any{}); resp.Status != 201 || resp.Headers[apigw.IdempotentReplayedHeader] != "true" || s.ran() != 5 {
		t.Fatalf("the stored 201 was not replayed: %d %v, %d runs", resp.Status, resp.Headers, s.ran())
	}
}

// A refusal the handler decided is the final answer: stored and replayed.
func TestRefusalsAreStored(t *testing.T) {
	s := newScripted(t, func() (*apigw.Response, error) { return nil, domain.NewError(domain.CodeForbidden) }, created)
	first := s.call("POST", "refused", map[string]any{})
	apptest.ExpectFail(t, first, 403, int(domain.CodeForbidden))
	sameAnswer(t, first, s.call("POST", "refused", map[string]any{}))
	if s.ran() != 1 {
		t.Fatalf("%d runs", s.ran())
	}
}

// A function that dies mid-request leaves its claim running: repeats get
// 40902 for the lease, then one takes the claim over and runs.
func TestCrashedClaimIsTakenOverAfterLease(t *testing.T) {
	s := newScripted(t, func() (*apigw.Response, error) { panic("the function died") }, created)
	if resp := s.call("POST", "crash", map[string]any{}); resp.Status != 500 {
		t.Fatalf("%d %s", resp.Status, resp.Body)
	}
	s.env.Clock.Advance(apigw.IdempotencyLease - 1e9)
	apptest.ExpectFail(t, s.call("POST", "crash", map[string]any{}), 409, int(domain.CodeIdempotencyInProgress))
	// Another request under the key never takes the claim over.
	s.env.Clock.Advance(2e9)
	apptest.ExpectFail(t, s.call("POST", "crash", map[string]any{"other": 1}), 422, int(domain.CodeIdempotencyMismatch))
	if s.ran() != 1 {
		t.Fatalf("%d runs during the lease", s.ran())
	}
	first := s.call("POST", "crash", map[string]any{})
	if first.Status != 201 || s.ran() != 2 {
		t.Fatalf("not taken over: %d %s, %d runs", first.Status, first.Body, s.ran())
	}
	sameAnswer(t, first, s.call("POST", "crash", map[string]any{}))
}

// Every read checks expiry: after IdempotencyTTL the key is free again,
// whatever DynamoDB's TTL has deleted.
func TestRecordsExpireAfterTTL(t *testing.T) {
	s := newScripted(t, created)
	call := func(body any) *apptest.Response {
		return s.env.CallOffContract(s.router, apptest.Request{Method: "POST", Path: "/v1/open", JSON: body, Headers: withKey("day", nil)})
	}
	call(map[string]any{})
	s.env.Clock.Advance(apigw.IdempotencyTTL - 1e9)
	if resp := call(map[string]any{"other": true}); resp.Status != 422 {
		t.Fatalf("before expiry: %d %s", resp.Status, resp.Body)
	}
	s.env.Clock.Advance(2e9)
	if resp := call(map[string]any{"other": true}); resp.Status != 201 || resp.Headers[apigw.IdempotentReplayedHeader] != "" || s.ran() != 2 {
		t.Fatalf("after expiry: %d %v, %d runs", resp.Status, resp.Headers, s.ran())
	}
}

// GET is safe: the header changes nothing; without the header a POST runs
// every time as before.
func TestOnlyKeyedWritesAreIdempotent(t *testing.T) {
	s := newScripted(t, created)
	s.call("GET", "get-key", nil)
	s.call("GET", "get-key", nil)
	for range 2 {
		s.env.CallOffContract(s.router, apptest.Request{Method: "POST", Path: "/v1/thing", Token: s.token, JSON: map[string]any{}})
	}
	if s.ran() != 4 {
		t.Fatalf("%d runs, want 4", s.ran())
	}
}

func TestIdempotentRouteNeedsAScope(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("a POST without Auth or Scope was accepted")
		}
	}()
	apigw.NewRouter(nil, nil, "", apigw.Route{Key: "POST /v1/open", Handler: func(context.Context, *apigw.Request) (*apigw.Response, error) {
		return created()
	}}).WithIdempotency(apigw.Idempotency{})
}

// A 503 from a real dependency is not stored: with the SMS/voice service
// refusing, the factor call is 503 and leaves no record; once it is back,
// the same key sends the one SMS, and a repeat replays that answer.
func TestDependency503IsNotStored(t *testing.T) {
	apptest.SetParallelEnv(t)
	var sms *faultproxy.Proxy
	env := apptest.NewParallel(t, apptest.Options{Through: func(service, endpoint string) string {
		if service != apptest.ServiceSMSVoice {
			return endpoint
		}
		p, err := faultproxy.New(endpoint, faultproxy.SMSVoice)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = p.Close() })
		sms = p
		return p.URL
	}})
	r := login.NewRouter(env.Deps.Logic(), env.Phone())
	tx := startLogin(env.Env, r)
	headers := withKey("sms-when-down", map[string]string{login.LoginSecretHeader: tx.LoginSecret})
	call := func() *apptest.Response {
		return env.Call(r, apptest.Request{Method: "POST", Path: "/v1/login/" + tx.TxID + "/factor", JSON: map[string]string{"factor": "sms"}, Headers: headers})
	}
	if err := sms.Set(faultproxy.Refuse); err != nil {
		t.Fatal(err)
	}
	down := call()
	apptest.ExpectFail(t, down, 503, int(domain.CodeUnavailable))
	scope := "route\x00POST /v1/login/{txid}/factor\x00" + tx.TxID + "\x00" + secret.Hash(tx.LoginSecret)
	if idempotencyItem(env.Env, scope, "sms-when-down") != nil {
		t.Fatal("the 503 was stored")
	}
	if err := sms.Set(faultproxy.Pass); err != nil {
		t.Fatal(err)
	}
	first := call()
	first.OK(t, nil)
	if first.Headers[apigw.IdempotentReplayedHeader] != "" {
		t.Fatal("the retry after a 503 was a replay")
	}
	sameAnswer(t, first, call())
	if n := len(smsTo(env.Env, adminPhone)); n != 1 {
		t.Fatalf("%d SMS sent, want 1", n)
	}
}
