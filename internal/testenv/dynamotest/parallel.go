package dynamotest

import (
	"context"
	"sync"

	"push-reactivation/shared/fanout"
)

// branches counts the calls made under fanout.Do: a group's round trips
// are those of its longest branch, since its branches wait for DynamoDB
// at the same time.
type branches struct {
	mu sync.Mutex
	// calls is the calls of each branch of each group; longest is each
	// group's longest branch; total is the sum of longest.
	calls   map[uint64]map[int]int64
	longest map[uint64]int64
	total   int64
}

// add counts one call made with ctx.
func (c *CountingAPI) add(ctx context.Context) {
	group, index, ok := fanout.BranchOf(ctx)
	if !ok {
		c.n.Add(1)
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.calls == nil {
		c.calls, c.longest = map[uint64]map[int]int64{}, map[uint64]int64{}
	}
	if c.calls[group] == nil {
		c.calls[group] = map[int]int64{}
	}
	c.calls[group][index]++
	if n := c.calls[group][index]; n > c.longest[group] {
		c.longest[group] = n
		c.total++
	}
}

// count is the round trips of the groups: each its longest branch.
func (b *branches) count() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.total
}

func (b *branches) reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.calls, b.longest, b.total = nil, nil, 0
}
