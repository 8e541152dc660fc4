// Command fallback-login is FallbackLoginFunction: the panel login with
// password plus SMS passcode, phone callback, Duo Push or Duo Mobile
// passcode, and the session endpoints.
package main

import (
	"context"
	"log"

	"github.com/aws/aws-lambda-go/lambda"

	"push-reactivation/shared/app"
	"push-reactivation/shared/dynamo"
	"push-reactivation/shared/login"
	"push-reactivation/shared/metrics"
	"push-reactivation/shared/sealing/kmswire"
	"push-reactivation/shared/smsvoice"
)

// Clients: DynamoDB and SMS/voice (passcodes by text and voice call).
func main() {
	cfg, aws, err := app.Env(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	d := app.Load(cfg, dynamo.NewClient(aws))
	// KMS: HOTP secrets sealed at rest, the code hash key unwrapped on the
	// first request (docs/security/kms.md).
	kmsReady := kmswire.Wire(d, aws)
	// EMF metric lines on stdout (shared/metrics).
	lambda.StartWithOptions(login.NewRouter(d.Logic(), smsvoice.FromConfig(aws, cfg)).Before(kmsReady).Handle,
		lambda.WithContext(metrics.LambdaContext(d.Config.MetricsNamespace)))
}
