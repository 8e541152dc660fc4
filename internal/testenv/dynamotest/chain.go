package dynamotest

import "sync"

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

// chain keeps the depth of the deepest call that has answered.
type chain struct {
	mu       sync.Mutex
	answered int64
}

// begin is the depth of a call that begins now.
func (ch *chain) begin() int64 {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	return ch.answered + 1
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
	ch.answered = 0
	ch.mu.Unlock()
}

// track counts a call that begins now; the function it returns records
// its answer.
func (c *CountingAPI) track() func() {
	c.n.Add(1)
	d := c.chain.begin()
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
