package reactivation_test

import (
	"testing"
	"time"

	"push-reactivation/internal/testenv/apptest"
	"push-reactivation/shared/apigw"
	"push-reactivation/shared/app"
	"push-reactivation/shared/reactivation"
)

// Benchmarks of ReactivationCodeFunction's routes: the warm handler's time
// and its DynamoDB round trips (docs/table.md), read as ratios to
// BenchmarkBaseline of the same run.

func BenchmarkBaseline(b *testing.B) { apptest.BenchBaseline(b) }

func newBench(b *testing.B) *apptest.Bench {
	return newFixture(b).Bench(func(d *app.Deps) *apigw.Router { return reactivation.NewRouter(d.Logic()) }, "admin@acme.example")
}

// pending starts a reactivation in a new hour (the per-admin limit), with
// a fresh session, uncounted, and returns its id.
func pending(bb *apptest.Bench) string {
	bb.Fresh(time.Hour)
	return bb.StartReactivation(reactivation.NewRouter(bb.Deps.Logic()), bb.Token, startPath, nil).ReactivationID
}

func BenchmarkGetProfile(b *testing.B) {
	newBench(b).Endpoint(b, 200, nil, "GET", apptest.Path(profilePath), "")
}

func BenchmarkStartReactivation(b *testing.B) {
	bb := newBench(b)
	bb.Endpoint(b, 201, func() { bb.Fresh(time.Hour) }, "POST", apptest.Path(startPath), "")
}

func BenchmarkGetReactivation(b *testing.B) {
	bb := newBench(b)
	bb.Endpoint(b, 200, nil, "GET", apptest.Path("/v1/reactivations/"+pending(bb)), "")
}

func BenchmarkCancelReactivation(b *testing.B) {
	bb := newBench(b)
	var id string
	bb.Endpoint(b, 200, func() { id = pending(bb) }, "DELETE", func() string { return "/v1/reactivations/" + id }, "")
}

func BenchmarkNewBarcode(b *testing.B) {
	bb := newBench(b)
	var id string
	bb.Endpoint(b, 201, func() { id = pending(bb) }, "POST", func() string { return "/v1/reactivations/" + id + "/barcode" }, "")
}
