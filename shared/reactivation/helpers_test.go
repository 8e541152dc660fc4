package reactivation_test

import (
	"strings"
	"testing"
	"time"

	"push-reactivation/shared/apigw"
	"push-reactivation/shared/apptest"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/dynamo"
	"push-reactivation/shared/reactivation"
	"push-reactivation/shared/secret"
)

const (
	startPath   = "/v1/profile/duo-push/reactivation"
	profilePath = "/v1/profile"
)

// started is the answer to a reactivation POST.
type started struct {
	ReactivationID string    `json:"reactivation_id"`
	Status         string    `json:"status"`
	Barcode        string    `json:"barcode"`
	BarcodePNG     string    `json:"barcode_png"`
	ActivationURL  string    `json:"activation_url"`
	ExpiresAt      time.Time `json:"expires_at"`
}

// code is the activation code inside the barcode.
func (s started) code() string { c, _, _ := strings.Cut(s.Barcode, "-"); return c }

// view is a reactivation as GET /v1/reactivations/{id} shows it.
type view struct {
	ReactivationID string    `json:"reactivation_id"`
	AdminID        string    `json:"admin_id"`
	Status         string    `json:"status"`
	ExpiresAt      time.Time `json:"expires_at"`
	ActivatedAt    time.Time `json:"activated_at"`
	Device         *struct {
		Platform string `json:"platform"`
		Model    string `json:"model"`
	} `json:"device"`
}

type fixture struct {
	*apptest.Env
	router *apigw.Router
}

func newFixture(t *testing.T) *fixture {
	env := apptest.New(t)
	return &fixture{Env: env, router: reactivation.NewRouter(env.Deps)}
}

func (f *fixture) call(req apptest.Request) *apptest.Response {
	f.T.Helper()
	return f.Call(f.router, req)
}

// start reactivates the caller's Duo Push and expects 201.
func (f *fixture) start(token string, body any) started {
	f.T.Helper()
	if body == nil {
		body = map[string]any{}
	}
	resp := f.call(apptest.Request{Method: "POST", Path: startPath, Token: token, JSON: body})
	if resp.Status != 201 {
		f.T.Fatalf("start: %d %s", resp.Status, resp.Body)
	}
	var s started
	resp.OK(f.T, &s)
	return s
}

// get reads a reactivation and expects 200.
func (f *fixture) get(token, id string) view {
	f.T.Helper()
	resp := f.call(apptest.Request{Method: "GET", Path: "/v1/reactivations/" + id, Token: token})
	if resp.Status != 200 {
		f.T.Fatalf("get %s: %d %s", id, resp.Status, resp.Body)
	}
	var v view
	resp.OK(f.T, &v)
	return v
}

// expectFail checks status and code of a FAIL answer.
func expectFail(t *testing.T, resp *apptest.Response, status, code int) apigw.FailEnvelope {
	t.Helper()
	if resp.Status != status {
		t.Fatalf("status %d, want %d: %s", resp.Status, status, resp.Body)
	}
	f := resp.Fail(t)
	if f.Code != code {
		t.Fatalf("code %d, want %d: %s", f.Code, code, resp.Body)
	}
	return f
}

// redeem binds a new credential with the code at store level, the way the
// device API does (store_test.go).
func (f *fixture) redeem(code, credID string) error {
	target, err := f.Deps.Store.GetActivationTarget(f.Ctx, secret.Hash(code))
	if err != nil {
		return err
	}
	return f.redeemTarget(target, credID)
}

func (f *fixture) redeemTarget(target *dynamo.ActivationTarget, credID string) error {
	now := f.Clock.Now()
	return f.Deps.Store.Redeem(f.Ctx, dynamo.Redemption{
		Target: target,
		Credential: domain.Credential{ID: credID, AKey: "A" + credID, AdminID: target.Admin.ID, AccountID: target.Admin.AccountID,
			Platform: "Android", Model: "Pixel 9", Status: domain.CredentialActive, CreatedAt: now, ActivatedAt: now,
			ReactivationID: target.Reactivation.ID},
		Audit: domain.AuditEvent{ID: credID, Time: now, AccountID: target.Admin.AccountID, TargetID: target.Admin.ID,
			Action: domain.ActionReactivationActivate, Outcome: domain.OutcomeSuccess},
	})
}
