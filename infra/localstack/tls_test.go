package localstack

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func readCert(t *testing.T, path string) *x509.Certificate {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	c, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestEnsureCerts: an ECDSA P-256 CA and a leaf for localhost, 127.0.0.1
// and ::1 are made once and reused; a leaf near expiry is replaced under
// the same CA; a CA near expiry replaces both; private keys are 0600.
func TestEnsureCerts(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	c, err := EnsureCerts(dir, now)
	if err != nil {
		t.Fatal(err)
	}
	if c.Generated != "ca+leaf" || c.CAFile != filepath.Join(dir, "ca.pem") {
		t.Fatalf("first run: generated %q, CA at %s", c.Generated, c.CAFile)
	}
	ca, leaf := readCert(t, c.CAFile), readCert(t, c.CertFile)
	if k, ok := ca.PublicKey.(*ecdsa.PublicKey); !ok || k.Curve != elliptic.P256() || !ca.IsCA {
		t.Errorf("CA is not an ECDSA P-256 CA")
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	for _, h := range []string{"localhost", "127.0.0.1", "::1"} {
		if _, err := leaf.Verify(x509.VerifyOptions{DNSName: h, Roots: roots}); err != nil {
			t.Errorf("leaf for %s: %v", h, err)
		}
	}
	for _, f := range []string{"ca-key.pem", "key.pem"} {
		if fi, err := os.Stat(filepath.Join(dir, f)); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v", f, fi.Mode(), err)
		}
	}

	again, err := EnsureCerts(dir, now)
	if err != nil || again.Generated != "" {
		t.Fatalf("second run regenerated %q (%v)", again.Generated, err)
	}

	caPEM, _ := os.ReadFile(c.CAFile)
	renewed, err := EnsureCerts(dir, leaf.NotAfter.Add(-24*time.Hour))
	if err != nil || renewed.Generated != "leaf" {
		t.Fatalf("leaf near expiry: generated %q (%v)", renewed.Generated, err)
	}
	if caNow, _ := os.ReadFile(c.CAFile); !bytes.Equal(caNow, caPEM) {
		t.Error("renewing the leaf replaced the CA")
	}

	if r, err := EnsureCerts(dir, ca.NotAfter.Add(-24*time.Hour)); err != nil || r.Generated != "ca+leaf" {
		t.Fatalf("CA near expiry: generated %q (%v)", r.Generated, err)
	}

	if err := os.WriteFile(c.CertFile, []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	if r, err := EnsureCerts(dir, now); err != nil || r.Generated != "leaf" {
		t.Fatalf("unreadable leaf: generated %q (%v)", r.Generated, err)
	}
}
