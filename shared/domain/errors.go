package domain

import (
	"errors"
	"fmt"
	"time"
)

// Code is a Duo envelope error code. Its first three digits are the HTTP
// status the API adapter answers with, so the mapping lives in the value.
type Code int

// The codes of the panel and phone APIs (DESIGN.md §4, a contract).
const (
	CodeInvalidParams     Code = 40002 // a parameter is missing, malformed or out of range
	CodeNotAuthenticated  Code = 40101 // no session, or bad credentials
	CodeRecentAuthNeeded  Code = 40103 // the session is older than RecentAuthWindow
	CodeForbidden         Code = 40301 // the role does not allow it
	CodeChildAccount      Code = 40302 // not allowed while acting in a child account
	CodeNotFound          Code = 40401 // no such thing, or not yours to see
	CodeMethodNotAllowed  Code = 40501 // the path exists, the method does not (with Allow)
	CodeUnknownActivation Code = 40403 // unknown, used, expired or cancelled activation code
	CodeConflict          Code = 40901 // the state changed under the request
	CodeExpired           Code = 41001 // the login transaction or code has expired
	CodeTooLarge          Code = 41301 // request body over MaxBodyBytes
	CodeUnsupportedMedia  Code = 41501 // a JSON body without Content-Type: application/json
	CodeLocked            Code = 42301 // the administrator is locked out
	CodeRateLimited       Code = 42901 // too many requests; see RetryAfter
	CodeInternal          Code = 50001 // anything unexpected; details only in logs
	CodeUnavailable       Code = 50301 // a dependency (SES, SMS, DynamoDB) is unavailable
)

// CodeVerificationCodeNeeded answers the approval of a verified push that
// carries no verification code (DESIGN.md §5), with Duo's code and message.
const CodeVerificationCodeNeeded Code = 40014

// The codes of Idempotency-Key (DESIGN.md §4.1, idempotency).
const (
	CodeIdempotencyInProgress Code = 40902 // the first request with this key is still running
	CodeIdempotencyMismatch   Code = 42201 // the key was used with another request
)

// HTTPStatus is the HTTP status that goes with the code.
func (c Code) HTTPStatus() int { return int(c) / 100 }

// Error is the one application error type. Its Message (and Detail) are
// safe to show to clients; anything that is not an *Error is reported as
// CodeInternal and logged for operators only.
type Error struct {
	Code    Code
	Message string
	// Detail names the offending parameter or adds a hint; never a secret.
	Detail string
	// RetryAfter is set with CodeRateLimited and CodeUnavailable and sent
	// as Retry-After.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	if e.Detail != "" {
		return fmt.Sprintf("%d %s: %s", e.Code, e.Message, e.Detail)
	}
	return fmt.Sprintf("%d %s", e.Code, e.Message)
}

// Is lets errors.Is match on the code alone, so callers can test
// errors.Is(err, domain.ErrNotFound) whatever the detail.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// Sentinels for errors.Is; they carry the default message of each code.
var (
	ErrInvalidParams     = &Error{Code: CodeInvalidParams}
	ErrNotAuthenticated  = &Error{Code: CodeNotAuthenticated}
	ErrRecentAuthNeeded  = &Error{Code: CodeRecentAuthNeeded}
	ErrForbidden         = &Error{Code: CodeForbidden}
	ErrChildAccount      = &Error{Code: CodeChildAccount}
	ErrNotFound          = &Error{Code: CodeNotFound}
	ErrUnknownActivation = &Error{Code: CodeUnknownActivation}
	ErrConflict          = &Error{Code: CodeConflict}
	ErrExpired           = &Error{Code: CodeExpired}
	ErrLocked            = &Error{Code: CodeLocked}
	ErrRateLimited       = &Error{Code: CodeRateLimited}
	ErrUnavailable       = &Error{Code: CodeUnavailable}
)

// DefaultMessage is the client-facing text of each code.
func DefaultMessage(c Code) string {
	switch c {
	case CodeInvalidParams:
		return "Invalid request parameters"
	case CodeVerificationCodeNeeded:
		return "Please enter the verification code"
	case CodeNotAuthenticated:
		return "Not authenticated"
	case CodeRecentAuthNeeded:
		return "Recent authentication required"
	case CodeForbidden:
		return "Forbidden"
	case CodeChildAccount:
		return "Not allowed from a child account: log in to your parent account to reactivate Duo Push"
	case CodeNotFound:
		return "Not found"
	case CodeUnknownActivation:
		return "Unknown activation code"
	case CodeConflict:
		return "Conflict"
	case CodeExpired:
		return "Expired"
	case CodeTooLarge:
		return "Request body too large"
	case CodeMethodNotAllowed:
		return "Method not allowed"
	case CodeUnsupportedMedia:
		return "Unsupported media type: send Content-Type: application/json"
	case CodeLocked:
		return "Administrator is locked out"
	case CodeRateLimited:
		return "Too many requests"
	case CodeUnavailable:
		return "Service temporarily unavailable"
	case CodeIdempotencyInProgress:
		return "A request with this Idempotency-Key is still in progress"
	case CodeIdempotencyMismatch:
		return "Idempotency-Key already used with another request"
	default:
		return "Internal error"
	}
}

// Errorf builds an *Error with the code's default message and a detail.
func Errorf(code Code, detailFormat string, args ...any) *Error {
	return &Error{Code: code, Message: DefaultMessage(code), Detail: fmt.Sprintf(detailFormat, args...)}
}

// NewError builds an *Error with the code's default message.
func NewError(code Code) *Error {
	return &Error{Code: code, Message: DefaultMessage(code)}
}

// InvalidParam reports a bad request parameter by name.
func InvalidParam(name string) *Error {
	return &Error{Code: CodeInvalidParams, Message: DefaultMessage(CodeInvalidParams), Detail: name}
}

// RateLimited reports a limit with the time after which a retry may succeed.
func RateLimited(retryAfter time.Duration) *Error {
	if retryAfter < time.Second {
		retryAfter = time.Second
	}
	return &Error{Code: CodeRateLimited, Message: DefaultMessage(CodeRateLimited), RetryAfter: retryAfter}
}

// Unavailable reports that a dependency failed in a way worth retrying,
// with UnavailableRetryAfter as the Retry-After (DESIGN.md §4.1).
func Unavailable(what string) *Error {
	return &Error{Code: CodeUnavailable, Message: DefaultMessage(CodeUnavailable), Detail: what, RetryAfter: UnavailableRetryAfter}
}

// AsError returns the *Error in err's chain, if any.
func AsError(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}
