package phone_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"push-reactivation/internal/testenv/apptest"
	"push-reactivation/shared/demo"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/login"
	"push-reactivation/shared/secret"
)

// rawResponse is an HTTP answer as the attacker sees it.
type rawResponse struct {
	status  int
	headers http.Header
	body    string
}

func (f *fixture) raw(method, path, token string, headers map[string]string, body string) rawResponse {
	f.T.Helper()
	req, _ := http.NewRequest(method, f.server.URL+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.T.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	resp.Header.Del("Date") // the only header that differs between two identical answers
	return rawResponse{status: resp.StatusCode, headers: resp.Header, body: string(b)}
}

// txidFromAdminLog reads the account's administrator log as token's Owner
// and returns the txid that the phone's answer to victim's push left in
// it, as an attacker with the Owner role would find it.
func (f *fixture) txidFromAdminLog(token, victimID string) string {
	f.T.Helper()
	r := f.raw("GET", "/v1/admin-log?admin_id="+victimID, token, nil, "")
	var page struct {
		Response struct {
			Events []domain.AuditEvent `json:"events"`
		} `json:"response"`
	}
	if r.status != http.StatusOK || json.Unmarshal([]byte(r.body), &page) != nil {
		f.T.Fatalf("admin-log: %d %s", r.status, r.body)
	}
	for _, ev := range page.Response.Events {
		if txid := ev.Details["txid"]; txid != "" && ev.Details["result"] == "approved" {
			return txid
		}
	}
	f.T.Fatalf("the administrator log shows no approved push of %s: %s", victimID, r.body)
	return ""
}

// TestApprovedPushTxIDDoesNotGiveTheSession plays issue 11 §1: an Owner
// (and an MSP parent Owner acting in a child account) reads the txid of a
// help-desk admin's approved push from GET /v1/admin-log and asks
// GET /v1/login/{txid} for the session. Without the login_secret, or with
// a wrong one, every login call answers exactly as for an unknown txid and
// hands out nothing; the victim's panel, holding the secret, gets the
// session, which works.
func TestApprovedPushTxIDDoesNotGiveTheSession(t *testing.T) {
	f := newFixture(t)
	child := f.childAdmin("child-helpdesk", "helpdesk@child.example")
	for i, tt := range []struct {
		name, victim, victimID, attacker, actIn string
	}{
		{"owner of the account", "helpdesk@acme.example", "acme-helpdesk", "owner@acme.example", ""},
		{"MSP parent owner in the child account", child.Email, child.ID, "msp@umbrella.example", "umbrella-child"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := f.newPhone(i)
			if _, err := p.Activate(f.Ctx, f.start(tt.victim).Barcode); err != nil {
				t.Fatal(err)
			}
			panel := newPanel(t, f.server.URL)
			txid := panel.login(tt.victim)
			var push struct {
				VerificationCode string `json:"verification_code"`
			}
			panel.post("/v1/login/"+txid+"/factor", `{"factor":"push"}`, &push)
			if status, err := p.Answer(f.Ctx, "", "", true, push.VerificationCode); err != nil || status != "approved" {
				t.Fatalf("approve: %s %v", status, err)
			}

			attacker := f.SessionFor(tt.attacker)
			if tt.actIn != "" {
				if r := f.raw("PUT", "/v1/session/account", attacker, nil, `{"account_id":"`+tt.actIn+`"}`); r.status != http.StatusOK {
					t.Fatalf("switch to %s: %d %s", tt.actIn, r.status, r.body)
				}
			}
			if got := f.txidFromAdminLog(attacker, tt.victimID); got != txid {
				t.Fatalf("admin log shows txid %s, the victim's is %s", got, txid)
			}

			unknown := strings.Repeat("0", 32)
			wrongSecret, _ := secret.Token(nil, 32)
			for _, call := range []struct{ method, suffix, body string }{
				{"GET", "", ""},
				{"POST", "/factor", `{"factor":"push"}`},
				{"POST", "/verify", `{"passcode":"1234567"}`},
			} {
				want := f.raw(call.method, "/v1/login/"+unknown+call.suffix, attacker, nil, call.body)
				if want.status != http.StatusNotFound || !strings.Contains(want.body, `"code":40401`) {
					t.Fatalf("unknown txid: %d %s", want.status, want.body)
				}
				for name, headers := range map[string]map[string]string{
					"no secret":    nil,
					"wrong secret": {login.LoginSecretHeader: wrongSecret},
					"empty secret": {login.LoginSecretHeader: ""},
				} {
					got := f.raw(call.method, "/v1/login/"+txid+call.suffix, attacker, headers, call.body)
					if got.status != want.status || got.body != want.body || !sameHeaders(got.headers, want.headers) {
						t.Errorf("%s %s with %s: %d %v %s\nunknown txid: %d %v %s", call.method, call.suffix, name,
							got.status, got.headers, got.body, want.status, want.headers, want.body)
					}
				}
			}

			// The victim's panel still gets the session, once, and it works.
			st := panel.status(txid)
			if st.Status != "approved" || st.SessionToken == "" {
				t.Fatalf("victim's poll: %+v", st)
			}
			if r := f.raw("GET", "/v1/session", st.SessionToken, nil, ""); r.status != http.StatusOK {
				t.Fatalf("victim's session: %d %s", r.status, r.body)
			}
		})
	}
}

func sameHeaders(a, b http.Header) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if a.Get(k) != b.Get(k) {
			return false
		}
	}
	return true
}

// childAdmin adds a help-desk admin with a phone to the demo's MSP child
// account (which has none).
func (f *fixture) childAdmin(id, email string) *domain.Admin {
	f.T.Helper()
	hash, err := secret.HashPassword(nil, demo.Password, apptest.CheapArgon2)
	if err != nil {
		f.T.Fatal(err)
	}
	a := domain.Admin{ID: id, AccountID: "umbrella-child", Email: email, Name: "Child Help Desk", Role: domain.RoleHelpDesk,
		Phone: "+15555550299", PasswordHash: hash, Status: domain.AdminActive, CreatedAt: f.Clock.Now()}
	if err := f.Deps.Store.CreateAdmin(f.Ctx, a); err != nil {
		f.T.Fatal(err)
	}
	return &a
}
