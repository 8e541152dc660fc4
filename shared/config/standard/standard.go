// Package standard loads the AWS SDK configuration the SDK's standard way
// (environment, shared config and credentials files, profiles, SSO, the
// instance or task role), for the operator CLI and the tests. It is apart
// from shared/config because the standard loader links the shared-config
// machinery and the credential clients (sts, sso, ssooidc, signin): the
// Lambda functions use config.Lambda and must not link them
// (internal/archtest TestFunctionsLinkNoCredentialClients).
package standard

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
)

// AWS loads the SDK configuration the standard way.
func AWS(ctx context.Context) (aws.Config, error) {
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return cfg, fmt.Errorf("config: load AWS configuration: %w", err)
	}
	return cfg, nil
}
