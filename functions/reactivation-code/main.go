// Command reactivation-code is ReactivationCodeFunction: Edit Profile,
// Reactivate Duo Push (QR code), and reading or cancelling a reactivation.
package main

import (
	"context"
	"log"

	"github.com/aws/aws-lambda-go/lambda"

	"push-reactivation/shared/app"
	"push-reactivation/shared/dynamo"
	"push-reactivation/shared/metrics"
	"push-reactivation/shared/reactivation"
)

// Clients: DynamoDB only.
func main() {
	cfg, aws, err := app.Env(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	d := app.Load(cfg, dynamo.NewClient(aws))
	// EMF metric lines on stdout (shared/metrics).
	lambda.StartWithOptions(reactivation.NewRouter(d.Logic()).Handle,
		lambda.WithContext(metrics.LambdaContext(d.Config.MetricsNamespace)))
}
