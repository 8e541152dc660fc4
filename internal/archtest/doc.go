// Package archtest holds the import rules of docs/architecture.md as
// tests, read from `go list` (the real build graph, not the source text):
//
//   - no program of the module links testing: the Lambda bootstraps, the
//     local stack, adminctl and the other tools run without test support;
//   - each function links exactly the AWS service clients its main.go
//     builds: one linked but never built is weight in the bootstrap and a
//     dependency main.go does not show;
//   - the logic packages import no adapter (dynamo, sesmail, smsvoice,
//     config, the app wiring, the local peers) and no AWS SDK package: they
//     state the interfaces they need, in the domain's words.
package archtest
