// Package smsvoice sends the fallback-login passcodes by SMS and by voice
// call through AWS End User Messaging SMS and Voice v2 (the
// pinpointsmsvoicev2 API).
//
// It is the production adapter behind the domain's telephony port: the
// domain decides what to say, this package only delivers it and tells the
// caller whether a failure is worth a 503 (IsUnavailable) or not.
//
// Every body sent here holds a passcode, so nothing in this package logs a
// body, and the errors it returns have the body and the passcode redacted
// from their text (AWS validation messages may quote the rejected value).
// Phone numbers appear in errors only masked.
//
// Endpoints are overridden only the SDK's standard way
// (AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2 or Options.BaseEndpoint); the local
// stand-in is push-reactivation/infra/smsvoicelocal.
package smsvoice

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/pinpointsmsvoicev2"
	"github.com/aws/aws-sdk-go-v2/service/pinpointsmsvoicev2/types"
	"github.com/aws/smithy-go"

	"push-reactivation/shared/domain"
	"push-reactivation/shared/metrics"
)

// DefaultVoice is the Amazon Polly voice that reads passcodes: a US English
// standard voice available in every region that offers voice messages.
const DefaultVoice = types.VoiceIdJoanna

// timeToLive bounds how long AWS keeps trying to deliver a message: a
// passcode that arrives after it expired only confuses the admin, so the
// delivery window is the passcode's validity (DESIGN.md §3).
var timeToLive = int32(domain.PasscodeValidity.Seconds())

// ErrInvalidInput is wrapped by the errors for a request that can never
// succeed (no E.164 destination, empty body, voice without an origination
// identity); retrying it is pointless and IsUnavailable reports false.
var ErrInvalidInput = errors.New("invalid input")

