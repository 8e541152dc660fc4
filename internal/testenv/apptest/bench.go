package apptest

import (
	"context"
	"testing"
	"time"

	"push-reactivation/internal/testenv/dynamotest"
	"push-reactivation/shared/apigw"
	"push-reactivation/shared/app"
)

// Benchmarks of the panel functions (DESIGN.md §7) report, per endpoint,
// the warm handler's time (ns/op) and its DynamoDB round trips
// (roundtrips/op). BenchBaseline runs in the same package, so the times
// can be read as ratios to it rather than as absolute figures of one
// machine.

// BenchBaseline times the cheapest request there is: a route without a
// session or a store, answered with a small OK envelope, through the same
// adapter (routing, envelope, headers, the request log line).
func BenchBaseline(b *testing.B) {
	rt, ev := Baseline()
	ctx := context.Background()
	for b.Loop() {
		if resp, _ := rt.Handle(ctx, ev); resp.StatusCode != 200 {
			b.Fatalf("baseline: %d %s", resp.StatusCode, resp.Body)
		}
	}
	b.ReportMetric(0, "roundtrips/op")
}

// BenchEndpoint times call, one request to a warm handler, and reports the
// round trips db counted during it, in sequence (calls made concurrently
// count once: dynamotest.Trips). prepare, when not nil, runs before
// each call with the timer stopped (fresh state for endpoints that use it
// up: a new reactivation to cancel, a new hour for a rate limit); its own
// round trips are not counted. Every call must answer want; a first,
// untimed call warms the handler.
func BenchEndpoint(b *testing.B, db *dynamotest.CountingAPI, want int, prepare func(), call func() *Response) {
	b.Helper()
	check := func(resp *Response) {
		if resp.Status != want {
			b.Fatalf("status %d, want %d: %s", resp.Status, want, resp.Body)
		}
	}
	if prepare != nil {
		prepare()
	}
	check(call())
	var trips, n int64
	for b.Loop() {
		if prepare != nil {
			b.StopTimer()
			prepare()
			b.StartTimer()
		}
		var resp *Response
		trips += db.MeasureTrips(func() { resp = call() }).Sequential
		check(resp)
		n++
	}
	b.ReportMetric(float64(trips)/float64(n), "roundtrips/op")
}

// Bench is a function's router on a counting store (CountingDeps), called
// with a session of one admin, for BenchEndpoint.
type Bench struct {
	*Env
	Router *apigw.Router
	DB     *dynamotest.CountingAPI
	// Token is the session of Email, made now by the fake clock.
	Token, Email string
}

// Bench builds the router under test with newRouter from counting
// dependencies, and a session of email.
func (e *Env) Bench(newRouter func(*app.Deps) *apigw.Router, email string) *Bench {
	d, db := e.CountingDeps()
	return &Bench{Env: e, Router: newRouter(d), DB: db, Token: e.SessionFor(email), Email: email}
}

// Fresh moves the fake clock on by d (a new window of a rate limit) and
// makes a new session, whose second factor is then recent.
func (bb *Bench) Fresh(d time.Duration) {
	bb.Clock.Advance(d)
	bb.Token = bb.SessionFor(bb.Email)
}

// Endpoint is BenchEndpoint of one route, called with the bench's current
// session and an empty JSON object as body; path is evaluated per call.
func (bb *Bench) Endpoint(b *testing.B, want int, prepare func(), method string, path func() string, query string) {
	b.Helper()
	BenchEndpoint(b, bb.DB, want, prepare, func() *Response {
		return bb.Call(bb.Router, Request{Method: method, Path: path(), Query: query, Token: bb.Token, JSON: map[string]any{}})
	})
}

// Path is a fixed path for Endpoint.
func Path(p string) func() string { return func() string { return p } }
