// Package sesmail sends the service's emails through Amazon SES v2.
//
// A message without inline images goes out as SES "Simple" content: SES
// builds the MIME itself. A message with inline images (the activation QR
// code) goes out as "Raw" content that this package builds: multipart/related
// holding a multipart/alternative (text + HTML) and the images, each with a
// Content-ID the HTML refers to as cid:<ContentID>.
//
// Why Raw rather than Simple content with Attachments for the images: Raw has
// been part of SendEmail since SES v2 began, so it works on every region and
// endpoint, and the structure that mail clients need to show cid: images
// (related parts, Content-ID, inline disposition) is written here, where the
// tests can see it, rather than left to how SES assembles Simple attachments.
// The local server (aws-ses-v2-local) parses Raw messages with mailparser, so
// the tests check the real MIME round trip: recipients, decoded subject and
// bodies, and the image part with its Content-ID.
//
// Message bodies carry activation links: nothing here logs them or puts them
// in an error.
package sesmail

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/mail"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"push-reactivation/shared/domain"
	"push-reactivation/shared/metrics"
)

// Message and Inline are the domain's email (domain.EmailMessage): the
// logic writes it, this package sends it.
type (
	Message = domain.EmailMessage
	Inline  = domain.EmailInline
)

// Sender is the SES v2 call the Mailer makes; *sesv2.Client implements it.
type Sender interface {
	SendEmail(ctx context.Context, in *sesv2.SendEmailInput, optFns ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error)
}

// Mailer sends Messages from one address through SES v2. It is safe for
// concurrent use.
type Mailer struct {
	client           Sender
	from             string
	configurationSet string
}

// New returns a Mailer sending from the address from (a verified SES
// identity, optionally with a display name: "Duo Admin <no-reply@example.com>")
// and tagging each email with configurationSet, if not empty.
func New(client *sesv2.Client, from string, configurationSet string) *Mailer {
	return NewWithSender(client, from, configurationSet)
}

// NewWithSender is New for any Sender, e.g. a stub in tests.
func NewWithSender(client Sender, from string, configurationSet string) *Mailer {
	return &Mailer{client: client, from: from, configurationSet: configurationSet}
}

// ErrInvalidMessage is wrapped by Send's errors for a message that can never
// be sent as it is (bad address, header injection, inline image without HTML).
var ErrInvalidMessage = errors.New("invalid message")

// Send sends msg and returns the SES message id. Errors name the recipient
// only in masked form; check them with IsUnavailable.
func (m *Mailer) Send(ctx context.Context, msg Message) (messageID string, err error) {
	to, err := m.validate(msg)
	if err != nil {
		return "", fmt.Errorf("sesmail: send to %s: %w", MaskAddress(msg.To), err)
	}
	in := &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(m.from),
		Destination:      &types.Destination{ToAddresses: []string{to.Address}},
		Content:          &types.EmailContent{},
	}
	if m.configurationSet != "" {
		in.ConfigurationSetName = aws.String(m.configurationSet)
	}
	if len(msg.Inline) > 0 {
		raw, err := buildRaw(m.from, to, msg, time.Now())
		if err != nil {
			return "", fmt.Errorf("sesmail: send to %s: %w", MaskAddress(to.Address), err)
		}
		in.Content.Raw = &types.RawMessage{Data: raw}
	} else {
		in.Content.Simple = simple(msg)
	}
	out, err := m.client.SendEmail(ctx, in)
	metrics.FromContext(ctx).Send(ctx, metrics.ChannelEmail, err)
	if err != nil {
		err = fmt.Errorf("sesmail: send to %s: %w", MaskAddress(to.Address), err)
		if IsUnavailable(err) {
			// The logic asks the domain whether to answer 503, not this package.
			err = domain.MarkUnavailable(err)
		}
		return "", err
	}
	return aws.ToString(out.MessageId), nil
}

func simple(msg Message) *types.Message {
	utf8 := aws.String("UTF-8")
	s := &types.Message{
		Subject: &types.Content{Data: aws.String(msg.Subject), Charset: utf8},
		Body:    &types.Body{},
	}
	if msg.Text != "" {
		s.Body.Text = &types.Content{Data: aws.String(msg.Text), Charset: utf8}
	}
	if msg.HTML != "" {
		s.Body.Html = &types.Content{Data: aws.String(msg.HTML), Charset: utf8}
	}
	return s
}

// validate checks what SES would reject later or what could inject headers
// into a Raw message, and returns the parsed recipient.
func (m *Mailer) validate(msg Message) (*mail.Address, error) {
	to, err := mail.ParseAddress(msg.To)
	if err != nil || to.Name != "" || to.Address != strings.TrimSpace(msg.To) {
		return nil, fmt.Errorf("%w: recipient is not a bare email address", ErrInvalidMessage)
	}
	if _, err := mail.ParseAddress(m.from); err != nil {
		return nil, fmt.Errorf("%w: sender address: %v", ErrInvalidMessage, err)
	}
	if strings.TrimSpace(msg.Subject) == "" {
		return nil, fmt.Errorf("%w: empty subject", ErrInvalidMessage)
	}
	if strings.ContainsAny(msg.Subject, "\r\n") {
		return nil, fmt.Errorf("%w: line break in subject", ErrInvalidMessage)
	}
	if msg.Text == "" && msg.HTML == "" {
		return nil, fmt.Errorf("%w: no body", ErrInvalidMessage)
	}
	if len(msg.Inline) > 0 && msg.HTML == "" {
		return nil, fmt.Errorf("%w: inline images need an HTML body", ErrInvalidMessage)
	}
	seen := map[string]bool{}
	for i, in := range msg.Inline {
		if !validContentID(in.ContentID) {
			return nil, fmt.Errorf("%w: inline %d: content id may hold only letters, digits and ._+=@-", ErrInvalidMessage, i)
		}
		if seen[in.ContentID] {
			return nil, fmt.Errorf("%w: inline %d: duplicate content id", ErrInvalidMessage, i)
		}
		seen[in.ContentID] = true
		mt, _, err := mime.ParseMediaType(in.ContentType)
		if err != nil || !strings.HasPrefix(mt, "image/") {
			return nil, fmt.Errorf("%w: inline %d: content type must be image/*", ErrInvalidMessage, i)
		}
		if in.Filename == "" || strings.ContainsAny(in.Filename, "\r\n\"\\/") {
			return nil, fmt.Errorf("%w: inline %d: bad file name", ErrInvalidMessage, i)
		}
		if len(in.Data) == 0 {
			return nil, fmt.Errorf("%w: inline %d: no data", ErrInvalidMessage, i)
		}
	}
	return to, nil
}

// validContentID keeps content ids to characters that are safe both in a
// Content-ID header and unescaped in a cid: URL.
func validContentID(id string) bool {
	if id == "" || len(id) > 200 {
		return false
	}
	for _, r := range id {
		switch {
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9':
		case strings.ContainsRune("._+=@-", r):
		default:
			return false
		}
	}
	return true
}
