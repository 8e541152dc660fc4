//go:build !fuzz

package login_test

import (
	"net/http"
	"testing"
	"time"

	"push-reactivation/infra/smsvoicelocal"
	"push-reactivation/internal/testenv/apptest"
	"push-reactivation/internal/testenv/dynamotest"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/hotp"
	"push-reactivation/shared/login"
)

// countingFixture is a fixture whose router goes through a counting store.
func countingFixture(b testing.TB) (*fixture, *dynamotest.CountingAPI) {
	env := apptest.New(b)
	d, db := env.CountingDeps()
	return &fixture{t: b, env: env, r: login.NewRouter(d.Logic(), env.Phone()), secrets: map[string]string{}}, db
}

// BenchmarkBaseline is the unit the login figures are read against.
func BenchmarkBaseline(b *testing.B) { apptest.BenchBaseline(b) }

// steps measures the round trips of each step of a flow.
type steps struct {
	db    *dynamotest.CountingAPI
	names []string
	total map[string]int64
	iters int64
}

func (s *steps) do(name string, fn func()) {
	n := s.db.Measure(fn)
	if s.total == nil {
		s.total = map[string]int64{}
	}
	if _, ok := s.total[name]; !ok {
		s.names = append(s.names, name)
	}
	s.total[name] += n
}

func (s *steps) report(b *testing.B) {
	for _, name := range s.names {
		b.ReportMetric(float64(s.total[name])/float64(s.iters), name+"-roundtrips/op")
	}
}

// BenchmarkLoginSMS is the whole fallback login by SMS, reporting the
// DynamoDB round trips of each endpoint (docs/table.md).
func BenchmarkLoginSMS(b *testing.B) {
	f, db := countingFixture(b)
	s := &steps{db: db}
	for b.Loop() {
		f.env.Clock.Advance(time.Hour) // a fresh hourly send allowance
		var tx login.Started
		var auth login.Authenticated
		s.do("login", func() { tx = f.login(owner) })
		s.do("factor_sms", func() { f.factor(tx.TxID, domain.FactorSMS) })
		code := f.passcode(ownerPhone, smsvoicelocal.KindSMS)
		s.do("verify_sms", func() { f.verify(tx.TxID, code).OK(b, &auth) })
		s.do("get_session", func() { f.call(http.MethodGet, "/v1/session", nil, auth.SessionToken).OK(b, nil) })
		s.do("logout", func() { f.call(http.MethodDelete, "/v1/session", nil, auth.SessionToken).OK(b, nil) })
		s.iters++
	}
	s.report(b)
}

// BenchmarkLoginDuoMobile is the login by Duo Mobile passcode, and by Duo
// Push up to the session pick-up.
func BenchmarkLoginDuoMobile(b *testing.B) {
	f, db := countingFixture(b)
	f.activate(owner, rfcKey)
	s := &steps{db: db}
	counter := uint64(0)
	for b.Loop() {
		var tx login.Started
		s.do("login", func() { tx = f.login(owner) })
		s.do("verify_hotp", func() { f.verify(tx.TxID, hotp.Code([]byte(rfcKey), counter, 6)).OK(b, nil) })
		counter++
		s.do("login", func() { tx = f.login(owner) })
		s.do("factor_push", func() { f.factor(tx.TxID, domain.FactorPush) })
		s.do("poll_pending", func() { f.pushStatus(tx.TxID) })
		f.answer(tx.TxID, domain.LoginApproved)
		s.do("poll_approved", func() {
			if f.pushStatus(tx.TxID).SessionToken == "" {
				b.Fatal("no session token")
			}
		})
		s.iters++
	}
	s.total["login"] /= 2 // two logins per iteration
	s.report(b)
}
