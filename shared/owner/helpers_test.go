//go:build !fuzz

package owner_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"push-reactivation/internal/testenv/apptest"
	"push-reactivation/shared/apigw"
	"push-reactivation/shared/demo"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/login"
	"push-reactivation/shared/owner"
	"push-reactivation/shared/reactivation"
	"push-reactivation/shared/secret"
	"push-reactivation/shared/smsvoice"
)

// notice is one OwnerStartedReactivation call.
type notice struct {
	owner, target  domain.Admin
	reactivationID string
}

// notices records what the service would have emailed.
type notices struct {
	mu   sync.Mutex
	sent []notice
}

func (n *notices) OwnerStartedReactivation(_ context.Context, owner, target *domain.Admin, r *domain.Reactivation) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.sent = append(n.sent, notice{owner: *owner, target: *target, reactivationID: r.ID})
}

func (n *notices) all() []notice {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]notice(nil), n.sent...)
}

type fixture struct {
	*apptest.Env
	owner   *apigw.Router // OwnerReactivationFunction
	self    *apigw.Router // ReactivationCodeFunction
	login   *apigw.Router // FallbackLoginFunction
	notices *notices
	admins  int               // admins created, for distinct phone numbers
	secrets map[string]string // txid → login_secret of the logins loginTx started
}

func newFixture(t testing.TB) *fixture {
	env := apptest.New(t)
	svc := reactivation.NewService(env.Deps.Logic())
	n := &notices{}
	svc.Notifier = n
	return &fixture{Env: env, owner: owner.NewRouterWith(env.Deps.Logic(), svc), self: reactivation.NewRouter(env.Deps.Logic()),
		login: login.NewRouter(env.Deps.Logic(), env.Phone()), notices: n, secrets: map[string]string{}}
}

// createAdmin adds an admin with the demo password and a phone of its own.
func (f *fixture) createAdmin(id, account, email string, role domain.Role) *domain.Admin {
	f.T.Helper()
	hash, err := secret.HashPassword(nil, demo.Password, apptest.CheapArgon2)
	if err != nil {
		f.T.Fatal(err)
	}
	f.admins++
	a := domain.Admin{ID: id, AccountID: account, Email: email, Name: id, Role: role, Phone: fmt.Sprintf("+155555509%02d", f.admins),
		PasswordHash: hash, Status: domain.AdminActive, CreatedAt: f.Clock.Now()}
	if err := f.Deps.Store.CreateAdmin(f.Ctx, a); err != nil {
		f.T.Fatal(err)
	}
	return &a
}

// passwordStep is POST /v1/login with the demo password.
func (f *fixture) passwordStep(email string) *apptest.Response {
	f.T.Helper()
	return f.Call(f.login, apptest.Request{Method: "POST", Path: "/v1/login", JSON: map[string]string{"email": email, "password": demo.Password}})
}

// loginTx does the password step, expecting success, and returns the txid;
// loginHeaders then gives the header that later calls on it need.
func (f *fixture) loginTx(email string) string {
	f.T.Helper()
	var tx struct {
		TxID        string `json:"txid"`
		LoginSecret string `json:"login_secret"`
	}
	f.passwordStep(email).OK(f.T, &tx)
	f.secrets[tx.TxID] = tx.LoginSecret
	return tx.TxID
}

// loginHeaders carries the login_secret of a login that loginTx started.
func (f *fixture) loginHeaders(txid string) map[string]string {
	return map[string]string{login.LoginSecretHeader: f.secrets[txid]}
}

// smsPasscode chooses SMS for txid and returns the passcode sent to phone.
func (f *fixture) smsPasscode(txid, phone string) string {
	f.T.Helper()
	f.Call(f.login, apptest.Request{Method: "POST", Path: "/v1/login/" + txid + "/factor", JSON: map[string]string{"factor": "sms"},
		Headers: f.loginHeaders(txid)}).OK(f.T, nil)
	msgs := f.SMS.Messages()
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].To == phone {
			if code, ok := smsvoice.ExtractPasscode(msgs[i].Body); ok {
				return code
			}
		}
	}
	f.T.Fatalf("no passcode sent to %s", phone)
	return ""
}

// ownerStart starts a reactivation of adminID as the token's Owner, expecting 201.
func (f *fixture) ownerStart(token, adminID string) apptest.Started {
	f.T.Helper()
	return f.StartReactivation(f.owner, token, apptest.OwnerReactivationPath(adminID), nil)
}

type auditEvent struct {
	ID       string            `json:"event_id"`
	ActorID  string            `json:"actor_id"`
	TargetID string            `json:"target_id"`
	Action   string            `json:"action"`
	Outcome  string            `json:"outcome"`
	Details  map[string]string `json:"details"`
	Time     time.Time         `json:"time"`
}

type logPage struct {
	Events []auditEvent `json:"events"`
	Next   string       `json:"next"`
}

// adminLog reads one page of the administrator log.
func (f *fixture) adminLog(token, query string) logPage {
	f.T.Helper()
	resp := f.Call(f.owner, apptest.Request{Method: "GET", Path: "/v1/admin-log", Token: token, Query: query})
	if resp.Status != 200 {
		f.T.Fatalf("admin-log?%s: %d %s", query, resp.Status, resp.Body)
	}
	var p logPage
	resp.OK(f.T, &p)
	return p
}

// redeem binds a new credential with the code at store level, the way the
// device API does.
func (f *fixture) redeem(code, credID string) (*domain.ActivationTarget, error) {
	return f.Redeem(code, credID, "iOS", "iPhone 16")
}
