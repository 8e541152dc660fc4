package apigw

import (
	"context"
	"regexp"
)

// traceIDPattern is an X-Ray trace header's Root (1-8 hex digits-24 hex
// digits), the only part of X-Amzn-Trace-Id that goes to the log: the
// header is the caller's to set, so nothing else of it is echoed.
var traceIDPattern = regexp.MustCompile(`Root=(1-[0-9a-f]{8}-[0-9a-f]{24})`)

// traceID is the X-Ray trace id of the invocation, for the request log
// line: from the Lambda context (aws-lambda-go puts the invocation's
// X-Amzn-Trace-Id there when active tracing is on), else from the header
// API Gateway adds to the event. "" when neither has one.
func traceID(ctx context.Context, req *Request) string {
	for _, h := range []string{lambdaTraceHeader(ctx), req.Header("x-amzn-trace-id")} {
		if m := traceIDPattern.FindStringSubmatch(h); m != nil {
			return m[1]
		}
	}
	return ""
}

// lambdaTraceHeader reads the key aws-lambda-go stores the trace header
// under (lambda/invoke_loop.go: context.WithValue(ctx, "x-amzn-trace-id", ...)).
func lambdaTraceHeader(ctx context.Context) string {
	v, _ := ctx.Value("x-amzn-trace-id").(string)
	return v
}
