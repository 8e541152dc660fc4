// Command device is DeviceFunction: the Duo Mobile phone API (activation,
// signed push transactions, push token registration, credential info) and
// the landing page of the emailed activation link (DESIGN.md §5).
package main

import (
	"context"
	"log"

	"github.com/aws/aws-lambda-go/lambda"

	"push-reactivation/shared/app"
	"push-reactivation/shared/device"
	"push-reactivation/shared/metrics"
)

func main() {
	d, err := app.Load(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	// EMF metric lines on stdout (shared/metrics).
	lambda.StartWithOptions(device.NewRouter(d).Handle, lambda.WithContext(metrics.LambdaContext(d.Config.MetricsNamespace)))
}
