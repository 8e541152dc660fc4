package config

import (
	"bytes"
	"encoding/base64"
	"log/slog"
	"strings"
	"testing"
	"time"

	"push-reactivation/shared/domain"
	"push-reactivation/shared/secret"
)

// testKey is CODE_HASH_KEY for these tests: base64 of 32 bytes.
var testKey = base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))

func TestFromEnv(t *testing.T) {
	t.Setenv("CODE_HASH_KEY", testKey)
	t.Setenv("TABLE_NAME", "")
	t.Setenv("API_HOST", "Localhost:3443")
	if _, err := FromEnv(); err == nil {
		t.Fatal("TABLE_NAME is required")
	}
	t.Setenv("TABLE_NAME", "t")
	t.Setenv("LOG_LEVEL", "")
	c, err := FromEnv()
	if err != nil || c.APIHost != "localhost:3443" || c.LogLevel != slog.LevelInfo || c.Codes == nil {
		t.Fatalf("%+v %v", c, err)
	}
	t.Setenv("LOG_LEVEL", "LOUD")
	if _, err := FromEnv(); err == nil {
		t.Fatal("bad LOG_LEVEL accepted")
	}
}

// TestCodeHashKeyRequired: a function refuses to start without a usable
// CODE_HASH_KEY (missing, not base64, or under 32 bytes), so it can never
// store passcode hashes that anyone with the table reverses; the error
// never quotes the value.
func TestCodeHashKeyRequired(t *testing.T) {
	t.Setenv("TABLE_NAME", "t")
	t.Setenv("API_HOST", "localhost:3443")
	t.Setenv("LOG_LEVEL", "")
	short := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 31))
	for name, v := range map[string]string{
		"missing":    "",
		"blank":      "   ",
		"short":      short,
		"not base64": "not-base64-but-long-enough-to-be-32-bytes-of-text!!",
		"unresolved": "{{resolve:secretsmanager:push-reactivation/code-hash-key:SecretString}}",
	} {
		t.Setenv("CODE_HASH_KEY", v)
		c, err := FromEnv()
		if err == nil || c.Codes != nil {
			t.Errorf("%s key accepted", name)
			continue
		}
		if !strings.Contains(err.Error(), "CODE_HASH_KEY") || (strings.TrimSpace(v) != "" && strings.Contains(err.Error(), v)) {
			t.Errorf("%s key: error %q should name the variable, not quote it", name, err)
		}
	}
	// Padded (openssl rand -base64 32) and unpadded forms give the same key.
	want := bytes.Repeat([]byte{7}, 32)
	ref, _ := secret.NewCodeHasher(want)
	for _, v := range []string{testKey, strings.TrimRight(testKey, "="), " " + testKey + "\n"} {
		t.Setenv("CODE_HASH_KEY", v)
		c, err := FromEnv()
		if err != nil {
			t.Fatalf("%q: %v", v, err)
		}
		if c.Codes.Hash(secret.LoginPasscode, "1234567") != ref.Hash(secret.LoginPasscode, "1234567") {
			t.Fatalf("%q decoded to another key", v)
		}
	}
}

func TestIsLoopback(t *testing.T) {
	for url, want := range map[string]bool{
		"http://127.0.0.1:8000": true, "http://localhost:8000": true, "http://[::1]:8000": true,
		"https://dynamodb.us-east-1.amazonaws.com": false, "http://10.0.0.1": false, "::bad": false,
	} {
		if IsLoopback(url) != want {
			t.Errorf("%s: want %v", url, want)
		}
	}
}

// TestTimeBudgetNests: the request's own work, then a compensation, fit
// in the answer bound; a send leaves room for its undo.
func TestTimeBudgetNests(t *testing.T) {
	if domain.RequestDeadline+domain.UndoTimeout >= domain.AnswerWithin {
		t.Errorf("deadline %v + undo %v not under %v", domain.RequestDeadline, domain.UndoTimeout, domain.AnswerWithin)
	}
	if domain.SendTimeout >= domain.RequestDeadline {
		t.Errorf("send timeout %v not under the request deadline %v", domain.SendTimeout, domain.RequestDeadline)
	}
	if domain.Unavailable("x").RetryAfter < time.Second {
		t.Error("503 50301 without Retry-After")
	}
}
