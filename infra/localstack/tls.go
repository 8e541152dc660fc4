package localstack

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// Files of the local certificate authority, under <state dir>/tls.
const (
	CAFileName   = "ca.pem"     // trust this one (the phone emulator's --ca)
	caKeyName    = "ca-key.pem" // 0600
	certFileName = "cert.pem"   // leaf for localhost, 127.0.0.1, ::1
	keyFileName  = "key.pem"    // 0600
)

// Lifetimes of the local certificates, and how close to expiry they are
// replaced. The leaf stays under the 398 days that Apple platforms accept;
// the CA outlives many leaves so a phone that trusts it keeps trusting.
const (
	caLifetime   = 5 * 365 * 24 * time.Hour
	leafLifetime = 365 * 24 * time.Hour
	renewBefore  = 30 * 24 * time.Hour
)

// LeafHosts are the names the HTTPS certificate is valid for.
var LeafHosts = []string{"localhost", "127.0.0.1", "::1"}

// Certs are the local HTTPS certificates.
type Certs struct {
	CAFile   string
	CertFile string
	KeyFile  string
	// Config serves the leaf.
	Config *tls.Config
	// Generated reports what had to be (re)made: "", "leaf" or "ca+leaf".
	Generated string
}

// EnsureCerts returns the local CA and HTTPS certificate in dir, making an
// ECDSA P-256 CA and a leaf for LeafHosts when they are missing, unreadable
// or within renewBefore of expiry. A still-good CA is kept when only the
// leaf needs replacing, so devices that trust ca.pem go on trusting it.
func EnsureCerts(dir string, now time.Time) (*Certs, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("localstack: %w", err)
	}
	c := &Certs{
		CAFile:   filepath.Join(dir, CAFileName),
		CertFile: filepath.Join(dir, certFileName),
		KeyFile:  filepath.Join(dir, keyFileName),
	}
	caKeyFile := filepath.Join(dir, caKeyName)
	ca, caKey, err := loadPair(c.CAFile, caKeyFile)
	if err != nil || !ca.IsCA || now.Add(renewBefore).After(ca.NotAfter) {
		ca, caKey, err = newCA(now)
		if err != nil {
			return nil, err
		}
		if err := writePair(c.CAFile, caKeyFile, ca, caKey); err != nil {
			return nil, err
		}
		c.Generated = "ca+leaf"
	}
	leaf, _, err := loadPair(c.CertFile, c.KeyFile)
	if c.Generated != "" || err != nil || !leafGood(leaf, ca, now) {
		leaf, leafKey, err := newLeaf(now, ca, caKey)
		if err != nil {
			return nil, err
		}
		if err := writePair(c.CertFile, c.KeyFile, leaf, leafKey); err != nil {
			return nil, err
		}
		if c.Generated == "" {
			c.Generated = "leaf"
		}
	}
	pair, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("localstack: load HTTPS certificate: %w", err)
	}
	c.Config = &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}
	return c, nil
}

// leafGood: signed by ca, valid for every LeafHost for a while yet.
func leafGood(leaf, ca *x509.Certificate, now time.Time) bool {
	if now.Add(renewBefore).After(leaf.NotAfter) {
		return false
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	for _, h := range LeafHosts {
		if _, err := leaf.Verify(x509.VerifyOptions{DNSName: h, Roots: roots, CurrentTime: now}); err != nil {
			return false
		}
	}
	return true
}

func newCA(now time.Time) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "push-reactivation local CA", Organization: []string{"push-reactivation (local only)"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(caLifetime),
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLenZero:        true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, fmt.Errorf("localstack: create CA: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	return cert, key, err
}

func newLeaf(now time.Time, ca *x509.Certificate, caKey *ecdsa.PrivateKey) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: "localhost"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(leafLifetime),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range LeafHosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return nil, nil, fmt.Errorf("localstack: create HTTPS certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	return cert, key, err
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	return n
}

func loadPair(certFile, keyFile string) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return nil, nil, err
	}
	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, nil, err
	}
	cb, _ := pem.Decode(certPEM)
	kb, _ := pem.Decode(keyPEM)
	if cb == nil || kb == nil {
		return nil, nil, errors.New("localstack: not PEM")
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, nil, err
	}
	key, err := x509.ParseECPrivateKey(kb.Bytes)
	if err != nil {
		return nil, nil, err
	}
	if !key.PublicKey.Equal(cert.PublicKey) {
		return nil, nil, errors.New("localstack: key does not match certificate")
	}
	return cert, key, nil
}

func writePair(certFile, keyFile string, cert *x509.Certificate, key *ecdsa.PrivateKey) error {
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		return err
	}
	return writeFileAtomic(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}), 0o644)
}

func writeFileAtomic(name string, data []byte, perm os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(name), ".tmp-*")
	if err != nil {
		return fmt.Errorf("localstack: %w", err)
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("localstack: write %s: %w", name, err)
	}
	if err := f.Chmod(perm); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), name)
}
