// Command activation-email is ActivationEmailFunction: email the activation
// link and QR code of a reactivation to its admin through SES v2, and
// record the SES bounces and complaints of the service's mail.
package main

import (
	"context"
	"log"

	"github.com/aws/aws-lambda-go/lambda"

	"push-reactivation/shared/app"
	"push-reactivation/shared/dynamo"
	"push-reactivation/shared/email"
	"push-reactivation/shared/metrics"
	"push-reactivation/shared/sesevents"
	"push-reactivation/shared/sesmail"
)

// Clients: DynamoDB and SES v2 (the activation email).
func main() {
	cfg, aws, err := app.Env(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	d := app.Load(cfg, dynamo.NewClient(aws))
	// The API route, and the SES bounce and complaint events' SNS
	// subscription (shared/sesevents); EMF metric lines on stdout
	// (shared/metrics).
	feedback := &sesevents.Handler{Store: d.Store, Log: d.Log}
	lambda.StartWithOptions(sesevents.Route(email.NewRouter(d.Logic(), sesmail.FromConfig(aws, cfg)).Handle, feedback),
		lambda.WithContext(metrics.LambdaContext(d.Config.MetricsNamespace)))
}
