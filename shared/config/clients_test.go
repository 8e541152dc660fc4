package config_test

// These tests build each adapter's SDK client (dynamo, sesmail, smsvoice
// build their own, so that a function links only what it calls) and check
// that each applies the bounds config gives its kind of call.

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"push-reactivation/shared/config"
	"push-reactivation/shared/config/standard"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/dynamo"
	"push-reactivation/shared/sesmail"
	"push-reactivation/shared/smsvoice"
)

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
		cfg, err := standard.AWS(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if got := dynamo.NewClient(cfg).Options().DisableValidateResponseChecksum; got != disabled {
			t.Errorf("endpoint %q: checksum validation disabled=%v", endpoint, got)
		}
	}
}

// TestClientsAreBounded: every SDK client bounds each attempt and the
// number of attempts, so a hanging or failing service cannot hold a call
// past the 3 s answer bound of DESIGN.md §4.1, even without a deadline.
func TestClientsAreBounded(t *testing.T) {
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("k", "s", "")}
	for name, c := range map[string]struct {
		opts     func() (aws.HTTPClient, aws.Retryer)
		timeouts config.Timeouts
	}{
		"dynamodb": {func() (aws.HTTPClient, aws.Retryer) {
			o := dynamo.NewClient(cfg).Options()
			return o.HTTPClient, o.Retryer
		}, config.DynamoTimeouts},
		"sesv2": {func() (aws.HTTPClient, aws.Retryer) {
			o := sesmail.NewClient(cfg).Options()
			return o.HTTPClient, o.Retryer
		}, config.SendTimeouts},
		"smsvoice": {func() (aws.HTTPClient, aws.Retryer) {
			o := smsvoice.NewClient(cfg).Options()
			return o.HTTPClient, o.Retryer
		}, config.SendTimeouts},
	} {
		httpClient, retryer := c.opts()
		bc, ok := httpClient.(*awshttp.BuildableClient)
		if !ok || bc.GetTimeout() != c.timeouts.Attempt || bc.GetTimeout() == 0 {
			t.Errorf("%s: HTTP client %T without the attempt timeout %v", name, httpClient, c.timeouts.Attempt)
		}
		if got := retryer.MaxAttempts(); got != c.timeouts.Attempts {
			t.Errorf("%s: %d attempts, want %d", name, got, c.timeouts.Attempts)
		}
		if got := c.timeouts.MaxCall(); got >= domain.AnswerWithin {
			t.Errorf("%s: one call may take %v, not under %v", name, got, domain.AnswerWithin)
		}
	}
}
