package config

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"push-reactivation/shared/tracing"
)

// Lambda returns the SDK configuration of a Lambda function, read from
// the environment the Lambda runtime sets: the region from AWS_REGION and
// the execution role's credentials from AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN. It replaces the SDK's
// standard loader (shared/config/standard, LoadDefaultConfig) in the
// functions because that loader links the shared-config files, the
// profile machinery and the credential clients behind them (sts, sso,
// ssooidc, signin) that never run on Lambda: about 1.7 MB of every
// bootstrap (docs/architecture.md). Operator tools that need profiles or
// SSO (adminctl) keep the standard loader.
//
// Endpoints are overridden as the standard loader does it, only by
// AWS_ENDPOINT_URL_<SERVICE> (AWS_ENDPOINT_URL_DYNAMODB, _SESV2,
// _PINPOINT_SMS_VOICE_V2, _KMS, ...) and AWS_ENDPOINT_URL, each only when
// set; the local stack and the tests point the clients at their peers so.
// Like the standard loader, it reads the environment once, here: Lambda's
// credentials stay the same for the life of the sandbox, and the local
// stack builds each function's configuration inside an environment it
// restores afterwards (localstack.withEnv). A missing region or credential
// fails here, at start, naming the variable, rather than at the first
// request.
func Lambda() (aws.Config, error) {
	region := strings.TrimSpace(os.Getenv("AWS_REGION"))
	if region == "" {
		return aws.Config{}, fmt.Errorf("config: AWS_REGION is not set (Lambda sets it; set it to run a function elsewhere)")
	}
	creds := aws.Credentials{
		AccessKeyID:     os.Getenv("AWS_ACCESS_KEY_ID"),
		SecretAccessKey: os.Getenv("AWS_SECRET_ACCESS_KEY"),
		SessionToken:    os.Getenv("AWS_SESSION_TOKEN"),
		Source:          "EnvironmentVariables",
	}
	for name, v := range map[string]string{"AWS_ACCESS_KEY_ID": creds.AccessKeyID, "AWS_SECRET_ACCESS_KEY": creds.SecretAccessKey} {
		if v == "" {
			return aws.Config{}, fmt.Errorf("config: %s is not set (Lambda sets the execution role's credentials in the environment)", name)
		}
	}
	cfg := aws.Config{
		Region: region,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return creds, nil
		}),
		ConfigSources: []any{endpointsFromEnvironment()},
	}
	if v := os.Getenv("AWS_ENDPOINT_URL"); v != "" {
		cfg.BaseEndpoint = aws.String(v)
	}
	// Every SDK call of a sampled invocation becomes an X-Ray subsegment
	// (docs/operations.md, "Tracing"); a no-op outside Lambda.
	tracing.Instrument(&cfg.APIOptions)
	return cfg, nil
}

// environmentEndpoints holds the AWS_ENDPOINT_URL_<SERVICE> variables set
// when the configuration was read, and gives each service client its own.
// Every client of the SDK asks the entries of aws.Config.ConfigSources for
// a GetServiceBaseEndpoint method when it is built (its
// resolveBaseEndpoint), which is how the standard loader's environment
// does it; the variable's name is the client's SDK id in upper case with
// spaces as underscores ("Pinpoint SMS Voice V2" →
// AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2).
type environmentEndpoints map[string]string

const endpointPrefix = "AWS_ENDPOINT_URL_"

func endpointsFromEnvironment() environmentEndpoints {
	e := environmentEndpoints{}
	for _, kv := range os.Environ() {
		if k, v, _ := strings.Cut(kv, "="); strings.HasPrefix(k, endpointPrefix) && v != "" {
			e[k] = v
		}
	}
	return e
}

// GetServiceBaseEndpoint returns the endpoint set for the service, if any.
func (e environmentEndpoints) GetServiceBaseEndpoint(_ context.Context, sdkID string) (string, bool, error) {
	v, ok := e[ServiceEndpointVariable(sdkID)]
	return v, ok, nil
}

// ServiceEndpointVariable names the variable that overrides the endpoint
// of the service whose SDK id is sdkID.
func ServiceEndpointVariable(sdkID string) string {
	return endpointPrefix + strings.ToUpper(strings.ReplaceAll(sdkID, " ", "_"))
}
