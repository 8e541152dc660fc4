package apptest

import (
	"context"
	"io"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"

	"push-reactivation/shared/apigw"
)

// Baseline is the storeless route BenchBaseline times, and the event that
// calls it: a route without a session or a store, answered with a small
// OK envelope, through the same adapter as every route (routing,
// envelope, headers, the request log line). Benchmarks that time their
// calls themselves (internal/routebench) time it the same way.
func Baseline() (*apigw.Router, events.APIGatewayV2HTTPRequest) {
	rt := apigw.NewRouter(slog.New(slog.NewJSONHandler(io.Discard, nil)), nil, "",
		apigw.Route{Key: "GET /v1/ping", Handler: func(context.Context, *apigw.Request) (*apigw.Response, error) {
			return apigw.OK(map[string]bool{"pong": true}), nil
		}})
	return rt, Event(Request{Method: "GET", Path: "/v1/ping"})
}
