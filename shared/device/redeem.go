package device

import (
	"cmp"
	"context"
	"encoding/hex"
	"errors"
	"net/url"

	"push-reactivation/shared/apigw"
	"push-reactivation/shared/devicesig"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/fanout"
	"push-reactivation/shared/secret"
)

// Activation is the answer to POST /push/v2/activation/{code} (DESIGN.md
// §5). Public clients keep akey, pkey and hotp_secret and show
// customer_name.
type Activation struct {
	AKey         string `json:"akey"`
	PKey         string `json:"pkey"`
	HOTPSecret   string `json:"hotp_secret"`
	CustomerName string `json:"customer_name"`
	Reactivated  bool   `json:"reactivated"`
}

// activationForm is what a phone sends at activation. Clients send much
// more (jailbroken, manufacturer, language, ...); the rest is ignored.
type activationForm struct {
	pub                         string // the key as PEM, re-encoded canonically
	platform, model, appVersion string
	displayName                 string
}

// unknownActivation is the one answer for a code that is malformed, never
// existed, was used, expired or was cancelled: nobody learns which.
func unknownActivation() error { return domain.NewError(domain.CodeUnknownActivation) }

// activate redeems an activation code for a new credential: POST
// /push/v2/activation/{code}. Everything that needs no database is checked
// first (code format, fields, key), so a bad request consumes nothing; the
// redeem itself is the one transaction of store.Redeem, which makes the
// code single use under any concurrency.
//
// Round trips (issue 15): the code item; then, together, the redeem made
// from what the code carries (domain.CodeCarry) and the read of the
// reactivation, admin and account that the answer and the notice show.
// Two. When the carry turned out stale (an email code added, a QR code
// replaced since the code was written) or the code carries nothing, the
// redeem is made again from that fresh read: three, as before.
func (s *Service) activate(ctx context.Context, r *apigw.Request) (*apigw.Response, error) {
	code := r.Param("code")
	if !domain.ActivationCodeWellFormed(code) {
		return nil, unknownActivation()
	}
	form, err := r.Form()
	if err != nil {
		return nil, err
	}
	f, err := parseActivationForm(form)
	if err != nil {
		return nil, err
	}
	c, err := s.Store.GetActivationCode(ctx, secret.Hash(code))
	if err != nil {
		return nil, err
	}
	var fresh *domain.ActivationTarget
	var freshErr error
	if carried := c.CarriedTarget(); carried != nil {
		red, err := s.redemption(carried, f, r)
		if err != nil {
			return nil, err
		}
		red.Carried = true
		var redeemErr error
		fanout.Do(ctx,
			func(ctx context.Context) { redeemErr = s.Store.Redeem(ctx, red) },
			func(ctx context.Context) { fresh, freshErr = s.Store.ReadActivationTarget(ctx, c) },
		)
		switch {
		case redeemErr == nil:
			return s.activated(ctx, red.Credential, c, fresh, freshErr)
		case !errors.Is(redeemErr, domain.ErrRedeemStale):
			return nil, redeemErr
		}
	} else {
		fresh, freshErr = s.Store.ReadActivationTarget(ctx, c)
	}
	if freshErr != nil {
		return nil, freshErr
	}
	if fresh.Reactivation.EffectiveStatus(s.Clock.Now()) != domain.ReactivationPending {
		return nil, unknownActivation()
	}
	if fresh.Admin.Status == domain.AdminDisabled {
		// Disabled after the reactivation started: the code is dead, and
		// says so the way every dead code does. (A locked admin may
		// reactivate: an Owner helping a locked-out admin is the point.)
		return nil, unknownActivation()
	}
	red, err := s.redemption(fresh, f, r)
	if err != nil {
		return nil, err
	}
	if err := s.Store.Redeem(ctx, red); err != nil {
		return nil, err
	}
	return s.activated(ctx, red.Credential, c, fresh, nil)
}

// redemption is what a redeem of target writes: a new credential from
// the form, and the audit event.
func (s *Service) redemption(target *domain.ActivationTarget, f activationForm, r *apigw.Request) (domain.Redemption, error) {
	cred, err := s.newCredential(target, f)
	if err != nil {
		return domain.Redemption{}, err
	}
	eventID, err := secret.ID(s.Random)
	if err != nil {
		return domain.Redemption{}, err
	}
	details := map[string]string{
		"credential_id": cred.ID, "reactivation_id": target.Reactivation.ID, "code_kind": string(target.Code.Kind),
		"initiated_by": target.Reactivation.InitiatedBy,
	}
	for k, v := range map[string]string{"platform": cred.Platform, "model": cred.Model, "app_version": cred.AppVersion} {
		if v != "" {
			details[k] = v
		}
	}
	return domain.Redemption{
		Target:     target,
		Credential: cred,
		Audit: domain.NewAuditEvent(domain.AuditEvent{ID: eventID, Time: cred.ActivatedAt, AccountID: target.Admin.AccountID,
			ActorID: target.Admin.ID, TargetID: target.Admin.ID, Action: domain.ActionReactivationActivate,
			Outcome: domain.OutcomeSuccess, IP: r.IP(), UserAgent: r.UserAgent(), Details: details}),
	}, nil
}

