package localstack

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"push-reactivation/shared/demo"
	"push-reactivation/shared/domain"
)

// TestPasswordThrottleByRealAddress (issue 11 §4) plays the attack over
// real TCP: the attacker connects from 127.0.0.1, the real user from a
// second loopback address, 127.0.0.2. The gateway takes sourceIp from the
// TCP peer, as API Gateway does, so the attacker's address runs out and
// the real user's does not.
func TestPasswordThrottleByRealAddress(t *testing.T) {
	s := startStack(t, freeOptions(t))
	// login answers the HTTP status, the envelope's code and Retry-After.
	login := func(from, password string) (status, code int, retryAfter string) {
		t.Helper()
		client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
			DialContext: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}).DialContext,
		}}
		body, _ := json.Marshal(map[string]string{"email": "helpdesk@acme.example", "password": password})
		resp, err := client.Post(s.HTTPURL+"/v1/login", "application/json", strings.NewReader(string(body)))
		if err != nil {
			t.Fatalf("from %s: %v", from, err)
		}
		defer resp.Body.Close()
		var env struct {
			Code int `json:"code"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&env)
		return resp.StatusCode, env.Code, resp.Header.Get("Retry-After")
	}
	for i := range domain.PasswordTriesPerEmailAddress {
		if status, code, _ := login("127.0.0.1", fmt.Sprintf("guess-%d", i)); code != int(domain.CodeNotAuthenticated) {
			t.Fatalf("guess %d: %d %d", i+1, status, code)
		}
	}
	status, code, retry := login("127.0.0.1", demo.Password)
	if status != http.StatusTooManyRequests || code != int(domain.CodeRateLimited) || retry == "" {
		t.Fatalf("attacker's address after %d failures: %d %d, Retry-After %q", domain.PasswordTriesPerEmailAddress, status, code, retry)
	}
	if status, code, _ := login("127.0.0.2", demo.Password); status != http.StatusOK {
		t.Fatalf("the real user at 127.0.0.2: %d %d", status, code)
	}
}
