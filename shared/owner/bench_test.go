//go:build !fuzz

package owner_test

import (
	"testing"
	"time"

	"push-reactivation/internal/testenv/apptest"
	"push-reactivation/shared/apigw"
	"push-reactivation/shared/app"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/owner"
	"push-reactivation/shared/reactivation"
)

// Benchmarks of OwnerReactivationFunction's routes: the warm handler's time
// and its DynamoDB round trips (docs/table.md), read as ratios to
// BenchmarkBaseline of the same run. The Owner's reactivation runs without
// its email notice (SES's time, and one audit write).

func BenchmarkBaseline(b *testing.B) { apptest.BenchBaseline(b) }

// newBench is the router with the acme Owner's session, two pending
// reactivations and a failed attempt to show.
func newBench(b *testing.B) *apptest.Bench {
	f := newFixture(b)
	bb := f.Bench(func(d *app.Deps) *apigw.Router {
		return owner.NewRouterWith(d.Logic(), reactivation.NewService(d.Logic()))
	}, "owner@acme.example")
	for _, id := range []string{"acme-admin", "acme-helpdesk"} {
		f.ownerStart(bb.Token, id)
	}
	f.FailAttempts("acme-helpdesk", 1)
	return bb
}

func BenchmarkListAdmins(b *testing.B) {
	newBench(b).Endpoint(b, 200, nil, "GET", apptest.Path("/v1/admins"), "")
}

func BenchmarkGetAdmin(b *testing.B) {
	newBench(b).Endpoint(b, 200, nil, "GET", apptest.Path("/v1/admins/acme-admin"), "")
}

func BenchmarkStartAdminReactivation(b *testing.B) {
	bb := newBench(b)
	bb.Endpoint(b, 201, func() { bb.Fresh(time.Hour) }, "POST", apptest.Path(apptest.OwnerReactivationPath("acme-admin")), "")
}

func BenchmarkResetLockout(b *testing.B) {
	newBench(b).Endpoint(b, 200, nil, "POST", apptest.Path("/v1/admins/acme-helpdesk/reset-lockout"), "")
}

func BenchmarkAdminLog(b *testing.B) {
	newBench(b).Endpoint(b, 200, nil, "GET", apptest.Path("/v1/admin-log"), "limit=20&action="+domain.ActionReactivationStart)
}

// BenchmarkNewBarcode is an Owner's new QR code for another admin's
// reactivation (a reactivation-code route, counted here for the Owner's
// extra reads).
func BenchmarkNewBarcode(b *testing.B) {
	f := newFixture(b)
	bb := f.Bench(func(d *app.Deps) *apigw.Router { return reactivation.NewRouter(d.Logic()) }, "owner@acme.example")
	var id string
	bb.Endpoint(b, 201, func() { bb.Fresh(time.Hour); id = f.ownerStart(bb.Token, "acme-admin").ReactivationID },
		"POST", func() string { return "/v1/reactivations/" + id + "/barcode" }, "")
}
