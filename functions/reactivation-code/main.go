// Command reactivation-code is ReactivationCodeFunction: Edit Profile,
// Reactivate Duo Push (QR code), and reading or cancelling a reactivation.
package main

import (
	"context"
	"log"

	"github.com/aws/aws-lambda-go/lambda"

	"push-reactivation/shared/app"
	"push-reactivation/shared/metrics"
	"push-reactivation/shared/reactivation"
)

func main() {
	d, err := app.Load(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	// EMF metric lines on stdout (shared/metrics).
	lambda.StartWithOptions(reactivation.NewRouter(d).Handle, lambda.WithContext(metrics.LambdaContext(d.Config.MetricsNamespace)))
}
