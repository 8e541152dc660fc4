package apigw

import (
	"bytes"
	"context"
	"testing"
	"time"

	"push-reactivation/shared/domain"
)

// touchingAuth authenticates every token, with a session write in flight
// that delivers its outcome on touch (as shared/session does once a
// minute).
type touchingAuth struct{ touch chan error }

func (a touchingAuth) Authenticate(context.Context, string) (*domain.Principal, error) {
	return &domain.Principal{Admin: domain.Admin{ID: "a1"}, Touch: a.touch}, nil
}

// TestRouterWaitsForTheSessionTouch: the session's last_seen_at write runs
// beside the handler, and the router answers only once it is done, so a
// function is never frozen with the write in flight.
func TestRouterWaitsForTheSessionTouch(t *testing.T) {
	var logs bytes.Buffer
	rt := testRouter(&logs, Route{Key: "GET /me", Auth: true, Handler: func(_ context.Context, r *Request) (*Response, error) {
		return OK(r.Principal.Admin.ID), nil
	}})
	touch := make(chan error) // unbuffered: the send completes only when the router receives
	rt.Auth = touchingAuth{touch: touch}
	delivered := make(chan struct{})
	go func() {
		touch <- domain.Unavailable("dynamodb")
		close(delivered)
	}()
	ev := event("GET", "/me", "")
	ev.Headers["authorization"] = "Bearer tok"
	resp, _ := rt.Handle(context.Background(), ev)
	if resp.StatusCode != 200 {
		t.Fatalf("a failed touch changed the answer: %d %s", resp.StatusCode, resp.Body)
	}
	select {
	case <-delivered:
	case <-time.After(5 * time.Second):
		t.Fatal("the router answered without waiting for the session's touch")
	}
	if !bytes.Contains(logs.Bytes(), []byte("session use not recorded")) {
		t.Fatalf("a failed touch was not logged: %s", logs.String())
	}
}
