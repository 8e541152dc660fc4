package devicesig

import (
	"crypto/rsa"
	"errors"
	"net/url"
	"time"
)

// Claim is a device request whose Authorization header parsed and whose
// x-duo-date lies within the allowed skew: the cheap checks passed, the
// signature is not yet verified. Pkey names the credential whose key must
// verify it; the server looks that key up and calls [Claim.VerifyKey].
// Splitting the two halves lets the server refuse replays and malformed
// requests before it spends a store read or an RSA operation.
type Claim struct {
	// Pkey is the credential named in the Authorization header. The
	// signature does not cover it: only the key it names can vouch for it.
	Pkey string
	sig  []byte
	req  Request
}

// Check does the cheap half of the server's verification: it parses the
// Authorization header and checks that x-duo-date lies within skew of now.
// Errors wrap [ErrMalformed] or [ErrStaleDate].
func Check(req Request, now time.Time, skew time.Duration) (*Claim, error) {
	pkey, sig, err := ParseAuthorization(req.Authorization)
	if err != nil {
		return nil, err
	}
	if _, err := CheckDate(req.Date, now, skew); err != nil {
		return nil, err
	}
	return &Claim{Pkey: pkey, sig: sig, req: req}, nil
}

// VerifyKey checks the claim's signature with pub, the key of the
// credential named by Pkey, against host, the configured API host (see
// [Verify]). It accepts the strings [signedForms] lists. Errors wrap
// [ErrBadSignature].
func (c *Claim) VerifyKey(pub *rsa.PublicKey, host string) error {
	if pub == nil {
		return errors.New("devicesig: VerifyKey: nil public key")
	}
	var err error
	for _, canonical := range signedForms(c.req.Date, c.req.Method, host, c.req.Path, c.req.Params) {
		if err = VerifySignature(pub, canonical, c.sig); err == nil {
			return nil
		}
	}
	return err
}

// signedForms lists the strings a genuine client may have signed for
// this request. The first is the contract's ([Canonical]: every form
// field, sorted, quote_plus-encoded). Some public Python clients also put
// a "host" entry (the API host from the QR code) into the dict they sign
// but not into the request; they then sign either the sorted fields with
// host among them, or, iterating the dict in insertion order, the fields
// followed by "&host=<host>". Those two are accepted as well, only with
// host equal to our API host and only when the request itself carries no
// host field. That widens nothing an attacker can use: every form still
// covers the whole request as sent, under the device's key.
func signedForms(date, method, host, path string, form url.Values) []string {
	base := Canonical(date, method, host, path, form)
	if _, has := form["host"]; has {
		return []string{base}
	}
	withHost := make(url.Values, len(form)+1)
	for k, vs := range form {
		withHost[k] = vs
	}
	withHost.Set("host", host)
	appended := base + "&host=" + url.QueryEscape(host)
	if EncodeParams(form) == "" {
		appended = base + "host=" + url.QueryEscape(host)
	}
	sorted := Canonical(date, method, host, path, withHost)
	if sorted == appended {
		return []string{base, sorted}
	}
	return []string{base, sorted, appended}
}
