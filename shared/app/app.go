// Package app holds what every function shares once its own graph is
// built: configuration, logger, clock, randomness, the store, the session
// authenticator and the Idempotency-Key records. Every function reads the
// one DynamoDB table, so these are truly common; the SDK clients that only
// some functions use (SES v2, SMS/voice) are not here: each
// functions/<name>/main.go builds the ones it calls and hands them to its
// router, so main.go shows what a function depends on.
package app

import (
	"context"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"

	"push-reactivation/shared/apigw"
	"push-reactivation/shared/config"
	"push-reactivation/shared/deps"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/dynamo"
	"push-reactivation/shared/session"
)

// Deps are the shared dependencies of the handlers.
type Deps struct {
	Config   config.Config
	Log      *slog.Logger
	Clock    domain.Clock
	Random   domain.Random
	Store    *dynamo.Store
	Sessions *session.Service
	// Idempotency keeps the Idempotency-Key records of the panel routes
	// (apigw.Router.WithIdempotency; DESIGN.md §4.1).
	Idempotency apigw.Idempotency
}

// Env reads the configuration and the SDK configuration from the
// environment: the first step of every main.go. The SDK configuration is
// the Lambda one (config.Lambda: region, credentials and endpoints from
// the environment), not the standard loader, whose shared-config and
// credential clients would double a bootstrap's size for nothing.
func Env(context.Context) (config.Config, aws.Config, error) {
	cfg, err := config.FromEnv()
	if err != nil {
		return cfg, aws.Config{}, err
	}
	awsCfg, err := config.Lambda()
	return cfg, awsCfg, err
}

// Load builds the shared dependencies of a Lambda function around its
// DynamoDB client (dynamo.NewClient), with the real clock and crypto/rand.
func Load(cfg config.Config, db dynamo.API) *Deps {
	return New(cfg, cfg.Logger(), domain.SystemClock{}, domain.SystemRandom, db)
}

// New builds the dependencies from parts; tests pass a fake clock and
// their own DynamoDB client (one that counts round trips, say).
func New(cfg config.Config, log *slog.Logger, clock domain.Clock, random domain.Random, db dynamo.API) *Deps {
	store := dynamo.New(db, cfg.TableName, clock)
	return &Deps{
		Config: cfg, Log: log, Clock: clock, Random: random, Store: store,
		Sessions:    &session.Service{Store: store, Clock: clock},
		Idempotency: apigw.Idempotency{Store: store, Clock: clock, Random: random},
	}
}

// Logic is what the logic packages' constructors take (shared/deps): the
// same dependencies with only the configuration values they read. It is
// built at each call, so a change to d.Config made before the routers are
// built (kmswire.Wire setting Codes) is seen.
func (d *Deps) Logic() *deps.Deps[*dynamo.Store] {
	return &deps.Deps[*dynamo.Store]{Store: d.Store, Common: deps.Common{
		Settings: deps.Settings{APIHost: d.Config.APIHost, PanelOrigin: d.Config.PanelOrigin, Codes: d.Config.Codes},
		Log:      d.Log, Clock: d.Clock, Random: d.Random, Sessions: d.Sessions, Idempotency: d.Idempotency,
	}}
}
