package devicesig_test

import (
	"errors"
	"net/url"
	"testing"
	"time"

	"push-reactivation/shared/devicesig"
)

// TestVerifyAcceptsSignedHostForms: some Python clients sign a "host"
// entry they do not send, sorted in or appended. Verify (the server's
// verifier) accepts both, only for our host, and only when the request
// carries no host field of its own.
func TestVerifyAcceptsSignedHostForms(t *testing.T) {
	key := testKey(t)
	const host, path = "api.example.com", "/push/v2/device/transactions"
	now := time.Date(2026, 11, 26, 23, 40, 0, 0, time.UTC)
	date := devicesig.FormatDate(now)
	sent := url.Values{"akey": {"DAKEY"}, "zeta": {"1"}}
	signWith := func(signed url.Values, signHost string) devicesig.Request {
		t.Helper()
		auth, err := devicesig.Sign(key, "DPPKEY", date, "GET", signHost, path, signed)
		if err != nil {
			t.Fatal(err)
		}
		return devicesig.Request{Method: "GET", Path: path, Date: date, Authorization: auth, Params: sent}
	}
	withHost := func(h string) url.Values {
		v := url.Values{"host": {h}}
		for k, vs := range sent {
			v[k] = vs
		}
		return v
	}
	if _, err := devicesig.Verify(&key.PublicKey, host, signWith(withHost(host), host), now, time.Minute); err != nil {
		t.Errorf("host signed in sorted order: %v", err)
	}
	if _, err := devicesig.Verify(&key.PublicKey, host, signWith(withHost("evil.example"), host), now, time.Minute); !errors.Is(err, devicesig.ErrBadSignature) {
		t.Errorf("another host signed: %v, want ErrBadSignature", err)
	}
	req := signWith(withHost(host), host)
	req.Params = withHost("other.example")
	if _, err := devicesig.Verify(&key.PublicKey, host, req, now, time.Minute); !errors.Is(err, devicesig.ErrBadSignature) {
		t.Errorf("request with its own host field: %v, want ErrBadSignature", err)
	}
	claim, err := devicesig.Check(signWith(sent, host), now, time.Minute)
	if err != nil || claim.Pkey != "DPPKEY" {
		t.Fatalf("Check = %+v, %v", claim, err)
	}
	if err := claim.VerifyKey(&key.PublicKey, host); err != nil {
		t.Errorf("VerifyKey: %v", err)
	}
	if _, err := devicesig.Check(signWith(sent, host), now.Add(time.Hour), time.Minute); !errors.Is(err, devicesig.ErrStaleDate) {
		t.Errorf("Check an hour later: %v, want ErrStaleDate", err)
	}
}
