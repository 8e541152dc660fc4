package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"push-reactivation/infra/ddblocal"
	"push-reactivation/internal/testenv"
	"push-reactivation/internal/testenv/apptest"
	"push-reactivation/shared/app"
	"push-reactivation/shared/config/standard"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/dynamo"
	"push-reactivation/shared/login"
	"push-reactivation/shared/secret"
	"push-reactivation/shared/smsvoice"
)

const table = "adminctl-test"

type result struct {
	out, errOut string
	err         error
}

func adminctl(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	env := cliEnv{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errOut, table: table, argon2: apptest.CheapArgon2}
	err := run(context.Background(), env, args)
	return result{out.String(), errOut.String(), err}
}

func mustRun(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	r := adminctl(t, stdin, args...)
	if r.err != nil {
		t.Fatalf("adminctl %v: %v\n%s", args, r.err, r.errOut)
	}
	return r.out
}

// startDB starts an embedded DynamoDB without a table and points the
// standard SDK variables at it, as a developer would for the local stack.
func startDB(t *testing.T) *dynamo.Store {
	t.Helper()
	srv, err := ddblocal.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	testenv.SetAWSEnv(t)
	t.Setenv("AWS_ENDPOINT_URL_DYNAMODB", srv.URL)
	cfg, err := standard.AWS(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return dynamo.New(dynamo.NewClient(cfg), table, domain.SystemClock{})
}

// TestProvisioning creates the table, accounts, an admin and a policy with
// the CLI, then logs that admin in through the real login handler: what
// adminctl writes is what the service reads.
func TestProvisioning(t *testing.T) {
	store := startDB(t)
	ctx := context.Background()

	mustRun(t, "", "create-table")
	mustRun(t, "", "create-table") // again: harmless

	mustRun(t, "", "create-account", "--id", "acme", "--name", "Acme Corp")
	mustRun(t, "", "create-account", "--id", "umbrella", "--name", "Umbrella MSP", "--kind", "msp_parent")
	mustRun(t, "", "create-account", "--id", "umbrella-child", "--name", "Umbrella Child", "--kind", "child", "--parent", "umbrella")
	children, err := store.ListChildAccounts(ctx, "umbrella")
	if err != nil || len(children) != 1 || children[0].ID != "umbrella-child" {
		t.Fatalf("children of umbrella = %v, %v", children, err)
	}

	const password = "correct horse battery"
	out := mustRun(t, password+"\n", "create-admin", "--account", "acme", "--email", "Olivia@Acme.example",
		"--name", "Olivia Owner", "--role", "owner", "--phone", "+15555550100", "--id", "olivia")
	if !strings.Contains(out, "olivia@acme.example") {
		t.Errorf("create-admin said %q", out)
	}
	a, err := store.GetAdminByEmail(ctx, "OLIVIA@acme.example")
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != "olivia" || a.Role != domain.RoleOwner || a.Phone != "+15555550100" || a.Status != domain.AdminActive || a.AccountID != "acme" {
		t.Errorf("admin = %+v", a)
	}
	if !strings.HasPrefix(a.PasswordHash, "$argon2id$") {
		t.Errorf("password hash %q is not argon2id", a.PasswordHash)
	}
	if ok, err := secret.CheckPassword(a.PasswordHash, password); !ok || err != nil {
		t.Errorf("the stored hash does not match the password: %v", err)
	}

	mustRun(t, "", "set-policy", "--account", "acme", "--factors", "sms,phone", "--verified-push-length", "0")
	acct, err := store.GetAccount(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if got := acct.Policy; len(got.AllowedFactors) != 2 || !got.Allows(domain.FactorSMS) || !got.Allows(domain.FactorPhone) || got.VerifiedPushLength != 0 {
		t.Errorf("policy = %+v", got)
	}
	// Re-creating an account keeps its policy.
	mustRun(t, "", "create-account", "--id", "acme", "--name", "Acme Corporation")
	if acct, _ := store.GetAccount(ctx, "acme"); acct.Name != "Acme Corporation" || len(acct.Policy.AllowedFactors) != 2 {
		t.Errorf("after re-create: %+v", acct)
	}

	list := mustRun(t, "", "list-admins", "--account", "acme")
	if !strings.Contains(list, "olivia@acme.example") || !strings.Contains(list, "owner") {
		t.Errorf("list-admins:\n%s", list)
	}

	// The service logs her in and offers the policy's factors only.
	for k, v := range map[string]string{"TABLE_NAME": table, "API_HOST": "localhost:3443", "LOG_LEVEL": "ERROR",
		"CODE_HASH_KEY": base64.StdEncoding.EncodeToString([]byte(apptest.CodeHashKey))} {
		t.Setenv(k, v)
	}
	cfg, awsCfg, err := app.Env(ctx)
	if err != nil {
		t.Fatal(err)
	}
	d := app.Load(cfg, dynamo.NewClient(awsCfg))
	ev := apptest.Event(apptest.Request{Method: "POST", Path: "/v1/login",
		JSON: map[string]string{"email": "olivia@acme.example", "password": password}})
	resp, err := login.NewRouter(d.Logic(), smsvoice.FromConfig(awsCfg, cfg)).Handle(ctx, ev)
	apptest.CheckContract(t, ev, resp)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("login: %d %s %v", resp.StatusCode, resp.Body, err)
	}
	var env struct {
		Response struct {
			Factors []struct{ Factor string } `json:"factors"`
		} `json:"response"`
	}
	if err := json.Unmarshal([]byte(resp.Body), &env); err != nil {
		t.Fatal(err)
	}
	var factors []string
	for _, f := range env.Response.Factors {
		factors = append(factors, f.Factor)
	}
	if strings.Join(factors, ",") != "sms,phone" {
		t.Errorf("login offers %v, the policy allows sms,phone", factors)
	}
}

func TestRefusals(t *testing.T) {
	startDB(t)
	mustRun(t, "", "create-table")
	mustRun(t, "", "create-account", "--id", "acme", "--name", "Acme Corp")
	mustRun(t, "long enough password\n", "create-admin", "--account", "acme", "--email", "a@acme.example",
		"--name", "A", "--role", "administrator", "--phone", "+15555550101")

	for _, tc := range []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"no command", "", nil, "usage"},
		{"unknown command", "", []string{"drop-table"}, "unknown command"},
		{"child without parent", "", []string{"create-account", "--id", "c", "--name", "C", "--kind", "child"}, "--parent"},
		{"parent is not an MSP", "", []string{"create-account", "--id", "c", "--name", "C", "--kind", "child", "--parent", "acme"}, "not msp_parent"},
		{"bad kind", "", []string{"create-account", "--id", "c", "--name", "C", "--kind", "reseller"}, "--kind"},
		{"missing flag", "", []string{"create-account", "--name", "C"}, "--id is required"},
		{"duplicate email", "long enough password\n", []string{"create-admin", "--account", "acme", "--email", "A@ACME.example", "--name", "B", "--role", "owner", "--phone", "+15555550102"}, "email already in use"},
		// Issue 11 §7: spellings that normalise to a@acme.example (NFKC,
		// then lower case) are the same email, not a second admin.
		{"duplicate email, full-width a", "long enough password\n", []string{"create-admin", "--account", "acme", "--email", "\uff41@acme.example", "--name", "B", "--role", "owner", "--phone", "+15555550102"}, "email already in use"},
		{"duplicate email, full-width @", "long enough password\n", []string{"create-admin", "--account", "acme", "--email", "A\uff20ACME.EXAMPLE", "--name", "B", "--role", "owner", "--phone", "+15555550102"}, "email already in use"},
		{"short password", "short\n", []string{"create-admin", "--account", "acme", "--email", "b@acme.example", "--name", "B", "--role", "owner", "--phone", "+15555550102"}, "at least"},
		{"no password", "", []string{"create-admin", "--account", "acme", "--email", "b@acme.example", "--name", "B", "--role", "owner", "--phone", "+15555550102"}, "no password"},
		{"bad role", "long enough password\n", []string{"create-admin", "--account", "acme", "--email", "b@acme.example", "--name", "B", "--role", "god", "--phone", "+15555550102"}, "--role"},
		{"bad phone", "long enough password\n", []string{"create-admin", "--account", "acme", "--email", "b@acme.example", "--name", "B", "--role", "owner", "--phone", "555-0102"}, "E.164"},
		{"unknown account", "long enough password\n", []string{"create-admin", "--account", "nope", "--email", "b@acme.example", "--name", "B", "--role", "owner", "--phone", "+15555550102"}, "account nope"},
		{"unknown factor", "", []string{"set-policy", "--account", "acme", "--factors", "sms,carrier-pigeon"}, "unknown factor"},
		{"verified push too long", "", []string{"set-policy", "--account", "acme", "--verified-push-length", "12"}, "verified-push-length"},
		{"QR validity out of range", "", []string{"set-policy", "--account", "acme", "--qr-validity-secs", "5"}, "qr-validity-secs"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := adminctl(t, tc.stdin, tc.args...)
			if r.err == nil {
				t.Fatalf("adminctl %v succeeded:\n%s", tc.args, r.out)
			}
			if msg := r.err.Error() + r.errOut; !strings.Contains(msg, tc.want) {
				t.Errorf("error %q does not mention %q", msg, tc.want)
			}
		})
	}
	// Nothing above changed the account or added an admin.
	r := adminctl(t, "", "list-admins", "--account", "acme")
	if r.err != nil || strings.Count(r.out, "@acme.example") != 1 {
		t.Errorf("list-admins after refusals: %v\n%s", r.err, r.out)
	}
	if errors.Is(adminctl(t, "", "frobnicate").err, errUsage) == false {
		t.Error("an unknown command is not a usage error")
	}
}
