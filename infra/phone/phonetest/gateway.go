// Package phonetest lets tests put the phone emulator in front of the real
// handlers: Gateway turns HTTP requests into API Gateway HTTP API payload
// 2.0 events, the way the gateway does, and hands them to the router that
// serves the route.
package phonetest

import (
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"push-reactivation/shared/apigw"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/secret"
)

// Gateway serves the routes of routers over HTTP. A request no router
// serves gets the first router's route-miss answer (404, or 405 with
// Allow, in the Duo FAIL envelope), as through the API's $default route.
func Gateway(routers ...*apigw.Router) http.Handler { return CheckedGateway(nil, routers...) }

// CheckedGateway is Gateway, with check (when not nil) shown every
// answer with its event: tests check them against the OpenAPI document
// (apptest.ContractCheck).
func CheckedGateway(check func(events.APIGatewayV2HTTPRequest, events.APIGatewayV2HTTPResponse), routers ...*apigw.Router) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ev, err := Event(r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		rt := routers[0]
		for _, cand := range routers {
			if serves(cand, ev.RequestContext.HTTP.Method, ev.RawPath) {
				rt = cand
				break
			}
		}
		resp, err := rt.Handle(r.Context(), ev)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		if check != nil {
			check(ev, resp)
		}
		for k, v := range resp.Headers {
			w.Header().Set(k, v)
		}
		body := []byte(resp.Body)
		if resp.IsBase64Encoded {
			if body, err = base64.StdEncoding.DecodeString(resp.Body); err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = w.Write(body)
	})
}

func serves(rt *apigw.Router, method, path string) bool {
	for _, key := range rt.Routes() {
		if _, ok := apigw.MatchRoute(key, method, path); ok {
			return true
		}
	}
	return false
}

// Event is the payload 2.0 event API Gateway would make of r: raw path and
// query as sent, lower-case header names (repeated headers joined with
// ","), the body base64-encoded unless it is UTF-8 text.
func Event(r *http.Request) (events.APIGatewayV2HTTPRequest, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 2*domain.MaxBodyBytes))
	if err != nil {
		return events.APIGatewayV2HTTPRequest{}, err
	}
	headers := map[string]string{}
	for k, vs := range r.Header {
		headers[strings.ToLower(k)] = strings.Join(vs, ",")
	}
	if r.Host != "" {
		headers["host"] = r.Host
	}
	ev := events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: "$default", RawPath: r.URL.EscapedPath(), RawQueryString: r.URL.RawQuery,
		Headers: headers, Body: string(body),
	}
	if !utf8.Valid(body) {
		ev.Body, ev.IsBase64Encoded = base64.StdEncoding.EncodeToString(body), true
	}
	ev.RequestContext.HTTP.Method = r.Method
	ev.RequestContext.HTTP.Path = r.URL.Path
	ev.RequestContext.HTTP.UserAgent = r.UserAgent()
	ev.RequestContext.HTTP.SourceIP, _, _ = net.SplitHostPort(r.RemoteAddr)
	ev.RequestContext.RequestID, _ = secret.ID(nil)
	return ev, nil
}
