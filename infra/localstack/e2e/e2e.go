// Package e2e drives the self-service Duo Push reactivation over HTTP
// against a running local stack, the way the panel and a phone would:
// password + SMS login (the passcode read from the SMS endpoint's
// /messages), Reactivate, activation by the phone emulator from the QR
// PNG over HTTPS (trusting the local CA), and a Duo Push login that the
// phone approves. The local stack's tests run it in process and under
// aws-lambda-rie.
package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"push-reactivation/infra/phone"
)

// Target is the stack under test.
type Target struct {
	APIURL  string // the panel's base URL: http://127.0.0.1:3000
	APIHost string // API_HOST: localhost:3443, where the phone goes over HTTPS
	SMSURL  string // the SMS/voice endpoint: http://127.0.0.1:8006
	CAFile  string // the local CA the phone trusts
}

// Admin is who logs in.
type Admin struct {
	Email, Password, Phone string
}

// Step reports progress (t.Logf in tests).
type Step func(format string, args ...any)

// SelfService runs the whole self-service flow and reports the first step
// that fails.
func SelfService(ctx context.Context, tg Target, a Admin, step Step) error {
	c := &client{base: strings.TrimRight(tg.APIURL, "/"), http: &http.Client{Timeout: 30 * time.Second}}

	// 1. Password + SMS passcode.
	step("login %s with password + SMS", a.Email)
	var start struct {
		TxID        string `json:"txid"`
		LoginSecret string `json:"login_secret"`
		Factors     []struct {
			Factor string `json:"factor"`
		} `json:"factors"`
	}
	if err := c.call(ctx, "POST", "/v1/login", "", map[string]string{"email": a.Email, "password": a.Password}, 200, &start); err != nil {
		return err
	}
	c.loginSecret = start.LoginSecret
	since := time.Now().Add(-time.Second)
	if err := c.call(ctx, "POST", "/v1/login/"+start.TxID+"/factor", "", map[string]string{"factor": "sms"}, 200, nil); err != nil {
		return err
	}
	passcode, err := smsPasscode(ctx, c.http, tg.SMSURL, a.Phone, since)
	if err != nil {
		return err
	}
	step("SMS passcode arrived at %s", a.Phone)
	var sess struct {
		Token string `json:"session_token"`
	}
	if err := c.call(ctx, "POST", "/v1/login/"+start.TxID+"/verify", "", map[string]string{"passcode": passcode}, 200, &sess); err != nil {
		return err
	}
	if sess.Token == "" {
		return fmt.Errorf("verify: no session_token")
	}

	// 2. Edit Profile → Reactivate.
	step("reactivate Duo Push")
	var react struct {
		ID         string `json:"reactivation_id"`
		Status     string `json:"status"`
		Barcode    string `json:"barcode"`
		BarcodePNG string `json:"barcode_png"`
		URL        string `json:"activation_url"`
	}
	if err := c.call(ctx, "POST", "/v1/profile/duo-push/reactivation", sess.Token, map[string]any{}, 201, &react); err != nil {
		return err
	}
	if react.Status != "pending" || !strings.HasPrefix(react.URL, "https://"+tg.APIHost+"/activate/") {
		return fmt.Errorf("reactivation: status %q, activation_url %q (want https://%s/activate/...)", react.Status, react.URL, tg.APIHost)
	}

	// 3. The phone scans the QR code and activates over HTTPS.
	png, err := base64.StdEncoding.DecodeString(react.BarcodePNG)
	if err != nil {
		return fmt.Errorf("barcode_png is not base64: %w", err)
	}
	text, err := phone.DecodeQR(png)
	if err != nil {
		return err
	}
	if text != react.Barcode {
		return fmt.Errorf("the QR code says %q, barcode is %q", text, react.Barcode)
	}
	target, err := phone.ParseBarcode(text)
	if err != nil {
		return err
	}
	if target.Host != tg.APIHost {
		return fmt.Errorf("the QR code names host %q, want %q", target.Host, tg.APIHost)
	}
	httpsClient, err := phone.HTTPClient(tg.CAFile)
	if err != nil {
		return err
	}
	ph, err := phone.Load("", phone.WithHTTPClient(httpsClient))
	if err != nil {
		return err
	}
	step("phone activates at https://%s", target.Host)
	cred, err := ph.ActivateTarget(ctx, target)
	if err != nil {
		return fmt.Errorf("activate: %w", err)
	}
	var after struct {
		Status string `json:"status"`
	}
	if err := c.call(ctx, "GET", "/v1/reactivations/"+react.ID, sess.Token, nil, 200, &after); err != nil {
		return err
	}
	if after.Status != "activated" {
		return fmt.Errorf("reactivation is %q after activation, want activated", after.Status)
	}

	// 4. Duo Push login, approved on the phone.
	step("login %s with Duo Push", a.Email)
	if err := c.call(ctx, "POST", "/v1/login", "", map[string]string{"email": a.Email, "password": a.Password}, 200, &start); err != nil {
		return err
	}
	c.loginSecret = start.LoginSecret
	var push struct {
		Status           string `json:"status"`
		VerificationCode string `json:"verification_code"`
	}
	if err := c.call(ctx, "POST", "/v1/login/"+start.TxID+"/factor", "", map[string]string{"factor": "push"}, 200, &push); err != nil {
		return err
	}
	waitCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	txs, err := ph.WaitPending(waitCtx, cred.PKey, 200*time.Millisecond)
	if err != nil {
		return fmt.Errorf("phone: no push arrived: %w", err)
	}
	step("phone approves push %s", txs[0].URGID)
	if _, err := ph.Answer(ctx, cred.PKey, txs[0].URGID, true, push.VerificationCode); err != nil {
		return fmt.Errorf("approve: %w", err)
	}
	var status struct {
		Status string `json:"status"`
		Token  string `json:"session_token"`
	}
	for deadline := time.Now().Add(15 * time.Second); ; {
		if err := c.call(ctx, "GET", "/v1/login/"+start.TxID, "", nil, 200, &status); err != nil {
			return err
		}
		if status.Status != "pending" || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if status.Status != "approved" || status.Token == "" {
		return fmt.Errorf("push login ended %q (token given: %v), want approved with a session token", status.Status, status.Token != "")
	}
	var who struct {
		Factor string `json:"factor"`
		Admin  struct {
			Email string `json:"email"`
		} `json:"admin"`
	}
	if err := c.call(ctx, "GET", "/v1/session", status.Token, nil, 200, &who); err != nil {
		return err
	}
	if who.Factor != "push" || !strings.EqualFold(who.Admin.Email, a.Email) {
		return fmt.Errorf("session after push: factor %q, admin %q", who.Factor, who.Admin.Email)
	}
	step("logged in with Duo Push")
	return nil
}

// passcodePattern finds the 7-digit passcode in an SMS body.
var passcodePattern = regexp.MustCompile(`\b\d{7}\b`)

// smsPasscode waits for an SMS to phone sent after since and returns its
// passcode.
func smsPasscode(ctx context.Context, c *http.Client, smsURL, to string, since time.Time) (string, error) {
	deadline := time.Now().Add(10 * time.Second)
	for {
		req, err := http.NewRequestWithContext(ctx, "GET", strings.TrimRight(smsURL, "/")+"/messages?to="+url.QueryEscape(to), nil)
		if err != nil {
			return "", err
		}
		resp, err := c.Do(req)
		if err != nil {
			return "", fmt.Errorf("SMS endpoint: %w", err)
		}
		var list struct {
			Messages []struct {
				To     string    `json:"to"`
				Kind   string    `json:"kind"`
				Body   string    `json:"body"`
				SentAt time.Time `json:"sent_at"`
			} `json:"messages"`
		}
		err = json.NewDecoder(resp.Body).Decode(&list)
		resp.Body.Close()
		if err != nil {
			return "", fmt.Errorf("SMS endpoint /messages: %w", err)
		}
		for i := len(list.Messages) - 1; i >= 0; i-- { // newest last
			m := list.Messages[i]
			if m.To == to && m.Kind == "sms" && !m.SentAt.Before(since) {
				if code := passcodePattern.FindString(m.Body); code != "" {
					return code, nil
				}
			}
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("no SMS passcode to %s", to)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

type client struct {
	base string
	http *http.Client
	// loginSecret is the login_secret of the current login, sent with
	// every call under /v1/login/{txid} (DESIGN.md §4.1).
	loginSecret string
}

// call makes one panel API request and decodes the OK envelope's response
// into out; any other status than want is an error showing the envelope.
func (c *client) call(ctx context.Context, method, path, token string, body any, want int, out any) error {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, r)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if strings.HasPrefix(path, "/v1/login/") {
		req.Header.Set("X-Login-Secret", c.loginSecret)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: %d %s (want %d)", method, path, resp.StatusCode, b, want)
	}
	var env struct {
		Stat     string          `json:"stat"`
		Response json.RawMessage `json:"response"`
	}
	if err := json.Unmarshal(b, &env); err != nil || env.Stat != "OK" {
		return fmt.Errorf("%s %s: not an OK envelope: %s", method, path, b)
	}
	if out != nil {
		if err := json.Unmarshal(env.Response, out); err != nil {
			return fmt.Errorf("%s %s: %w", method, path, err)
		}
	}
	return nil
}
