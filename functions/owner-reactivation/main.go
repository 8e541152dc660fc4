// Command owner-reactivation is OwnerReactivationFunction: the
// Administrators tab of an Owner (view admins, reactivate their Duo Push,
// clear a lockout, read the administrator log).
package main

import (
	"context"
	"log"

	"github.com/aws/aws-lambda-go/lambda"

	"push-reactivation/shared/app"
	"push-reactivation/shared/dynamo"
	"push-reactivation/shared/metrics"
	"push-reactivation/shared/owner"
	"push-reactivation/shared/sealing/kmswire"
	"push-reactivation/shared/sesmail"
)

// Clients: DynamoDB and SES v2 (the notice to the admin an Owner
// reactivates).
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
	lambda.StartWithOptions(owner.NewRouter(d.Logic(), sesmail.FromConfig(aws, cfg)).Before(kmsReady).Handle,
		lambda.WithContext(metrics.LambdaContext(d.Config.MetricsNamespace)))
}
