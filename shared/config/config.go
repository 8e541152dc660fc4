// Package config is the one place that reads configuration: the
// environment variables declared in template.yaml, and the AWS SDK
// configuration of the functions from the environment Lambda sets
// (Lambda; the SDK's standard loader is in shared/config/standard, for
// adminctl and tests), bounded per kind of call (ForDynamoDB, ForSend,
// ForKMS). Endpoints are never overridden by custom code paths, only by
// AWS_ENDPOINT_URL_<SERVICE>.
package config

import (
	"encoding/base64"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"

	"push-reactivation/shared/correlation"
	"push-reactivation/shared/secret"
)

// Config is the service's configuration. Every field has an environment
// variable declared in template.yaml (Globals.Function.Environment).
type Config struct {
	TableName           string // TABLE_NAME
	APIHost             string // API_HOST: host[:port] phones sign against and QR codes carry
	PanelOrigin         string // PANEL_ORIGIN: allowed by CORS
	LogLevel            slog.Level
	SenderEmail         string // SENDER_EMAIL
	SESConfigurationSet string // SES_CONFIGURATION_SET
	OriginationIdentity string // ORIGINATION_IDENTITY
	SMSConfigurationSet string // SMS_CONFIGURATION_SET
	// Codes hashes passcodes and verification codes under CODE_HASH_KEY
	// (base64 of at least 32 random bytes), a key kept out of the table.
	// Nil when the key is sealed (CODE_HASH_KEY_SEALED): the functions that
	// hash codes build it with KMS (shared/sealing/kmswire).
	Codes *secret.CodeHasher

	// MetricsNamespace is the CloudWatch namespace of the EMF metric lines
	// (METRICS_NAMESPACE; shared/metrics.DefaultNamespace when empty).
	MetricsNamespace string

	// KMS (docs/security/kms.md).
	KMSKeyID string // KMS_KEY_ID: the key (alias) HOTP secrets are sealed under
	// SealedCodeHashKey is CODE_HASH_KEY_SEALED decoded: the code hash key
	// as KMS ciphertext (encryption context purpose=code-hash-key), what
	// the deployed template gives instead of CODE_HASH_KEY.
	SealedCodeHashKey []byte
}

// Variables lists every environment variable the code reads, so a test can
// check that template.yaml declares each one.
var Variables = []string{
	"TABLE_NAME", "API_HOST", "PANEL_ORIGIN", "LOG_LEVEL",
	"SENDER_EMAIL", "SES_CONFIGURATION_SET", "ORIGINATION_IDENTITY", "SMS_CONFIGURATION_SET", "CODE_HASH_KEY",
	"AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_SESV2", "AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2",
	"METRICS_NAMESPACE",
	// KMS (issue 16)
	"KMS_KEY_ID", "CODE_HASH_KEY_SEALED", "AWS_ENDPOINT_URL_KMS",
}

// FromEnv reads the configuration. TABLE_NAME, API_HOST and CODE_HASH_KEY
// are required: without them the service cannot do anything right (without
// the key it could only store passcodes as hashes anyone reverses).
func FromEnv() (Config, error) {
	c := Config{
		TableName:           os.Getenv("TABLE_NAME"),
		APIHost:             strings.ToLower(os.Getenv("API_HOST")),
		PanelOrigin:         os.Getenv("PANEL_ORIGIN"),
		SenderEmail:         os.Getenv("SENDER_EMAIL"),
		SESConfigurationSet: os.Getenv("SES_CONFIGURATION_SET"),
		OriginationIdentity: os.Getenv("ORIGINATION_IDENTITY"),
		SMSConfigurationSet: os.Getenv("SMS_CONFIGURATION_SET"),
		MetricsNamespace:    os.Getenv("METRICS_NAMESPACE"),
	}
	if err := c.LogLevel.UnmarshalText([]byte(envOr("LOG_LEVEL", "INFO"))); err != nil {
		return c, fmt.Errorf("config: LOG_LEVEL: %w", err)
	}
	if c.TableName == "" {
		return c, fmt.Errorf("config: TABLE_NAME is not set")
	}
	if c.APIHost == "" {
		return c, fmt.Errorf("config: API_HOST is not set")
	}
	c.KMSKeyID = strings.TrimSpace(os.Getenv("KMS_KEY_ID"))
	if sealed := strings.TrimSpace(os.Getenv("CODE_HASH_KEY_SEALED")); sealed != "" {
		return c, c.sealedCodeHashKey(sealed)
	}
	codes, err := codeHasher(os.Getenv("CODE_HASH_KEY"))
	if err != nil {
		return c, err
	}
	c.Codes = codes
	return c, nil
}

// codeHasher decodes CODE_HASH_KEY (standard base64, padded or not, as
// `openssl rand -base64 32` prints it). The errors never quote the value.
func codeHasher(v string) (*secret.CodeHasher, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil, fmt.Errorf("config: CODE_HASH_KEY is not set (base64 of at least %d random bytes)", secret.MinCodeKeyBytes)
	}
	key, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(v, "="))
	if err != nil {
		return nil, fmt.Errorf("config: CODE_HASH_KEY is not standard base64")
	}
	codes, err := secret.NewCodeHasher(key)
	if err != nil {
		return nil, fmt.Errorf("config: CODE_HASH_KEY: %w", err)
	}
	return codes, nil
}

