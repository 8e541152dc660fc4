package qrpng

import (
	"container/list"
	"crypto/sha256"
	"encoding/base64"
	"sync"
	"sync/atomic"
	"time"
)

// Rendering a QR PNG costs milliseconds of CPU and about a megabyte of
// allocations, most of it the PNG encoder's zlib state (BenchmarkCache:
// a hit is thousands of times cheaper), and the same code is shown more
// than once: the activation email draws its code, then every opening of
// the emailed link (the admin, and the mail scanners and link previewers
// that open every link in a mail) draws it again, as does the landing page
// of a QR code's activation_url. The cache below renders each barcode at
// most once per process.
//
// Keeping the PNGs in process memory is acceptable: the code already
// passes through this memory in plain text on every request that shows it
// (the request path, the page or JSON answer), and the cache never leaves
// the process: it is not written to disk or logs, nor shared with another
// instance (Lambda has no swap). What the cache adds is time, so that is
// bounded twice: an entry dies with its
// code (the ttl the caller gives, the code's remaining validity), and the
// cache holds at most a fixed number of entries, evicting the least
// recently used. The key is the SHA-256 of the barcode text, so the map's
// keys never hold a code in plain text; the PNG itself does, necessarily,
// which is why the bounds matter. A cached PNG is only ever served after
// the caller has checked the code against the store (the landing page
// reads the code first), so a cancelled or used code is never shown from
// the cache.

// DefaultCacheEntries bounds the process-wide cache: an entry is a PNG of
// about 500 bytes and its data URL of about 700, so this keeps it under
// 2 MB, well inside the smallest Lambda's memory, while holding far more
// codes than a warm instance shows within their validity.
const DefaultCacheEntries = 1024

// Cache renders barcodes as PNGs at most once per barcode while the code
// is valid. It is safe for concurrent use: concurrent requests for the
// same barcode wait for one render.
type Cache struct {
	max int
	now func() time.Time

	mu      sync.Mutex
	entries map[[sha256.Size]byte]*list.Element // of *entry
	lru     *list.List                          // front: most recently used

	renders atomic.Int64
}

type entry struct {
	key     [sha256.Size]byte
	expires time.Time
	timer   *time.Timer   // removes the entry when its code expires
	ready   chan struct{} // closed once png, dataURL and err are set
	png     []byte
	dataURL string // data:image/png;base64,..., encoded once with the PNG
	err     error
}

// NewCache returns a cache of at most size entries (at least 1) that
// reads the time from now (time.Now outside tests).
func NewCache(size int, now func() time.Time) *Cache {
	return &Cache{max: max(size, 1), now: now, entries: map[[sha256.Size]byte]*list.Element{}, lru: list.New()}
}

// shared is the process-wide cache behind Cached and CachedDataURL.
var shared = NewCache(DefaultCacheEntries, time.Now)

// Cached is Encode through the process-wide cache: text's PNG, rendered
// only if no live entry holds it. ttl is how long the code stays valid
// (by the caller's clock); with ttl ≤ 0 the PNG is rendered and not kept.
// The returned slice is shared: callers must not modify it.
func Cached(text string, ttl time.Duration) ([]byte, error) { return shared.PNG(text, ttl) }

// CachedDataURL is Cached as a data: URL (data:image/png;base64,...), for
// a page that shows the image inline: encoded once, with the PNG.
func CachedDataURL(text string, ttl time.Duration) (string, error) {
	return shared.DataURL(text, ttl)
}

// Renders is how many PNGs the process-wide cache has rendered: the tests
// of the callers check with it that a code is drawn once.
func Renders() int64 { return shared.Renders() }

// PNG is Cached on c.
func (c *Cache) PNG(text string, ttl time.Duration) ([]byte, error) {
	e := c.get(text, ttl)
	return e.png, e.err
}

// DataURL is CachedDataURL on c.
func (c *Cache) DataURL(text string, ttl time.Duration) (string, error) {
	e := c.get(text, ttl)
	return e.dataURL, e.err
}

// Renders is how many times c has rendered a PNG.
func (c *Cache) Renders() int64 { return c.renders.Load() }

// Len is how many entries c holds.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len()
}

const dataURLPrefix = "data:image/png;base64,"

// render fills e from text and closes e.ready.
func (c *Cache) render(e *entry, text string) {
	c.renders.Add(1)
	if e.png, e.err = Encode(text); e.err == nil {
		b := make([]byte, len(dataURLPrefix)+base64.StdEncoding.EncodedLen(len(e.png)))
		copy(b, dataURLPrefix)
		base64.StdEncoding.Encode(b[len(dataURLPrefix):], e.png)
		e.dataURL = string(b)
	}
	close(e.ready)
}

func (c *Cache) get(text string, ttl time.Duration) *entry {
	if ttl <= 0 {
		e := &entry{ready: make(chan struct{})}
		c.render(e, text)
		return e
	}
	key := sha256.Sum256([]byte(text))
	now := c.now()

	c.mu.Lock()
	if el, ok := c.entries[key]; ok {
		e := el.Value.(*entry)
		if now.Before(e.expires) {
			c.lru.MoveToFront(el)
			c.mu.Unlock()
			<-e.ready
			return e
		}
		c.remove(el)
	}
	// Claim the entry before rendering, outside the lock, so that
	// concurrent requests for the same barcode wait for this one render
	// rather than make their own.
	e := &entry{key: key, expires: now.Add(ttl), ready: make(chan struct{})}
	el := c.lru.PushFront(e)
	c.entries[key] = el
	for c.lru.Len() > c.max {
		c.remove(c.lru.Back())
	}
	// The entry goes when its code does, even if nothing asks again.
	e.timer = time.AfterFunc(ttl, func() { c.drop(el) })
	c.mu.Unlock()

	c.render(e, text)
	if e.err != nil {
		c.drop(el) // keep no failure: the next request tries again
	}
	return e
}

// drop removes el if it is still in the cache.
func (c *Cache) drop(el *list.Element) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cur, ok := c.entries[el.Value.(*entry).key]; ok && cur == el {
		c.remove(el)
	}
}

// remove drops el; c.mu is held.
func (c *Cache) remove(el *list.Element) {
	e := el.Value.(*entry)
	if e.timer != nil {
		e.timer.Stop()
	}
	delete(c.entries, e.key)
	c.lru.Remove(el)
}
