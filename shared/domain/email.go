package domain

import "time"

// Activation emails and security notifications (issue #7). The rules are
// DESIGN.md §3 ("emailed link validity", "emails", "notifications"); the
// constants live in rules.go.

// CheckEmail says whether another activation email may be sent for r at
// now, as the error the caller should get when not:
//   - expired (every code lapsed): 41001, start a new reactivation;
//   - activated or cancelled: 40901, naming the status;
//   - MaxEmailsPerReactivation already sent: 42901. Retrying this
//     reactivation can never succeed, so Retry-After is the time until it
//     expires, after which a new one must be started anyway.
//
// The store re-checks all of this in the write's condition; this check
// gives the precise answer and spares a doomed write.
func (r *Reactivation) CheckEmail(now time.Time) error {
	if err := r.checkPending(now); err != nil {
		return err
	}
	if r.EmailsSent >= MaxEmailsPerReactivation {
		e := RateLimited(r.ExpiresAt.Sub(now))
		e.Detail = "at most 3 activation emails per reactivation; start a new reactivation to send more"
		return e
	}
	return nil
}

// checkPending is the status part of CheckEmail and CheckBarcode: only a
// pending reactivation takes another code; expired is 41001, activated or
// cancelled 40901 naming the status.
func (r *Reactivation) checkPending(now time.Time) error {
	switch st := r.EffectiveStatus(now); st {
	case ReactivationPending:
		return nil
	case ReactivationExpired:
		return Errorf(CodeExpired, "reactivation has expired; start a new one")
	default:
		return Errorf(CodeConflict, "reactivation is %s", st)
	}
}

// WithEmailCode returns the emailed activation code whose hash is hash,
// sent at now, and r as it is once that code is added: the code is valid
// EmailLinkValidity; it replaces r's earlier email code, if any; the
// reactivation stays pending while any of its codes is valid, so its
// expiry becomes the later of its current one and the new code's; and one
// more email counts against MaxEmailsPerReactivation.
func (r Reactivation) WithEmailCode(hash string, now time.Time) (Reactivation, ActivationCode) {
	expires := now.Add(EmailLinkValidity)
	code := ActivationCode{
		Hash: hash, Kind: CodeKindEmail, ReactivationID: r.ID, AdminID: r.AdminID, AccountID: r.AccountID,
		Status: ReactivationPending, ExpiresAt: expires,
	}
	r.EmailCodeHash, r.EmailExpiresAt = hash, expires
	if expires.After(r.ExpiresAt) {
		r.ExpiresAt = expires
	}
	r.EmailsSent++
	code.Carried = r.Carry()
	return r, code
}

// Notice names a security notification, as recorded in the audit event's
// details ("notice") of ActionNotification.
type Notice string

// The notifications of DESIGN.md §3: the target admin hears of a
// reactivation an Owner started for them, and of every phone activated
// for their Duo Push.
const (
	NoticeReactivationStarted Notice = "reactivation_started"
	NoticePhoneActivated      Notice = "phone_activated"
)
