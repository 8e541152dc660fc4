package email_test

import (
	"testing"
	"time"

	"push-reactivation/internal/testenv/apptest"
	"push-reactivation/shared/apigw"
	"push-reactivation/shared/app"
	"push-reactivation/shared/email"
)

// BenchmarkBaseline is the unit BenchmarkSendEmail is read against.
func BenchmarkBaseline(b *testing.B) { apptest.BenchBaseline(b) }

// BenchmarkSendEmail reports the warm handler's time and DynamoDB round
// trips of ActivationEmailFunction's one route (docs/table.md), with the
// real aws-ses-v2-local behind SES v2, whose call is most of the time.
func BenchmarkSendEmail(b *testing.B) {
	f := newFixture(b)
	bb := f.Bench(func(d *app.Deps) *apigw.Router { return email.NewRouter(d.Logic(), f.Mailer()) }, "admin@acme.example")
	// Each email is for a fresh reactivation on a new day (the limits per
	// reactivation and per admin and day), asked for with a recent second
	// factor; the reactivation is started uncounted.
	var id string
	prepare := func() {
		bb.Fresh(24 * time.Hour)
		id, _ = f.startSelf(bb.Token)
	}
	bb.Endpoint(b, 202, prepare, "POST", func() string { return emailPath(id) }, "")
}
