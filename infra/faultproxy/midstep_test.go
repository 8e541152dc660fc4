package faultproxy_test

import (
	"strings"
	"testing"
	"time"

	"push-reactivation/infra/faultproxy"
	"push-reactivation/internal/testenv"
	"push-reactivation/internal/testenv/apptest"
)

// maxCallsPerStep bounds the search for the step's last DynamoDB call.
const maxCallsPerStep = 12

// TestDynamoDBFailsMidStep starts failing DynamoDB in the middle of each
// step: after its first k calls succeeded, for every k until the step
// makes no more calls. Whatever call fails, the answer is 503 50301 within
// the bound and the step leaves nothing half-done: the table holds either
// all of the step's writes or none of them (each step commits in one
// conditional write or transaction, reads come first), and once DynamoDB
// is back the step works. A step that answers success although a call of
// it failed lost a write: that fails the test too.
func TestDynamoDBFailsMidStep(t *testing.T) {
	apptest.SetParallelEnv(t)
	sesURL := testenv.StartSES(t).URL()
	all := steps()
	names := make([]string, len(all))
	for i, s := range all {
		names[i] = s.name
	}
	runAll(t, names, func(t *testing.T, i int) {
		s := all[i]
		var swallowed []int // k whose failure the answer did not show
		for k := 1; k <= maxCallsPerStep; k++ {
			r := newRig(t, sesURL)
			f := s.prepare(r)
			before := r.snapshot()
			p := r.proxy[db]
			seen := p.Requests()
			if err := p.SetAfter(faultproxy.Throttle, k); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			resp := s.call(r, f)
			elapsed := time.Since(start)
			requests := p.Requests() - seen // retries included
			if resp.Status == s.ok && requests > k {
				swallowed = append(swallowed, k)
				continue
			}
			if resp.Status == s.ok {
				// No call failed: the step makes k calls or fewer.
				for _, sk := range swallowed {
					if sk < requests-s.afterCommit {
						t.Errorf("answered %d although DynamoDB call %d of %d failed: a write was lost", s.ok, sk+1, requests)
					}
				}
				t.Logf("%s makes %d DynamoDB calls", s.name, requests)
				return
			}
			checkUnavailable(t, resp, elapsed)
			for _, c := range before.diff(r.snapshot()) {
				if s.reservesTry && (strings.Contains(c.attr, "tries") || strings.Contains(c.attr, "attempts")) {
					continue
				}
				if s.reservesThrottle && strings.HasPrefix(c.item, "RATE#pw-") {
					continue
				}
				t.Errorf("DynamoDB failing from call %d (calls %v): the table changed: %s", k+1, p.Ops()[seen:], c)
			}
			r.heal()
			retry(r, f, s)
		}
		t.Fatalf("%s still failing after %d DynamoDB calls", s.name, maxCallsPerStep)
	})
}
