package phone_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	qrcode "github.com/skip2/go-qrcode"

	"push-reactivation/infra/phone"
	"push-reactivation/infra/phone/phonetest"
	"push-reactivation/internal/testenv/apptest"
	"push-reactivation/shared/device"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/login"
	"push-reactivation/shared/owner"
	"push-reactivation/shared/reactivation"
)

var testKeys = sync.OnceValue(func() []*rsa.PrivateKey {
	keys := make([]*rsa.PrivateKey, 2)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Go(func() {
			k, err := rsa.GenerateKey(rand.Reader, phone.KeyBits)
			if err != nil {
				panic(err)
			}
			keys[i] = k
		})
	}
	wg.Wait()
	return keys
})

type fixture struct {
	*apptest.Env
	server *httptest.Server
	react  *reactivation.Service
}

// newFixture serves the device, fallback-login and owner routes over HTTP, as
// the API would, in front of the real handlers and the embedded DynamoDB.
func newFixture(t *testing.T) *fixture {
	env := apptest.New(t)
	srv := httptest.NewServer(phonetest.CheckedGateway(apptest.ContractCheck(t), device.NewService(env.Deps.Logic()).Router(), login.NewRouter(env.Deps.Logic(), env.Phone()), owner.NewRouter(env.Deps.Logic(), env.Mailer())))
	t.Cleanup(srv.Close)
	return &fixture{Env: env, server: srv, react: reactivation.NewService(env.Deps.Logic())}
}

// newPhone is an in-memory phone reaching the test server, with one of
// the shared test keys and the test clock.
func (f *fixture) newPhone(i int, opts ...phone.Option) *phone.Phone {
	f.T.Helper()
	opts = append([]phone.Option{phone.WithKey(testKeys()[i]), phone.WithClock(f.Clock.Now), phone.WithBaseURL(f.server.URL)}, opts...)
	p, err := phone.Load("", opts...)
	if err != nil {
		f.T.Fatal(err)
	}
	return p
}

// start begins a self-service reactivation of email's Duo Push.
func (f *fixture) start(email string) *reactivation.Started {
	f.T.Helper()
	p, err := f.Deps.Sessions.Authenticate(f.Ctx, f.SessionFor(email))
	if err != nil {
		f.T.Fatal(err)
	}
	s, err := f.react.Start(f.Ctx, reactivation.StartRequest{Actor: p, Target: &p.Admin})
	if err != nil {
		f.T.Fatal(err)
	}
	return s
}

