package sesmail

import (
	"context"
	"errors"
	"net"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// unavailableCodes are SES error codes that mean "not now" rather than "not
// this message": the request was fine, but SES will not send it until time
// passes or an operator acts on the SES account (lift the sandbox, resume
// sending, verify the MAIL FROM domain). Callers answer 503 for them.
//
// BadRequestException and NotFoundException (e.g. an unknown configuration
// set) are deliberately absent: they are bugs or broken configuration, which
// should surface as internal errors.
var unavailableCodes = map[string]bool{
	"TooManyRequestsException":           true, // per-second rate
	"LimitExceededException":             true, // daily quota
	"SendingPausedException":             true, // sending paused for the account or configuration set
	"AccountSuspendedException":          true,
	"MailFromDomainNotVerifiedException": true,
	// MessageRejected: in the sandbox, a recipient that is not verified;
	// otherwise content SES refuses. Our content is fixed, so it is the
	// account's state that has to change.
	"MessageRejected":               true,
	"InternalServiceErrorException": true,
}

// IsUnavailable reports whether err from Send means the email could not be
// sent now but the request itself was sound: throttling or quota, network
// failures, time-outs, 5xx answers, and SES account states that stop
// sending. Callers answer 503 (code 50301) for these and 500 for other errors.
// A cancelled context (the caller went away) is not unavailability.
func IsUnavailable(err error) bool {
	if err == nil || errors.Is(err, ErrInvalidMessage) || errors.Is(err, context.Canceled) {
		return false
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		code := apiErr.ErrorCode()
		if unavailableCodes[code] {
			return true
		}
		if _, ok := retry.DefaultThrottleErrorCodes[code]; ok {
			return true
		}
		if _, ok := retry.DefaultRetryableErrorCodes[code]; ok {
			return true
		}
	}
	// No response at all: dial, TLS, DNS, reset or time-out. The SDK wraps
	// these in a ResponseError with status 0, so look for them first.
	var sendErr *smithyhttp.RequestSendError
	var netErr net.Error
	if errors.As(err, &sendErr) || errors.As(err, &netErr) {
		return true
	}
	var respErr *smithyhttp.ResponseError
	if errors.As(err, &respErr) {
		status := respErr.HTTPStatusCode()
		return status >= 500 || status == http.StatusTooManyRequests
	}
	return false
}
