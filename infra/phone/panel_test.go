package phone_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"push-reactivation/shared/demo"
	"push-reactivation/shared/login"
)

// panel calls the panel API over HTTP, as the browser would: on
// /v1/login/{txid}... with the login_secret its password step received.
type panel struct {
	t       *testing.T
	base    string
	secrets map[string]string // txid → login_secret
}

func newPanel(t *testing.T, base string) *panel {
	return &panel{t: t, base: base, secrets: map[string]string{}}
}

func (p *panel) do(method, path, body string, out any) {
	p.t.Helper()
	req, _ := http.NewRequest(method, p.base+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if rest, ok := strings.CutPrefix(path, "/v1/login/"); ok {
		txid, _, _ := strings.Cut(rest, "/")
		if s, ok := p.secrets[txid]; ok {
			req.Header.Set(login.LoginSecretHeader, s)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var env struct {
		Stat     string          `json:"stat"`
		Response json.RawMessage `json:"response"`
	}
	if err := json.Unmarshal(raw, &env); err != nil || env.Stat != "OK" {
		p.t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, raw)
	}
	if out != nil {
		if err := json.Unmarshal(env.Response, out); err != nil {
			p.t.Fatal(err)
		}
	}
}

func (p *panel) post(path, body string, out any) { p.t.Helper(); p.do("POST", path, body, out) }

// login passes the password step and returns the login transaction.
func (p *panel) login(email string) string {
	p.t.Helper()
	var out struct {
		TxID        string `json:"txid"`
		LoginSecret string `json:"login_secret"`
	}
	p.post("/v1/login", `{"email":"`+email+`","password":"`+demo.Password+`"}`, &out)
	if out.LoginSecret == "" {
		p.t.Fatal("no login_secret from the password step")
	}
	p.secrets[out.TxID] = out.LoginSecret
	return out.TxID
}

type pushStatus struct {
	Status       string `json:"status"`
	SessionToken string `json:"session_token"`
}

func (p *panel) status(txid string) pushStatus {
	p.t.Helper()
	var out pushStatus
	p.do("GET", "/v1/login/"+txid, "", &out)
	return out
}
