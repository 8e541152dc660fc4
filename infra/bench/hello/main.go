// Command hello is the baseline of infra/bench: the smallest aws-lambda-go
// function, built with the same flags as the functions, against which
// their bootstrap sizes and cold starts are read as ratios.
package main

import "github.com/aws/aws-lambda-go/lambda"

func main() {
	lambda.Start(func() (string, error) { return "hello", nil })
}
