package config_test

import (
	"strings"
	"testing"

	"push-reactivation/shared/config"
	"push-reactivation/shared/dynamo"
	"push-reactivation/shared/sealing/kmskeys"
	"push-reactivation/shared/sesmail"
	"push-reactivation/shared/smsvoice"
)

// setLambdaEnv sets the environment Lambda gives a function, and blanks
// the endpoint overrides and the standard loader's files.
func setLambdaEnv(t *testing.T) {
	t.Setenv("AWS_REGION", "eu-west-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDLAMBDA")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_SESSION_TOKEN", "token")
	for _, v := range []string{"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_SESV2",
		"AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2", "AWS_ENDPOINT_URL_KMS"} {
		t.Setenv(v, "")
	}
}

// TestLambdaReadsRegionAndCredentialsFromTheEnvironment: the region and
// the execution role's credentials, session token included.
func TestLambdaReadsRegionAndCredentialsFromTheEnvironment(t *testing.T) {
	setLambdaEnv(t)
	cfg, err := config.Lambda()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Region != "eu-west-1" {
		t.Errorf("region %q", cfg.Region)
	}
	// Read at start: the local stack restores its environment after
	// building a function's configuration.
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SESSION_TOKEN", "")
	c, err := cfg.Credentials.Retrieve(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if c.AccessKeyID != "AKIDLAMBDA" || c.SecretAccessKey != "secret" || c.SessionToken != "token" {
		t.Errorf("credentials %+v", c)
	}
	if o := dynamo.NewClient(cfg).Options(); o.BaseEndpoint != nil || o.DisableValidateResponseChecksum {
		t.Errorf("no override set, yet endpoint %v, checksum validation off=%v", o.BaseEndpoint, o.DisableValidateResponseChecksum)
	}
}

// TestLambdaHonoursEachEndpointVariable: each client takes its own
// AWS_ENDPOINT_URL_<SERVICE> and no other's.
func TestLambdaHonoursEachEndpointVariable(t *testing.T) {
	setLambdaEnv(t)
	want := map[string]string{
		"AWS_ENDPOINT_URL_DYNAMODB":              "http://127.0.0.1:8001",
		"AWS_ENDPOINT_URL_SESV2":                 "http://127.0.0.1:8002",
		"AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2": "http://127.0.0.1:8003",
		"AWS_ENDPOINT_URL_KMS":                   "http://127.0.0.1:8004",
	}
	for v, url := range want {
		t.Setenv(v, url)
	}
	cfg, err := config.Lambda()
	if err != nil {
		t.Fatal(err)
	}
	for v := range want { // read at start too
		t.Setenv(v, "")
	}
	dynamoOptions := dynamo.NewClient(cfg).Options()
	got := map[string]*string{
		"AWS_ENDPOINT_URL_DYNAMODB":              dynamoOptions.BaseEndpoint,
		"AWS_ENDPOINT_URL_SESV2":                 sesmail.NewClient(cfg).Options().BaseEndpoint,
		"AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2": smsvoice.NewClient(cfg).Options().BaseEndpoint,
		"AWS_ENDPOINT_URL_KMS":                   kmskeys.NewClient(cfg).Options().BaseEndpoint,
	}
	for v, url := range want {
		if got[v] == nil || *got[v] != url {
			t.Errorf("%s=%s: client endpoint %v", v, url, got[v])
		}
	}
	// The loopback rule still applies: minidyn sends no valid CRC32.
	if !dynamoOptions.DisableValidateResponseChecksum {
		t.Error("loopback DynamoDB endpoint, yet response checksum validation is on")
	}
}

// TestLambdaFailsAtStartWithoutRegionOrCredentials: the error names the
// missing variable, at start rather than at the first request.
func TestLambdaFailsAtStartWithoutRegionOrCredentials(t *testing.T) {
	for _, missing := range []string{"AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} {
		t.Run(missing, func(t *testing.T) {
			setLambdaEnv(t)
			t.Setenv(missing, "")
			_, err := config.Lambda()
			if err == nil || !strings.Contains(err.Error(), missing) {
				t.Errorf("without %s: error %v, want one naming it", missing, err)
			}
		})
	}
}
