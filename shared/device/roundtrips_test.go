package device_test

import (
	"testing"
	"time"

	"push-reactivation/internal/testenv/apptest"
	"push-reactivation/internal/testenv/dynamotest"
	"push-reactivation/shared/dynamo"
)

// counting puts the fixture's router on a store that counts its round
// trips, without the notifier (whose audit write is not the endpoint's).
func (f *fixture) counting() *dynamotest.CountingAPI {
	counter := dynamotest.NewCountingAPI(f.AWS.DynamoDB)
	f.svc.Store = dynamo.New(counter, f.Deps.Config.TableName, f.Clock)
	f.svc.Store.(*dynamo.Store).UseSealer(f.Deps.Store.Sealer())
	f.svc.Notifier = nil
	f.router = f.svc.Router()
	return counter
}

// TestRoundTripsPerEndpoint pins the round trips docs/device.md gives for
// each endpoint.
func TestRoundTripsPerEndpoint(t *testing.T) {
	f := newFixture(t)
	counter := f.counting()
	started := f.start("admin@acme.example")

	measure := func(name string, want int64, call func() *apptest.Response) {
		t.Helper()
		counter.Reset()
		if resp := call(); resp.Status != 200 {
			t.Fatalf("%s: %d %s", name, resp.Status, resp.Body)
		}
		if got := counter.Count(); got != want {
			t.Errorf("%s: %d round trips, want %d", name, got, want)
		}
	}
	var p phone
	measure("activation", 2, func() *apptest.Response {
		resp := f.activateRaw(started.Code, activationForm(key(0)))
		resp.OK(t, &p.Activation)
		p.key = key(0)
		return resp
	})
	get := func(path string) func() *apptest.Response {
		return func() *apptest.Response {
			return f.signed(p, signedReq{method: "GET", path: path, params: txParams(p)})
		}
	}
	measure("transactions, none", 1, get("/push/v2/device/transactions"))
	tx := f.push(p, "")
	measure("transactions, one", 2, get("/push/v2/device/transactions"))
	measure("answer", 2, func() *apptest.Response { return f.reply(p, tx.PushID, "answer", "approve") })
	register := func() *apptest.Response {
		return f.signed(p, signedReq{method: "POST", path: "/push/v2/device/registration", params: txParams(p, "token", "t1")})
	}
	measure("registration", 2, register)
	measure("registration, same token", 1, register)
	measure("info", 2, get("/push/v2/device/info"))
	// A reactivation of an admin who has a phone: the redeem also revokes
	// it, named by the code's carry (domain.CodeCarry).
	again := f.start("admin@acme.example")
	measure("activation replacing a phone", 2, func() *apptest.Response { return f.activateRaw(again.Code, activationForm(key(1))) })
	measure("landing page", 1, func() *apptest.Response {
		return f.call(apptest.Request{Method: "GET", Path: "/activate/" + f.start("owner@acme.example").Code})
	})
}

// BenchmarkDeviceEndpoints reports the warm handler latency and the
// DynamoDB round trips of each signed endpoint (DESIGN.md §7), against the
// embedded DynamoDB.
func BenchmarkDeviceEndpoints(b *testing.B) {
	f := newFixture(b)
	counter := f.counting()
	p := f.activate(f.start("admin@acme.example").Code, key(0))
	f.push(p, "")
	landing := f.start("owner@acme.example").Code

	for _, c := range []struct {
		name string
		call func() *apptest.Response
	}{
		{"transactions", func() *apptest.Response {
			return f.signed(p, signedReq{method: "GET", path: "/push/v2/device/transactions", params: txParams(p)})
		}},
		{"info", func() *apptest.Response {
			return f.signed(p, signedReq{method: "GET", path: "/push/v2/device/info", params: txParams(p)})
		}},
		{"landing", func() *apptest.Response { return f.call(apptest.Request{Method: "GET", Path: "/activate/" + landing}) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			counter.Reset()
			for b.Loop() {
				if resp := c.call(); resp.Status != 200 {
					b.Fatalf("%d %s", resp.Status, resp.Body)
				}
			}
			b.ReportMetric(float64(counter.Count())/float64(b.N), "roundtrips/op")
		})
	}
}

// BenchmarkBaseline is the unit the device figures are read against.
func BenchmarkBaseline(b *testing.B) { apptest.BenchBaseline(b) }

// BenchmarkRedeem is POST /push/v2/activation/{code} with a fresh QR code
// each time (the start is outside the timing and the count), reporting
// its round trips.
func BenchmarkRedeem(b *testing.B) {
	f := newFixture(b)
	counter := f.counting()
	var trips int64
	for b.Loop() {
		b.StopTimer()
		f.Clock.Advance(time.Hour) // a fresh hourly allowance of reactivations
		code := f.start("admin@acme.example").Code
		b.StartTimer()
		trips += counter.Measure(func() {
			if resp := f.activateRaw(code, activationForm(key(0))); resp.Status != 200 {
				b.Fatalf("%d %s", resp.Status, resp.Body)
			}
		})
	}
	b.ReportMetric(float64(trips)/float64(b.N), "roundtrips/op")
}
