package archtest

import (
	"strings"
	"testing"
)

// credentialChain lists the packages of the SDK's standard configuration
// loader and of the credential clients behind it: shared config files and
// profiles (config, its ini parser), STS, SSO, SSO OIDC, sign-in. None of
// them runs on Lambda, where the credentials and the region are in the
// environment (shared/config.Lambda), and together they made each
// bootstrap about 1.7 MB larger (docs/architecture.md, "Templates and
// binary size").
var credentialChain = []string{
	"github.com/aws/aws-sdk-go-v2/config",
	"github.com/aws/aws-sdk-go-v2/service/sts",
	"github.com/aws/aws-sdk-go-v2/service/sso",
	"github.com/aws/aws-sdk-go-v2/service/ssooidc",
	"github.com/aws/aws-sdk-go-v2/service/signin",
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds",
	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds",
}

// TestFunctionsLinkNoCredentialClients: no bootstrap, built as make build
// builds it, links the standard loader or a credential client (a package
// of credentialChain or one under it).
func TestFunctionsLinkNoCredentialClients(t *testing.T) {
	functions := deps(t, lambdaEnv, lambdaTags, `eq .Name "main"`, "./functions/...")
	if len(functions) < 5 {
		t.Fatalf("found only %d functions: %v", len(functions), functions)
	}
	for fn, linked := range functions {
		for _, d := range linked {
			for _, banned := range credentialChain {
				if d == banned || strings.HasPrefix(d, banned+"/") {
					t.Errorf("%s links %s (the standard credential chain; functions use config.Lambda)", fn, d)
				}
			}
		}
	}
}