// activated answers a committed redeem, and tells the admin (Notifier).
// The admin and account shown are those of target, the read made beside
// the redeem (before or after its commit: names and the address do not
// change with it); should that read have failed (readErr), they are read
// again: the credential exists now, and the phone must get its keys.
func (s *Service) activated(ctx context.Context, cred domain.Credential, c *domain.ActivationCode, target *domain.ActivationTarget, readErr error) (*apigw.Response, error) {
	var admin domain.Admin
	var account domain.Account
	if readErr == nil {
		admin, account = target.Admin, target.Account
	} else {
		a, acct, err := s.Store.GetLoginAdmin(ctx, c.AdminID, c.AccountID)
		if err != nil {
			return nil, err
		}
		admin, account = *a, *acct
	}
	if s.Notifier != nil {
		notice := cred
		notice.HOTPSecret, notice.PublicKeyPEM = "", ""
		s.Notifier.PhoneActivated(ctx, &admin, &notice)
	}
	return apigw.OK(Activation{AKey: cred.AKey, PKey: cred.ID, HOTPSecret: cred.HOTPSecret,
		CustomerName: account.Name, Reactivated: true}), nil
}

// parseActivationForm checks the activation fields. pubkey is the only
// required one; pkpush, when sent, must name the one scheme there is.
func parseActivationForm(form url.Values) (activationForm, error) {
	var f activationForm
	pkpush, err := text(form, "pkpush", maxIdentifiers)
	if err != nil {
		return f, err
	}
	if pkpush != "" && pkpush != "rsa-sha512" {
		return f, domain.Errorf(domain.CodeInvalidParams, "pkpush: only rsa-sha512 is supported")
	}
	pems := form["pubkey"]
	if len(pems) != 1 || pems[0] == "" {
		return f, domain.InvalidParam("pubkey")
	}
	pub, err := devicesig.ParsePublicKeyPEM(pems[0])
	if err != nil {
		return f, domain.Errorf(domain.CodeInvalidParams, "pubkey: an RSA public key of %d to %d bits in PEM is required",
			devicesig.MinKeyBits, devicesig.MaxKeyBits)
	}
	f.pub = devicesig.MarshalPublicKeyPEM(pub)
	if f.platform, err = text(form, "platform", maxTextField); err != nil {
		return f, err
	}
	if f.model, err = text(form, "model", maxTextField); err != nil {
		return f, err
	}
	if f.appVersion, err = text(form, "app_version", maxTextField); err != nil {
		return f, err
	}
	name, err := text(form, "device_name", maxTextField)
	if err != nil {
		return f, err
	}
	f.displayName = cmp.Or(name, f.model, f.platform)
	return f, nil
}

// newCredential makes the credential a redeem writes: fresh pkey, akey and
// HOTP secret from the service's randomness, counter at 0.
func (s *Service) newCredential(t *domain.ActivationTarget, f activationForm) (domain.Credential, error) {
	pkey, err := secret.String(s.Random, domain.DeviceIDAlphabet, domain.DeviceIDRandomChars)
	if err != nil {
		return domain.Credential{}, err
	}
	akey, err := secret.String(s.Random, domain.DeviceIDAlphabet, domain.DeviceIDRandomChars)
	if err != nil {
		return domain.Credential{}, err
	}
	hotp, err := secret.Bytes(s.Random, domain.HOTPSecretBytes)
	if err != nil {
		return domain.Credential{}, err
	}
	now := s.Clock.Now()
	return domain.Credential{
		ID: domain.CredentialIDPrefix + pkey, AKey: domain.AKeyPrefix + akey,
		AdminID: t.Admin.ID, AccountID: t.Admin.AccountID, PublicKeyPEM: f.pub,
		Platform: f.platform, Model: f.model, AppVersion: f.appVersion, DisplayName: f.displayName,
		HOTPSecret: hex.EncodeToString(hotp), Status: domain.CredentialActive,
		ReactivationID: t.Reactivation.ID, CreatedAt: now, ActivatedAt: now,
	}, nil
}
