// Package phone is a stand-in for Duo Mobile: it activates from a QR code,
// a barcode or an activation link, keeps its RSA key and credentials in a
// JSON state file, lists and answers pushes, registers a push token and
// makes HOTP passcodes. It talks to the device API (DESIGN.md §5) exactly as
// the public clients do: form-encoded bodies for POSTs, query strings for
// GETs, signed through shared/devicesig (Python urlencode of the sorted
// fields, format_datetime dates). Tests drive it in process; people and
// the local stack use it through the command in cmd/phone.
package phone

import (
	"cmp"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// KeyBits is the size of the phone's RSA key, as Duo Mobile makes it.
const KeyBits = 2048

// Credential is one activation: one admin's Duo Push on this phone. A
// phone may hold several (a shared device), all signed with its one key.
type Credential struct {
	PKey        string `json:"pkey"`
	AKey        string `json:"akey"`
	HOTPSecret  string `json:"hotp_secret"`
	HOTPCounter uint64 `json:"hotp_counter"`
	// Host is the API host from the barcode: what requests are signed
	// against and, unless BaseURL says otherwise, where they go.
	Host string `json:"host"`
	// BaseURL, when set, is where requests go instead of https://<Host>
	// (e.g. http://127.0.0.1:3000 locally).
	BaseURL      string    `json:"base_url,omitempty"`
	CustomerName string    `json:"customer_name"`
	AdminEmail   string    `json:"admin_email,omitempty"`
	AdminName    string    `json:"admin_name,omitempty"`
	ActivatedAt  time.Time `json:"activated_at"`
}

// State is what the state file holds.
type State struct {
	// PrivateKey is the phone's RSA key, PKCS#8 PEM.
	PrivateKey string `json:"private_key"`
	// Credentials are keyed by pkey.
	Credentials map[string]*Credential `json:"credentials"`
}

// Phone is an emulated Duo Mobile. Its methods are safe for concurrent use.
type Phone struct {
	mu      sync.Mutex
	path    string
	state   State
	key     *rsa.PrivateKey
	client  *http.Client
	baseURL string
	now     func() time.Time
	device  Device
}

// Device is what the phone says about itself at activation.
type Device struct {
	Platform, Model, AppVersion, Manufacturer string
}

// DefaultDevice is an Android phone, as most public clients pretend to be.
var DefaultDevice = Device{Platform: "Android", Model: "Phone emulator", AppVersion: "4.59.0", Manufacturer: "push-reactivation"}

// Option configures a Phone.
type Option func(*Phone)

// WithHTTPClient sends requests through c (tests pass one that reaches an
// httptest server; the command builds one trusting --ca).
func WithHTTPClient(c *http.Client) Option { return func(p *Phone) { p.client = c } }

// WithBaseURL sends requests to base (scheme://host[:port]) instead of
// https://<host from the barcode>, while still signing against the
// barcode's host. It also becomes the stored BaseURL of new activations.
func WithBaseURL(base string) Option {
	return func(p *Phone) { p.baseURL = strings.TrimRight(base, "/") }
}

// WithClock makes the phone's clock now (the x-duo-date of its requests).
func WithClock(now func() time.Time) Option { return func(p *Phone) { p.now = now } }

// WithKey gives a phone without a state file this key instead of a fresh
// one (tests: key generation is slow under the race detector).
func WithKey(k *rsa.PrivateKey) Option { return func(p *Phone) { p.key = k } }

// WithDevice sets what the phone reports at activation.
func WithDevice(d Device) Option { return func(p *Phone) { p.device = d } }

// Load opens the phone whose state is in path, creating the state (a new
// RSA key, no credentials) when the file does not exist. An empty path is
// a phone that lives only in memory.
func Load(path string, opts ...Option) (*Phone, error) {
	p := &Phone{path: path, client: http.DefaultClient, now: time.Now, device: DefaultDevice}
	for _, o := range opts {
		o(p)
	}
	if path != "" {
		b, err := os.ReadFile(path)
		switch {
		case err == nil:
			if err := json.Unmarshal(b, &p.state); err != nil {
				return nil, fmt.Errorf("phone: state %s: %w", path, err)
			}
			if p.key, err = parsePrivateKey(p.state.PrivateKey); err != nil {
				return nil, fmt.Errorf("phone: state %s: %w", path, err)
			}
		case errors.Is(err, os.ErrNotExist):
		default:
			return nil, fmt.Errorf("phone: %w", err)
		}
	}
	if p.key == nil {
		k, err := rsa.GenerateKey(rand.Reader, KeyBits)
		if err != nil {
			return nil, fmt.Errorf("phone: generate key: %w", err)
		}
		p.key = k
	}
	if p.state.PrivateKey == "" {
		der, err := x509.MarshalPKCS8PrivateKey(p.key)
		if err != nil {
			return nil, fmt.Errorf("phone: encode key: %w", err)
		}
		p.state.PrivateKey = string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
		if err := p.save(); err != nil {
			return nil, err
		}
	}
	if p.state.Credentials == nil {
		p.state.Credentials = map[string]*Credential{}
	}
	return p, nil
}

func parsePrivateKey(text string) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode([]byte(text))
	if block == nil {
		return nil, errors.New("no private key PEM")
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		if k1, err1 := x509.ParsePKCS1PrivateKey(block.Bytes); err1 == nil {
			return k1, nil
		}
		return nil, err
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%T is not an RSA key", k)
	}
	return rk, nil
}

