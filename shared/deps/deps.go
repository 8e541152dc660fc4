// Package deps is what a logic package's constructor takes: the values of
// the configuration it reads, the logger, clock, randomness, the session
// authenticator, the Idempotency-Key records and a store of type S. It
// imports no adapter, so a logic package that takes a Deps states its
// store as its own interface (the constraint of S, in the domain's types)
// and never sees the concrete store: the wiring (shared/app, used by
// functions/*/main.go, infra/localstack and the test environments) builds
// a Deps[*dynamo.Store].
package deps

import (
	"log/slog"

	"push-reactivation/shared/apigw"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/secret"
	"push-reactivation/shared/session"
)

// Settings are the configuration values the logic packages read.
type Settings struct {
	APIHost     string // API_HOST, as QR codes, links and signatures carry it
	PanelOrigin string // PANEL_ORIGIN, the one CORS origin
	// Codes keys the stored hashes of passcodes and codes (CODE_HASH_KEY).
	Codes *secret.CodeHasher
}

// Common are the dependencies every logic package shares, without the
// store.
type Common struct {
	Settings    Settings
	Log         *slog.Logger
	Clock       domain.Clock
	Random      domain.Random
	Sessions    *session.Service
	Idempotency apigw.Idempotency
}

// Deps are the dependencies of a logic package's router or service, with
// a store of type S: the package's constructor constrains S to its own
// Store interface.
type Deps[S any] struct {
	Common
	Store S
}
