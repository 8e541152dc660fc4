package smsvoicelocal_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/pinpointsmsvoicev2"
	"github.com/aws/smithy-go"

	"push-reactivation/infra/smsvoicelocal"
)

func start(t *testing.T) (*smsvoicelocal.Server, *httptest.Server) {
	t.Helper()
	s := smsvoicelocal.New()
	hs := httptest.NewServer(s)
	t.Cleanup(hs.Close)
	return s, hs
}

// call sends one AWS JSON 1.0 request the way the SDK does.
func call(t *testing.T, url, target, body string) (int, http.Header, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	if target != "" {
		req.Header.Set("X-Amz-Target", target)
	}
	return do(t, req)
}

func do(t *testing.T, req *http.Request) (int, http.Header, map[string]any) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if resp.StatusCode != http.StatusNoContent && req.Method != http.MethodHead {
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			t.Fatalf("%s %s: response is not JSON: %v", req.Method, req.URL.Path, err)
		}
	}
	return resp.StatusCode, resp.Header, out
}

func listMessages(t *testing.T, url string) []smsvoicelocal.Message {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d", url, resp.StatusCode)
	}
	var out struct {
		Messages []smsvoicelocal.Message `json:"messages"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out.Messages
}

const ssml = `<speak>Your Duo passcode is <say-as interpret-as="digits">1234567</say-as>.</speak>`

func TestProtocol(t *testing.T) {
	_, hs := start(t)
	tests := []struct {
		name       string
		target     string
		body       string
		wantStatus int
		wantType   string // __type of an error answer; "" for success
	}{
		{"text", smsvoicelocal.OpSendTextMessage,
			`{"DestinationPhoneNumber":"+15555550100","MessageBody":"hi","MessageType":"TRANSACTIONAL"}`, 200, ""},
		{"voice ssml", smsvoicelocal.OpSendVoiceMessage,
			`{"DestinationPhoneNumber":"+15555550100","OriginationIdentity":"+15555559999","MessageBody":` + jsonString(ssml) + `,"MessageBodyTextType":"SSML","VoiceId":"JOANNA"}`, 200, ""},
		{"voice text", smsvoicelocal.OpSendVoiceMessage,
			`{"DestinationPhoneNumber":"+15555550100","OriginationIdentity":"+15555559999","MessageBody":"hello"}`, 200, ""},
		{"unknown target", "PinpointSMSVoiceV2.DescribePhoneNumbers", `{}`, 400, "UnknownOperationException"},
		{"other service's target", "DynamoDB_20120810.ListTables", `{}`, 400, "UnknownOperationException"},
		{"missing target", "", `{}`, 400, "UnknownOperationException"},
		{"malformed json", smsvoicelocal.OpSendTextMessage, `{"DestinationPhoneNumber":`, 400, "SerializationException"},
		{"wrong member type", smsvoicelocal.OpSendTextMessage, `{"DestinationPhoneNumber":15555550100}`, 400, "SerializationException"},
		{"no destination", smsvoicelocal.OpSendTextMessage, `{"MessageBody":"hi"}`, 400, "ValidationException"},
		{"bad destination", smsvoicelocal.OpSendTextMessage, `{"DestinationPhoneNumber":"call me","MessageBody":"hi"}`, 400, "ValidationException"},
		{"no body", smsvoicelocal.OpSendTextMessage, `{"DestinationPhoneNumber":"+15555550100"}`, 400, "ValidationException"},
		{"body too long", smsvoicelocal.OpSendTextMessage,
			`{"DestinationPhoneNumber":"+15555550100","MessageBody":"` + strings.Repeat("x", smsvoicelocal.MaxTextBodyLen+1) + `"}`, 400, "ValidationException"},
		{"bad message type", smsvoicelocal.OpSendTextMessage,
			`{"DestinationPhoneNumber":"+15555550100","MessageBody":"hi","MessageType":"URGENT"}`, 400, "ValidationException"},
		{"voice without origination", smsvoicelocal.OpSendVoiceMessage,
			`{"DestinationPhoneNumber":"+15555550100","MessageBody":"hi"}`, 400, "ValidationException"},
		{"voice broken ssml", smsvoicelocal.OpSendVoiceMessage,
			`{"DestinationPhoneNumber":"+15555550100","OriginationIdentity":"+15555559999","MessageBody":"<speak>1 < 2</speak>","MessageBodyTextType":"SSML"}`, 400, "ValidationException"},
		{"voice ssml not speak", smsvoicelocal.OpSendVoiceMessage,
			`{"DestinationPhoneNumber":"+15555550100","OriginationIdentity":"+15555559999","MessageBody":"<p>hi</p>","MessageBodyTextType":"SSML"}`, 400, "ValidationException"},
		{"voice ssml two roots", smsvoicelocal.OpSendVoiceMessage,
			`{"DestinationPhoneNumber":"+15555550100","OriginationIdentity":"+15555559999","MessageBody":"<speak>a</speak><speak>b</speak>","MessageBodyTextType":"SSML"}`, 400, "ValidationException"},
		{"bad body text type", smsvoicelocal.OpSendVoiceMessage,
			`{"DestinationPhoneNumber":"+15555550100","OriginationIdentity":"+15555559999","MessageBody":"hi","MessageBodyTextType":"HTML"}`, 400, "ValidationException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, h, out := call(t, hs.URL, tt.target, tt.body)
			if status != tt.wantStatus {
				t.Fatalf("status = %d, want %d (body %v)", status, tt.wantStatus, out)
			}
			if got := h.Get("Content-Type"); got != "application/x-amz-json-1.0" {
				t.Errorf("Content-Type = %q", got)
			}
			if h.Get("X-Amzn-RequestId") == "" {
				t.Error("no x-amzn-RequestId header")
			}
			if tt.wantType == "" {
				if id, _ := out["MessageId"].(string); id == "" {
					t.Errorf("no MessageId in %v", out)
				}
				return
			}
			if out["__type"] != tt.wantType {
				t.Errorf("__type = %v, want %s", out["__type"], tt.wantType)
			}
			if msg, _ := out["message"].(string); msg == "" {
				t.Errorf("no message in %v", out)
			}
			if got := h.Get("X-Amzn-ErrorType"); got != tt.wantType {
				t.Errorf("X-Amzn-ErrorType = %q, want %s", got, tt.wantType)
			}
		})
	}
	if got := len(listMessages(t, hs.URL+"/messages")); got != 3 {
		t.Errorf("%d messages recorded, want 3 (only the successful sends)", got)
	}
}

func TestWrongMethod(t *testing.T) {
	_, hs := start(t)
	for _, tt := range []struct{ method, path string }{
		{http.MethodGet, "/"},
		{http.MethodPost, "/messages"},
		{http.MethodPost, "/failure"},
	} {
		req, _ := http.NewRequest(tt.method, hs.URL+tt.path, nil)
		if status, h, _ := do(t, req); status != http.StatusMethodNotAllowed || h.Get("Allow") == "" {
			t.Errorf("%s %s: status %d, Allow %q; want 405 with Allow", tt.method, tt.path, status, h.Get("Allow"))
		}
	}
	req, _ := http.NewRequest(http.MethodGet, hs.URL+"/nowhere", nil)
	if status, _, _ := do(t, req); status != http.StatusNotFound {
		t.Errorf("GET /nowhere: status %d, want 404", status)
	}
}

func TestMessagesListFilterAndClear(t *testing.T) {
	s, hs := start(t)
	send := func(to, body string) {
		t.Helper()
		if status, _, out := call(t, hs.URL, smsvoicelocal.OpSendTextMessage,
			`{"DestinationPhoneNumber":"`+to+`","MessageBody":"`+body+`"}`); status != 200 {
			t.Fatalf("send: %d %v", status, out)
		}
	}
	if got := listMessages(t, hs.URL+"/messages"); got == nil || len(got) != 0 {
		t.Fatalf("empty server lists %#v, want an empty array", got)
	}
	send("+15555550100", "one")
	send("+15555550101", "two")
	send("+15555550100", "three")
	// A dry run is validated and answered but not sent.
	if status, _, _ := call(t, hs.URL, smsvoicelocal.OpSendTextMessage,
		`{"DestinationPhoneNumber":"+15555550100","MessageBody":"dry","DryRun":true}`); status != 200 {
		t.Fatalf("dry run: status %d", status)
	}

	all := listMessages(t, hs.URL+"/messages")
	var bodies []string
	for i, m := range all {
		bodies = append(bodies, m.Body)
		if m.Kind != smsvoicelocal.KindSMS || m.MessageID == "" || m.SentAt.IsZero() {
			t.Errorf("message %d = %+v", i, m)
		}
		if i > 0 && m.SentAt.Before(all[i-1].SentAt) {
			t.Errorf("message %d sent before message %d", i, i-1)
		}
	}
	if got := strings.Join(bodies, ","); got != "one,two,three" {
		t.Errorf("bodies = %s, want one,two,three (oldest first)", got)
	}
	if got := listMessages(t, hs.URL+"/messages?to=%2B15555550100"); len(got) != 2 || got[0].Body != "one" || got[1].Body != "three" {
		t.Errorf("filtered by to: %+v", got)
	}
	if got := s.Messages(); len(got) != 3 {
		t.Errorf("Messages() has %d, want 3", len(got))
	}

	req, _ := http.NewRequest(http.MethodDelete, hs.URL+"/messages", nil)
	if status, _, _ := do(t, req); status != http.StatusNoContent {
		t.Fatalf("DELETE /messages: status %d", status)
	}
	if got := listMessages(t, hs.URL+"/messages"); len(got) != 0 {
		t.Errorf("after DELETE: %d messages", len(got))
	}
}

func TestSentAtIsRFC3339(t *testing.T) {
	_, hs := start(t)
	call(t, hs.URL, smsvoicelocal.OpSendTextMessage, `{"DestinationPhoneNumber":"+15555550100","MessageBody":"x"}`)
	resp, err := http.Get(hs.URL + "/messages")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var raw struct {
		Messages []map[string]any `json:"messages"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&raw); err != nil {
		t.Fatal(err)
	}
	if len(raw.Messages) != 1 {
		t.Fatalf("got %d messages", len(raw.Messages))
	}
	m := raw.Messages[0]
	for _, k := range []string{"to", "kind", "body", "sent_at"} {
		if _, ok := m[k]; !ok {
			t.Errorf("message lacks %q: %v", k, m)
		}
	}
	at, _ := m["sent_at"].(string)
	if _, err := time.Parse(time.RFC3339, at); err != nil {
		t.Errorf("sent_at %q: %v", at, err)
	}
}

