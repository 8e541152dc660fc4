package localstack

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"push-reactivation/infra/localkms"
	"push-reactivation/infra/localstack/e2e"
	"push-reactivation/internal/testenv/apptest"
	"push-reactivation/shared/demo"
	"push-reactivation/shared/sealing/kmswire"
	"push-reactivation/shared/secret"
)

// freeOptions are the options of a test stack: every port free, state in
// a temporary folder, cheap password hashing, quiet logs.
func freeOptions(t *testing.T) Options {
	return Options{
		Root: root, StateDir: t.TempDir(),
		HTTPAddr: "127.0.0.1:0", HTTPSAddr: "localhost:0", DynamoDBAddr: "127.0.0.1:0",
		SESAddr: "127.0.0.1:0", SMSAddr: "127.0.0.1:0", KMSAddr: "127.0.0.1:0",
		LogLevel: "WARN", Argon2: &apptest.CheapArgon2,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Output: io.Discard,
		CheckAnswer: apptest.ContractCheck(t),
	}
}

func startStack(t *testing.T, o Options) *Stack {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := Start(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

// target is what the e2e flow needs to know of a stack.
func target(s *Stack) e2e.Target {
	return e2e.Target{APIURL: s.HTTPURL, APIHost: s.APIHost, SMSURL: s.SMSURL, CAFile: s.CAFile}
}

// acmeOwner is the demo Owner of Acme.
var acmeOwner = e2e.Admin{Email: "owner@acme.example", Password: demo.Password, Phone: "+15555550100"}

// TestSelfServiceInProcess starts the local stack in process on free
// ports and drives the self-service flow over HTTP and HTTPS.
func TestSelfServiceInProcess(t *testing.T) {
	start := time.Now()
	s := startStack(t, freeOptions(t))
	t.Logf("in-process stack ready in %v", time.Since(start).Round(time.Millisecond))
	if err := e2e.SelfService(context.Background(), target(s), acmeOwner, t.Logf); err != nil {
		t.Fatal(err)
	}
}

// TestStackSurface checks what the stack promises besides the flow: the
// functions' environment, the HTTPS certificate, the panel's files, API
// Gateway's answers for unknown routes and CORS preflights, the SES and
// SMS endpoints.
func TestStackSurface(t *testing.T) {
	s := startStack(t, freeOptions(t))

	for id, env := range s.Env {
		for k, want := range map[string]string{
			"TABLE_NAME": s.TableName, "API_HOST": s.APIHost, "PANEL_ORIGIN": s.PanelOrigin,
			"AWS_ENDPOINT_URL_DYNAMODB": s.DynamoDBURL, "AWS_ENDPOINT_URL_SESV2": s.SESURL,
			"AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2": s.SMSURL, "ORIGINATION_IDENTITY": OriginationIdentity,
			"SENDER_EMAIL": "no-reply@push-reactivation.example", "LOG_LEVEL": "WARN",
		} {
			if env[k] != want {
				t.Errorf("%s: %s = %q, want %q", id, k, env[k], want)
			}
		}
	}
	if len(s.Env) != 5 {
		t.Errorf("environments for %d functions, want 5", len(s.Env))
	}
	// One code hash key for all functions (a passcode hashed by one
	// function is checked by another), given only sealed under local-kms,
	// as on AWS (docs/security/kms.md): it unwraps to ≥ 32 bytes for its
	// purpose.
	sealedKeys := map[string]bool{}
	for id, env := range s.Env {
		sealedKeys[env["CODE_HASH_KEY_SEALED"]] = true
		if env["CODE_HASH_KEY"] != "" || env["KMS_KEY_ID"] != localkms.Alias || env["AWS_ENDPOINT_URL_KMS"] != s.KMSURL {
			t.Errorf("%s: plain CODE_HASH_KEY set, or KMS_KEY_ID %q / AWS_ENDPOINT_URL_KMS %q not the local-kms alias", id, env["KMS_KEY_ID"], env["AWS_ENDPOINT_URL_KMS"])
		}
	}
	if len(sealedKeys) != 1 {
		t.Errorf("CODE_HASH_KEY_SEALED: %d distinct values, want one", len(sealedKeys))
	}
	for k := range sealedKeys {
		blob, err := base64.StdEncoding.DecodeString(k)
		if err != nil {
			t.Fatalf("CODE_HASH_KEY_SEALED is not base64: %v", err)
		}
		kc := kms.New(kms.Options{Region: localkms.Region, BaseEndpoint: &s.KMSURL, Credentials: credentials.NewStaticCredentialsProvider("l", "l", "")})
		out, err := kc.Decrypt(context.Background(), &kms.DecryptInput{CiphertextBlob: blob, EncryptionContext: kmswire.CodeHashKeyContext()})
		if err != nil || len(out.Plaintext) < secret.MinCodeKeyBytes {
			t.Errorf("CODE_HASH_KEY_SEALED does not unwrap to a key of ≥ %d bytes: %v", secret.MinCodeKeyBytes, err)
		}
	}

	// HTTPS: the leaf verifies against ca.pem for the API host.
	pem, err := os.ReadFile(s.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	httpsClient := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := httpsClient.Get(s.HTTPSURL + "/v1/session")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("Apigw-Requestid") == "" {
		t.Errorf("GET /v1/session over HTTPS: %d, want 401 from the function", resp.StatusCode)
	}

	get := func(path string, hdr map[string]string, method string) (*http.Response, string) {
		req, _ := http.NewRequest(method, s.HTTPURL+path, nil)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	if _, err := os.Stat(root + "/web/index.html"); err == nil {
		if resp, body := get("/", nil, "GET"); resp.StatusCode != 200 || !strings.Contains(body, "<html") {
			t.Errorf("GET / = %d, want the panel", resp.StatusCode)
		}
	}
	// Route misses reach the $default route's function, as on AWS, and
	// get the envelope (DESIGN.md §4.1).
	if resp, body := get("/no/such/route", nil, "GET"); resp.StatusCode != 404 || !strings.Contains(body, `"code":40401`) ||
		resp.Header.Get("Strict-Transport-Security") == "" {
		t.Errorf("unknown route: %d %s", resp.StatusCode, body)
	}
	if resp, body := get("/v1/login", nil, "PATCH"); resp.StatusCode != 405 || !strings.Contains(body, `"code":40501`) ||
		resp.Header.Get("Allow") != "POST" {
		t.Errorf("unknown method: %d %s Allow %q", resp.StatusCode, body, resp.Header.Get("Allow"))
	}
	resp, _ = get("/v1/login", map[string]string{"Origin": s.PanelOrigin, "Access-Control-Request-Method": "POST"}, "OPTIONS")
	if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != s.PanelOrigin {
		t.Errorf("preflight from the panel: %d %v", resp.StatusCode, resp.Header)
	}
	if !strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "x-login-secret") {
		t.Errorf("preflight does not allow X-Login-Secret: %v", resp.Header)
	}
	resp, _ = get("/v1/login", map[string]string{"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}, "OPTIONS")
	if resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight from another origin is allowed: %v", resp.Header)
	}
	// HEAD of the activation page reaches the device function.
	if resp, body := get("/activate/NOSUCHCODE", nil, "HEAD"); resp.StatusCode == 404 && strings.Contains(body, "Not Found") {
		t.Errorf("HEAD /activate/{code} did not reach the function")
	}

	for _, u := range []string{s.SESURL + "/store", s.SMSURL + "/messages"} {
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		var v map[string]any
		err = json.NewDecoder(resp.Body).Decode(&v)
		resp.Body.Close()
		if resp.StatusCode != 200 || err != nil {
			t.Errorf("GET %s: %d %v", u, resp.StatusCode, err)
		}
	}
}

// sesProcesses lists this process's children running aws-ses-v2-local,
// as "pid starttime" (so a reused pid does not count).
func sesProcesses(t *testing.T) map[string]bool {
	t.Helper()
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	out := map[string]bool{}
	for _, p := range stats {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		s := string(b)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(f) < 20 || f[0] == "Z" || f[1] != strconv.Itoa(os.Getpid()) {
			continue
		}
		cmdline, _ := os.ReadFile(filepath.Join(filepath.Dir(p), "cmdline"))
		if strings.Contains(string(cmdline), "aws-ses-v2-local") {
			out[filepath.Base(filepath.Dir(p))+" "+f[19]] = true
		}
	}
	return out
}

// TestCloseStopsEverything: Close stops aws-ses-v2-local (a process of
// its own) and frees every port, while this process lives on (so the
// kernel's parent-death signal plays no part).
func TestCloseStopsEverything(t *testing.T) {
	before := sesProcesses(t)
	ctx := context.Background()
	s, err := Start(ctx, freeOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	var mine []string
	for p := range sesProcesses(t) {
		if !before[p] {
			mine = append(mine, p)
		}
	}
	if len(mine) != 1 {
		t.Fatalf("the stack started %d aws-ses-v2-local processes, want 1", len(mine))
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if sesProcesses(t)[mine[0]] {
		t.Errorf("aws-ses-v2-local (%s) survived Close", mine[0])
	}
	for _, addr := range []string{s.HTTPURL, s.DynamoDBURL, s.SMSURL, s.SESURL, "http://" + s.APIHost} {
		ln, err := net.Listen("tcp", strings.TrimPrefix(strings.Replace(addr, "localhost", "127.0.0.1", 1), "http://"))
		if err != nil {
			t.Errorf("%s is still taken after Close: %v", addr, err)
			continue
		}
		ln.Close()
	}
}

// TestStartFailsCleanly: a port in use stops the start with a clear error
// and leaves nothing running.
func TestStartFailsCleanly(t *testing.T) {
	s := startStack(t, freeOptions(t))
	before := sesProcesses(t)
	o := freeOptions(t)
	o.DynamoDBAddr = strings.TrimPrefix(s.DynamoDBURL, "http://")
	_, err := Start(context.Background(), o)
	if err == nil || !strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("start with DynamoDB's port taken: %v", err)
	}
	for p := range sesProcesses(t) {
		if !before[p] {
			t.Errorf("the failed start left aws-ses-v2-local (%s) running", p)
		}
	}
}
