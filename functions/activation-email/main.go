// Command activation-email is ActivationEmailFunction: email the activation
// link and QR code of a reactivation to its admin through SES v2, and
// record the SES bounces and complaints of the service's mail.
package main

import (
	"context"
	"log"

	"github.com/aws/aws-lambda-go/lambda"

	"push-reactivation/shared/app"
	"push-reactivation/shared/email"
	"push-reactivation/shared/metrics"
	"push-reactivation/shared/sesevents"
)

func main() {
	d, err := app.Load(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	// The API route, and the SES bounce and complaint events' SNS
	// subscription (shared/sesevents); EMF metric lines on stdout
	// (shared/metrics).
	feedback := &sesevents.Handler{Store: d.Store, Log: d.Log}
	lambda.StartWithOptions(sesevents.Route(email.NewRouter(d).Handle, feedback),
		lambda.WithContext(metrics.LambdaContext(d.Config.MetricsNamespace)))
}
