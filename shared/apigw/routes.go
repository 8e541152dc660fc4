package apigw

import (
	"log/slog"
	"slices"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"push-reactivation/shared/domain"
)

// HSTS is the Strict-Transport-Security every answer carries: two years,
// this host and its subdomains (the API host is the service's own name).
const HSTS = "max-age=63072000; includeSubDomains"

// DefaultRoute is the route key of the API's $default route: API Gateway
// sends it every request that matches no other route (template.yaml gives
// it to DeviceFunction), so that route misses get the envelope too.
const DefaultRoute = "$default"

// APIRoutes lists every route key of the API (template.yaml's HttpApi
// events but $default; infra/localstack's template test keeps the two
// equal). Each function serves a few of them, yet any router can then
// tell a wrong method (405, with Allow) from an unknown path (404).
var APIRoutes = []string{
	"POST /v1/login",
	"POST /v1/login/{txid}/factor",
	"POST /v1/login/{txid}/verify",
	"GET /v1/login/{txid}",
	"GET /v1/session",
	"PUT /v1/session/account",
	"DELETE /v1/session",
	"POST /v1/session/reauth",
	"GET /v1/profile",
	"POST /v1/profile/duo-push/reactivation",
	"GET /v1/reactivations/{id}",
	"DELETE /v1/reactivations/{id}",
	"POST /v1/reactivations/{id}/barcode",
	"GET /v1/admins",
	"GET /v1/admins/{admin_id}",
	"POST /v1/admins/{admin_id}/duo-push/reactivation",
	"POST /v1/admins/{admin_id}/reset-lockout",
	"GET /v1/admin-log",
	"POST /v1/reactivations/{id}/email",
	"POST /push/v2/activation/{code}",
	"GET /push/v2/device/transactions",
	"POST /push/v2/device/transactions/{urgid}",
	"POST /push/v2/device/registration",
	"GET /push/v2/device/info",
	"GET /activate/{code}",
	"HEAD /activate/{code}",
	// The OpenAPI document (FallbackLoginFunction, shared/openapi).
	"GET /v1/openapi.json",
}

// RouteMisses is the $default route: it has no handler, the router
// answers every request that reaches it as a route miss.
func RouteMisses() Route { return Route{Key: DefaultRoute} }

// allowedMethods lists, sorted, the methods the API serves at path.
func (rt *Router) allowedMethods(path string) []string {
	var out []string
	for _, key := range slices.Concat(rt.Routes(), APIRoutes) {
		method, _, ok := strings.Cut(key, " ")
		if !ok {
			continue
		}
		if _, match := MatchRoute(key, method, path); match && !slices.Contains(out, method) {
			out = append(out, method)
		}
	}
	slices.Sort(out)
	return out
}

// routeMiss answers a request no route of this router serves: 405 40501
// with Allow when the API serves the path under other methods, else 404
// 40401; both in the envelope with every answer's headers.
func (rt *Router) routeMiss(log *slog.Logger, req *Request) events.APIGatewayV2HTTPResponse {
	allow := rt.allowedMethods(req.Path)
	if slices.Contains(allow, req.Method) {
		// Another function serves it: API Gateway never sends it here,
		// so this is a wiring mistake; the caller learns nothing more.
		log.Error("route served by another function reached this one", "method", req.Method)
		allow = nil
	}
	if len(allow) == 0 {
		return rt.fail(req, domain.NewError(domain.CodeNotFound))
	}
	resp := rt.fail(req, domain.NewError(domain.CodeMethodNotAllowed))
	resp.Headers["Allow"] = strings.Join(allow, ", ")
	return resp
}
