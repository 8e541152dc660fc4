package domain

import "time"

// MaxPushesPerLogin: at most 3 Duo Pushes per login transaction, like the
// SMS/voice sends. Not in DESIGN.md §3; it keeps a stolen password from
// being turned into a stream of pushes ("push fatigue") within one login.
const MaxPushesPerLogin = 3

// EffectiveStatus is the status as of now: a login still waiting for its
// second factor (pending) or for its session to be picked up (approved)
// is expired once ExpiresAt has passed, whatever the stored item says.
func (tx *LoginTx) EffectiveStatus(now time.Time) LoginStatus {
	if (tx.Status == LoginPending || tx.Status == LoginApproved) && !now.Before(tx.ExpiresAt) {
		return LoginExpired
	}
	return tx.Status
}

// StepUp reports whether the login re-authenticates an existing session.
func (tx *LoginTx) StepUp() bool { return tx.SessionTokenHash != "" }
