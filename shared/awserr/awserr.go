// Package awserr tells, once for every AWS SDK client of the service,
// whether an error means the service could not serve the request now
// (unreachable, reset, 5xx, throttling): a failure worth retrying later,
// answered 503 50301, rather than a fault of ours.
package awserr

import (
	"errors"
	"io"
	"net"
	"syscall"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
)

// Transient reports whether err is such a failure. codes are the
// service's own error codes of throttling or failing; a server fault or a
// 5xx status, a network error, and the SDK's own retryable and throttling
// errors count too. Deadlines and cancellations are the caller's to judge
// first.
func Transient(err error, codes map[string]bool) bool {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && (codes[apiErr.ErrorCode()] || apiErr.ErrorFault() == smithy.FaultServer) {
		return true
	}
	var status interface{ HTTPStatusCode() int }
	if errors.As(err, &status) && status.HTTPStatusCode() >= 500 {
		return true
	}
	var netErr net.Error
	if errors.As(err, &netErr) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return true
	}
	// The SDK's own view covers the rest of its retryable and throttling
	// errors (connection errors it wraps, unmodeled 429s).
	return retry.IsErrorRetryables(retry.DefaultRetryables).IsErrorRetryable(err) == aws.TrueTernary ||
		retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err) == aws.TrueTernary
}
