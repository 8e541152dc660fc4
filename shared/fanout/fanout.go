// Package fanout runs independent store calls of one request at the same
// time, so their round trips to DynamoDB overlap instead of adding up
// (issue 15: a hot path pays its sequential round trips, and calls issued
// together count once).
//
// Each call gets a context that names its branch (BranchOf): the counting
// store of the tests and benchmarks (internal/testenv/dynamotest) counts a
// group of branches as its longest branch, so the figures it reports are
// the sequential round trips a request waits for, measured rather than
// assumed.
package fanout

import (
	"context"
	"sync"
	"sync/atomic"
)

// branchKey is the context key of a branch.
type branchKey struct{}

// branch names one of the calls started together by Do.
type branch struct {
	group uint64
	index int
}

// groups numbers the groups of calls, process-wide.
var groups atomic.Uint64

// Do runs every fn at the same time, each with a context derived from ctx
// that names its branch, and returns when all have returned. Each fn keeps
// its own results; Do adds no cancellation of its own, so one branch's
// failure never cuts another short (a branch that writes, such as the
// lockout's reservation, must always learn its outcome).
func Do(ctx context.Context, fns ...func(ctx context.Context)) {
	if len(fns) == 1 {
		fns[0](ctx)
		return
	}
	group := groups.Add(1)
	var wg sync.WaitGroup
	for i, fn := range fns {
		wg.Go(func() { fn(context.WithValue(ctx, branchKey{}, branch{group: group, index: i})) })
	}
	wg.Wait()
}

// BranchOf reports the group and the branch within it of a call made
// under Do, or ok false for a call made on its own.
func BranchOf(ctx context.Context) (group uint64, index int, ok bool) {
	b, ok := ctx.Value(branchKey{}).(branch)
	return b.group, b.index, ok
}
