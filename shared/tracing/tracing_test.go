package tracing_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dynamotypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/shogo82148/aws-xray-yasdk-go/xray"

	"push-reactivation/infra/faultproxy"
	"push-reactivation/infra/localkms"
	"push-reactivation/internal/testenv"
	"push-reactivation/shared/config"
	"push-reactivation/shared/dynamo"
	"push-reactivation/shared/sealing/kmskeys"
	"push-reactivation/shared/sesmail"
	"push-reactivation/shared/tracing"
)

// The invocation's trace header as Lambda hands it to the function; Parent
// is the id of the facade segment Lambda records for the function.
const (
	traceRoot   = "1-6745f2a0-0123456789abcdef01234567"
	facadeID    = "53995c3f42cd8ad8"
	sampled     = "Root=" + traceRoot + ";Parent=" + facadeID + ";Sampled=1"
	notSampled  = "Root=" + traceRoot + ";Parent=" + facadeID + ";Sampled=0"
	lambdaTrace = "x-amzn-trace-id" // aws-lambda-go's context key
)

// clients are the three SDK clients of the functions, built as the
// functions build them: config.Lambda, then each adapter's NewClient,
// against the embedded DynamoDB, aws-ses-v2-local and local-kms.
type clients struct {
	db  *dynamodb.Client
	ses *sesv2.Client
	kms *kms.Client
}

func newClients(t *testing.T) clients {
	return newClientsVia(t, func(u string) string { return u })
}

// newClientsVia is newClients with DynamoDB reached at via(its URL): a
// proxy in front of it.
func newClientsVia(t *testing.T, via func(dynamoURL string) string) clients {
	t.Helper()
	testenv.StartDynamoDB(t) // sets AWS_ENDPOINT_URL_DYNAMODB and the credentials
	t.Setenv("AWS_ENDPOINT_URL_DYNAMODB", via(os.Getenv("AWS_ENDPOINT_URL_DYNAMODB")))
	t.Setenv("AWS_ENDPOINT_URL_SESV2", testenv.StartSES(t).URL())
	kmsSrv, err := localkms.Shared(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_ENDPOINT_URL_KMS", kmsSrv.URL)
	cfg, err := config.Lambda()
	if err != nil {
		t.Fatal(err)
	}
	return clients{
		db:  dynamo.NewClient(cfg, config.Lenient()),
		ses: sesmail.NewClient(cfg, config.Lenient()),
		kms: kmskeys.NewClient(cfg, config.Lenient()),
	}
}

// invocation is the context of a Lambda invocation with trace header h,
// whose segments go to the X-Ray daemon at daemon.
func invocation(t *testing.T, h, daemon string) context.Context {
	//lint:ignore SA1029 the plain string key is aws-lambda-go's, which the code reads
	ctx := context.WithValue(t.Context(), lambdaTrace, h)
	return xray.WithClient(ctx, xray.New(&xray.Config{DaemonAddress: daemon}))
}

// call makes one call of each client and returns their errors.
func (c clients) call(ctx context.Context) []error {
	_, dbErr := c.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("push-reactivation"),
		Key: map[string]dynamotypes.AttributeValue{"PK": &dynamotypes.AttributeValueMemberS{Value: "ADMIN#nobody"},
			"SK": &dynamotypes.AttributeValueMemberS{Value: "ADMIN"}}})
	_, sesErr := c.ses.SendEmail(ctx, &sesv2.SendEmailInput{
		FromEmailAddress: aws.String("noreply@acme.example"),
		Destination:      &sestypes.Destination{ToAddresses: []string{"admin@acme.example"}},
		Content: &sestypes.EmailContent{Simple: &sestypes.Message{Subject: &sestypes.Content{Data: aws.String("s")},
			Body: &sestypes.Body{Text: &sestypes.Content{Data: aws.String("b")}}}},
	})
	_, kmsErr := c.kms.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: aws.String(localkms.Alias), KeySpec: kmstypes.DataKeySpecAes256})
	return []error{dbErr, sesErr, kmsErr}
}

