// Command owner-reactivation is OwnerReactivationFunction: the
// Administrators tab of an Owner (view admins, reactivate their Duo Push,
// clear a lockout, read the administrator log).
package main

import (
	"context"
	"log"

	"github.com/aws/aws-lambda-go/lambda"

	"push-reactivation/shared/app"
	"push-reactivation/shared/metrics"
	"push-reactivation/shared/owner"
)

func main() {
	d, err := app.Load(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	// EMF metric lines on stdout (shared/metrics).
	lambda.StartWithOptions(owner.NewRouter(d).Handle, lambda.WithContext(metrics.LambdaContext(d.Config.MetricsNamespace)))
}
