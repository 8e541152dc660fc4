package device

import (
	"context"
	"errors"
	"net/url"

	"push-reactivation/shared/apigw"
	"push-reactivation/shared/devicesig"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/reactivation"
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

// verify authenticates a signed device request (DESIGN.md §5): the
// Authorization header names the credential (pkey) and carries an RSA
// PKCS#1 v1.5 SHA-512 signature over x-duo-date, the method, the
// configured API host, the path and the form fields; the date must lie
// within domain.DeviceClockSkew of our clock; the credential must exist and
// be active. The cheap checks come first, so a replayed or malformed
// request costs neither a read nor an RSA operation. An akey field, when
// sent, must be the credential's. One round trip (the credential).
func (s *Service) verify(ctx context.Context, r *apigw.Request) (*signed, error) {
	form, err := r.Form()
	if err != nil {
		return nil, err
	}
	pkey, sig, err := devicesig.ParseAuthorization(r.Header("authorization"))
	if err != nil {
		return nil, s.notAuthenticated(r, "malformed authorization")
	}
	date := r.Header("x-duo-date")
	if _, err := devicesig.CheckDate(date, s.Clock.Now(), domain.DeviceClockSkew); err != nil {
		reason := "malformed date"
		if errors.Is(err, devicesig.ErrStaleDate) {
			reason = "stale date"
		}
		return nil, s.notAuthenticated(r, reason)
	}
	cred, err := s.Store.GetCredential(ctx, pkey)
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
	ok := false
	for _, c := range canonicalForms(date, r.Method, reactivation.Host(s.APIHost), r.Path, form) {
		if devicesig.VerifySignature(pub, c, sig) == nil {
			ok = true
			break
		}
	}
	if !ok {
		return nil, s.notAuthenticated(r, "bad signature", "credential_id", cred.ID)
	}
	if vs, sent := form["akey"]; sent && (len(vs) != 1 || !secret.Equal(vs[0], cred.AKey)) {
		return nil, s.notAuthenticated(r, "akey does not match", "credential_id", cred.ID)
	}
	return &signed{cred: cred, form: form}, nil
}

// canonicalForms lists the strings a genuine client may have signed for
// this request. The first is the contract's (devicesig.Canonical: every
// form field, sorted, quote_plus-encoded). Some public Python clients
// also put a "host" entry (the API host from the QR code) into the dict
// they sign but not into the request; they then sign either the sorted
// fields with host among them, or, iterating the dict in insertion order,
// the fields followed by "&host=<host>". Those two are accepted as well,
// only with host equal to our API host and only when the request itself
// carries no host field. That widens nothing an attacker can use: every
// form still covers the whole request as sent, under the device's key.
func canonicalForms(date, method, host, path string, form url.Values) []string {
	base := devicesig.Canonical(date, method, host, path, form)
	if _, has := form["host"]; has {
		return []string{base}
	}
	withHost := make(url.Values, len(form)+1)
	for k, vs := range form {
		withHost[k] = vs
	}
	withHost.Set("host", host)
	appended := base + "&host=" + url.QueryEscape(host)
	if devicesig.EncodeParams(form) == "" {
		appended = base + "host=" + url.QueryEscape(host)
	}
	sorted := devicesig.Canonical(date, method, host, path, withHost)
	if sorted == appended {
		return []string{base, sorted}
	}
	return []string{base, sorted, appended}
}