// segment is what the test reads of an emitted segment document.
type segment struct {
	Name       string  `json:"name"`
	ID         string  `json:"id"`
	TraceID    string  `json:"trace_id"`
	ParentID   string  `json:"parent_id"`
	Type       string  `json:"type"`
	Namespace  string  `json:"namespace"`
	StartTime  float64 `json:"start_time"`
	EndTime    float64 `json:"end_time"`
	InProgress bool    `json:"in_progress"`
	Error      bool    `json:"error"`
	Fault      bool    `json:"fault"`
	Throttle   bool    `json:"throttle"`
	AWS        struct {
		Operation string `json:"operation"`
		Region    string `json:"region"`
		ErrorCode string `json:"error_code"`
		Retries   int    `json:"retries"`
	} `json:"aws"`
	HTTP struct {
		Response struct {
			Status int `json:"status"`
		} `json:"response"`
	} `json:"http"`
}

// daemon is a local UDP listener standing in for the X-Ray daemon.
type daemon struct{ conn net.PacketConn }

func startDaemon(t *testing.T) *daemon {
	t.Helper()
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &daemon{conn}
}

func (d *daemon) addr() string { return d.conn.LocalAddr().String() }

// read returns the segment documents received until wait passes without
// one: each datagram is the daemon protocol's header line, then the JSON.
func (d *daemon) read(t *testing.T, wait time.Duration) []segment {
	t.Helper()
	var segs []segment
	buf := make([]byte, 64<<10)
	for {
		_ = d.conn.SetReadDeadline(time.Now().Add(wait))
		n, _, err := d.conn.ReadFrom(buf)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return segs
			}
			t.Fatal(err)
		}
		head, body, ok := strings.Cut(string(buf[:n]), "\n")
		if !ok || head != `{"format":"json","version":1}` {
			t.Fatalf("datagram without the daemon header: %q", buf[:n])
		}
		var s segment
		if err := json.Unmarshal([]byte(body), &s); err != nil {
			t.Fatalf("segment %s: %v", body, err)
		}
		segs = append(segs, s)
	}
}

// TestSDKCallsAreSubsegments: in a sampled invocation, each DynamoDB, SES
// and KMS call of a client built from config.Lambda is sent to the daemon
// as one finished subsegment of the invocation's trace, under Lambda's
// facade segment, naming the service and the operation; a refused call is
// flagged as an error with its code.
func TestSDKCallsAreSubsegments(t *testing.T) {
	c := newClients(t)
	d := startDaemon(t)
	ctx := invocation(t, sampled, d.addr())
	for i, err := range c.call(ctx) {
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	want := map[string]string{"DynamoDB": "GetItem", "SESv2": "SendEmail", "KMS": "GenerateDataKey"}
	segs := d.read(t, 2*time.Second)
	if len(segs) != len(want) {
		t.Fatalf("%d segments, want %d: %+v", len(segs), len(want), segs)
	}
	for _, s := range segs {
		op, ok := want[s.Name]
		if !ok || s.AWS.Operation != op {
			t.Errorf("segment %q operation %q, want one of %v", s.Name, s.AWS.Operation, want)
		}
		delete(want, s.Name)
		if s.Type != "subsegment" || s.TraceID != traceRoot || s.ParentID != facadeID || s.Namespace != "aws" ||
			s.InProgress || s.EndTime < s.StartTime || s.StartTime == 0 || s.HTTP.Response.Status != 200 ||
			s.AWS.Region != "us-east-1" || s.Error || s.Fault {
			t.Errorf("segment %+v", s)
		}
	}

	// A refused call: an error (not a fault), with the service's code.
	_, err := c.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("no-such-table"),
		Key: map[string]dynamotypes.AttributeValue{"PK": &dynamotypes.AttributeValueMemberS{Value: "x"}}})
	if err == nil {
		t.Fatal("GetItem on a missing table succeeded")
	}
	segs = d.read(t, 2*time.Second)
	if len(segs) != 1 || !segs[0].Error || segs[0].Fault || segs[0].HTTP.Response.Status != 400 ||
		segs[0].AWS.ErrorCode != "ResourceNotFoundException" {
		t.Fatalf("refused call: %+v", segs)
	}
}

// TestNothingTracedOutsideSampledInvocations: no trace header (tests, the
// in-process local stack) or an unsampled invocation sends nothing, and
// the calls work.
func TestNothingTracedOutsideSampledInvocations(t *testing.T) {
	c := newClients(t)
	d := startDaemon(t)
	for name, ctx := range map[string]context.Context{
		"no trace header": xray.WithClient(t.Context(), xray.New(&xray.Config{DaemonAddress: d.addr()})),
		"not sampled":     invocation(t, notSampled, d.addr()),
	} {
		if tracing.Sampled(ctx) {
			t.Errorf("%s: sampled", name)
		}
		for i, err := range c.call(ctx) {
			if err != nil {
				t.Errorf("%s: call %d: %v", name, i, err)
			}
		}
	}
	if segs := d.read(t, time.Second); len(segs) != 0 {
		t.Fatalf("%d segments sent: %+v", len(segs), segs)
	}
}

