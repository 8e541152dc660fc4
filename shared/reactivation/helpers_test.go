package reactivation_test

import (
	"testing"
	"time"

	"push-reactivation/internal/testenv/apptest"
	"push-reactivation/shared/apigw"
	"push-reactivation/shared/reactivation"
)

const (
	startPath   = apptest.SelfReactivationPath
	profilePath = "/v1/profile"
)

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

func newFixture(t testing.TB) *fixture {
	env := apptest.New(t)
	return &fixture{Env: env, router: reactivation.NewRouter(env.Deps.Logic())}
}

func (f *fixture) call(req apptest.Request) *apptest.Response {
	f.T.Helper()
	return f.Call(f.router, req)
}

// start reactivates the caller's Duo Push and expects 201.
func (f *fixture) start(token string, body any) apptest.Started {
	f.T.Helper()
	return f.StartReactivation(f.router, token, startPath, body)
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

// redeem binds a new credential with the code at store level, the way the
// device API does.
func (f *fixture) redeem(code, credID string) error {
	_, err := f.Redeem(code, credID, "Android", "Pixel 9")
	return err
}
