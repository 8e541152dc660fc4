package email

import (
	"context"

	"push-reactivation/shared/apigw"
	"push-reactivation/shared/deps"
)

// Route is the one route of ActivationEmailFunction (template.yaml).
const Route = "POST /v1/reactivations/{id}/email"

// NewRouter is the router of ActivationEmailFunction, sending through
// mailer.
func NewRouter[S ServiceStore](d *deps.Deps[S], mailer Mailer) *apigw.Router {
	return NewService(d, mailer).Router(&d.Common)
}

// Router returns the router serving s with the sessions and CORS origin of d.
func (s *Service) Router(d *deps.Common) *apigw.Router {
	return apigw.NewRouter(d.Log, d.Sessions, d.Settings.PanelOrigin,
		apigw.Route{Key: Route, Auth: true, Handler: s.handle}).WithIdempotency(d.Idempotency)
}

// body is the request body: empty or {}; anything else is 40002.
type body struct{}

func (s *Service) handle(ctx context.Context, r *apigw.Request) (*apigw.Response, error) {
	var b body
	if err := r.DecodeJSON(&b); err != nil {
		return nil, err
	}
	sent, err := s.Send(ctx, Request{Actor: r.Principal, ReactivationID: r.Param("id"), IP: r.IP(), UserAgent: r.UserAgent(), RequestID: r.RequestID})
	if err != nil {
		return nil, err
	}
	return apigw.Accepted(sent), nil
}
