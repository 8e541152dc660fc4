// Command activation-email is ActivationEmailFunction: email the activation
// link and QR code of a reactivation to its admin through SES v2.
package main

import (
	"context"
	"log"

	"github.com/aws/aws-lambda-go/lambda"

	"push-reactivation/shared/app"
	"push-reactivation/shared/dynamo"
	"push-reactivation/shared/email"
	"push-reactivation/shared/sesmail"
)

// Clients: DynamoDB and SES v2 (the activation email).
func main() {
	cfg, aws, err := app.Env(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	d := app.Load(cfg, dynamo.NewClient(aws))
	lambda.Start(email.NewRouter(d, sesmail.FromConfig(aws, cfg)).Handle)
}
