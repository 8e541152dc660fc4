package domain

import "time"

// New QR codes for a pending reactivation (DESIGN.md §4.1, POST
// /v1/reactivations/{id}/barcode): the panel may show a fresh QR code when
// the first one lapsed or leaked, without starting over and without
// touching the emailed link.

// MaxBarcodesPerReactivation caps new QR codes per reactivation (DESIGN.md
// §4.1). Every new one kills the previous, so the cap is not about codes
// alive at once (always one) but about a stolen session minting codes in
// a loop.
const MaxBarcodesPerReactivation = 5

// CheckBarcode says whether another QR code may be issued for r at now, as
// the error the caller should get when not: expired 41001, activated or
// cancelled 40901, MaxBarcodesPerReactivation already issued 42901 (with
// Retry-After the time until it expires: retrying this reactivation can
// never succeed, a new one must be started). The store re-checks all of it
// in the write's condition; this spares a doomed write and names the cause.
func (r *Reactivation) CheckBarcode(now time.Time) error {
	if err := r.checkPending(now); err != nil {
		return err
	}
	if r.BarcodesIssued >= MaxBarcodesPerReactivation {
		e := RateLimited(r.ExpiresAt.Sub(now))
		e.Detail = "at most 5 new QR codes per reactivation; start a new reactivation to get more"
		return e
	}
	return nil
}

// WithQRCode returns the QR code whose hash is hash, issued at now and
// valid for validity, and r as it is once that code replaces the previous
// QR code: the reactivation stays pending while any of its codes is valid
// (DESIGN.md §3), and the previous QR code is dead, so its expiry becomes
// the later of the new QR code's and the email code's, if there is one;
// and one more new QR code counts against MaxBarcodesPerReactivation.
func (r Reactivation) WithQRCode(hash string, now time.Time, validity time.Duration) (Reactivation, ActivationCode) {
	expires := now.Add(validity)
	code := ActivationCode{
		Hash: hash, Kind: CodeKindQR, ReactivationID: r.ID, AdminID: r.AdminID, AccountID: r.AccountID,
		Status: ReactivationPending, ExpiresAt: expires,
	}
	r.QRCodeHash, r.QRExpiresAt, r.ExpiresAt = hash, expires, expires
	if r.EmailCodeHash != "" && r.EmailExpiresAt.After(expires) {
		r.ExpiresAt = r.EmailExpiresAt
	}
	r.BarcodesIssued++
	code.Carried = r.Carry()
	return r, code
}
