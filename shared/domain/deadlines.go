package domain

import (
	"context"
	"time"
)

// The time budget of one request (DESIGN.md §4.1, "Dependencies down"):
// when DynamoDB, SES or the SMS/voice service fails or hangs, the answer is
// 503 50301 within AnswerWithin of the request, and nothing is left
// half-done. The figures nest so that the worst case still fits:
//
//	RequestDeadline (handler work, set once at the edge)   2.0 s
//	+ UndoTimeout   (compensation after a failure)          0.6 s
//	= 2.6 s, leaving 0.4 s for the adapter and the network before AnswerWithin.
//
// Each SDK client also bounds its own attempts (shared/config), so a call
// made outside a request (adminctl, tests) cannot hang either.
const (
	// AnswerWithin is the contract's bound: any answer within 3 s.
	AnswerWithin = 3 * time.Second
	// RequestDeadline bounds a handler's own work. It is set once, at the
	// edge (apigw.Router.Handle), on the context every call inherits.
	RequestDeadline = 2 * time.Second
	// SendTimeout bounds one SES or SMS/voice send (its SDK retries
	// included), inside RequestDeadline: a hanging provider leaves time to
	// give back what the send had counted.
	SendTimeout = 1500 * time.Millisecond
	// UndoTimeout bounds compensating work (a refund, voiding a code,
	// auditing the failure) run on Detached after the request's own
	// deadline may have passed.
	UndoTimeout = 600 * time.Millisecond
	// UnavailableRetryAfter is the Retry-After of a 503 50301: long enough
	// for a throttled table or a restarted endpoint to recover, short
	// enough for a person waiting at the panel.
	UnavailableRetryAfter = 5 * time.Second
)

// Detached returns a context for compensating work after a failure: it
// keeps ctx's values (request id, logger fields) but not its cancellation,
// and has a deadline of its own: UndoTimeout past ctx's deadline (the
// request's), or past now when ctx has none or it has passed. So the worst
// case still nests in AnswerWithin, while a failure that came early (a
// refused connection) leaves its undo the rest of the request's budget
// rather than a bare UndoTimeout. Without it, a refund after a send that
// used up the request's deadline fails on the expired context and the send
// stays counted.
func Detached(ctx context.Context) (context.Context, context.CancelFunc) {
	deadline := time.Now().Add(UndoTimeout)
	if d, ok := ctx.Deadline(); ok && d.Add(UndoTimeout).After(deadline) {
		deadline = d.Add(UndoTimeout)
	}
	return context.WithDeadline(context.WithoutCancel(ctx), deadline)
}
