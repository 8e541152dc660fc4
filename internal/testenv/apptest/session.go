package apptest

import (
	"time"

	"push-reactivation/shared/domain"
	"push-reactivation/shared/session"
)

func newSession(a *domain.Admin, now time.Time) (string, domain.Session, error) {
	return session.New(nil, a, domain.FactorSMS, now)
}
