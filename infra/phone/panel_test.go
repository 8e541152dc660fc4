package phone_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"push-reactivation/shared/demo"
)

// panel calls the panel API over HTTP, as the browser would.
type panel struct {
	t    *testing.T
	base string
}

func newPanel(t *testing.T, base string) *panel { return &panel{t: t, base: base} }

func (p *panel) do(method, path, body string, out any) {
	p.t.Helper()
	req, _ := http.NewRequest(method, p.base+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
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
		TxID string `json:"txid"`
	}
	p.post("/v1/login", `{"email":"`+email+`","password":"`+demo.Password+`"}`, &out)
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
