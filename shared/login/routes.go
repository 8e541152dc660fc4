package login

import (
	"context"

	"push-reactivation/shared/apigw"
	"push-reactivation/shared/deps"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/openapi"
)

// NewRouter is the router of FallbackLoginFunction: the fallback-login
// rows of DESIGN.md §4, with passcodes sent through phone.
func NewRouter[S Store](d *deps.Deps[S], phone Phone) *apigw.Router {
	h := handlers{svc: NewService(d, phone)}
	return apigw.NewRouter(d.Log, d.Sessions, d.Settings.PanelOrigin,
		// The contract as a document (DESIGN.md §4.1), for anyone.
		openapi.Route(),
		apigw.Route{Key: "POST /v1/login", Handler: h.login, Scope: passwordStepScope},
		apigw.Route{Key: "POST /v1/login/{txid}/factor", Handler: h.factor, Scope: loginScope},
		apigw.Route{Key: "POST /v1/login/{txid}/verify", Handler: h.verify, Scope: loginScope},
		apigw.Route{Key: "GET /v1/login/{txid}", Handler: h.status},
		apigw.Route{Key: "GET /v1/session", Auth: true, Handler: h.session},
		apigw.Route{Key: "PUT /v1/session/account", Auth: true, Handler: h.switchAccount},
		apigw.Route{Key: "DELETE /v1/session", Auth: true, Handler: h.logout},
		apigw.Route{Key: "POST /v1/session/reauth", Auth: true, Handler: h.reauth},
	).WithIdempotency(d.Idempotency)
}

type handlers struct{ svc *Service }

func client(r *apigw.Request) Client { return Client{IP: r.IP(), UserAgent: r.UserAgent()} }

func (h handlers) login(ctx context.Context, r *apigw.Request) (*apigw.Response, error) {
	var body struct {
		Email    string `json:"email"`
		Password string `json:"password"`
	}
	if err := r.DecodeJSON(&body); err != nil {
		return nil, err
	}
	out, err := h.svc.Login(ctx, body.Email, body.Password, client(r))
	if err != nil {
		return nil, err
	}
	return apigw.OK(out), nil
}

func (h handlers) factor(ctx context.Context, r *apigw.Request) (*apigw.Response, error) {
	var body struct {
		Factor domain.Factor `json:"factor"`
	}
	if err := r.DecodeJSON(&body); err != nil {
		return nil, err
	}
	out, err := h.svc.ChooseFactor(ctx, r.Param("txid"), r.Header(LoginSecretHeader), body.Factor, client(r))
	if err != nil {
		return nil, err
	}
	return apigw.OK(out), nil
}

func (h handlers) verify(ctx context.Context, r *apigw.Request) (*apigw.Response, error) {
	var body struct {
		Passcode string `json:"passcode"`
	}
	if err := r.DecodeJSON(&body); err != nil {
		return nil, err
	}
	out, err := h.svc.Verify(ctx, r.Param("txid"), r.Header(LoginSecretHeader), body.Passcode, client(r))
	if err != nil {
		return nil, err
	}
	return apigw.OK(out), nil
}

func (h handlers) status(ctx context.Context, r *apigw.Request) (*apigw.Response, error) {
	out, err := h.svc.Status(ctx, r.Param("txid"), r.Header(LoginSecretHeader), client(r))
	if err != nil {
		return nil, err
	}
	return apigw.OK(out), nil
}

func (h handlers) session(ctx context.Context, r *apigw.Request) (*apigw.Response, error) {
	out, err := h.svc.Session(ctx, r.Principal)
	if err != nil {
		return nil, err
	}
	return apigw.OK(out), nil
}

func (h handlers) switchAccount(ctx context.Context, r *apigw.Request) (*apigw.Response, error) {
	var body struct {
		AccountID string `json:"account_id"`
	}
	if err := r.DecodeJSON(&body); err != nil {
		return nil, err
	}
	out, err := h.svc.SwitchAccount(ctx, r.Principal, body.AccountID, client(r))
	if err != nil {
		return nil, err
	}
	return apigw.OK(out), nil
}

func (h handlers) logout(ctx context.Context, r *apigw.Request) (*apigw.Response, error) {
	if err := h.svc.Logout(ctx, r.Principal, client(r)); err != nil {
		return nil, err
	}
	return apigw.OK(struct {
		LoggedOut bool `json:"logged_out"`
	}{true}), nil
}

// reauth starts a step-up re-authentication of the caller's session
// (stepup.go). It takes no body.
func (h handlers) reauth(ctx context.Context, r *apigw.Request) (*apigw.Response, error) {
	out, err := h.svc.StepUp(ctx, r.Principal, bearerToken(r.Header("authorization")), client(r))
	if err != nil {
		return nil, err
	}
	return apigw.Created(out), nil
}
