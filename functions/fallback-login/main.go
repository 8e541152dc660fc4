// Command fallback-login is FallbackLoginFunction: the panel login with
// password plus SMS passcode, phone callback, Duo Push or Duo Mobile
// passcode, and the session endpoints.
package main

import (
	"context"
	"log"

	"github.com/aws/aws-lambda-go/lambda"

	"push-reactivation/shared/app"
	"push-reactivation/shared/login"
	"push-reactivation/shared/metrics"
)

func main() {
	d, err := app.Load(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	// EMF metric lines on stdout (shared/metrics).
	lambda.StartWithOptions(login.NewRouter(d).Handle, lambda.WithContext(metrics.LambdaContext(d.Config.MetricsNamespace)))
}
