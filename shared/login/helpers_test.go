//go:build !fuzz

package login_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"push-reactivation/infra/smsvoicelocal"
	"push-reactivation/internal/testenv/apptest"
	"push-reactivation/shared/apigw"
	"push-reactivation/shared/demo"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/login"
	"push-reactivation/shared/secret"
	"push-reactivation/shared/smsvoice"
)

// Demo admins (DESIGN.md §6).
const (
	owner      = "owner@acme.example" // acme, standard account, phone +15555550100
	ownerPhone = "+15555550100"
	helpdesk   = "helpdesk@acme.example"
	msp        = "msp@umbrella.example" // umbrella, MSP parent of umbrella-child
)

// rfcKey is the RFC 4226 Appendix D secret, used as a credential's
// hotp_secret so the end-to-end tests can use the RFC's values.
const rfcKey = "12345678901234567890"

// fixture is one test's environment and the fallback-login router on it.
type fixture struct {
	t   testing.TB
	env *apptest.Env
	r   *apigw.Router

	mu      sync.Mutex
	secrets map[string]string // txid → login_secret, of the logins f.login started
}

func newFixture(t testing.TB) *fixture {
	env := apptest.New(t)
	return &fixture{t: t, env: env, r: login.NewRouter(env.Deps.Logic(), env.Phone()), secrets: map[string]string{}}
}

// call calls the router. On /v1/login/{txid}... it sends the login_secret
// of that login, as the panel does, when f.login started it.
func (f *fixture) call(method, path string, body any, token string) *apptest.Response {
	f.t.Helper()
	req := apptest.Request{Method: method, Path: path, JSON: body, Token: token}
	if rest, ok := strings.CutPrefix(path, "/v1/login/"); ok {
		txid, _, _ := strings.Cut(rest, "/")
		f.mu.Lock()
		s, known := f.secrets[txid]
		f.mu.Unlock()
		if known {
			req.Headers = map[string]string{login.LoginSecretHeader: s}
		}
	}
	return f.env.Call(f.r, req)
}

// login does the password step and returns its answer; later calls of f
// on this login carry its login_secret.
func (f *fixture) login(email string) login.Started {
	f.t.Helper()
	var out login.Started
	f.call(http.MethodPost, "/v1/login", map[string]string{"email": email, "password": demo.Password}, "").OK(f.t, &out)
	f.mu.Lock()
	f.secrets[out.TxID] = out.LoginSecret
	f.mu.Unlock()
	return out
}

// factor chooses a factor and expects success.
func (f *fixture) factor(txid string, factor domain.Factor) login.Delivery {
	f.t.Helper()
	var out login.Delivery
	f.call(http.MethodPost, "/v1/login/"+txid+"/factor", map[string]string{"factor": string(factor)}, "").OK(f.t, &out)
	return out
}

func (f *fixture) verify(txid, passcode string) *apptest.Response {
	f.t.Helper()
	return f.call(http.MethodPost, "/v1/login/"+txid+"/verify", map[string]string{"passcode": passcode}, "")
}

// lastMessage is the newest message to phone, which must be of kind.
func (f *fixture) lastMessage(phone, kind string) smsvoicelocal.Message {
	f.t.Helper()
	msgs := f.env.SMS.Messages()
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].To == phone {
			if msgs[i].Kind != kind {
				f.t.Fatalf("last message to %s is %s, want %s", phone, msgs[i].Kind, kind)
			}
			return msgs[i]
		}
	}
	f.t.Fatalf("no message to %s", phone)
	return smsvoicelocal.Message{}
}

// passcode is the passcode in the newest message to phone.
func (f *fixture) passcode(phone, kind string) string {
	f.t.Helper()
	code, ok := smsvoice.ExtractPasscode(f.lastMessage(phone, kind).Body)
	if !ok || len(code) != domain.PasscodeDigits {
		f.t.Fatalf("no 7-digit passcode in the last %s to %s", kind, phone)
	}
	return code
}

