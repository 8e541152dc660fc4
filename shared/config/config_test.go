package config

import (
	"log/slog"
	"testing"
)

func TestFromEnv(t *testing.T) {
	t.Setenv("TABLE_NAME", "")
	t.Setenv("API_HOST", "Localhost:3443")
	if _, err := FromEnv(); err == nil {
		t.Fatal("TABLE_NAME is required")
	}
	t.Setenv("TABLE_NAME", "t")
	t.Setenv("LOG_LEVEL", "")
	c, err := FromEnv()
	if err != nil || c.APIHost != "localhost:3443" || c.LogLevel != slog.LevelInfo {
		t.Fatalf("%+v %v", c, err)
	}
	t.Setenv("LOG_LEVEL", "LOUD")
	if _, err := FromEnv(); err == nil {
		t.Fatal("bad LOG_LEVEL accepted")
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

// TestChecksumValidationOnlyForLoopback: minidyn sends no valid CRC32, so
// validation is off for loopback endpoints — and must stay on for AWS.
func TestChecksumValidationOnlyForLoopback(t *testing.T) {
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "x")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "x")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	for endpoint, disabled := range map[string]bool{"http://127.0.0.1:8000": true, "": false} {
		t.Setenv("AWS_ENDPOINT_URL_DYNAMODB", endpoint)
		cfg, err := AWS(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if got := DynamoDB(cfg).Options().DisableValidateResponseChecksum; got != disabled {
			t.Errorf("endpoint %q: checksum validation disabled=%v", endpoint, got)
		}
	}
}
