// Package app wires the dependencies every function shares: configuration,
// logger, clock, randomness, the store and the session authenticator.
// Lambda entry points, the local stack and end-to-end tests all build their
// routers from a *Deps, so the same code runs everywhere.
package app

import (
	"context"
	"log/slog"

	"push-reactivation/shared/apigw"
	"push-reactivation/shared/config"
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
	// AWS holds the SDK clients; nil fields are built on first use by the
	// function that needs them (see the Mailer and SMSVoice helpers of
	// each function's package).
	AWS *AWSClients
}

// Load reads the configuration from the environment and builds the
// dependencies with the real clock and crypto/rand.
func Load(ctx context.Context) (*Deps, error) {
	cfg, err := config.FromEnv()
	if err != nil {
		return nil, err
	}
	clients, err := NewAWSClients(ctx)
	if err != nil {
		return nil, err
	}
	return New(cfg, cfg.Logger(), domain.SystemClock{}, domain.SystemRandom, clients), nil
}

// New builds the dependencies from parts; tests pass a fake clock.
func New(cfg config.Config, log *slog.Logger, clock domain.Clock, random domain.Random, clients *AWSClients) *Deps {
	store := dynamo.New(clients.DynamoDB, cfg.TableName, clock)
	return &Deps{
		Config: cfg, Log: log, Clock: clock, Random: random, Store: store, AWS: clients,
		Sessions:    &session.Service{Store: store, Clock: clock},
		Idempotency: apigw.Idempotency{Store: store, Clock: clock, Random: random},
	}
}