// smsLogin logs email in with password and SMS and returns the token.
func (f *fixture) smsLogin(email, phone string) string {
	f.t.Helper()
	tx := f.login(email)
	f.factor(tx.TxID, domain.FactorSMS)
	var auth login.Authenticated
	f.verify(tx.TxID, f.passcode(phone, smsvoicelocal.KindSMS)).OK(f.t, &auth)
	return auth.SessionToken
}

// wrongPasscode is a 7-digit passcode other than right.
func wrongPasscode(right string) string {
	if right == "0000000" {
		return "1111111"
	}
	return "0000000"
}

func (f *fixture) admin(email string) *domain.Admin { return f.env.Admin(email) }

// activate gives email's admin an active Duo Push credential with the
// given hotp_secret, through the store's real reactivation and redeem.
func (f *fixture) activate(email, hotpSecret string) domain.Credential {
	f.t.Helper()
	store, ctx, now := f.env.Deps.Store, f.env.Ctx, f.env.Clock.Now()
	admin := f.admin(email)
	code, _ := secret.ActivationCode(nil, domain.ActivationCodeLength)
	id, _ := secret.ID(nil)
	r := domain.Reactivation{ID: id, AdminID: admin.ID, AccountID: admin.AccountID, InitiatedBy: admin.ID,
		Status: domain.ReactivationPending, CreatedAt: now, ExpiresAt: now.Add(time.Hour),
		QRCodeHash: secret.Hash(code), QRExpiresAt: now.Add(time.Hour)}
	err := store.CreateReactivation(ctx, domain.NewReactivation{
		Reactivation: r,
		QRCode: domain.ActivationCode{Hash: r.QRCodeHash, Kind: domain.CodeKindQR, ReactivationID: r.ID, AdminID: admin.ID,
			AccountID: admin.AccountID, Status: domain.ReactivationPending, ExpiresAt: r.QRExpiresAt},
		ExpectedPending: admin.PendingReactivationID,
		Audit:           domain.AuditEvent{ID: id, Time: now, AccountID: admin.AccountID, Action: domain.ActionReactivationStart, Outcome: domain.OutcomeSuccess},
		Limit:           domain.Limit{Name: "test-react", Window: time.Hour, Max: 100},
	})
	if err != nil {
		f.t.Fatal(err)
	}
	target, err := store.GetActivationTarget(ctx, r.QRCodeHash)
	if err != nil {
		f.t.Fatal(err)
	}
	cred := domain.Credential{ID: "DP" + id[:18], AKey: "DA" + id[:18], AdminID: admin.ID, AccountID: admin.AccountID,
		Model: "Pixel 9", Platform: "Android", HOTPSecret: hotpSecret, Status: domain.CredentialActive,
		CreatedAt: now, ActivatedAt: now, ReactivationID: r.ID}
	err = store.Redeem(ctx, domain.Redemption{Target: target, Credential: cred,
		Audit: domain.AuditEvent{ID: id + "r", Time: now, AccountID: admin.AccountID, Action: domain.ActionReactivationActivate, Outcome: domain.OutcomeSuccess}})
	if err != nil {
		f.t.Fatal(err)
	}
	return cred
}

// failCode checks a FAIL answer's HTTP status and code.
func failCode(t testing.TB, resp *apptest.Response, want domain.Code) apigw.FailEnvelope {
	t.Helper()
	fe := resp.Fail(t)
	if fe.Code != int(want) || resp.Status != want.HTTPStatus() {
		t.Fatalf("got %d %s, want code %d", resp.Status, resp.Body, want)
	}
	return fe
}

// auditActions lists the actions and outcomes in an account's log, oldest
// first.
func (f *fixture) auditActions(account string) []string {
	f.t.Helper()
	events, _, err := f.env.Deps.Store.ListAudit(f.env.Ctx, account, domain.AuditFilter{Limit: 100})
	if err != nil {
		f.t.Fatal(err)
	}
	out := make([]string, 0, len(events))
	for i := len(events) - 1; i >= 0; i-- {
		out = append(out, events[i].Action+":"+string(events[i].Outcome))
	}
	return out
}
