package device

import (
	"context"
	"time"

	"push-reactivation/shared/apigw"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/secret"
)

// Registration is the answer to POST /push/v2/device/registration.
type Registration struct {
	Registered bool `json:"registered"`
}

// register stores the push token (FCM or APNs) the phone wants its pushes
// delivered to. Re-sending the token already stored writes nothing, since
// phones re-register on every start; a new token is written with an audit
// event that does not carry the token. Round trips: the credential, and
// the write when the token changed.
func (s *Service) register(ctx context.Context, r *apigw.Request) (*apigw.Response, error) {
	req, err := s.verify(ctx, r)
	if err != nil {
		return nil, err
	}
	token, err := required(req.form, "token", maxPushToken)
	if err != nil {
		return nil, err
	}
	if req.cred.PushToken != "" && secret.Equal(token, req.cred.PushToken) {
		return apigw.OK(Registration{Registered: true}), nil
	}
	eventID, err := secret.ID(s.Random)
	if err != nil {
		return nil, err
	}
	ev := domain.NewAuditEvent(domain.AuditEvent{ID: eventID, Time: s.Clock.Now(), AccountID: req.cred.AccountID, ActorID: req.cred.AdminID,
		TargetID: req.cred.AdminID, Action: domain.ActionDeviceRegistration, Outcome: domain.OutcomeSuccess,
		IP: r.IP(), UserAgent: r.UserAgent(), Details: map[string]string{"credential_id": req.cred.ID}})
	if err := s.Store.SetPushToken(ctx, req.cred.ID, token, ev); err != nil {
		return nil, err
	}
	return apigw.OK(Registration{Registered: true}), nil
}

// Info is the answer to GET /push/v2/device/info: the credential as the
// phone may see it. No HOTP secret, key or push token.
type Info struct {
	AKey                string    `json:"akey"`
	PKey                string    `json:"pkey"`
	Status              string    `json:"status"`
	Platform            string    `json:"platform"`
	Model               string    `json:"model"`
	AppVersion          string    `json:"app_version"`
	DisplayName         string    `json:"display_name"`
	CustomerName        string    `json:"customer_name"`
	AdminName           string    `json:"admin_name"`
	AdminEmail          string    `json:"admin_email"`
	ActivatedAt         time.Time `json:"activated_at"`
	PushTokenRegistered bool      `json:"push_token_registered"`
}

// info describes the calling credential. Round trips: the credential, then
// the admin and the account together.
func (s *Service) info(ctx context.Context, r *apigw.Request) (*apigw.Response, error) {
	req, err := s.verify(ctx, r)
	if err != nil {
		return nil, err
	}
	c := req.cred
	admin, acct, err := s.Store.GetLoginAdmin(ctx, c.AdminID, c.AccountID)
	if err != nil {
		return nil, err
	}
	return apigw.OK(Info{
		AKey: c.AKey, PKey: c.ID, Status: string(c.Status), Platform: c.Platform, Model: c.Model, AppVersion: c.AppVersion,
		DisplayName: c.DisplayName, CustomerName: acct.Name, AdminName: admin.Name, AdminEmail: admin.Email,
		ActivatedAt: c.ActivatedAt.UTC(), PushTokenRegistered: c.PushToken != "",
	}), nil
}