func TestFailureSwitch(t *testing.T) {
	s, hs := start(t)
	const text = `{"DestinationPhoneNumber":"+15555550100","MessageBody":"hi"}`

	s.SetFailure(true)
	status, h, out := call(t, hs.URL, smsvoicelocal.OpSendTextMessage, text)
	if status != http.StatusServiceUnavailable || out["__type"] != "ServiceUnavailableException" || h.Get("X-Amzn-ErrorType") != "ServiceUnavailableException" {
		t.Errorf("while failing: %d %v", status, out)
	}
	s.SetFailure(false)
	if status, _, out := call(t, hs.URL, smsvoicelocal.OpSendTextMessage, text); status != 200 {
		t.Errorf("after SetFailure(false): %d %v", status, out)
	}

	// The same switch over HTTP, for tests in another process.
	put := func(body string) (int, map[string]any) {
		req, _ := http.NewRequest(http.MethodPut, hs.URL+"/failure", strings.NewReader(body))
		status, _, out := do(t, req)
		return status, out
	}
	if status, out := put(`{"enabled": true}`); status != 200 || out["enabled"] != true {
		t.Errorf("PUT /failure on: %d %v", status, out)
	}
	if status, _, _ := call(t, hs.URL, smsvoicelocal.OpSendTextMessage, text); status != http.StatusServiceUnavailable {
		t.Errorf("after PUT /failure on: status %d", status)
	}
	req, _ := http.NewRequest(http.MethodGet, hs.URL+"/failure", nil)
	if _, _, out := do(t, req); out["enabled"] != true {
		t.Errorf("GET /failure: %v", out)
	}
	if status, _ := put(`{"on": true}`); status != http.StatusBadRequest {
		t.Errorf("PUT /failure with a wrong field: status %d, want 400", status)
	}
	if status, out := put(`{"enabled": false}`); status != 200 || out["enabled"] != false {
		t.Errorf("PUT /failure off: %d %v", status, out)
	}
	if got := len(s.Messages()); got != 1 {
		t.Errorf("%d messages recorded, want 1", got)
	}
}

