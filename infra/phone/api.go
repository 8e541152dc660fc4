package phone

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"push-reactivation/shared/device"
	"strings"
	"time"

	"push-reactivation/shared/devicesig"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/hotp"
)

// APIError is a FAIL envelope from the service.
type APIError struct {
	Status  int    // HTTP status
	Code    int    `json:"code"`
	Message string `json:"message"`
	Detail  string `json:"message_detail"`
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("phone: server answered %d %d %s", e.Status, e.Code, e.Message)
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

// Transaction is a pending push as the service lists it.
type Transaction = device.Transaction

// Info is the credential as the service describes it.
type Info = device.Info

// maxResponse bounds what the phone reads of an answer.
const maxResponse = 1 << 20

// send makes one request and decodes the OK envelope's response into out.
// params go in the query string for GET and as a form body otherwise,
// encoded exactly as they are signed.
func (p *Phone) send(ctx context.Context, method, base, path string, params url.Values, headers http.Header, out any) error {
	enc := devicesig.EncodeParams(params)
	target := base + path
	var body io.Reader
	if method == http.MethodGet && enc != "" {
		target += "?" + enc
	} else if method != http.MethodGet {
		body = strings.NewReader(enc)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return fmt.Errorf("phone: %w", err)
	}
	for k, vs := range headers {
		req.Header[k] = vs
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("User-Agent", "push-reactivation-phone/1 (Duo Mobile emulator)")
	resp, err := p.client.Do(req)
	if err != nil {
		return fmt.Errorf("phone: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return fmt.Errorf("phone: read answer: %w", err)
	}
	var env struct {
		Stat     string          `json:"stat"`
		Response json.RawMessage `json:"response"`
		APIError
	}
	if err := json.Unmarshal(raw, &env); err != nil || (env.Stat != "OK" && env.Stat != "FAIL") {
		return fmt.Errorf("phone: %s %s: %d, not a Duo envelope: %.200q", method, path, resp.StatusCode, raw)
	}
	if env.Stat == "FAIL" {
		e := env.APIError
		e.Status = resp.StatusCode
		return &e
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(env.Response, out); err != nil {
		return fmt.Errorf("phone: %s %s: decode answer: %w", method, path, err)
	}
	return nil
}

// base is where c's requests go.
func (p *Phone) base(c *Credential) string {
	switch {
	case p.baseURL != "":
		return p.baseURL
	case c.BaseURL != "":
		return c.BaseURL
	}
	return "https://" + c.Host
}

// signed makes a request signed with the phone's key for credential c.
func (p *Phone) signed(ctx context.Context, c Credential, method, path string, params url.Values, out any) error {
	date := devicesig.FormatDate(p.now())
	auth, err := devicesig.Sign(p.key, c.PKey, date, method, c.Host, path, params)
	if err != nil {
		return err
	}
	h := http.Header{"Authorization": {auth}, "X-Duo-Date": {date}}
	return p.send(ctx, method, p.base(&c), path, params, h, out)
}

// commonParams are the fields the public clients send with every signed
// call.
func commonParams(c Credential) url.Values {
	return url.Values{"akey": {c.AKey}, "fips_status": {"1"}, "hsm_status": {"true"}, "pkpush": {"rsa-sha512"}}
}

// Pending lists the pushes waiting for the selected credential (see
// Credential for selectors), newest first.
func (p *Phone) Pending(ctx context.Context, selector string) ([]Transaction, error) {
	c, err := p.Credential(selector)
	if err != nil {
		return nil, err
	}
	var out struct {
		Transactions []Transaction `json:"transactions"`
	}
	if err := p.signed(ctx, c, http.MethodGet, "/push/v2/device/transactions", commonParams(c), &out); err != nil {
		return nil, err
	}
	return out.Transactions, nil
}

// ErrNoPush: there is no pending push to answer.
var ErrNoPush = errors.New("phone: no pending push")

// Answer approves or denies a push of the selected credential and returns
// the status the service recorded ("approved" or "denied"). An empty urgid
// answers the newest pending push. verificationCode is the verified-push
// code shown in the panel, sent when not empty.
func (p *Phone) Answer(ctx context.Context, selector, urgid string, approve bool, verificationCode string) (string, error) {
	c, err := p.Credential(selector)
	if err != nil {
		return "", err
	}
	if urgid == "" {
		txs, err := p.Pending(ctx, c.PKey)
		if err != nil {
			return "", err
		}
		if len(txs) == 0 {
			return "", ErrNoPush
		}
		urgid = txs[0].URGID
	}
	params := commonParams(c)
	params.Set("answer", "deny")
	if approve {
		params.Set("answer", "approve")
	}
	if verificationCode != "" {
		params.Set("verification_code", verificationCode)
	}
	var out struct {
		Status string `json:"status"`
	}
	if err := p.signed(ctx, c, http.MethodPost, "/push/v2/device/transactions/"+url.PathEscape(urgid), params, &out); err != nil {
		return "", err
	}
	return out.Status, nil
}

// WaitPending polls until the selected credential has a pending push or
// ctx ends, every interval.
func (p *Phone) WaitPending(ctx context.Context, selector string, interval time.Duration) ([]Transaction, error) {
	for {
		txs, err := p.Pending(ctx, selector)
		if err != nil || len(txs) > 0 {
			return txs, err
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%w: %w", ErrNoPush, ctx.Err())
		case <-time.After(interval):
		}
	}
}

// Register stores a push token for the selected credential.
func (p *Phone) Register(ctx context.Context, selector, token string) error {
	c, err := p.Credential(selector)
	if err != nil {
		return err
	}
	params := url.Values{"akey": {c.AKey}, "token": {token}}
	return p.signed(ctx, c, http.MethodPost, "/push/v2/device/registration", params, nil)
}

// Info asks the service about the selected credential.
func (p *Phone) Info(ctx context.Context, selector string) (*Info, error) {
	c, err := p.Credential(selector)
	if err != nil {
		return nil, err
	}
	var out Info
	if err := p.signed(ctx, c, http.MethodGet, "/push/v2/device/info", commonParams(c), &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Passcode returns the next Duo Mobile passcode of the selected
// credential (RFC 4226 HOTP, 6 digits, keyed with the ASCII bytes of
// hotp_secret) and advances the stored counter, as the app does each time
// it shows one.
func (p *Phone) Passcode(selector string) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	c, err := p.find(selector)
	if err != nil {
		return "", err
	}
	code := hotp.Code([]byte(c.HOTPSecret), c.HOTPCounter, domain.HOTPDigits)
	c.HOTPCounter++
	if err := p.save(); err != nil {
		c.HOTPCounter--
		return "", err
	}
	return code, nil
}

// Forget drops a credential from the phone (the service is not told).
func (p *Phone) Forget(selector string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	c, err := p.find(selector)
	if err != nil {
		return err
	}
	delete(p.state.Credentials, c.PKey)
	return p.save()
}
