package apptest

import (
	"push-reactivation/internal/testenv/dynamotest"
	"push-reactivation/shared/apigw"
	"push-reactivation/shared/app"
	"push-reactivation/shared/dynamo"
	"push-reactivation/shared/session"
)

// CountingDeps returns a copy of the environment's dependencies whose store,
// and the session service that reads it, go through a CountingAPI, for
// tests and benchmarks that report DynamoDB round trips per endpoint.
// Build the router under test from the copy.
func (e *Env) CountingDeps() (*app.Deps, *dynamotest.CountingAPI) {
	db := dynamotest.NewCountingAPI(e.AWS.DynamoDB)
	d := *e.Deps
	d.Store = dynamo.New(db, d.Config.TableName, e.Clock)
	d.Store.UseSealer(e.Deps.Store.Sealer())
	d.Sessions = &session.Service{Store: d.Store, Clock: e.Clock}
	// The Idempotency-Key records too (the panel sends a key with every
	// POST, PUT and DELETE): their round trips are the request's.
	d.Idempotency = apigw.Idempotency{Store: d.Store, Clock: e.Clock, Random: d.Random}
	return &d, db
}
