package dynamo

import (
	"fmt"
	"math"
	"testing"
	"time"
)

// FuzzRateWindow drives the sliding-window arithmetic of the limiter (the
// pure part of RateHits: retryAfter, with, live) through a run of events
// as hitAll does — allowed when retryAfter is 0, then the log becomes
// with(now, hit) — at times from 1970 to the end of int64 nanoseconds
// (year 2262), windows from 1 ns to ~292 years and Max 0…9. Properties:
// Retry-After is never negative and never longer than the window; no
// Window-long stretch ever holds more than Max allowed events; the log
// never keeps more than Max entries; a refused event is allowed again
// exactly Retry-After later (not earlier: one nanosecond before, still
// refused).
func FuzzRateWindow(f *testing.F) {
	f.Add(int64(1_780_000_000_000_000_000), int64(time.Hour), uint8(10), []byte{0, 0, 1, 2, 3, 200, 255, 0, 0, 0, 0, 0, 0, 0})
	f.Add(int64(0), int64(1), uint8(1), []byte{0, 0, 1, 0, 1})
	f.Add(int64(math.MaxInt64-int64(time.Hour)), int64(time.Hour), uint8(3), []byte{0, 0, 0, 255, 255, 255, 255})
	f.Add(int64(math.MaxInt64), int64(math.MaxInt64), uint8(2), []byte{0, 0, 0})
	f.Add(int64(1), int64(math.MaxInt64), uint8(0), []byte{1, 2})
	f.Add(int64(1_780_000_000_000_000_000), int64(25*time.Second), uint8(9), []byte{10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10})
	f.Fuzz(func(t *testing.T, start, window int64, maxHits uint8, steps []byte) {
		if start < 0 {
			start = -(start + 1) // the store's clock is past 1970
		}
		if window < 0 {
			window = -(window + 1)
		}
		window = max(window, 1) // a Limit has a window
		l := Limit{Name: "fuzz", Window: time.Duration(window), Max: int(maxHits % 10)}
		st := &rateState{limit: l, subject: "s"}
		// Each step advances the clock by step/16 of the window (0 for 0),
		// so runs cross window edges at every phase.
		now := start
		var allowed []int64
		for i, step := range steps {
			adv := int64(step) * max(window/16, 1)
			if now > math.MaxInt64-adv {
				break // the clock cannot pass the year 2262
			}
			now += adv
			at := time.Unix(0, now)
			ra := st.retryAfter(at)
			if ra < 0 || ra > l.Window {
				t.Fatalf("Retry-After %v (window %v)", ra, l.Window)
			}
			if ra > 0 {
				if l.Max > 0 {
					if now <= math.MaxInt64-int64(ra) && st.retryAfter(time.Unix(0, now+int64(ra))) != 0 {
						t.Fatalf("still refused Retry-After (%v) later", ra)
					}
					if st.retryAfter(time.Unix(0, now+int64(ra)-1)) == 0 {
						t.Fatalf("allowed 1 ns before Retry-After (%v)", ra)
					}
				}
				continue
			}
			if l.Max == 0 {
				t.Fatalf("a limit of 0 allowed an event")
			}
			st.hits = st.with(at, Hit{Limit: l, Subject: "s", At: now, Tag: fmt.Sprintf("t%03d", i)})
			if len(st.hits) > l.Max {
				t.Fatalf("log keeps %d entries, Max %d", len(st.hits), l.Max)
			}
			allowed = append(allowed, now)
			// The stretch (now-window, now] holds at most Max events.
			n := 0
			for _, a := range allowed {
				if a > now-window {
					n++
				}
			}
			if n > l.Max {
				t.Fatalf("%d events in one window of %v, Max %d: %v", n, l.Window, l.Max, allowed)
			}
		}
	})
}