// save writes the state file atomically with mode 0600: it holds the
// private key and the HOTP secrets. Callers hold p.mu (or own p alone).
func (p *Phone) save() error {
	if p.path == "" {
		return nil
	}
	b, err := json.MarshalIndent(&p.state, "", "  ")
	if err != nil {
		return fmt.Errorf("phone: encode state: %w", err)
	}
	dir := filepath.Dir(p.path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("phone: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".phone-state-*")
	if err != nil {
		return fmt.Errorf("phone: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("phone: %w", err)
	}
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("phone: write state: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("phone: write state: %w", err)
	}
	if err := os.Rename(tmp.Name(), p.path); err != nil {
		return fmt.Errorf("phone: write state: %w", err)
	}
	return nil
}

// Key is the phone's private key.
func (p *Phone) Key() *rsa.PrivateKey { return p.key }

// Credentials lists the phone's credentials, oldest activation first.
func (p *Phone) Credentials() []Credential {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]Credential, 0, len(p.state.Credentials))
	for _, c := range p.state.Credentials {
		out = append(out, *c)
	}
	slices.SortFunc(out, func(a, b Credential) int {
		return cmp.Or(a.ActivatedAt.Compare(b.ActivatedAt), strings.Compare(a.PKey, b.PKey))
	})
	return out
}

// ErrNoCredential: the phone holds no credential matching the selector.
var ErrNoCredential = errors.New("phone: no such credential")

// Credential finds a credential by pkey or by admin email (the latest
// activation for that admin). An empty selector is the phone's only
// credential, or the latest activation when it holds several for one
// admin; several admins' credentials then need a selector.
func (p *Phone) Credential(selector string) (Credential, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	c, err := p.find(selector)
	if err != nil {
		return Credential{}, err
	}
	return *c, nil
}

func (p *Phone) find(selector string) (*Credential, error) {
	if c, ok := p.state.Credentials[selector]; ok {
		return c, nil
	}
	var match []*Credential
	admins := map[string]bool{}
	for _, c := range p.state.Credentials {
		if selector == "" || strings.EqualFold(c.AdminEmail, selector) {
			match = append(match, c)
			admins[strings.ToLower(c.AdminEmail)+"\x00"+c.Host] = true
		}
	}
	switch {
	case len(match) == 0:
		return nil, fmt.Errorf("%w: %q", ErrNoCredential, selector)
	case selector == "" && len(admins) > 1:
		return nil, fmt.Errorf("phone: %d credentials of different admins; choose one by pkey or admin email", len(match))
	}
	return slices.MaxFunc(match, func(a, b *Credential) int {
		return cmp.Or(a.ActivatedAt.Compare(b.ActivatedAt), strings.Compare(a.PKey, b.PKey))
	}), nil
}

// HTTPClient returns a client that trusts the system roots and, when
// caFile is not empty, the CA certificate(s) in that PEM file (the local
// stack's .local/tls/ca.pem).
func HTTPClient(caFile string) (*http.Client, error) {
	c := &http.Client{Timeout: 30 * time.Second}
	if caFile == "" {
		return c, nil
	}
	pemBytes, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("phone: CA file: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pemBytes) {
		return nil, fmt.Errorf("phone: CA file %s holds no PEM certificate", caFile)
	}
	c.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
	return c, nil
}
