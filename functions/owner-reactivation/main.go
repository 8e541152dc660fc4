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
	// EMF metric lines on stdout (shared/metrics).
	lambda.StartWithOptions(owner.NewRouter(d, sesmail.FromConfig(aws, cfg)).Handle,
		lambda.WithContext(metrics.LambdaContext(d.Config.MetricsNamespace)))
}
