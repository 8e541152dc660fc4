// Command activation-email is ActivationEmailFunction: email the activation
// link and QR code of a reactivation to its admin through SES v2.
package main

import (
	"context"
	"log"

	"github.com/aws/aws-lambda-go/lambda"

	"push-reactivation/shared/app"
	"push-reactivation/shared/email"
	"push-reactivation/shared/metrics"
)

func main() {
	d, err := app.Load(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	// EMF metric lines on stdout (shared/metrics).
	lambda.StartWithOptions(email.NewRouter(d).Handle, lambda.WithContext(metrics.LambdaContext(d.Config.MetricsNamespace)))
}
