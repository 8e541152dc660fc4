//go:build !fuzz

package owner_test

import (
	"fmt"
	"testing"

	"push-reactivation/internal/testenv/apptest"
	"push-reactivation/shared/apigw"
	"push-reactivation/shared/app"
	"push-reactivation/shared/owner"
	"push-reactivation/shared/reactivation"
)

// BenchmarkListAdminsBySize is GET /v1/admins, first page at the default
// size, for an account of 10 and of 1000 admins (acme's three and the
// rest added), with the answer's size: paging keeps the cost of the page
// near flat as the account grows (docs/table.md). 1000 admins with
// limit=10 is the same page as 10 admins, so the two differ only by the
// account's size; limit=500 is the largest page.
func BenchmarkListAdminsBySize(b *testing.B) {
	for _, c := range []struct {
		admins int
		query  string
	}{{10, ""}, {1000, ""}, {1000, "limit=10"}, {1000, "limit=500"}} {
		b.Run(fmt.Sprintf("admins=%d/%s", c.admins, c.query), func(b *testing.B) {
			f := newFixture(b)
			f.addAdmins("acme", "bulk", c.admins-3)
			bb := f.Bench(func(d *app.Deps) *apigw.Router {
				return owner.NewRouterWith(d.Logic(), reactivation.NewService(d.Logic()))
			}, "owner@acme.example")
			size := len(bb.Call(bb.Router, apptest.Request{Method: "GET", Path: "/v1/admins", Query: c.query, Token: bb.Token}).Body)
			bb.Endpoint(b, 200, nil, "GET", apptest.Path("/v1/admins"), c.query)
			b.ReportMetric(float64(size), "bytes/answer")
		})
	}
}
