//go:build !fuzz

package login_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"push-reactivation/shared/apigw"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/openapi"
)

// TestSampleEvents keeps events/fallback-login (for sam local invoke) in
// step with the router: every file is a payload 2.0 event of one of its
// routes, every route has an event, and the handler answers each with an
// envelope (the placeholders give 404 and 401, never a routing miss).
func TestSampleEvents(t *testing.T) {
	f := newFixture(t)
	f.env.CheckSampleEventsWith(f.r, "../../events/fallback-login", nil, func(ev events.APIGatewayV2HTTPRequest, resp events.APIGatewayV2HTTPResponse) error {
		if ev.RouteKey == openapi.RouteKey {
			return nil // the document, outside the envelope
		}
		switch resp.StatusCode {
		case http.StatusOK, http.StatusNotFound, http.StatusUnauthorized:
		default:
			return fmt.Errorf("answer %d %s", resp.StatusCode, resp.Body)
		}
		var env apigw.FailEnvelope
		if err := json.Unmarshal([]byte(resp.Body), &env); err != nil || (env.Stat != "OK" && env.Stat != "FAIL") {
			return fmt.Errorf("no envelope: %s", resp.Body)
		}
		if resp.StatusCode == http.StatusNotFound && (env.Code != int(domain.CodeNotFound) || ev.PathParameters["txid"] == "") {
			return fmt.Errorf("routing miss: %s", resp.Body)
		}
		return nil
	})
}