// sealedCodeHashKey decodes CODE_HASH_KEY_SEALED. Exactly one of the two
// forms may be set, and the sealed one needs KMS_KEY_ID (the functions
// that unwrap it build their KMS client only when it is set).
func (c *Config) sealedCodeHashKey(v string) error {
	if strings.TrimSpace(os.Getenv("CODE_HASH_KEY")) != "" {
		return fmt.Errorf("config: CODE_HASH_KEY and CODE_HASH_KEY_SEALED are both set; set only the sealed one")
	}
	if c.KMSKeyID == "" {
		return fmt.Errorf("config: CODE_HASH_KEY_SEALED needs KMS_KEY_ID")
	}
	b, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(v, "="))
	if err != nil || len(b) == 0 {
		return fmt.Errorf("config: CODE_HASH_KEY_SEALED is not standard base64 (of a KMS ciphertext)")
	}
	c.SealedCodeHashKey = b
	return nil
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// Logger returns the JSON logger every function uses.
func (c Config) Logger() *slog.Logger {
	// The correlation handler puts the request id on every line logged
	// with the request's context.
	return slog.New(correlation.NewHandler(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: c.LogLevel})))
}

// Timeouts of the SDK clients (DESIGN.md §4.1, "Dependencies down": any
// answer within 3 s). The request's own deadline (domain.RequestDeadline,
// set at the edge) is the outer bound; these bound each attempt, so a
// call made without a deadline cannot hang either, and a hung attempt
// leaves time for another.
//
//   - DynamoDB answers in milliseconds when healthy; 3 attempts of at most
//     800 ms with backoffs of at most 100 ms end within 2.6 s. Throttling
//     is retried quickly (a throttled partition often clears in that time),
//     then answered 503 with Retry-After rather than waited out.
//   - SES and SMS/voice sends: 2 attempts of at most 1.2 s (the send is cut
//     at domain.SendTimeout anyway). Few retries: a send retried after a
//     lost answer may deliver twice.
//   - Connecting takes at most 500 ms (a black-holed address), on top of
//     which the attempt timeout still applies.
type clientTimeouts struct {
	attempts   int
	attempt    time.Duration
	maxBackoff time.Duration
	// noRetryQuota turns off the SDK's retry token bucket (Lenient only).
	noRetryQuota bool
}

var (
	dynamoTimeouts = clientTimeouts{attempts: 3, attempt: 800 * time.Millisecond, maxBackoff: 100 * time.Millisecond}
	sendTimeouts   = clientTimeouts{attempts: 2, attempt: 1200 * time.Millisecond, maxBackoff: 100 * time.Millisecond}
)

// dialTimeout bounds connecting to an endpoint.
const dialTimeout = 500 * time.Millisecond

// maxCall is the longest one SDK call of a client built here can
// take, attempts, backoffs and connecting included, for tests and docs.
func (t clientTimeouts) maxCall() time.Duration {
	return time.Duration(t.attempts)*t.attempt + time.Duration(t.attempts-1)*t.maxBackoff
}

// ClientOption changes how the clients built here are bounded.
type ClientOption func(*clientTimeouts)

// Lenient gives every attempt 15 s and turns the SDK's retry quota off. It
// is for tests that load a small machine on purpose (the race detector,
// dozens of concurrent requests on 2 cores) and whose subject is not the
// time bound: there an 800 ms attempt can time out on a healthy local peer,
// and a burst of such timeouts drains the retry quota shared by the client,
// failing calls that would have succeeded. Production never uses it; the
// fault tests (apptest.NewParallel) keep the production bounds.
func Lenient() ClientOption {
	return func(t *clientTimeouts) {
		t.attempt = 15 * time.Second
		t.noRetryQuota = true
	}
}

// bounded returns cfg with the retryer and HTTP client of t. The retryer
// is the SDK's standard one (its retry token bucket stops retry storms);
// only its attempts and backoff change.
func bounded(cfg aws.Config, t clientTimeouts, opts []ClientOption) aws.Config {
	for _, o := range opts {
		o(&t)
	}
	cfg = cfg.Copy()
	cfg.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = t.attempts
			o.MaxBackoff = t.maxBackoff
			o.Backoff = retry.NewExponentialJitterBackoff(t.maxBackoff)
			if t.noRetryQuota {
				o.RateLimiter = ratelimit.None
			}
		})
	}
	cfg.RetryMaxAttempts = t.attempts
	cfg.HTTPClient = awshttp.NewBuildableClient().
		WithTimeout(t.attempt).
		WithDialerOptions(func(d *net.Dialer) { d.Timeout = dialTimeout })
	return cfg
}

// ForDynamoDB returns cfg with the bounded attempts of DynamoDB calls
// (see clientTimeouts), for dynamo.NewClient. The SDK clients themselves
// are built by the adapter that calls them (dynamo, sesmail, smsvoice), so
// a function links only the clients it uses and this package none.
func ForDynamoDB(cfg aws.Config, opts ...ClientOption) aws.Config {
	return bounded(cfg, dynamoTimeouts, opts)
}

// ForSend returns cfg with the bounded attempts of SES and SMS/voice sends,
// for sesmail.NewClient and smsvoice.NewClient.
func ForSend(cfg aws.Config, opts ...ClientOption) aws.Config {
	return bounded(cfg, sendTimeouts, opts)
}

// IsLoopback reports whether the endpoint URL points at this machine.
func IsLoopback(endpoint string) bool {
	u, err := url.Parse(endpoint)
	if err != nil {
		return false
	}
	host := u.Hostname()
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