// TestNoDaemonNeverFailsOrHoldsACall: with nothing listening at the
// daemon's address (a closed loopback port: every write after the first is
// refused), sampled calls still succeed, each well within a bound far
// below the calls' own time bounds. The segment is one UDP write after
// the call, which never waits for the daemon.
func TestNoDaemonNeverFailsOrHoldsACall(t *testing.T) {
	c := newClients(t)
	d := startDaemon(t)
	closed := d.addr()
	d.conn.Close()
	ctx := invocation(t, sampled, closed)
	const rounds = 5
	for range rounds {
		start := time.Now()
		for i, err := range c.call(ctx) {
			if err != nil {
				t.Fatalf("call %d with no daemon: %v", i, err)
			}
		}
		// A hard bound, not a benchmark: three local calls with -race on a
		// loaded machine stay far below it; a blocking emitter would not.
		if took := time.Since(start); took > 3*time.Second {
			t.Fatalf("three calls took %s with no daemon", took)
		}
	}
}

// TestFailuresAndDownstreamHeader: through a proxy in front of the
// embedded DynamoDB, each attempt tells the service the trace with the
// call's subsegment as parent; a call throttled on every attempt is
// flagged throttle and error with its retries, one answered 500 a fault.
func TestFailuresAndDownstreamHeader(t *testing.T) {
	var proxy *faultproxy.Proxy
	var mu sync.Mutex
	var headers []string
	c := newClientsVia(t, func(u string) string {
		var err error
		if proxy, err = faultproxy.New(u, faultproxy.DynamoDB); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { proxy.Close() })
		up, _ := url.Parse(proxy.URL)
		rp := httputil.NewSingleHostReverseProxy(up)
		rec := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			headers = append(headers, r.Header.Get("X-Amzn-Trace-Id"))
			mu.Unlock()
			rp.ServeHTTP(w, r)
		}))
		t.Cleanup(rec.Close)
		return rec.URL
	})
	d := startDaemon(t)
	ctx := invocation(t, sampled, d.addr())
	get := func() error {
		_, err := c.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("push-reactivation"),
			Key: map[string]dynamotypes.AttributeValue{"PK": &dynamotypes.AttributeValueMemberS{Value: "ADMIN#nobody"},
				"SK": &dynamotypes.AttributeValueMemberS{Value: "ADMIN"}}})
		return err
	}

	if err := get(); err != nil {
		t.Fatal(err)
	}
	segs := d.read(t, 2*time.Second)
	if len(segs) != 1 || len(headers) != 1 {
		t.Fatalf("%d segments, %d requests", len(segs), len(headers))
	}
	if want := "Root=" + traceRoot + ";Parent=" + segs[0].ID + ";Sampled=1"; strings.TrimSuffix(headers[0], ";") != want {
		t.Errorf("X-Amzn-Trace-Id %q, want %q", headers[0], want)
	}

	if err := proxy.Set(faultproxy.Throttle); err != nil {
		t.Fatal(err)
	}
	if err := get(); err == nil {
		t.Fatal("throttled call succeeded")
	}
	segs = d.read(t, 2*time.Second)
	if len(segs) != 1 || !segs[0].Throttle || !segs[0].Error || segs[0].Fault || segs[0].AWS.Retries < 1 ||
		segs[0].HTTP.Response.Status != 400 || segs[0].AWS.ErrorCode != "ThrottlingException" {
		t.Errorf("throttled call: %+v", segs)
	}

	if err := proxy.Set(faultproxy.ServerError); err != nil {
		t.Fatal(err)
	}
	if err := get(); err == nil {
		t.Fatal("call answered 500 succeeded")
	}
	segs = d.read(t, 2*time.Second)
	if len(segs) != 1 || !segs[0].Fault || segs[0].Throttle || segs[0].HTTP.Response.Status != 500 {
		t.Errorf("failed call: %+v", segs)
	}
}
