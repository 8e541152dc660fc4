package sealing

import (
	"sync"
	"time"

	"push-reactivation/shared/domain"
)

// keyCache holds unwrapped data keys by wrapped key and owner id. An entry
// is served at most MaxUses times and for at most TTL; past MaxKeys the
// entry closest to expiry goes. Keys leaving the cache are overwritten
// with zeros (best effort: the garbage collector may have copied them).
type keyCache struct {
	mu      sync.Mutex
	limits  Limits
	clock   domain.Clock
	entries map[string]*cached
}

type cached struct {
	key     []byte
	expires time.Time
	uses    int
}

func newKeyCache(l Limits, clock domain.Clock) *keyCache {
	return &keyCache{limits: l, clock: clock, entries: map[string]*cached{}}
}

func cacheKey(wrapped []byte, id string) string { return id + "\x00" + string(wrapped) }

// get returns a copy of the cached key, counting a use.
func (c *keyCache) get(k string) ([]byte, bool) {
	if c.limits.MaxKeys <= 0 {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[k]
	if !ok {
		return nil, false
	}
	if !c.clock.Now().Before(e.expires) || e.uses >= c.limits.MaxUses {
		c.drop(k, e)
		return nil, false
	}
	e.uses++
	return append([]byte(nil), e.key...), true
}

func (c *keyCache) put(k string, key []byte) {
	if c.limits.MaxKeys <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.clock.Now()
	if old, ok := c.entries[k]; ok {
		c.drop(k, old)
	}
	for len(c.entries) >= c.limits.MaxKeys {
		c.evictOne(now)
	}
	c.entries[k] = &cached{key: append([]byte(nil), key...), expires: now.Add(c.limits.TTL)}
}

// evictOne drops every expired entry, or else the one closest to expiry.
func (c *keyCache) evictOne(now time.Time) {
	var first string
	var firstAt time.Time
	dropped := false
	for k, e := range c.entries {
		if !now.Before(e.expires) {
			c.drop(k, e)
			dropped = true
			continue
		}
		if first == "" || e.expires.Before(firstAt) {
			first, firstAt = k, e.expires
		}
	}
	if !dropped && first != "" {
		c.drop(first, c.entries[first])
	}
}

func (c *keyCache) drop(k string, e *cached) {
	clear(e.key)
	delete(c.entries, k)
}
