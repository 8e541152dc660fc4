package device_test

import (
	"testing"

	"push-reactivation/internal/testenv/apptest"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/secret"
)

// replaceQRCode gives the reactivation a new QR code, as POST
// /v1/reactivations/{id}/barcode does, and returns that code.
func (f *fixture) replaceQRCode(r domain.Reactivation) string {
	f.T.Helper()
	code, _ := secret.ActivationCode(nil, domain.ActivationCodeLength)
	before, err := f.Deps.Store.GetReactivation(f.Ctx, r.ID)
	if err != nil {
		f.T.Fatal(err)
	}
	after, c := before.WithQRCode(secret.Hash(code), f.Clock.Now(), domain.QRValidityDefault)
	err = f.Deps.Store.ReplaceQRCode(f.Ctx, domain.NewQRCode{Before: *before, After: after, Code: c,
		Audit: domain.AuditEvent{ID: "qr-" + code, Time: f.Clock.Now(), AccountID: r.AccountID, Action: domain.ActionReactivationBarcode}})
	if err != nil {
		f.T.Fatal(err)
	}
	return code
}

// TestRedeemFromAStaleCarry: a code carries its reactivation as it was
// when the code was written (domain.CodeCarry), and the redeem's first
// transaction trusts that carry. When a code was added since (an email
// after the QR code, a new QR code after the email), the redeem must still
// succeed, and must still kill the other code, so no usable code outlives
// the reactivation. (The transaction adding the code also rewrites the
// other code's carry, carryfresh_test.go; a carry made stale by a race is
// TestRedeemFromACarryStaleAfterARace.)
func TestRedeemFromAStaleCarry(t *testing.T) {
	f := newFixture(t)
	dead := func(name, code string) {
		t.Helper()
		if resp := f.activateRaw(code, activationForm(key(1))); resp.Status != 404 {
			t.Fatalf("%s after the redeem: %d %s", name, resp.Status, resp.Body)
		}
		if resp := f.call(apptest.Request{Method: "GET", Path: "/activate/" + code}); resp.Status != 404 {
			t.Fatalf("%s: landing page %d after the redeem", name, resp.Status)
		}
	}

	// The QR code was written before the email code: its carry names no
	// email code.
	s := f.start("admin@acme.example")
	email := f.addEmailCode(s.Reactivation)
	f.activate(s.Code, key(0))
	dead("the email code sent after the QR code", email)

	// The email code was written before this new QR code.
	s = f.start("owner@acme.example")
	email = f.addEmailCode(s.Reactivation)
	qr := f.replaceQRCode(s.Reactivation)
	f.activate(email, key(0))
	dead("the QR code issued after the email code", qr)
	dead("the first QR code", s.Code)
}
