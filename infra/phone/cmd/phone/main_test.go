package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"push-reactivation/infra/phone/phonetest"
	"push-reactivation/internal/testenv/apptest"
	"push-reactivation/shared/device"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/reactivation"
	"push-reactivation/shared/secret"
)

// TestCommand runs the command against the real handlers over HTTP: it
// activates from a QR image, lists, answers a verified push, makes
// passcodes and registers a token, keeping everything in its state file.
func TestCommand(t *testing.T) {
	env := apptest.New(t)
	// The command signs with the real clock; move the service's there.
	env.Clock.Advance(time.Since(env.Clock.Now()))
	srv := httptest.NewServer(phonetest.CheckedGateway(apptest.ContractCheck(t), device.NewService(env.Deps.Logic()).Router()))
	t.Cleanup(srv.Close)

	p, err := env.Deps.Sessions.Authenticate(env.Ctx, env.SessionFor("admin@acme.example"))
	if err != nil {
		t.Fatal(err)
	}
	started, err := reactivation.NewService(env.Deps.Logic()).Start(env.Ctx, reactivation.StartRequest{Actor: p, Target: &p.Admin})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	png := filepath.Join(dir, "qr.png")
	if err := os.WriteFile(png, started.PNG, 0o600); err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(dir, "phone.json")
	phoneRun := func(args ...string) (string, error) {
		t.Helper()
		var out bytes.Buffer
		err := run(context.Background(), append([]string{"--state", state}, args...), &out)
		return out.String(), err
	}
	must := func(args ...string) string {
		t.Helper()
		out, err := phoneRun(args...)
		if err != nil {
			t.Fatalf("phone %v: %v", args, err)
		}
		return out
	}

	out := must("activate", png, "--base-url", srv.URL)
	if !strings.Contains(out, "activated DP") || !strings.Contains(out, "admin@acme.example") {
		t.Fatalf("activate: %q", out)
	}
	var creds []struct {
		PKey       string `json:"pkey"`
		AdminEmail string `json:"admin_email"`
		BaseURL    string `json:"base_url"`
	}
	if err := json.Unmarshal([]byte(must("list", "--json")), &creds); err != nil || len(creds) != 1 || creds[0].BaseURL != srv.URL {
		t.Fatalf("list: %+v %v", creds, err)
	}
	if st, _ := os.Stat(state); st.Mode().Perm() != 0o600 {
		t.Fatalf("state file mode %v", st.Mode())
	}

	if out := must("pending"); out != "no pending pushes\n" {
		t.Fatalf("pending: %q", out)
	}
	cred, _ := env.Deps.Store.GetCredential(env.Ctx, creds[0].PKey)
	now := env.Clock.Now()
	tx := domain.LoginTx{ID: "tx1", AdminID: cred.AdminID, AccountID: cred.AccountID, Status: domain.LoginPending, CreatedAt: now,
		ExpiresAt: now.Add(domain.LoginTransactionValidity), CredentialID: cred.ID, PushID: "urgid-1",
		VerificationCodeHash: env.Deps.Config.Codes.Hash(secret.PushVerificationCode, "314"), VerificationCodeLength: 3, PushExpiresAt: now.Add(domain.PushValidity)}
	if err := env.PutPush(tx); err != nil {
		t.Fatal(err)
	}
	if out := must("pending", "--wait", "5s"); !strings.Contains(out, "urgid-1") || !strings.Contains(out, "--code") {
		t.Fatalf("pending: %q", out)
	}
	if _, err := phoneRun("approve"); err == nil || !strings.Contains(err.Error(), "40014") {
		t.Fatalf("approve without code: %v", err)
	}
	if out := must("approve", "--code", "314", "--urgid", "urgid-1"); out != "approved\n" {
		t.Fatalf("approve: %q", out)
	}

	six := regexp.MustCompile(`^\d{6}\n$`)
	first, second := must("passcode"), must("passcode", "--cred", "admin@acme.example")
	if !six.MatchString(first) || !six.MatchString(second) || first == second {
		t.Fatalf("passcodes %q %q", first, second)
	}
	if !strings.Contains(must("register", "--token", "tok-1"), "registered") {
		t.Fatal("register")
	}
	var info struct {
		AdminEmail          string `json:"admin_email"`
		PushTokenRegistered bool   `json:"push_token_registered"`
	}
	if err := json.Unmarshal([]byte(must("info", "--json")), &info); err != nil || !info.PushTokenRegistered || info.AdminEmail != "admin@acme.example" {
		t.Fatalf("info %+v %v", info, err)
	}
	if _, err := phoneRun("dance"); err == nil {
		t.Fatal("unknown command accepted")
	}
	if _, err := phoneRun("activate"); err == nil {
		t.Fatal("activate without input accepted")
	}
}