// e164 is the E.164 form the service expects for a destination: "+", then
// 2 to 15 digits, the first not 0.
var e164 = regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`)

// api is the part of *pinpointsmsvoicev2.Client that Sender calls.
type api interface {
	SendTextMessage(ctx context.Context, in *pinpointsmsvoicev2.SendTextMessageInput, optFns ...func(*pinpointsmsvoicev2.Options)) (*pinpointsmsvoicev2.SendTextMessageOutput, error)
	SendVoiceMessage(ctx context.Context, in *pinpointsmsvoicev2.SendVoiceMessageInput, optFns ...func(*pinpointsmsvoicev2.Options)) (*pinpointsmsvoicev2.SendVoiceMessageOutput, error)
}

// Sender delivers texts and voice calls from one origination identity (a
// phone number, sender id, pool, or their ARN). It is safe for concurrent
// use, as the SDK client is.
type Sender struct {
	client           api
	origination      string
	configurationSet string
	voice            types.VoiceId
}

// New returns a Sender using client. originationIdentity is the number, pool
// or sender id messages come from: optional for SMS (AWS then picks one of
// the account's identities) but required for voice. configurationSet, if not
// empty, tags every message so its events reach the set's destinations.
func New(client *pinpointsmsvoicev2.Client, originationIdentity string, configurationSet string) *Sender {
	return &Sender{
		client:           client,
		origination:      originationIdentity,
		configurationSet: configurationSet,
		voice:            DefaultVoice,
	}
}

// SendText sends body as a transactional SMS to the E.164 number to.
func (s *Sender) SendText(ctx context.Context, to, body string) error {
	if err := checkInput(to, body); err != nil {
		return fmt.Errorf("smsvoice: send sms to %s: %w", MaskPhone(to), err)
	}
	in := &pinpointsmsvoicev2.SendTextMessageInput{
		DestinationPhoneNumber: aws.String(to),
		MessageBody:            aws.String(body),
		MessageType:            types.MessageTypeTransactional,
		TimeToLive:             aws.Int32(timeToLive),
	}
	if s.origination != "" {
		in.OriginationIdentity = aws.String(s.origination)
	}
	if s.configurationSet != "" {
		in.ConfigurationSetName = aws.String(s.configurationSet)
	}
	_, err := s.client.SendTextMessage(ctx, in)
	metrics.FromContext(ctx).Send(ctx, metrics.ChannelSMS, err)
	if err != nil {
		return markUnavailable(fmt.Errorf("smsvoice: send sms to %s: %w", MaskPhone(to), redact(err, body)))
	}
	return nil
}

// SendVoice calls the E.164 number to and reads ssml (a <speak> document,
// see PasscodeSSML) with DefaultVoice.
func (s *Sender) SendVoice(ctx context.Context, to, ssml string) error {
	err := checkInput(to, ssml)
	if err == nil && s.origination == "" {
		err = fmt.Errorf("%w: voice messages need an origination identity", ErrInvalidInput)
	}
	if err != nil {
		return fmt.Errorf("smsvoice: send voice to %s: %w", MaskPhone(to), err)
	}
	in := &pinpointsmsvoicev2.SendVoiceMessageInput{
		DestinationPhoneNumber: aws.String(to),
		OriginationIdentity:    aws.String(s.origination),
		MessageBody:            aws.String(ssml),
		MessageBodyTextType:    types.VoiceMessageBodyTextTypeSsml,
		VoiceId:                s.voice,
		TimeToLive:             aws.Int32(timeToLive),
	}
	if s.configurationSet != "" {
		in.ConfigurationSetName = aws.String(s.configurationSet)
	}
	_, err = s.client.SendVoiceMessage(ctx, in)
	metrics.FromContext(ctx).Send(ctx, metrics.ChannelVoice, err)
	if err != nil {
		return markUnavailable(fmt.Errorf("smsvoice: send voice to %s: %w", MaskPhone(to), redact(err, ssml)))
	}
	return nil
}

func checkInput(to, body string) error {
	if !e164.MatchString(to) {
		return fmt.Errorf("%w: destination is not an E.164 phone number", ErrInvalidInput)
	}
	if strings.TrimSpace(body) == "" {
		return fmt.Errorf("%w: empty message body", ErrInvalidInput)
	}
	return nil
}

// markUnavailable marks err with domain.ErrPeerUnavailable when IsUnavailable
// says so: the logic asks the domain, not this package.
func markUnavailable(err error) error {
	if IsUnavailable(err) {
		return domain.MarkUnavailable(err)
	}
	return err
}

// IsUnavailable reports whether err means the messaging service could not
// be reached or asked us to back off: throttling, network and timeout
// errors, and server-side (5xx) faults, also after the SDK's own retries
// gave up. Callers answer those with 503 (domain code 50301); any other
// error (validation, access denied, spend quota, ErrInvalidInput) is not
// transient. A cancelled context is not unavailability either: the caller
// went away.
func IsUnavailable(err error) bool {
	switch {
	case err == nil, errors.Is(err, ErrInvalidInput), errors.Is(err, context.Canceled):
		return false
	case errors.Is(err, context.DeadlineExceeded):
		return true
	}
	var throttled *types.ThrottlingException
	var internal *types.InternalServerException
	if errors.As(err, &throttled) || errors.As(err, &internal) {
		return true
	}
	var status interface{ HTTPStatusCode() int }
	if errors.As(err, &status) && status.HTTPStatusCode() >= 500 {
		return true
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && apiErr.ErrorFault() == smithy.FaultServer {
		return true
	}
	// The SDK's own classification covers connection errors and the
	// throttling codes of unmodeled errors.
	if retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err) == aws.TrueTernary {
		return true
	}
	return retry.IsErrorRetryables(retry.DefaultRetryables).IsErrorRetryable(err) == aws.TrueTernary
}

// MaskPhone hides all but the last four digits of a phone number, for
// errors and logs: "+15555550100" → "+*******0100" (domain.MaskPhone, the
// form the panel shows too).
func MaskPhone(phone string) string { return domain.MaskPhone(phone) }

// redactedError keeps err for errors.Is/As but removes secrets from its
// text.
type redactedError struct {
	err     error
	secrets []string
}

// redact wraps err so that its message never shows body or the passcode in
// it.
func redact(err error, body string) error {
	secrets := []string{body}
	if code, ok := ExtractPasscode(body); ok {
		secrets = append(secrets, code)
	}
	return &redactedError{err: err, secrets: secrets}
}

func (e *redactedError) Error() string {
	msg := e.err.Error()
	for _, s := range e.secrets {
		if s != "" {
			msg = strings.ReplaceAll(msg, s, "[REDACTED]")
		}
	}
	return msg
}

func (e *redactedError) Unwrap() error { return e.err }
