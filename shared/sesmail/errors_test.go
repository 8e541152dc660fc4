package sesmail_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"push-reactivation/shared/sesmail"
)

// TestIsUnavailableSESErrors sends through the real SDK to a server that
// answers the way SES v2 does (status, X-Amzn-ErrorType, JSON message), so
// the classification is checked on the errors the SDK really returns.
func TestIsUnavailableSESErrors(t *testing.T) {
	tests := []struct {
		status int
		code   string
		want   bool
	}{
		{429, "TooManyRequestsException", true},
		{400, "LimitExceededException", true},
		{400, "SendingPausedException", true},
		{400, "AccountSuspendedException", true},
		{400, "MailFromDomainNotVerifiedException", true},
		{400, "MessageRejected", true},
		{500, "InternalServiceErrorException", true},
		{502, "", true},
		{503, "ServiceUnavailable", true},
		{400, "BadRequestException", false},
		{404, "NotFoundException", false},
		{403, "AccessDeniedException", false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.status, tt.code), func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.code != "" {
					w.Header().Set("X-Amzn-ErrorType", tt.code)
				}
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tt.status)
				fmt.Fprintf(w, `{"message":"simulated %s"}`, tt.code)
			}))
			defer srv.Close()
			client := newClient(srv.URL, func(o *sesv2.Options) { o.RetryMaxAttempts = 1 })
			_, err := sesmail.New(client, from, "").Send(context.Background(),
				sesmail.Message{To: "owner@acme.example", Subject: "s", Text: "t"})
			if err == nil {
				t.Fatal("Send succeeded")
			}
			if got := sesmail.IsUnavailable(err); got != tt.want {
				t.Errorf("IsUnavailable(%v) = %v, want %v", err, got, tt.want)
			}
		})
	}
}

func TestIsUnavailablePlainErrors(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{nil, false},
		{errors.New("boom"), false},
		{context.Canceled, false},
		{fmt.Errorf("send: %w", context.DeadlineExceeded), true},
		{fmt.Errorf("send: %w", sesmail.ErrInvalidMessage), false},
	}
	for _, tt := range tests {
		if got := sesmail.IsUnavailable(tt.err); got != tt.want {
			t.Errorf("IsUnavailable(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

func TestSendRejectsInvalidMessages(t *testing.T) {
	png := []byte("\\x89PNG fake")
	ok := sesmail.Message{To: "owner@acme.example", Subject: "Reactivate", Text: "t", HTML: `<img src="cid:qr">`,
		Inline: []sesmail.Inline{{ContentID: "qr", Filename: "qr.png", ContentType: "image/png", Data: png}}}
	tests := map[string]func(m *sesmail.Message){
		"empty to":             func(m *sesmail.Message) { m.To = "" },
		"to with header":       func(m *sesmail.Message) { m.To = "owner@acme.example\r\nBcc: evil@example.com" },
		"to with name":         func(m *sesmail.Message) { m.To = "Owner <owner@acme.example>" },
		"two recipients":       func(m *sesmail.Message) { m.To = "owner@acme.example, evil@example.com" },
		"subject with header":  func(m *sesmail.Message) { m.Subject = "hi\r\nBcc: evil@example.com" },
		"empty subject":        func(m *sesmail.Message) { m.Subject = " " },
		"no body":              func(m *sesmail.Message) { m.Text, m.HTML, m.Inline = "", "", nil },
		"inline without html":  func(m *sesmail.Message) { m.HTML = "" },
		"content id brackets":  func(m *sesmail.Message) { m.Inline[0].ContentID = "<qr>" },
		"content id space":     func(m *sesmail.Message) { m.Inline[0].ContentID = "q r" },
		"duplicate content id": func(m *sesmail.Message) { m.Inline = append(m.Inline, m.Inline[0]) },
		"not an image":         func(m *sesmail.Message) { m.Inline[0].ContentType = "text/html" },
		"filename with crlf":   func(m *sesmail.Message) { m.Inline[0].Filename = "qr.png\r\nX: y" },
		"no image data":        func(m *sesmail.Message) { m.Inline[0].Data = nil },
	}
	stub := stubSender{}
	m := sesmail.NewWithSender(&stub, from, "")
	for name, mutate := range tests {
		msg := ok
		msg.Inline = append([]sesmail.Inline(nil), ok.Inline...)
		mutate(&msg)
		_, err := m.Send(context.Background(), msg)
		if !errors.Is(err, sesmail.ErrInvalidMessage) {
			t.Errorf("%s: err = %v, want ErrInvalidMessage", name, err)
		}
		if sesmail.IsUnavailable(err) {
			t.Errorf("%s: invalid message counts as unavailable", name)
		}
	}
	if stub.calls != 0 {
		t.Errorf("SES called %d times for invalid messages", stub.calls)
	}
	if _, err := m.Send(context.Background(), ok); err != nil || stub.calls != 1 {
		t.Errorf("valid message: err %v, calls %d", err, stub.calls)
	}
}

type stubSender struct{ calls int }

func (s *stubSender) SendEmail(context.Context, *sesv2.SendEmailInput, ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error) {
	s.calls++
	id := "stub-id"
	return &sesv2.SendEmailOutput{MessageId: &id}, nil
}
