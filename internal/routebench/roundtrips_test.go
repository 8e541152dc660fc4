package routebench_test

import (
	"maps"
	"slices"
	"testing"

	"push-reactivation/infra/localstack"
	"push-reactivation/shared/apigw"
)

// roundTrips pins each case's DynamoDB round trips per request, in
// sequence (calls made concurrently count once), session authentication
// included, as measured on the warm handler. A request that gains a round
// trip fails TestRouteRoundTrips; one that loses one fails it too, so that
// this table, and docs/table.md after it, stay the measured figures. Where
// issue 15 sets a lower goal, it is beside the figure.
var roundTrips = map[string]int64{
	"GET /v1/openapi.json":                    0,
	"POST /v1/login":                          8,
	"POST /v1/login/{txid}/factor":            4,
	"POST /v1/login/{txid}/factor:push":       3,
	"POST /v1/login/{txid}/verify":            3,
	"POST /v1/login/{txid}/verify:voice":      3,
	"POST /v1/login/{txid}/verify:duo_mobile": 3,
	"GET /v1/login/{txid}":                    1,
	"GET /v1/login/{txid}:approved":           3,
	"GET /v1/session":                         2,
	"PUT /v1/session/account":                 6,
	"DELETE /v1/session":                      2,
	"POST /v1/session/reauth":                 3,

	"GET /v1/profile":                                        2,
	"GET /v1/profile:pending":                                2,
	"POST /v1/profile/duo-push/reactivation":                 3,
	"POST /v1/profile/duo-push/reactivation:first":           3,
	"POST /v1/profile/duo-push/reactivation:idempotency_key": 5, // the Idempotency-Key's claim and answer: 2 of these
	"GET /v1/reactivations/{id}":                             2,
	"DELETE /v1/reactivations/{id}":                          3,
	"POST /v1/reactivations/{id}/barcode":                    3,

	"GET /v1/admins":                                   2,
	"GET /v1/admins/{admin_id}":                        3,
	"POST /v1/admins/{admin_id}/duo-push/reactivation": 5, // goal ≤ 5; the 5th is the notice's audit event, written beside the SES send
	"POST /v1/admins/{admin_id}/reset-lockout":         3,
	"GET /v1/admin-log":                                3,

	"POST /v1/reactivations/{id}/email": 4,

	"POST /push/v2/activation/{code}":              3, // goal ≤ 2: the redeem is 2; the 3rd is the new-phone notice's audit event, written beside the SES send
	"GET /push/v2/device/transactions":             2,
	"GET /push/v2/device/transactions:idle":        1,
	"POST /push/v2/device/transactions/{urgid}":    2,
	"POST /push/v2/device/registration":            2,
	"POST /push/v2/device/registration:same_token": 1,
	"GET /push/v2/device/info":                     2,
	"GET /activate/{code}":                         1,
	"HEAD /activate/{code}":                        1,
}

// TestRouteRoundTrips makes each case's request on its warm handler and
// checks its round trips against roundTrips (and its answer against the
// contract), so that the benchmark's cases keep working too.
func TestRouteRoundTrips(t *testing.T) {
	startSES(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			k := call{f: newFixture(t), c: c, tb: t}
			next := k.warm()
			ev := k.event(next)
			resp, _, trips := k.measure(ev)
			k.check(ev, resp)
			want, pinned := roundTrips[c.name]
			switch {
			case !pinned:
				t.Errorf("%s: %d round trips, and no figure in roundTrips", c.name, trips.Sequential)
			case trips.Sequential > want:
				t.Errorf("%s: %d round trips in sequence (%d calls), more than the %d pinned", c.name, trips.Sequential, trips.Calls, want)
			case trips.Sequential < want:
				t.Errorf("%s: %d round trips in sequence (%d calls), fewer than the %d pinned: lower the figure in roundTrips and docs/table.md", c.name, trips.Sequential, trips.Calls, want)
			}
		})
	}
}

// TestEveryRouteHasACase keeps the cases, the pinned figures, the routers
// and template.yaml in step: every route of the template is measured,
// every case names a route of the template, every function has its
// router here as in the local stack.
func TestEveryRouteHasACase(t *testing.T) {
	tmpl, err := localstack.LoadTemplate(templatePath, nil)
	if err != nil {
		t.Fatal(err)
	}
	measured := map[string]bool{}
	names := map[string]bool{}
	for _, c := range cases {
		if names[c.name] {
			t.Errorf("two cases named %s", c.name)
		}
		names[c.name] = true
		measured[c.key()] = true
		if _, ok := roundTrips[c.name]; !ok {
			t.Errorf("case %s has no figure in roundTrips", c.name)
		}
	}
	for name := range roundTrips {
		if !names[name] {
			t.Errorf("roundTrips pins %s, which no case measures", name)
		}
	}
	inTemplate := map[string]bool{}
	for _, r := range tmpl.Routes() {
		if r.IsDefault() {
			continue // route misses: no route to measure
		}
		inTemplate[r.Key()] = true
		if !measured[r.Key()] {
			t.Errorf("template.yaml route %s (%s) has no case: add one to cases", r.Key(), r.Function)
		}
	}
	for key := range measured {
		if !inTemplate[key] {
			t.Errorf("case %s is not a route of template.yaml", key)
		}
	}
	for _, key := range apigw.APIRoutes {
		if !measured[key] {
			t.Errorf("apigw.APIRoutes has %s, which no case measures", key)
		}
	}
	if got, want := slices.Sorted(maps.Keys(routers)), slices.Sorted(maps.Keys(localstack.Routers)); !slices.Equal(got, want) {
		t.Errorf("routers here %v, local stack's %v", got, want)
	}
}
