package domain

import "errors"

// What an activation code item carries so that redeeming it needs one
// read, the code item itself, before the transaction (issue 15: redeem in
// two round trips). Nothing here is a secret: the hashes of the
// reactivation's codes (SHA-256 of 20 random characters, as the
// reactivation item holds them), who started it, and the pkey of the
// credential the redeem replaces (an identifier every signed request of
// that phone names).
//
// All of it may go stale after the code was written (an email code added,
// a QR code replaced): the redeem transaction conditions on every value it
// uses, so a stale one only fails the transaction (ErrRedeemStale), and
// the redeem is then made from a fresh read, as before.

// CodeCarry is the reactivation of a code as it was when the code was
// written.
type CodeCarry struct {
	InitiatedBy   string `dynamodbav:"initiated_by"`
	QRCodeHash    string `dynamodbav:"qr_code_hash"`
	EmailCodeHash string `dynamodbav:"email_code_hash"`
	// HolderCredentialID is the admin's active credential when the
	// reactivation started (Reactivation.HolderCredentialID).
	HolderCredentialID string `dynamodbav:"holder_credential_id"`
}

// Carry is what a code of r carries, r being the reactivation as the
// transaction that writes the code leaves it.
func (r *Reactivation) Carry() *CodeCarry {
	return &CodeCarry{InitiatedBy: r.InitiatedBy, QRCodeHash: r.QRCodeHash, EmailCodeHash: r.EmailCodeHash, HolderCredentialID: r.HolderCredentialID}
}

// CarriedTarget is the redeem target the code's carry describes, or nil
// when the code carries nothing (written before carries existed). Its
// admin holds only the id, account and active credential, its account
// only the id: enough for the transaction, not for the answer.
func (c *ActivationCode) CarriedTarget() *ActivationTarget {
	k := c.Carried
	if k == nil {
		return nil
	}
	return &ActivationTarget{
		Code: *c,
		Reactivation: Reactivation{ID: c.ReactivationID, AdminID: c.AdminID, AccountID: c.AccountID, InitiatedBy: k.InitiatedBy,
			Status: ReactivationPending, QRCodeHash: k.QRCodeHash, EmailCodeHash: k.EmailCodeHash, HolderCredentialID: k.HolderCredentialID},
		Admin:   Admin{ID: c.AdminID, AccountID: c.AccountID, ActiveCredentialID: k.HolderCredentialID},
		Account: Account{ID: c.AccountID},
	}
}

// ErrRedeemStale is returned by a redeem made from a code's carry
// (Redemption.Carried) when the code was still usable but the
// reactivation or the admin no longer matched the carry: the caller
// redeems again from a fresh read.
var ErrRedeemStale = errors.New("redeem: the code's carried target is stale")
