package apigw

import (
	"bytes"
	"context"
	"testing"
	"time"

	"push-reactivation/shared/domain"
)

// TestHandlerHasTheRequestDeadline: Handle gives every handler a context
// that ends domain.RequestDeadline after the request, so a hanging
// dependency is cut off in time to answer within 3 s (DESIGN.md §4.1), and
// a handler that fails on it answers 503 50301 with Retry-After.
func TestHandlerHasTheRequestDeadline(t *testing.T) {
	var left time.Duration
	rt := testRouter(&bytes.Buffer{}, Route{Key: "GET /wait", Handler: func(ctx context.Context, _ *Request) (*Response, error) {
		dl, ok := ctx.Deadline()
		if !ok {
			t.Fatal("no deadline")
		}
		left = time.Until(dl)
		return nil, domain.Unavailable("database")
	}})
	resp, _ := rt.Handle(context.Background(), event("GET", "/wait", ""))
	if left <= 0 || left > domain.RequestDeadline {
		t.Errorf("deadline %v away, want within %v", left, domain.RequestDeadline)
	}
	if resp.StatusCode != 503 || decodeFail(t, resp.Body).Code != int(domain.CodeUnavailable) || resp.Headers["Retry-After"] != "5" {
		t.Errorf("answer %d %v %s", resp.StatusCode, resp.Headers, resp.Body)
	}

	resp, _ = rt.Handle(WithRequestDeadline(context.Background(), time.Minute), event("GET", "/wait", ""))
	if left <= domain.RequestDeadline || resp.StatusCode != 503 {
		t.Errorf("WithRequestDeadline: deadline %v away", left)
	}
}
