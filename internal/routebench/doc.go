// Package routebench measures every route of the API (template.yaml's
// HttpApi events: the panel API of DESIGN.md §4 and §4.1 and the device
// API of §5) the same way, in one run: BenchmarkRoute/<METHOD>_<path
// template> reports the warm handler's DynamoDB round trips in sequence
// (calls made concurrently count once: dynamotest.Trips), its p50 and p99
// latency and its allocations, beside BenchmarkRoute/baseline, the
// storeless route, and logs each route's p50 and p99 as ratios to it.
// TestRouteRoundTrips pins each route's round trips, so that a request
// that gains one fails `make test`. Everything runs on real peers: the
// embedded DynamoDB, aws-ses-v2-local, the local SMS/voice endpoint and
// local-kms (internal/testenv/apptest). The package has only tests.
package routebench
