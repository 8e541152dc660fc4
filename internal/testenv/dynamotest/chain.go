package dynamotest

import (
	"context"
	"sync"

	"push-reactivation/shared/fanout"
)

// The measure of a request's DynamoDB cost (issue 15) is its
// round trips in sequence: reads a handler issues concurrently cost one
// wait, not one each. Counting calls cannot see that, so CountingAPI also
// keeps the longest chain of calls in which each began after the one
// before it had answered.
//
// A call's depth is one more than the deepest call that had already
// answered when it began: only those could have fed it. Calls answer in
// time order, so "the deepest call answered so far" is one running
// maximum, read when a call begins and raised when it answers. Strictly
// sequential calls get depths 1, 2, 3...; calls begun together share a
// depth; a call begun after one of two parallel calls answered, while the
// other is still in flight, is one deeper (it may have waited for the
// first).

// Trips are the round trips of a piece of work.
type Trips struct {
	// Calls is every call made.
	Calls int64
	// Sequential is the longest chain of calls each begun after the one
	// before it answered: concurrent calls count once.
	Sequential int64
}

// Calls that a handler starts together under fanout.Do are not left to
// the clock: on a loaded machine one branch's goroutine may begin only
// after another branch's call answered, which timing alone would read as
// a chain. A branch's calls are instead numbered from the depth the
// group began at (its first call's), so a group counts as its longest
// branch whatever the scheduler did.

// chain keeps the depth of the deepest call that has answered, and the
// depths of the fanout groups seen since the last reset.
type chain struct {
	mu       sync.Mutex
	answered int64
	groups   map[uint64]*group
}

// group is one fanout.Do: the depth it began after, and the calls made so
// far by each of its branches.
type group struct {
	base  int64
	calls map[int]int64
}

// begin is the depth of a call that begins now under ctx.
func (ch *chain) begin(ctx context.Context) int64 {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	id, branch, ok := fanout.BranchOf(ctx)
	if !ok {
		return ch.answered + 1
	}
	if ch.groups == nil {
		ch.groups = map[uint64]*group{}
	}
	g := ch.groups[id]
	if g == nil {
		g = &group{base: ch.answered, calls: map[int]int64{}}
		ch.groups[id] = g
	}
	g.calls[branch]++
	return g.base + g.calls[branch]
}

// end records the answer of a call of that depth.
func (ch *chain) end(depth int64) {
	ch.mu.Lock()
	ch.answered = max(ch.answered, depth)
	ch.mu.Unlock()
}

func (ch *chain) depth() int64 {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	return ch.answered
}

func (ch *chain) reset() {
	ch.mu.Lock()
	ch.answered, ch.groups = 0, nil
	ch.mu.Unlock()
}

// track counts a call that begins now; the function it returns records
// its answer.
func (c *CountingAPI) track(ctx context.Context) func() {
	c.n.Add(1)
	d := c.chain.begin(ctx)
	return func() { c.chain.end(d) }
}

// Sequential is the longest chain of calls since the last Reset, each
// begun after the one before it answered (concurrent calls count once).
func (c *CountingAPI) Sequential() int64 { return c.chain.depth() }

// MeasureTrips runs fn and returns the calls it made and the longest
// chain among them. Like Measure, it counts calls made concurrently by
// others too, so measure with nothing else running; a call of before fn
// still in flight when fn begins is not part of fn's chain.
func (c *CountingAPI) MeasureTrips(fn func()) Trips {
	calls, depth := c.n.Load(), c.chain.depth()
	fn()
	return Trips{Calls: c.n.Load() - calls, Sequential: c.chain.depth() - depth}
}