// TestSDKUnknownOperation checks that the real SDK client turns the answer
// to an operation this endpoint lacks into an ordinary API error.
func TestSDKUnknownOperation(t *testing.T) {
	_, hs := start(t)
	cfg := aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDLOCAL", "local-secret", ""),
	}
	client := pinpointsmsvoicev2.NewFromConfig(cfg, func(o *pinpointsmsvoicev2.Options) {
		o.BaseEndpoint = aws.String(hs.URL)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := client.DescribePhoneNumbers(ctx, &pinpointsmsvoicev2.DescribePhoneNumbersInput{})
	if err == nil {
		t.Fatal("DescribePhoneNumbers succeeded against an endpoint that lacks it")
	}
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("error %v (%T) is not a smithy.APIError", err, err)
	}
	if apiErr.ErrorCode() != "UnknownOperationException" || !strings.Contains(apiErr.ErrorMessage(), "DescribePhoneNumbers") {
		t.Errorf("code %q, message %q", apiErr.ErrorCode(), apiErr.ErrorMessage())
	}
	var respErr *awshttp.ResponseError
	if !errors.As(err, &respErr) || respErr.HTTPStatusCode() != http.StatusBadRequest || respErr.ServiceRequestID() == "" {
		t.Errorf("want a 400 ResponseError with a request id, got %v", err)
	}
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
