package apigw

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"push-reactivation/shared/domain"
)

// TestBeforeStepAnswers: a Before step that fails is the answer (503 50301
// with Retry-After for an unavailable dependency) and the handler does
// not run; once it succeeds, the handler runs.
func TestBeforeStepAnswers(t *testing.T) {
	ran := 0
	var stepErr error = domain.Unavailable("key service")
	rt := NewRouter(slog.New(slog.NewJSONHandler(io.Discard, nil)), nil, "",
		Route{Key: "GET /x", Handler: func(context.Context, *Request) (*Response, error) { ran++; return OK(nil), nil }})
	rt.Before(func(context.Context) error { return stepErr })
	ev := events.APIGatewayV2HTTPRequest{RouteKey: "GET /x", RawPath: "/x"}
	ev.RequestContext.HTTP.Method = "GET"
	resp, _ := rt.Handle(context.Background(), ev)
	if resp.StatusCode != 503 || resp.Headers["Retry-After"] == "" || ran != 0 {
		t.Fatalf("failing step: %d %v, handler ran %d times", resp.StatusCode, resp.Headers, ran)
	}
	stepErr = nil
	if resp, _ := rt.Handle(context.Background(), ev); resp.StatusCode != 200 || ran != 1 {
		t.Fatalf("passing step: %d, handler ran %d times", resp.StatusCode, ran)
	}
}
