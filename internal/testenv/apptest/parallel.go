package apptest

import (
	"context"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"push-reactivation/infra/ddblocal"
	"push-reactivation/infra/smsvoicelocal"
	"push-reactivation/internal/testenv"
	"push-reactivation/shared/config"
	"push-reactivation/shared/config/standard"
	"push-reactivation/shared/dynamo"
	"push-reactivation/shared/secret"
	"push-reactivation/shared/sesmail"
	"push-reactivation/shared/smsvoice"
)

// Services named in Options.Through.
const (
	ServiceDynamoDB = "dynamodb"
	ServiceSESv2    = "sesv2"
	ServiceSMSVoice = "smsvoice"
	ServiceKMS      = "kms"
)

// Options configure NewParallel.
type Options struct {
	// SESURL is the aws-ses-v2-local server the SES v2 client reaches
	// (one sestest server may serve many environments).
	SESURL string
	// Through, if set, is given each service's real local endpoint and
	// returns the URL its SDK client uses instead: a fault-injecting proxy
	// in front of it (infra/faultproxy).
	Through func(service, endpoint string) string
}

// ParallelEnv is an Env that parallel subtests can build: its own
// embedded DynamoDB and SMS/voice endpoint, endpoints given to the SDK
// clients as their base endpoint rather than through the process-wide
// AWS_ENDPOINT_URL_* variables. DB reaches the embedded DynamoDB
// directly, never through a proxy, so a test can read the real state
// while faults are injected.
type ParallelEnv struct {
	*Env
	DB    *dynamodb.Client
	Table string
}

// SetParallelEnv prepares the process environment once, in the parent of
// parallel subtests that call NewParallel: dummy credentials and region,
// and no AWS_ENDPOINT_URL_* variable that would override the endpoints
// NewParallel gives each client.
func SetParallelEnv(t *testing.T) {
	t.Helper()
	testenv.SetAWSEnv(t)
	for _, v := range []string{"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_SESV2", "AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2"} {
		t.Setenv(v, "")
		_ = os.Unsetenv(v) // restored by t.Setenv's cleanup
	}
}

// NewParallel builds an environment like New, safe in parallel subtests
// (after SetParallelEnv in their parent): the same configuration, demo
// data, fake clock and log capture, with the SDK clients built by
// shared/config as production builds them.
func NewParallel(t testing.TB, opts Options) *ParallelEnv {
	t.Helper()
	srv, err := ddblocal.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	sms := smsvoicelocal.New()
	smsSrv := httptest.NewServer(sms)
	t.Cleanup(smsSrv.Close)

	ctx := context.Background()
	base, err := standard.AWS(ctx)
	if err != nil {
		t.Fatal(err)
	}
	at := func(endpoint string) aws.Config {
		c := base.Copy()
		c.BaseEndpoint = aws.String(endpoint)
		return c
	}
	direct := dynamo.NewClient(at(srv.URL))
	if err := ddblocal.CreateTable(ctx, direct, ddblocal.DefaultTable); err != nil {
		t.Fatal(err)
	}
	through := opts.Through
	if through == nil {
		through = func(_, endpoint string) string { return endpoint }
	}
	sesURL := opts.SESURL
	if sesURL == "" {
		sesURL = "http://127.0.0.1:1" // nothing listens: SES calls fail
	}
	clients := &Clients{
		DynamoDB: dynamo.NewClient(at(through(ServiceDynamoDB, srv.URL))),
		SESv2:    sesmail.NewClient(at(through(ServiceSESv2, sesURL))),
		SMSVoice: smsvoice.NewClient(at(through(ServiceSMSVoice, smsSrv.URL))),
	}
	codes, err := secret.NewCodeHasher([]byte(CodeHashKey))
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Config{
		TableName: ddblocal.DefaultTable, APIHost: APIHost, PanelOrigin: "http://127.0.0.1:3000",
		SenderEmail: "no-reply@push-reactivation.example", OriginationIdentity: "+15555550000",
		Codes: codes,
	}
	env := newEnv(t, cfg, clients, sms)
	env.KMSURL = wireKMS(t, env, through(ServiceKMS, localKMS(t).URL))
	return &ParallelEnv{Env: env, DB: direct, Table: ddblocal.DefaultTable}
}