func writePNG(t *testing.T, png []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "qr.png")
	if err := os.WriteFile(path, png, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestActivateFromQRPNG: the emulator reads the QR image the panel shows
// (decoded with gozxing), activates, and keeps the credential and its key
// in a 0600 state file that a second run reads back.
func TestActivateFromQRPNG(t *testing.T) {
	f := newFixture(t)
	started := f.start("admin@acme.example")
	statePath := filepath.Join(t.TempDir(), "sub", "phone.json")
	p, err := phone.Load(statePath, phone.WithKey(testKeys()[0]), phone.WithClock(f.Clock.Now), phone.WithBaseURL(f.server.URL))
	if err != nil {
		t.Fatal(err)
	}
	c, err := p.Activate(f.Ctx, writePNG(t, started.PNG))
	if err != nil {
		t.Fatal(err)
	}
	if c.Host != apptest.APIHost || c.CustomerName != "Acme Corp" || c.AdminEmail != "admin@acme.example" || c.AdminName != "Adam Admin" {
		t.Fatalf("credential %+v", c)
	}
	if st, err := os.Stat(statePath); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("state file: %v %v", st.Mode(), err)
	}
	if admin := f.Admin("admin@acme.example"); admin.ActiveCredentialID != c.PKey {
		t.Fatalf("admin's credential %s, phone's %s", admin.ActiveCredentialID, c.PKey)
	}

	again, err := phone.Load(statePath, phone.WithClock(f.Clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	if !again.Key().Equal(p.Key()) {
		t.Fatal("key not kept")
	}
	got, err := again.Credential("admin@acme.example")
	if err != nil || got.PKey != c.PKey || got.HOTPSecret != c.HOTPSecret || got.BaseURL != f.server.URL {
		t.Fatalf("reloaded %+v %v", got, err)
	}
	// The reloaded phone reaches the service through the stored base URL.
	if info, err := again.Info(f.Ctx, ""); err != nil || info.PKey != c.PKey {
		t.Fatalf("info after reload: %+v %v", info, err)
	}
	// The code was used.
	_, err = f.newPhone(1).Activate(f.Ctx, writePNG(t, started.PNG))
	var apiErr *phone.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != 404 || apiErr.Code != 40403 {
		t.Fatalf("second activation: %v", err)
	}
}

// TestActivateFromOtherInputs: a QR code made independently with
// go-qrcode, the barcode text, the "Open in Duo Mobile" link of the
// landing page, and the activation URL all activate.
func TestActivateFromOtherInputs(t *testing.T) {
	f := newFixture(t)
	p := f.newPhone(0)

	own, err := qrcode.Encode(domain.Barcode(f.start("admin@acme.example").Code, apptest.APIHost), qrcode.Low, 200)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Activate(f.Ctx, writePNG(t, own)); err != nil {
		t.Fatalf("go-qrcode PNG: %v", err)
	}
	if _, err := p.Activate(f.Ctx, f.start("owner@acme.example").Barcode); err != nil {
		t.Fatalf("barcode: %v", err)
	}
	// The emailed link's page hands over a duo:// link.
	started := f.start("helpdesk@acme.example")
	resp, err := http.Get(f.server.URL + "/activate/" + started.Code)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	link := regexp.MustCompile(`href="(duo://[^"]+)"`).FindStringSubmatch(string(page))
	if resp.StatusCode != 200 || link == nil {
		t.Fatalf("landing page %d:\n%s", resp.StatusCode, page)
	}
	if _, err := p.Activate(f.Ctx, link[1]); err != nil {
		t.Fatalf("duo:// link: %v", err)
	}
	if _, err := p.Activate(f.Ctx, f.start("msp@umbrella.example").ActivationURL); err != nil {
		t.Fatalf("activation URL: %v", err)
	}
	emails := map[string]bool{}
	for _, c := range p.Credentials() {
		emails[c.AdminEmail] = true
	}
	if len(emails) != 4 {
		t.Fatalf("credentials for %v", emails)
	}
	if _, err := p.Credential(""); err == nil {
		t.Fatal("several admins' credentials need a selector")
	}
}

func TestParseInput(t *testing.T) {
	cases := map[string]phone.Target{
		"AbCdEfGhIjKlMnOpQrSt-bG9jYWxob3N0OjM0NDM":                                         {Code: "AbCdEfGhIjKlMnOpQrSt", Host: "localhost:3443"},
		"duo://AbCdEfGhIjKlMnOpQrSt-bG9jYWxob3N0OjM0NDM=":                                  {Code: "AbCdEfGhIjKlMnOpQrSt", Host: "localhost:3443"},
		"https://localhost:3443/activate/AbCdEfGhIjKlMnOpQrSt":                             {Code: "AbCdEfGhIjKlMnOpQrSt", Host: "localhost:3443"},
		"https://API.example.com:443/activate/Abc":                                         {Code: "Abc", Host: "api.example.com", BaseURL: "https://API.example.com:443"},
		"http://127.0.0.1:3000/activate/Abc":                                               {Code: "Abc", Host: "127.0.0.1:3000", BaseURL: "http://127.0.0.1:3000"},
		"https://api-x.duosecurity.com/frame/qr?value=duo%3A%2F%2FAbc-bG9jYWxob3N0OjM0NDM": {Code: "Abc", Host: "localhost:3443"},
	}
	for in, want := range cases {
		got, err := phone.ParseInput(in)
		if err != nil || got != want {
			t.Errorf("ParseInput(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "nodash", "CODE-!!!", "https://localhost:3443/other/x", "-bG9jYWxob3N0"} {
		if _, err := phone.ParseInput(bad); err == nil {
			t.Errorf("ParseInput(%q) accepted", bad)
		}
	}
}

// TestLoginWithPushAndPasscode drives a whole fallback-login through the
// panel API and the emulator: a verified push approved with the code the
// panel shows, then a Duo Mobile passcode.
func TestLoginWithPushAndPasscode(t *testing.T) {
	f := newFixture(t)
	p := f.newPhone(0)
	if _, err := p.Activate(f.Ctx, f.start("admin@acme.example").Barcode); err != nil {
		t.Fatal(err)
	}
	panel := newPanel(t, f.server.URL)

	txid := panel.login("admin@acme.example")
	var factor struct {
		VerificationCode string `json:"verification_code"`
	}
	panel.post("/v1/login/"+txid+"/factor", `{"factor":"push"}`, &factor)
	if len(factor.VerificationCode) != domain.DefaultVerifiedPushLength {
		t.Fatalf("verification code %q", factor.VerificationCode)
	}
	txs, err := p.Pending(f.Ctx, "")
	if err != nil || len(txs) != 1 || !txs[0].RequiresVerificationCode {
		t.Fatalf("pending %+v %v", txs, err)
	}
	if got := panel.status(txid); got.Status != "pending" {
		t.Fatalf("before the answer: %+v", got)
	}
	if _, err := p.Answer(f.Ctx, "", "", true, ""); !isAPIError(err, 400, 40014) {
		t.Fatalf("approve without the code: %v", err)
	}
	status, err := p.Answer(f.Ctx, "", txs[0].URGID, true, factor.VerificationCode)
	if err != nil || status != "approved" {
		t.Fatalf("approve: %s %v", status, err)
	}
	if got := panel.status(txid); got.Status != "approved" || got.SessionToken == "" {
		t.Fatalf("after approval: %+v", got)
	}

	// A denied push is reported as denied.
	txid = panel.login("admin@acme.example")
	panel.post("/v1/login/"+txid+"/factor", `{"factor":"push"}`, nil)
	if status, err := p.Answer(f.Ctx, "", "", false, ""); err != nil || status != "denied" {
		t.Fatalf("deny: %s %v", status, err)
	}
	if got := panel.status(txid); got.Status != "denied" {
		t.Fatalf("after denial: %+v", got)
	}

	// Duo Mobile passcodes: the emulator's HOTP is what the service checks.
	for range 2 {
		txid = panel.login("admin@acme.example")
		code, err := p.Passcode("")
		if err != nil {
			t.Fatal(err)
		}
		var out struct {
			SessionToken string `json:"session_token"`
		}
		panel.post("/v1/login/"+txid+"/verify", `{"passcode":"`+code+`"}`, &out)
		if out.SessionToken == "" {
			t.Fatal("no session for a Duo Mobile passcode")
		}
	}
}

// TestReactivationThroughTheEmulator: two admins share the phone; one
// reactivates on it. That admin's old credential is refused (401) and
// cannot answer its push, the new one works, the other admin is untouched.
func TestReactivationThroughTheEmulator(t *testing.T) {
	f := newFixture(t)
	p := f.newPhone(0)
	old, err := p.Activate(f.Ctx, f.start("admin@acme.example").Barcode)
	if err != nil {
		t.Fatal(err)
	}
	other, err := p.Activate(f.Ctx, f.start("owner@acme.example").Barcode)
	if err != nil {
		t.Fatal(err)
	}
	panel := newPanel(t, f.server.URL)
	stale := panel.login("admin@acme.example")
	panel.post("/v1/login/"+stale+"/factor", `{"factor":"push"}`, nil)

	f.Clock.Advance(time.Minute)
	fresh, err := p.Activate(f.Ctx, f.start("admin@acme.example").Barcode)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Pending(f.Ctx, old.PKey); !isAPIError(err, 401, 40101) {
		t.Fatalf("old credential: %v", err)
	}
	if _, err := p.Answer(f.Ctx, old.PKey, "", true, ""); !isAPIError(err, 401, 40101) {
		t.Fatalf("old credential answering: %v", err)
	}
	if got := panel.status(stale); got.Status != "pending" {
		t.Fatalf("stale push %+v", got)
	}
	// "admin@acme.example" now selects the newest credential.
	if c, _ := p.Credential("admin@acme.example"); c.PKey != fresh.PKey {
		t.Fatalf("selected %s", c.PKey)
	}
	if txs, err := p.Pending(f.Ctx, fresh.PKey); err != nil || len(txs) != 0 {
		t.Fatalf("new credential: %+v %v", txs, err)
	}
	if info, err := p.Info(f.Ctx, other.PKey); err != nil || info.Status != "active" || info.AdminEmail != "owner@acme.example" {
		t.Fatalf("other admin: %+v %v", info, err)
	}
	if err := p.Register(f.Ctx, other.PKey, "fcm-token"); err != nil {
		t.Fatal(err)
	}
}

// TestHTTPSWithCA: the local stack's setup, https://localhost:3443 with a
// CA of its own: the emulator trusts the CA file and nothing else changes.
func TestHTTPSWithCA(t *testing.T) {
	env := apptest.New(t)
	caFile, cert := localCA(t)
	srv := httptest.NewUnstartedServer(phonetest.CheckedGateway(apptest.ContractCheck(t), device.NewService(env.Deps.Logic()).Router()))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.StartTLS()
	t.Cleanup(srv.Close)

	client, err := phone.HTTPClient(caFile)
	if err != nil {
		t.Fatal(err)
	}
	// localhost:3443 is the test server.
	tr := client.Transport.(*http.Transport)
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, srv.Listener.Addr().String())
	}
	f := &fixture{Env: env, react: reactivation.NewService(env.Deps.Logic())}
	p, err := phone.Load("", phone.WithKey(testKeys()[0]), phone.WithClock(env.Clock.Now), phone.WithHTTPClient(client))
	if err != nil {
		t.Fatal(err)
	}
	c, err := p.Activate(env.Ctx, f.start("admin@acme.example").ActivationURL)
	if err != nil {
		t.Fatal(err)
	}
	if c.BaseURL != "" || c.AdminEmail != "admin@acme.example" {
		t.Fatalf("credential %+v", c)
	}
	// Without the CA the phone refuses the server.
	plain, _ := phone.Load("", phone.WithKey(testKeys()[1]), phone.WithHTTPClient(&http.Client{Transport: &http.Transport{DialContext: tr.DialContext}}))
	if _, err := plain.Activate(env.Ctx, f.start("owner@acme.example").ActivationURL); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("untrusted server accepted: %v", err)
	}
}

// localCA makes a CA (written to a PEM file, like .local/tls/ca.pem) and a
// certificate for localhost signed by it.
func localCA(t *testing.T) (string, tls.Certificate) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	leafKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	leafTmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "localhost"}, DNSNames: []string{"localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, ca, &leafKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, tls.Certificate{Certificate: [][]byte{leafDER}, PrivateKey: leafKey}
}

func isAPIError(err error, status, code int) bool {
	var e *phone.APIError
	return errors.As(err, &e) && e.Status == status && e.Code == code
}
