package device

import (
	"context"
	"errors"

	"push-reactivation/shared/apigw"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/fanout"
	"push-reactivation/shared/secret"
)

// Transaction is one pending push as the phone lists it (DESIGN.md §5).
// Attributes are [label, value] pairs, the way Duo Mobile shows a
// request's details; Expiration is in Unix seconds.
type Transaction struct {
	URGID      string      `json:"urgid"`
	Type       string      `json:"type"`
	Summary    string      `json:"summary"`
	Attributes [][2]string `json:"attributes"`
	Expiration int64       `json:"expiration"`
	// RequiresVerificationCode says the approval must carry the verified
	// push code shown in the panel, of VerificationCodeLength digits. Both
	// come from the push as it was started, never from the current policy.
	RequiresVerificationCode bool `json:"requires_verification_code"`
	VerificationCodeLength   int  `json:"verification_code_length,omitempty"`
}

// Transactions is the answer to GET /push/v2/device/transactions.
type Transactions struct {
	Transactions []Transaction `json:"transactions"`
}

// transactions lists the pushes waiting for this credential, newest first.
// Round trips: the credential and the index query together (one), and,
// when there is a push to show, one for the admin and the account it
// names. The query is issued before the signature is checked, under the
// pkey the request claims, and its answer is used only once the signature
// verified with that very credential's key (the query reads nothing a
// failed request gets to see; its cost is what an idle poll pays anyway).
func (s *Service) transactions(ctx context.Context, r *apigw.Request) (*apigw.Response, error) {
	c, err := s.check(r)
	if err != nil {
		return nil, err
	}
	var cred *domain.Credential
	var txs []domain.LoginTx
	var credErr, txsErr error
	fanout.Do(ctx,
		func(ctx context.Context) { cred, credErr = s.Store.GetCredential(ctx, c.claim.Pkey) },
		func(ctx context.Context) { txs, txsErr = s.Store.ListPendingPushes(ctx, c.claim.Pkey) },
	)
	req, err := s.authenticate(r, c, cred, credErr)
	if err != nil {
		return nil, err
	}
	if txsErr != nil {
		return nil, txsErr
	}
	out := Transactions{Transactions: []Transaction{}}
	if len(txs) == 0 {
		return apigw.OK(out), nil
	}
	admin, acct, err := s.Store.GetLoginAdmin(ctx, req.cred.AdminID, req.cred.AccountID)
	if err != nil {
		return nil, err
	}
	for _, tx := range txs {
		if tx.AdminID != req.cred.AdminID {
			continue
		}
		t := Transaction{
			URGID: tx.PushID, Type: "login", Summary: "Login request: " + acct.Name + " admin panel",
			Attributes: [][2]string{
				{"Account", acct.Name},
				{"Admin", admin.Email},
				{"Application", "Admin Panel"},
				{"Time", tx.CreatedAt.UTC().Format("2006-01-02 15:04:05 UTC")},
			},
			Expiration:               tx.PushExpiresAt.Unix(),
			RequiresVerificationCode: tx.VerificationCodeHash != "",
			VerificationCodeLength:   tx.VerificationCodeLength,
		}
		if tx.IP != "" {
			t.Attributes = append(t.Attributes, [2]string{"IP", tx.IP})
		}
		out.Transactions = append(out.Transactions, t)
	}
	return apigw.OK(out), nil
}

// Answer is the answer to POST /push/v2/device/transactions/{urgid}.
type Answer struct {
	Status domain.LoginStatus `json:"status"`
}

