// Command echo is a minimal Lambda function for the emulator's tests: it
// answers with the event it got and its FUNCTION_GREETING variable.
package main

import (
	"context"
	"encoding/json"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(_ context.Context, ev json.RawMessage) (map[string]any, error) {
		return map[string]any{"event": ev, "greeting": os.Getenv("FUNCTION_GREETING")}, nil
	})
}
