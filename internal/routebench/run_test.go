package routebench_test

import (
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"push-reactivation/internal/testenv/apptest"
	"push-reactivation/internal/testenv/dynamotest"
)

// call is one measured call of a case: the event is built before, the
// answer checked after (status and the OpenAPI contract), neither inside
// the time.
type call struct {
	f  *fixture
	c  routeCase
	tb testing.TB
}

// event builds the next request of the case as the gateway would send it.
func (k call) event(next func() apptest.Request) events.APIGatewayV2HTTPRequest {
	return apptest.Event(next())
}

// measure times the router's Handle of ev and counts its round trips.
func (k call) measure(ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, time.Duration, dynamotest.Trips) {
	return k.f.handle(k.c.key(), ev)
}

// check fails the test unless resp is the case's right answer, on the
// contract.
func (k call) check(ev events.APIGatewayV2HTTPRequest, resp events.APIGatewayV2HTTPResponse) {
	k.tb.Helper()
	if resp.StatusCode != k.c.want {
		k.tb.Fatalf("%s: status %d, want %d: %s", k.c.name, resp.StatusCode, k.c.want, resp.Body)
	}
	apptest.CheckContract(k.tb, ev, resp)
}

// warm sets the case up and makes its first call, untimed: the next calls
// find the handler, its caches and its connections warm.
func (k call) warm() func() apptest.Request {
	k.tb.Helper()
	next := k.c.setup(k.f)
	ev := k.event(next)
	resp, _, _ := k.measure(ev)
	k.check(ev, resp)
	return next
}
