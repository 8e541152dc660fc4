package fanout_test

import (
	"context"
	"sync"
	"testing"

	"push-reactivation/shared/fanout"
)

// TestDoRunsAllAtOnce: the calls really overlap (each waits for all the
// others to have started), and each is told its own branch of one group.
func TestDoRunsAllAtOnce(t *testing.T) {
	const n = 3
	var started sync.WaitGroup
	started.Add(n)
	seen := make([]int, n)
	groups := make([]uint64, n)
	fns := make([]func(context.Context), n)
	for i := range fns {
		fns[i] = func(ctx context.Context) {
			started.Done()
			started.Wait() // deadlocks unless all run at once
			g, idx, ok := fanout.BranchOf(ctx)
			if !ok {
				t.Error("branch context not marked")
			}
			seen[i], groups[i] = idx, g
		}
	}
	fanout.Do(context.Background(), fns...)
	for i := range n {
		if seen[i] != i || groups[i] != groups[0] {
			t.Fatalf("branches %v groups %v", seen, groups)
		}
	}
	if _, _, ok := fanout.BranchOf(context.Background()); ok {
		t.Fatal("a plain context is a branch")
	}
	// A later group is another group.
	var later uint64
	fanout.Do(context.Background(), func(ctx context.Context) { later, _, _ = fanout.BranchOf(ctx) }, func(context.Context) {})
	if later == groups[0] {
		t.Fatal("two calls of Do share a group")
	}
}
