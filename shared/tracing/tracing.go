// Package tracing records each AWS SDK call a function makes (DynamoDB,
// SES, End User Messaging SMS/voice, KMS) as an X-Ray subsegment of the
// invocation's trace: which service and operation, how long, the HTTP
// status, how many attempts, and whether it failed, was refused (4xx) or
// throttled. Lambda's active tracing (template.yaml, Tracing: Active)
// records the invocation itself; this fills in where its time went.
//
// Segments are built and sent by github.com/shogo82148/aws-xray-yasdk-go
// (the xray package: standard library only), as UDP datagrams to the
// X-Ray daemon Lambda runs beside the function (AWS_XRAY_DAEMON_ADDRESS).
// AWS's own aws-xray-sdk-go and OpenTelemetry were measured and do not
// fit the size bound of the bootstraps (docs/operations.md, "Tracing").
//
// A call is traced only inside a Lambda invocation whose trace header
// (which aws-lambda-go puts in the context) says Sampled=1: elsewhere
// (tests, the in-process local stack, unsampled invocations) the
// middleware passes the call through untouched. Sending a segment never
// fails or holds a call: it is one UDP write after the call has ended, and
// a missing daemon only costs a log line.
package tracing

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/shogo82148/aws-xray-yasdk-go/xray"
	"github.com/shogo82148/aws-xray-yasdk-go/xray/schema"
	"github.com/shogo82148/aws-xray-yasdk-go/xray/xraylog"
)

// lambdaTraceKey is the context key aws-lambda-go stores the
// invocation's trace header under (lambda/invoke_loop.go), which is also
// where the X-Ray library looks for it.
const lambdaTraceKey = "x-amzn-trace-id"

// Instrument adds the subsegment middleware to the SDK's API options
// (aws.Config.APIOptions), so every client built from that configuration
// is traced.
func Instrument(apiOptions *[]func(*middleware.Stack) error) {
	*apiOptions = append(*apiOptions, addMiddleware)
}

func addMiddleware(stack *middleware.Stack) error {
	if err := stack.Initialize.Add(subsegment{}, middleware.After); err != nil {
		return err
	}
	// Each attempt tells the service the trace and the subsegment as its
	// parent (the SDK's recursion detection set the invocation's header
	// before). X-Amzn-Trace-Id is not signed (SigV4 ignores it).
	return stack.Finalize.Add(downstreamHeader{}, middleware.After)
}

// Sampled reports whether ctx is a Lambda invocation whose trace is
// recorded: the only case in which SDK calls are traced.
func Sampled(ctx context.Context) bool {
	h, _ := ctx.Value(lambdaTraceKey).(string)
	return h != "" && xray.ParseTraceHeader(h).SamplingDecision == xray.SamplingDecisionSampled
}

type subsegment struct{}

func (subsegment) ID() string { return "XRaySubsegment" }

func (subsegment) HandleInitialize(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (
	middleware.InitializeOutput, middleware.Metadata, error) {
	if !Sampled(ctx) {
		return next.HandleInitialize(ctx, in)
	}
	ctx, seg := xray.BeginSubsegment(ctx, awsmiddleware.GetServiceID(ctx))
	out, md, err := next.HandleInitialize(ctx, in)
	seg.SetNamespace("aws")
	data := schema.AWS{"operation": awsmiddleware.GetOperationName(ctx), "region": awsmiddleware.GetRegion(ctx)}
	if id, ok := awsmiddleware.GetRequestIDMetadata(md); ok {
		data["request_id"] = id
	}
	if attempts, ok := retry.GetAttemptResults(md); ok && len(attempts.Results) > 1 {
		data["retries"] = len(attempts.Results) - 1
	}
	status := 0
	if resp, ok := awsmiddleware.GetRawResponse(md).(*smithyhttp.Response); ok && resp != nil {
		status = resp.StatusCode
		seg.SetHTTPResponse(&schema.HTTPResponse{Status: status, ContentLength: resp.ContentLength})
	}
	if err != nil {
		data["error_code"] = errorCode(status, err)
		markFailure(seg, status, err, data["error_code"].(string))
	}
	seg.SetAWS(data)
	seg.Close()
	return out, md, err
}

// errorCode names a failed call: the service's error code, else the
// HTTP status, else "no answer". Never the error's message: a service's
// message may quote what was sent (an address).
func errorCode(status int, err error) string {
	var api smithy.APIError
	switch {
	case errors.As(err, &api) && api.ErrorCode() != "":
		return api.ErrorCode()
	case status != 0:
		return "HTTP " + strconv.Itoa(status)
	}
	return "no answer"
}

// markFailure flags the subsegment the way X-Ray reads its flags: error
// for a refusal (4xx), with throttle for 429 or a throttling code; fault,
// with the code as its exception, for a 5xx or no answer.
func markFailure(seg *xray.Segment, status int, err error, code string) {
	throttled := status == 429 || retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err).Bool()
	switch {
	case throttled:
		seg.SetThrottle()
		seg.SetError()
	case status >= 400 && status < 500:
		seg.SetError()
	default:
		seg.AddError(callError{code}) // sets fault
	}
}

// callError is what a failed call's subsegment records as its exception.
type callError struct{ code string }

func (e callError) Error() string { return e.code }

type downstreamHeader struct{}

func (downstreamHeader) ID() string { return "XRayDownstreamHeader" }

func (downstreamHeader) HandleFinalize(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (
	middleware.FinalizeOutput, middleware.Metadata, error) {
	if req, ok := in.Request.(*smithyhttp.Request); ok && xray.ContextSegment(ctx) != nil {
		req.Header.Set("X-Amzn-Trace-Id", xray.DownstreamHeader(ctx).String())
	}
	return next.HandleFinalize(ctx, in)
}

func init() {
	// The library logs to stderr in its own text format; the functions'
	// logs are JSON lines (config.Logger). Only warnings and errors (a
	// segment that could not be sent) are kept.
	xraylog.SetLogger(jsonLogger{slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
}

type jsonLogger struct{ log *slog.Logger }

func (l jsonLogger) Log(ctx context.Context, level xraylog.LogLevel, msg fmt.Stringer) {
	lv := slog.LevelDebug
	switch level {
	case xraylog.LogLevelInfo:
		lv = slog.LevelInfo
	case xraylog.LogLevelWarn:
		lv = slog.LevelWarn
	case xraylog.LogLevelError:
		lv = slog.LevelError
	}
	if l.log.Enabled(ctx, lv) {
		l.log.Log(ctx, lv, "xray: "+msg.String())
	}
}