// answer records the phone's answer to a push. The rules:
//
//   - answer is approve or deny (else 40002);
//   - a push unknown to this credential is 40401, one answered already
//     40901, one that lapsed 41001;
//   - deny needs no verification code;
//   - when the push was started with a verification code, approve without
//     verification_code is 40014 "Please enter the verification code", as
//     Duo answers, and leaves the push pending (a client that cannot show
//     the prompt asks nothing and guesses nothing);
//   - approve with a wrong code denies the push and answers 403 (40301):
//     a wrong code means the person at the panel is not the person holding
//     the phone (push phishing), and one guess per push keeps a 3-digit
//     code meaningful. A code of another length than the push was started
//     with is wrong too. The code is compared, in constant time, with its
//     keyed hash (secret.CodeHasher).
//
// The write (store.AnswerPush) is conditional on the push still being the
// one read, pending and unexpired, with the audit event in the same
// transaction. Round trips: the credential and the push together (as in
// transactions, the push is used only once the signature verified), then
// the write.
func (s *Service) answer(ctx context.Context, r *apigw.Request) (*apigw.Response, error) {
	c, err := s.check(r)
	if err != nil {
		return nil, err
	}
	urgid := r.Param("urgid")
	var cred *domain.Credential
	var tx *domain.LoginTx
	var credErr, txErr error
	fanout.Do(ctx,
		func(ctx context.Context) { cred, credErr = s.Store.GetCredential(ctx, c.claim.Pkey) },
		func(ctx context.Context) {
			if len(urgid) > maxIdentifiers {
				tx, txErr = nil, domain.NewError(domain.CodeNotFound)
				return
			}
			tx, txErr = s.Store.GetPush(ctx, c.claim.Pkey, urgid)
		},
	)
	req, err := s.authenticate(r, c, cred, credErr)
	if err != nil {
		return nil, err
	}
	answer, err := required(req.form, "answer", maxIdentifiers)
	if err != nil {
		return nil, err
	}
	a := domain.PushAnswer(answer)
	if a != domain.PushApprove && a != domain.PushDeny {
		return nil, domain.Errorf(domain.CodeInvalidParams, "answer: approve or deny")
	}
	code, err := text(req.form, "verification_code", maxVerifyCode)
	if err != nil {
		return nil, err
	}
	if txErr != nil {
		return nil, txErr
	}
	now := s.Clock.Now()
	switch {
	case tx.Status != domain.LoginPending:
		return nil, domain.Errorf(domain.CodeConflict, "the request was already answered")
	case !tx.PushAnswerable(now):
		return nil, domain.Errorf(domain.CodeExpired, "the request has expired")
	}

	status, reason := a.Status(), domain.PushDeniedByUser
	wrongCode := false
	if a == domain.PushApprove {
		reason = ""
		if tx.VerificationCodeHash != "" {
			if code == "" {
				return nil, domain.NewError(domain.CodeVerificationCodeNeeded)
			}
			if !s.codeMatches(tx, code) {
				status, reason, wrongCode = domain.LoginDenied, domain.PushDeniedWrongCode, true
			}
		}
	}
	eventID, err := secret.ID(s.Random)
	if err != nil {
		return nil, err
	}
	outcome, details := domain.OutcomeSuccess, map[string]string{
		"answer": string(a), "credential_id": req.cred.ID, "txid": tx.ID, "result": string(status),
	}
	if status != domain.LoginApproved {
		outcome, details["reason"] = domain.OutcomeFailure, reason
	}
	err = s.Store.AnswerPush(ctx, domain.PushReply{
		Tx: tx, CredentialID: req.cred.ID, Status: status, DenyReason: reason,
		Audit: domain.NewAuditEvent(domain.AuditEvent{ID: eventID, Time: now, AccountID: tx.AccountID, ActorID: tx.AdminID, TargetID: tx.AdminID,
			Action: domain.ActionLoginPush, Outcome: outcome, IP: r.IP(), UserAgent: r.UserAgent(), Details: details}),
	})
	if errors.Is(err, domain.ErrConflict) {
		// Answered, replaced or lapsed between our read and our write.
		return nil, domain.Errorf(domain.CodeConflict, "the request is no longer pending")
	}
	if err != nil {
		return nil, err
	}
	if wrongCode {
		return nil, domain.Errorf(domain.CodeForbidden, "verification_code: wrong code; the login request was denied")
	}
	return apigw.OK(Answer{Status: status}), nil
}

// codeMatches reports whether code is the push's verification code: of the
// length stored with the push (pushes started before lengths were stored
// have none, and only the hash decides) and matching its keyed hash.
func (s *Service) codeMatches(tx *domain.LoginTx, code string) bool {
	if tx.VerificationCodeLength > 0 && len(code) != tx.VerificationCodeLength {
		return false
	}
	return s.Codes.Matches(secret.PushVerificationCode, code, tx.VerificationCodeHash)
}
