// Package device is the phone side of the service, DeviceFunction
// (DESIGN.md §5, a contract that third-party Duo Mobile clients depend
// on): activation of a phone with a QR or emailed code, the signed
// requests through which the phone lists and answers pushes, registers its
// push token and reads its credential, and the read-only landing page of
// the emailed activation link.
//
// Signatures are checked by shared/devicesig, the one place that knows the
// signing rule; this package only decides which credential's key to check
// them with, and what a failure looks like (always the same 401).
package device

import (
	"context"
	"log/slog"

	"push-reactivation/shared/apigw"
	"push-reactivation/shared/deps"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/notify"
	"push-reactivation/shared/secret"
)

// Store is what the device function needs from the store.
type Store interface {
	GetActivationCode(ctx context.Context, hash string) (*domain.ActivationCode, error)
	// ReadActivationTarget reads the reactivation, admin and account a
	// code names, whatever their state, in one round trip.
	ReadActivationTarget(ctx context.Context, c *domain.ActivationCode) (*domain.ActivationTarget, error)
	Redeem(ctx context.Context, red domain.Redemption) error
	GetCredential(ctx context.Context, id string) (*domain.Credential, error)
	SetPushToken(ctx context.Context, credentialID, token string, ev domain.AuditEvent) error
	// GetLoginAdmin reads an admin and its account in one round trip.
	GetLoginAdmin(ctx context.Context, adminID, accountID string) (*domain.Admin, *domain.Account, error)
	ListPendingPushes(ctx context.Context, credentialID string) ([]domain.LoginTx, error)
	GetPush(ctx context.Context, credentialID, pushID string) (*domain.LoginTx, error)
	AnswerPush(ctx context.Context, r domain.PushReply) error
}

// Notifier tells an admin that a new phone was activated for their Duo
// Push (DESIGN.md §3, notifications), with what to do if it was not them.
// *notify.Notifier implements it; it logs and audits its own failures, so
// it returns nothing.
type Notifier interface {
	PhoneActivated(ctx context.Context, admin *domain.Admin, cred *domain.Credential)
}

// Service serves the device API.
type Service struct {
	Store  Store
	Clock  domain.Clock
	Random domain.Random
	// APIHost is API_HOST: the host phones sign against and the QR codes
	// and links carry. Signatures are checked against it, never against
	// the Host header of a request.
	APIHost string
	Log     *slog.Logger
	// Codes checks verified-push codes against their keyed hashes
	// (CODE_HASH_KEY).
	Codes *secret.CodeHasher
	// Notifier, when not nil, is told after each activation, once it is
	// committed; a notice that fails never undoes the activation.
	Notifier Notifier
}

// RouterStore is what NewRouter needs: the service's store and the
// audit log of the notices (shared/notify).
type RouterStore interface {
	Store
	notify.AuditStore
}

// NewService builds the service from the shared dependencies, without a
// Notifier.
func NewService[S Store](d *deps.Deps[S]) *Service {
	return &Service{Store: d.Store, Clock: d.Clock, Random: d.Random, APIHost: d.Settings.APIHost, Log: d.Log, Codes: d.Settings.Codes}
}

// NewRouter is the router of DeviceFunction: every route of DESIGN.md §5,
// with the security notice of each activation sent by email through mailer
// (shared/notify).
func NewRouter[S RouterStore](d *deps.Deps[S], mailer notify.Mailer) *apigw.Router {
	s := NewService(d)
	s.Notifier = notify.New(d, mailer)
	return s.Router()
}

// Router returns the router of the service's routes. The device API is
// not called from the panel's origin, so it answers no CORS.
func (s *Service) Router() *apigw.Router {
	return apigw.NewRouter(s.Log, nil, "",
		apigw.Route{Key: "POST /push/v2/activation/{code}", Handler: s.activate},
		apigw.Route{Key: "GET /push/v2/device/transactions", Handler: s.transactions},
		apigw.Route{Key: "POST /push/v2/device/transactions/{urgid}", Handler: s.answer},
		apigw.Route{Key: "POST /push/v2/device/registration", Handler: s.register},
		apigw.Route{Key: "GET /push/v2/device/info", Handler: s.info},
		apigw.Route{Key: "GET /activate/{code}", Handler: s.landing},
		apigw.Route{Key: "HEAD /activate/{code}", Handler: s.landing},
		// The API's $default route: the envelope for route misses
		// (404, or 405 with Allow). It lives here, on the public edge
		// that already faces anonymous callers, rather than in a sixth
		// function; a miss touches no table, mail or phone.
		apigw.RouteMisses(),
	)
}

// The email notices of shared/notify are what NewRouter wires in.
var _ Notifier = (*notify.Notifier)(nil)
