package device

import (
	"context"
	"errors"
	"net/url"

	"push-reactivation/shared/apigw"
	"push-reactivation/shared/devicesig"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/secret"
)

// signed is a device request whose signature verified.
type signed struct {
	cred *domain.Credential
	form url.Values
}

// notAuthenticated is the one answer to a signed request that does not
// verify, whatever the reason (malformed header, stale date, unknown pkey,
// revoked credential, wrong key or changed request): 401, code 40101, and
// the same message, so a caller learns nothing about which credentials
// exist or were revoked. The reason goes to the debug log.
func (s *Service) notAuthenticated(r *apigw.Request, reason string, attrs ...any) error {
	if s.Log != nil {
		s.Log.Debug("device request not authenticated", append([]any{"request_id", r.RequestID, "reason", reason}, attrs...)...)
	}
	return domain.NewError(domain.CodeNotAuthenticated)
}

// verify authenticates a signed device request (DESIGN.md §5) with
// devicesig, the one verifier: devicesig.Check does the cheap checks
// (Authorization header form, x-duo-date within domain.DeviceClockSkew of
// our clock), so a replayed or malformed request costs neither a read nor
// an RSA operation; then the credential named by the pkey must exist and
// be active, and Claim.VerifyKey checks the signature with its key against
// the configured API host. An akey field, when sent, must be the
// credential's. One round trip (the credential). This function is only the
// HTTP glue: which credential, and what a failure looks like.
func (s *Service) verify(ctx context.Context, r *apigw.Request) (*signed, error) {
	c, err := s.check(r)
	if err != nil {
		return nil, err
	}
	cred, err := s.Store.GetCredential(ctx, c.claim.Pkey)
	return s.authenticate(r, c, cred, err)
}

// checked is a signed request that passed the checks that need no store:
// its claim names the credential (pkey) whose key must verify it.
type checked struct {
	claim *devicesig.Claim
	form  url.Values
}

// check is the part of verify that needs no store.
func (s *Service) check(r *apigw.Request) (*checked, error) {
	form, err := r.Form()
	if err != nil {
		return nil, err
	}
	claim, err := devicesig.Check(devicesig.Request{
		Method:        r.Method,
		Path:          r.Path,
		Date:          r.Header("x-duo-date"),
		Authorization: r.Header("authorization"),
		Params:        form,
	}, s.Clock.Now(), domain.DeviceClockSkew)
	if err != nil {
		// The error text names the part at fault and never repeats the
		// header or the signature (devicesig's promise).
		reason := "malformed header"
		if errors.Is(err, devicesig.ErrStaleDate) {
			reason = "stale date"
		}
		return nil, s.notAuthenticated(r, reason, "error", err.Error())
	}
	return &checked{claim: claim, form: form}, nil
}

// authenticate is the rest of verify, given the credential the claim's
// pkey named as the store returned it (cred, or the read's error).
func (s *Service) authenticate(r *apigw.Request, c *checked, cred *domain.Credential, err error) (*signed, error) {
	if errors.Is(err, domain.ErrNotFound) {
		return nil, s.notAuthenticated(r, "unknown credential")
	}
	if err != nil {
		return nil, err
	}
	if cred.Status != domain.CredentialActive {
		return nil, s.notAuthenticated(r, "credential not active", "credential_id", cred.ID)
	}
	pub, err := devicesig.ParsePublicKeyPEM(cred.PublicKeyPEM)
	if err != nil {
		return nil, s.notAuthenticated(r, "stored key unusable", "credential_id", cred.ID)
	}
	if err := c.claim.VerifyKey(pub, domain.APIHostForCodes(s.APIHost)); err != nil {
		return nil, s.notAuthenticated(r, "bad signature", "credential_id", cred.ID)
	}
	if vs, sent := c.form["akey"]; sent && (len(vs) != 1 || !secret.Equal(vs[0], cred.AKey)) {
		return nil, s.notAuthenticated(r, "akey does not match", "credential_id", cred.ID)
	}
	return &signed{cred: cred, form: c.form}, nil
}
