package qrpng_test

import (
	"bytes"
	"encoding/base64"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"push-reactivation/internal/testenv/apptest"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/qrpng"
)

// fakeNow is a clock the test moves.
type fakeNow struct{ t atomic.Int64 }

func (f *fakeNow) now() time.Time          { return time.Unix(0, f.t.Load()) }
func (f *fakeNow) advance(d time.Duration) { f.t.Add(int64(d)) }
func newFakeNow() *fakeNow {
	f := &fakeNow{}
	f.t.Store(time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC).UnixNano())
	return f
}
func barcode(i int) string {
	return domain.Barcode(strings.Repeat("A", 19)+string(rune('a'+i)), "localhost:3443")
}
func (f *fakeNow) cache(size int) *qrpng.Cache { return qrpng.NewCache(size, f.now) }

func TestCacheRendersOncePerCode(t *testing.T) {
	clock := newFakeNow()
	c := clock.cache(8)
	text := barcode(0)
	first, err := c.PNG(text, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	second, err := c.PNG(text, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if c.Renders() != 1 {
		t.Fatalf("%d renders for two requests of one code, want 1", c.Renders())
	}
	if !bytes.Equal(first, second) {
		t.Fatal("the second PNG differs from the first")
	}
	if got, _ := apptest.DecodeQR(t, second); got != text {
		t.Fatalf("cached PNG decodes to %q, want %q", got, text)
	}
	want, _ := qrpng.Encode(text)
	if !bytes.Equal(second, want) {
		t.Fatal("the cached PNG is not Encode's")
	}
	// The data URL comes from the same render.
	url, err := c.DataURL(text, time.Hour)
	if err != nil || c.Renders() != 1 {
		t.Fatalf("data URL: %v, %d renders", err, c.Renders())
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(url, "data:image/png;base64,"))
	if err != nil || !strings.HasPrefix(url, "data:image/png;base64,") || !bytes.Equal(raw, want) {
		t.Fatalf("data URL %.40q... is not the PNG (%v)", url, err)
	}
	// Another code is another render.
	if _, err := c.PNG(barcode(1), time.Hour); err != nil || c.Renders() != 2 {
		t.Fatalf("another code: %v, %d renders, want 2", err, c.Renders())
	}
}

func TestCacheEntryDiesWithItsCode(t *testing.T) {
	clock := newFakeNow()
	c := clock.cache(8)
	text := barcode(0)
	if _, err := c.PNG(text, 10*time.Minute); err != nil {
		t.Fatal(err)
	}
	clock.advance(10*time.Minute - time.Second)
	if _, _ = c.PNG(text, 10*time.Minute); c.Renders() != 1 {
		t.Fatalf("%d renders while the code is valid, want 1", c.Renders())
	}
	clock.advance(time.Second) // the code's expiry: the entry is dead
	if _, _ = c.PNG(text, time.Minute); c.Renders() != 2 {
		t.Fatalf("%d renders after expiry, want 2", c.Renders())
	}
	// ttl ≤ 0 (a code at or past its expiry) renders and keeps nothing.
	n := c.Len()
	if _, err := c.PNG(barcode(1), 0); err != nil || c.Len() != n {
		t.Fatalf("ttl 0: %v, %d entries, want %d", err, c.Len(), n)
	}
}

// TestCacheForgetsExpiredCodesUnasked: an entry leaves memory when its
// code expires even if nobody asks for it again (a timer, on the real
// clock).
func TestCacheForgetsExpiredCodesUnasked(t *testing.T) {
	c := qrpng.NewCache(8, time.Now)
	if _, err := c.PNG(barcode(0), 2*time.Second); err != nil {
		t.Fatal(err)
	}
	if c.Len() != 1 {
		t.Fatalf("%d entries, want 1", c.Len())
	}
	for deadline := time.Now().Add(30 * time.Second); c.Len() != 0; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the expired entry is still held 30 s after it expired")
		}
	}
}

func TestCacheIsBoundedBySize(t *testing.T) {
	clock := newFakeNow()
	c := clock.cache(2)
	for i := range 3 {
		if _, err := c.PNG(barcode(i), time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	if c.Len() != 2 || c.Renders() != 3 {
		t.Fatalf("%d entries, %d renders, want 2 and 3", c.Len(), c.Renders())
	}
	// The least recently used (the first) went; the last two stayed.
	_, _ = c.PNG(barcode(2), time.Hour)
	_, _ = c.PNG(barcode(1), time.Hour)
	if c.Renders() != 3 {
		t.Fatalf("%d renders for held codes, want 3", c.Renders())
	}
	_, _ = c.PNG(barcode(0), time.Hour)
	if c.Renders() != 4 || c.Len() != 2 {
		t.Fatalf("evicted code: %d renders, %d entries, want 4 and 2", c.Renders(), c.Len())
	}
}

// TestCacheConcurrentRequests: goroutines asking at once for the same codes
// wait for one render per code, and all get the same image (run with -race).
func TestCacheConcurrentRequests(t *testing.T) {
	clock := newFakeNow()
	c := clock.cache(64)
	const codes, perCode = 4, 8
	want := make([][]byte, codes)
	for i := range codes {
		want[i], _ = qrpng.Encode(barcode(i))
	}
	start := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan string, codes*perCode)
	for i := range codes {
		for range perCode {
			wg.Go(func() {
				<-start
				png, err := c.PNG(barcode(i), time.Hour)
				if err != nil || !bytes.Equal(png, want[i]) {
					errs <- "wrong PNG for code " + string(rune('0'+i))
				}
			})
		}
	}
	close(start)
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if c.Renders() != codes {
		t.Fatalf("%d renders for %d codes asked %d times each at once, want %d", c.Renders(), codes, perCode, codes)
	}
}

// TestCachedSharedCache: the process-wide cache behind the call sites.
func TestCachedSharedCache(t *testing.T) {
	text := barcode(5)
	before := qrpng.Renders()
	a, err := qrpng.Cached(text, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	url, err := qrpng.CachedDataURL(text, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if got := qrpng.Renders() - before; got != 1 {
		t.Fatalf("%d renders, want 1", got)
	}
	if url != "data:image/png;base64,"+base64.StdEncoding.EncodeToString(a) {
		t.Fatal("data URL is not the PNG's")
	}
}

// BenchmarkCache compares a hit of the cache with a render.
func BenchmarkCache(b *testing.B) {
	text := barcode(0)
	b.Run("render", func(b *testing.B) {
		for b.Loop() {
			if _, err := qrpng.Encode(text); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("hit", func(b *testing.B) {
		c := qrpng.NewCache(DefaultEntries, time.Now)
		if _, err := c.PNG(text, time.Hour); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, err := c.PNG(text, time.Hour); err != nil {
				b.Fatal(err)
			}
		}
		if c.Renders() != 1 {
			b.Fatalf("%d renders", c.Renders())
		}
	})
}

const DefaultEntries = qrpng.DefaultCacheEntries
