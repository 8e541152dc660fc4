package config

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Lambda returns the SDK configuration of a Lambda function, read from
// the environment the Lambda runtime sets: the region from AWS_REGION and
// the execution role's credentials from AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN (fixed for the life of the
// sandbox). It replaces the SDK's standard loader (AWS, LoadDefaultConfig)
// in the functions because that loader links the shared-config files, the
// profile machinery and the credential clients behind them (sts, sso,
// ssooidc, signin: about 0.5 MB of every bootstrap) that never run on
// Lambda. Operator tools that need profiles or SSO (adminctl) keep AWS.
//
// Endpoints are overridden as the standard loader does it, only by
// AWS_ENDPOINT_URL_<SERVICE> (AWS_ENDPOINT_URL_DYNAMODB, _SESV2,
// _PINPOINT_SMS_VOICE_V2, _KMS, ...) and AWS_ENDPOINT_URL, each only when
// set; the local stack and the tests point the clients at their peers so.
// A missing region or credential fails here, at start, with the variable's
// name, rather than at the first request.
func Lambda() (aws.Config, error) {
	region := strings.TrimSpace(os.Getenv("AWS_REGION"))
	if region == "" {
		return aws.Config{}, fmt.Errorf("config: AWS_REGION is not set (Lambda sets it; set it to run a function elsewhere)")
	}
	for _, name := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} {
		if os.Getenv(name) == "" {
			return aws.Config{}, fmt.Errorf("config: %s is not set (Lambda sets the execution role's credentials in the environment)", name)
		}
	}
	cfg := aws.Config{
		Region:        region,
		Credentials:   aws.CredentialsProviderFunc(environmentCredentials),
		ConfigSources: []any{environmentEndpoints{}},
	}
	if v := os.Getenv("AWS_ENDPOINT_URL"); v != "" {
		cfg.BaseEndpoint = aws.String(v)
	}
	return cfg, nil
}

// environmentCredentials reads the credentials on each Retrieve (the
// clients cache them: they carry no expiry, Lambda replaces the sandbox
// before the role's session ends).
func environmentCredentials(context.Context) (aws.Credentials, error) {
	c := aws.Credentials{
		AccessKeyID:     os.Getenv("AWS_ACCESS_KEY_ID"),
		SecretAccessKey: os.Getenv("AWS_SECRET_ACCESS_KEY"),
		SessionToken:    os.Getenv("AWS_SESSION_TOKEN"),
		Source:          "EnvironmentVariables",
	}
	if c.AccessKeyID == "" || c.SecretAccessKey == "" {
		return aws.Credentials{}, fmt.Errorf("config: AWS_ACCESS_KEY_ID or AWS_SECRET_ACCESS_KEY is not set")
	}
	return c, nil
}

// environmentEndpoints gives each service client its
// AWS_ENDPOINT_URL_<SERVICE>. Every client of the SDK asks the entries of
// aws.Config.ConfigSources for a GetServiceBaseEndpoint method when it is
// built (its resolveBaseEndpoint), which is how the standard loader's
// environment does it; the variable's name is the client's SDK id in upper
// case with spaces as underscores ("Pinpoint SMS Voice V2" →
// AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2).
type environmentEndpoints struct{}

// GetServiceBaseEndpoint returns the endpoint set for the service, if any.
func (environmentEndpoints) GetServiceBaseEndpoint(_ context.Context, sdkID string) (string, bool, error) {
	v := os.Getenv(ServiceEndpointVariable(sdkID))
	return v, v != "", nil
}

// ServiceEndpointVariable names the variable that overrides the endpoint
// of the service whose SDK id is sdkID.
func ServiceEndpointVariable(sdkID string) string {
	return "AWS_ENDPOINT_URL_" + strings.ToUpper(strings.ReplaceAll(sdkID, " ", "_"))
}
