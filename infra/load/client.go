package load

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"push-reactivation/infra/localstack/e2e"
)

// call makes one panel API request, with the session token when not empty.
func call(ctx context.Context, c *http.Client, method, u, token string, body any, want int, out any) error {
	h := http.Header{}
	if token != "" {
		h.Set("Authorization", "Bearer "+token)
	}
	return do(ctx, c, method, u, h, body, want, out)
}

// do makes one request and checks its status; on want 2xx it decodes the
// OK envelope's response into out. The body is read whole, so the
// connection goes back to the pool for the next request.
func do(ctx context.Context, c *http.Client, method, u string, h http.Header, body any, want int, out any) error {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, r)
	if err != nil {
		return err
	}
	req.Header = h
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, req.URL.Path, err)
	}
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: %d %.300s (want %d)", method, req.URL.Path, resp.StatusCode, b, want)
	}
	if out == nil {
		return nil
	}
	var env struct {
		Stat     string          `json:"stat"`
		Response json.RawMessage `json:"response"`
	}
	if err := json.Unmarshal(b, &env); err != nil || env.Stat != "OK" {
		return fmt.Errorf("%s %s: not an OK envelope: %.300s", method, req.URL.Path, b)
	}
	return json.Unmarshal(env.Response, out)
}

// panelLogin logs in with password + SMS passcode, as the panel does, and
// returns the session token.
func panelLogin(ctx context.Context, c *http.Client, api, sms, email, password, phoneNumber string) (string, error) {
	var start struct {
		TxID        string `json:"txid"`
		LoginSecret string `json:"login_secret"`
	}
	if err := call(ctx, c, "POST", api+"/v1/login", "", map[string]string{"email": email, "password": password}, 200, &start); err != nil {
		return "", fmt.Errorf("load: login: %w", err)
	}
	h := func() http.Header { return http.Header{"X-Login-Secret": {start.LoginSecret}} }
	since := time.Now().Add(-time.Second)
	if err := do(ctx, c, "POST", api+"/v1/login/"+start.TxID+"/factor", h(), map[string]string{"factor": "sms"}, 200, nil); err != nil {
		return "", fmt.Errorf("load: login: %w", err)
	}
	passcode, err := e2e.SMSPasscode(ctx, c, sms, phoneNumber, since)
	if err != nil {
		return "", fmt.Errorf("load: login: %w", err)
	}
	var sess struct {
		Token string `json:"session_token"`
	}
	if err := do(ctx, c, "POST", api+"/v1/login/"+start.TxID+"/verify", h(), map[string]string{"passcode": passcode}, 200, &sess); err != nil {
		return "", fmt.Errorf("load: login: %w", err)
	}
	if sess.Token == "" {
		return "", fmt.Errorf("load: login: no session_token")
	}
	return sess.Token, nil
}
