package smsvoice_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/pinpointsmsvoicev2"
	"github.com/aws/aws-sdk-go-v2/service/pinpointsmsvoicev2/types"
	"github.com/aws/smithy-go"

	"push-reactivation/infra/smsvoicelocal"
	"push-reactivation/shared/smsvoice"
)

const (
	admin       = "+15555550100"
	origination = "+15555559999"
)

var staticCreds = credentials.NewStaticCredentialsProvider("AKIDLOCAL", "local-secret", "")

// client is the real SDK client pointed at url.
func client(url string, optFns ...func(*pinpointsmsvoicev2.Options)) *pinpointsmsvoicev2.Client {
	cfg := aws.Config{Region: "us-east-1", Credentials: staticCreds}
	return pinpointsmsvoicev2.NewFromConfig(cfg, append([]func(*pinpointsmsvoicev2.Options){
		func(o *pinpointsmsvoicev2.Options) { o.BaseEndpoint = aws.String(url) },
	}, optFns...)...)
}

type env struct {
	local  *smsvoicelocal.Server
	url    string
	sender *smsvoice.Sender
}

func newEnv(t *testing.T, optFns ...func(*pinpointsmsvoicev2.Options)) env {
	t.Helper()
	local := smsvoicelocal.New()
	hs := httptest.NewServer(local)
	t.Cleanup(hs.Close)
	return env{local: local, url: hs.URL, sender: smsvoice.New(client(hs.URL, optFns...), origination, "passcodes")}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

func getMessages(t *testing.T, url string) []smsvoicelocal.Message {
	t.Helper()
	resp, err := http.Get(url + "/messages")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Messages []smsvoicelocal.Message `json:"messages"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out.Messages
}

func TestSendTextAndVoice(t *testing.T) {
	e := newEnv(t)
	text := smsvoice.PasscodeText("1234567")
	voice := smsvoice.PasscodeSSML("7654321")
	if err := e.sender.SendText(ctx(t), admin, text); err != nil {
		t.Fatalf("SendText: %v", err)
	}
	if err := e.sender.SendVoice(ctx(t), "+15555550101", voice); err != nil {
		t.Fatalf("SendVoice: %v", err)
	}

	got := getMessages(t, e.url)
	if len(got) != 2 {
		t.Fatalf("GET /messages returned %d messages, want 2: %+v", len(got), got)
	}
	want := []smsvoicelocal.Message{
		{To: admin, Kind: "sms", Body: text, OriginationIdentity: origination, ConfigurationSet: "passcodes",
			MessageType: "TRANSACTIONAL", TimeToLive: 300},
		{To: "+15555550101", Kind: "voice", Body: voice, OriginationIdentity: origination, ConfigurationSet: "passcodes",
			BodyTextType: "SSML", VoiceID: "JOANNA", TimeToLive: 300},
	}
	for i := range want {
		g := got[i]
		if g.MessageID == "" || g.SentAt.IsZero() {
			t.Errorf("message %d lacks id or time: %+v", i, g)
		}
		g.MessageID, g.SentAt = "", time.Time{}
		if g != want[i] {
			t.Errorf("message %d =\n%+v\nwant\n%+v", i, g, want[i])
		}
	}
	if got[1].SentAt.Before(got[0].SentAt) {
		t.Error("messages not listed oldest first")
	}
	for i, code := range []string{"1234567", "7654321"} {
		if c, ok := smsvoice.ExtractPasscode(got[i].Body); !ok || c != code {
			t.Errorf("message %d: ExtractPasscode = %q, %v; want %s", i, c, ok, code)
		}
	}
}

// TestEndpointFromEnvironment checks the production wiring: the standard
// variable alone points the client at the local endpoint.
func TestEndpointFromEnvironment(t *testing.T) {
	local := smsvoicelocal.New()
	hs := httptest.NewServer(local)
	defer hs.Close()
	dir := t.TempDir()
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_ENDPOINT_URL", "")
	t.Setenv("AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2", hs.URL)
	cfg, err := awsconfig.LoadDefaultConfig(ctx(t), awsconfig.WithRegion("us-east-1"), awsconfig.WithCredentialsProvider(staticCreds))
	if err != nil {
		t.Fatal(err)
	}
	s := smsvoice.New(pinpointsmsvoicev2.NewFromConfig(cfg), "", "")
	if err := s.SendText(ctx(t), admin, "hello"); err != nil {
		t.Fatalf("SendText: %v", err)
	}
	got := local.Messages()
	if len(got) != 1 || got[0].Body != "hello" || got[0].OriginationIdentity != "" || got[0].ConfigurationSet != "" {
		t.Errorf("recorded %+v; want one message without origination identity or configuration set", got)
	}
}

func TestInvalidInput(t *testing.T) {
	e := newEnv(t)
	noOrigination := smsvoice.New(client(e.url), "", "")
	tests := []struct {
		name string
		send func() error
	}{
		{"text to a non-E.164 number", func() error { return e.sender.SendText(ctx(t), "5555550100", "x") }},
		{"text to nothing", func() error { return e.sender.SendText(ctx(t), "", "x") }},
		{"empty text", func() error { return e.sender.SendText(ctx(t), admin, " ") }},
		{"voice to a leading zero", func() error { return e.sender.SendVoice(ctx(t), "+05555550100", "<speak>x</speak>") }},
		{"empty voice", func() error { return e.sender.SendVoice(ctx(t), admin, "") }},
		{"voice without origination", func() error { return noOrigination.SendVoice(ctx(t), admin, "<speak>x</speak>") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.send()
			if !errors.Is(err, smsvoice.ErrInvalidInput) {
				t.Fatalf("err = %v, want ErrInvalidInput", err)
			}
			if smsvoice.IsUnavailable(err) {
				t.Error("IsUnavailable(invalid input) = true")
			}
			if strings.Contains(err.Error(), "5555550100") {
				t.Errorf("error shows the full phone number: %v", err)
			}
		})
	}
	if n := len(e.local.Messages()); n != 0 {
		t.Errorf("%d messages sent for invalid input", n)
	}
}

// TestFailureSwitch checks the 503 path end to end, with the SDK's default
// retries (backoff set to zero to keep the test fast).
func TestFailureSwitch(t *testing.T) {
	var attempts atomic.Int32
	local := smsvoicelocal.New()
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" {
			attempts.Add(1)
		}
		local.ServeHTTP(w, r)
	}))
	defer hs.Close()
	c := client(hs.URL, func(o *pinpointsmsvoicev2.Options) {
		o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
			so.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
		})
	})
	s := smsvoice.New(c, origination, "")
	local.SetFailure(true)

	for _, tt := range []struct {
		name string
		send func() error
		body string
	}{
		{"sms", func() error { return s.SendText(ctx(t), admin, smsvoice.PasscodeText("2468013")) }, "2468013"},
		{"voice", func() error { return s.SendVoice(ctx(t), admin, smsvoice.PasscodeSSML("1357924")) }, "1357924"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			attempts.Store(0)
			err := tt.send()
			if err == nil {
				t.Fatal("send succeeded while the service fails")
			}
			if !smsvoice.IsUnavailable(err) {
				t.Errorf("IsUnavailable(%v) = false", err)
			}
			var respErr *awshttp.ResponseError
			if !errors.As(err, &respErr) || respErr.HTTPStatusCode() != http.StatusServiceUnavailable {
				t.Errorf("want a 503 ResponseError, got %v", err)
			}
			var apiErr smithy.APIError
			if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "ServiceUnavailableException" {
				t.Errorf("want ServiceUnavailableException, got %v", err)
			}
			if n := attempts.Load(); n != 3 {
				t.Errorf("%d attempts, want the SDK's default 3", n)
			}
			if strings.Contains(err.Error(), tt.body) {
				t.Errorf("error shows the passcode: %v", err)
			}
		})
	}
	local.SetFailure(false)
	if err := s.SendText(ctx(t), admin, "back"); err != nil {
		t.Fatalf("after SetFailure(false): %v", err)
	}
	if got := local.Messages(); len(got) != 1 || got[0].Body != "back" {
		t.Errorf("recorded %+v, want only the message sent after recovery", got)
	}
}

// TestErrorRedaction uses a server that, like some AWS validation errors,
// quotes the rejected value back: the error text must not carry it.
func TestErrorRedaction(t *testing.T) {
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct{ MessageBody string }
		body, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(body, &in)
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]string{
			"__type":  "ValidationException",
			"message": fmt.Sprintf("Value '%s' at 'messageBody' failed to satisfy constraint", in.MessageBody),
		})
	}))
	defer hs.Close()
	s := smsvoice.New(client(hs.URL), origination, "")
	body := smsvoice.PasscodeText("9081726")
	err := s.SendText(ctx(t), admin, body)
	var v *types.ValidationException
	if !errors.As(err, &v) {
		t.Fatalf("err = %v, want a ValidationException", err)
	}
	if smsvoice.IsUnavailable(err) {
		t.Error("IsUnavailable(ValidationException) = true")
	}
	if msg := err.Error(); strings.Contains(msg, "9081726") || !strings.Contains(msg, "[REDACTED]") {
		t.Errorf("error text not redacted: %s", msg)
	}
}

func TestIsUnavailable(t *testing.T) {
	// A port nothing listens on, for a real connection error.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	noRetry := func(o *pinpointsmsvoicev2.Options) { o.RetryMaxAttempts = 1 }
	_, connErr := client(closed, noRetry).SendTextMessage(ctx(t), &pinpointsmsvoicev2.SendTextMessageInput{
		DestinationPhoneNumber: aws.String(admin), MessageBody: aws.String("x"),
	})
	if connErr == nil {
		t.Fatal("send to a closed port succeeded")
	}
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	_, cancelErr := client(closed, noRetry).SendTextMessage(canceled, &pinpointsmsvoicev2.SendTextMessageInput{
		DestinationPhoneNumber: aws.String(admin), MessageBody: aws.String("x"),
	})

	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"invalid input", fmt.Errorf("x: %w", smsvoice.ErrInvalidInput), false},
		{"throttling", &types.ThrottlingException{Message: aws.String("slow down")}, true},
		{"internal server", &types.InternalServerException{Message: aws.String("oops")}, true},
		{"unmodeled server fault", &smithy.GenericAPIError{Code: "ServiceUnavailable", Fault: smithy.FaultServer}, true},
		{"unmodeled throttle code", &smithy.GenericAPIError{Code: "TooManyRequestsException"}, true},
		{"validation", &types.ValidationException{Message: aws.String("bad")}, false},
		{"access denied", &types.AccessDeniedException{Message: aws.String("no")}, false},
		{"spend quota", &types.ServiceQuotaExceededException{Message: aws.String("limit")}, false},
		{"deadline", fmt.Errorf("send: %w", context.DeadlineExceeded), true},
		{"canceled", fmt.Errorf("send: %w", context.Canceled), false},
		{"connection refused (real SDK error)", connErr, true},
		{"canceled context (real SDK error)", cancelErr, false},
		{"plain error", errors.New("something else"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := smsvoice.IsUnavailable(tt.err); got != tt.want {
				t.Errorf("IsUnavailable(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

func TestConcurrentSends(t *testing.T) {
	e := newEnv(t)
	const n = 20
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			code := fmt.Sprintf("%07d", i)
			if i%2 == 0 {
				errs <- e.sender.SendText(ctx(t), admin, smsvoice.PasscodeText(code))
			} else {
				errs <- e.sender.SendVoice(ctx(t), admin, smsvoice.PasscodeSSML(code))
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	got := getMessages(t, e.url)
	if len(got) != n {
		t.Fatalf("%d messages recorded, want %d", len(got), n)
	}
	var codes []string
	kinds := map[string]int{}
	for _, m := range got {
		code, ok := smsvoice.ExtractPasscode(m.Body)
		if !ok {
			t.Errorf("no passcode in %q", m.Body)
		}
		codes = append(codes, code)
		kinds[m.Kind]++
	}
	sort.Strings(codes)
	for i, c := range codes {
		if want := fmt.Sprintf("%07d", i); c != want {
			t.Fatalf("passcodes %v; want 0000000…%07d once each", codes, n-1)
		}
	}
	if kinds["sms"] != n/2 || kinds["voice"] != n/2 {
		t.Errorf("kinds %v, want %d of each", kinds, n/2)
	}
}

func TestMaskPhone(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"+15555550100", "+*******0100"},
		{"15555550100", "*******0100"},
		{"0100", "****"},
		{"", ""},
	} {
		if got := smsvoice.MaskPhone(tt.in); got != tt.want {
			t.Errorf("MaskPhone(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
