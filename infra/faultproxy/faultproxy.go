// Package faultproxy is test support: an HTTP proxy that sits in front of
// a real local peer (the embedded DynamoDB, aws-ses-v2-local, the local
// SMS/voice endpoint) and, switched at runtime, injects the faults of
// DESIGN.md §4.1 "Dependencies down":
//
//   - Refuse: connections are refused (the listener is closed, open
//     connections are reset), as when the service is down;
//   - Hang: connections are accepted and requests read, but never
//     answered, as when the service is overloaded or a network path is
//     black-holed;
//   - Throttle: every request is answered with the service's own
//     throttling error, in its own protocol (DynamoDB ThrottlingException,
//     or a TransactionCanceledException whose reasons are ThrottlingError
//     for TransactWriteItems; SES v2 429 TooManyRequestsException; SMS and
//     Voice v2 ThrottlingException);
//   - Capacity: DynamoDB's ProvisionedThroughputExceededException;
//   - ServerError: the service's own 500 (DynamoDB InternalServerError,
//     SES InternalFailure, SMS and Voice v2 InternalServerException, KMS
//     KMSInternalException; KMS throttles with ThrottlingException).
//
// A fault can start after a number of requests have passed (SetAfter), to
// fail a request in the middle of a flow. Nothing here is linked into a
// function binary: only tests import it.
package faultproxy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Fault is what the proxy does to a request.
type Fault int

// The faults.
const (
	Pass        Fault = iota // forward to the peer
	Refuse                   // refuse and reset connections
	Hang                     // accept, never answer
	Throttle                 // the service's throttling error
	Capacity                 // DynamoDB ProvisionedThroughputExceededException
	ServerError              // the service's 500
)

func (f Fault) String() string {
	return [...]string{"pass", "refuse", "hang", "throttle", "capacity", "server-error"}[f]
}

// Protocol says how the peer speaks, for the throttling answers.
type Protocol int

// The protocols of the three services.
const (
	DynamoDB Protocol = iota // awsJson1_0, X-Amz-Target DynamoDB_20120810.<Op>
	SESv2                    // restJson1
	SMSVoice                 // awsJson1_0, Pinpoint SMS Voice V2
	KMS                      // awsJson1_1, TrentService (issue 16)
)

// Proxy is one fault-injecting proxy. Its URL stays the same for its
// whole life, through refusals.
type Proxy struct {
	URL string

	proto Protocol
	addr  string
	rp    *httputil.ReverseProxy
	srv   *http.Server

	mu        sync.Mutex
	fault     Fault // applies once after reaches 0
	after     int   // requests still passed before fault applies
	seen      int   // requests received
	ops       []string
	ln        net.Listener
	conns     map[net.Conn]struct{}
	closed    bool
	listening sync.WaitGroup
}

// New starts a proxy on a free loopback port in front of upstream (an
// http:// URL), passing every request until told otherwise.
func New(upstream string, proto Protocol) (*Proxy, error) {
	u, err := url.Parse(upstream)
	if err != nil {
		return nil, fmt.Errorf("faultproxy: upstream: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("faultproxy: listen: %w", err)
	}
	p := &Proxy{URL: "http://" + ln.Addr().String(), addr: ln.Addr().String(), proto: proto, conns: map[net.Conn]struct{}{}}
	p.rp = httputil.NewSingleHostReverseProxy(u)
	p.rp.Transport = &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 16, IdleConnTimeout: 30 * time.Second}
	// A client giving up on a hanging request is expected: no log.
	p.rp.ErrorLog = log.New(io.Discard, "", 0)
	p.srv = &http.Server{Handler: http.HandlerFunc(p.serve), ReadHeaderTimeout: 10 * time.Second, ConnState: p.track}
	p.listen(ln)
	return p, nil
}

// listen serves on ln; p.mu is held or the proxy is new.
func (p *Proxy) listen(ln net.Listener) {
	p.ln = ln
	p.listening.Add(1)
	go func() {
		defer p.listening.Done()
		_ = p.srv.Serve(ln)
	}()
}

func (p *Proxy) track(c net.Conn, s http.ConnState) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch s {
	case http.StateNew:
		p.conns[c] = struct{}{}
	case http.StateClosed, http.StateHijacked:
		delete(p.conns, c)
	}
}

// Set applies f to every request from now on.
func (p *Proxy) Set(f Fault) error { return p.SetAfter(f, 0) }

// SetAfter passes the next n requests, then applies f to every request
// after them. Refusing starts at once only when n is 0.
func (p *Proxy) SetAfter(f Fault, n int) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fault, p.after = f, n
	if f == Refuse && n == 0 {
		p.refuseLocked()
		return nil
	}
	if p.ln == nil && !p.closed {
		// Listen again on the same address, so clients find the service
		// back where it was.
		ln, err := net.Listen("tcp", p.addr)
		if err != nil {
			return fmt.Errorf("faultproxy: listen again on %s: %w", p.addr, err)
		}
		p.listen(ln)
	}
	return nil
}

// refuseLocked stops listening (new connections are refused) and resets
// the open ones, idle keep-alive connections included.
func (p *Proxy) refuseLocked() {
	if p.ln != nil {
		_ = p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		reset(c)
		delete(p.conns, c)
	}
}

// Requests is how many requests the proxy has received, faulted or not.
func (p *Proxy) Requests() int { p.mu.Lock(); defer p.mu.Unlock(); return p.seen }

// Ops lists the operation of every request received (the X-Amz-Target
// header's operation, or method and path for REST APIs), oldest first.
func (p *Proxy) Ops() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.ops...)
}

// Close stops the proxy and frees every hanging request.
func (p *Proxy) Close() error {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	err := p.srv.Close()
	p.listening.Wait()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// faultFor counts the request and returns the fault that applies to it.
func (p *Proxy) faultFor(r *http.Request) Fault {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.seen++
	op := r.Header.Get("X-Amz-Target")
	if _, after, ok := strings.Cut(op, "."); ok {
		op = after
	}
	if op == "" {
		op = r.Method + " " + r.URL.Path
	}
	p.ops = append(p.ops, op)
	if p.after > 0 {
		p.after--
		return Pass
	}
	return p.fault
}

func (p *Proxy) serve(w http.ResponseWriter, r *http.Request) {
	switch p.faultFor(r) {
	case Pass:
		p.rp.ServeHTTP(w, r)
	case Refuse:
		p.mu.Lock()
		p.refuseLocked()
		p.mu.Unlock()
		if hj, ok := w.(http.Hijacker); ok {
			if c, _, err := hj.Hijack(); err == nil {
				reset(c)
				return
			}
		}
		panic(http.ErrAbortHandler)
	case Hang:
		// Read the request as a real server would, then say nothing until
		// the client gives up or the proxy closes.
		_, _ = io.Copy(io.Discard, r.Body)
		<-r.Context().Done()
	case Throttle:
		p.throttle(w, r, false)
	case Capacity:
		p.throttle(w, r, true)
	case ServerError:
		p.serverError(w, r)
	}
}

// reset closes c with a TCP reset rather than an orderly close.
func reset(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = c.Close()
}

// throttle answers with the service's throttling error.
func (p *Proxy) throttle(w http.ResponseWriter, r *http.Request, capacity bool) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	w.Header().Set("X-Amzn-RequestId", "faultproxy")
	switch p.proto {
	case DynamoDB:
		op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "DynamoDB_20120810.")
		if capacity {
			awsJSON(w, "application/x-amz-json-1.0", http.StatusBadRequest, map[string]any{
				"__type":  "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
				"message": "The level of configured provisioned throughput for the table was exceeded.",
			})
			return
		}
		if op == "TransactWriteItems" {
			awsJSON(w, "application/x-amz-json-1.0", http.StatusBadRequest, transactionThrottled(body))
			return
		}
		awsJSON(w, "application/x-amz-json-1.0", http.StatusBadRequest, map[string]any{
			"__type": "com.amazonaws.dynamodb.v20120810#ThrottlingException", "message": "Rate of requests exceeds the allowed throughput.",
		})
	case SESv2:
		w.Header().Set("X-Amzn-ErrorType", "TooManyRequestsException")
		awsJSON(w, "application/json", http.StatusTooManyRequests, map[string]any{"message": "Too many requests have been made to the operation."})
	case SMSVoice:
		w.Header().Set("X-Amzn-ErrorType", "ThrottlingException")
		awsJSON(w, "application/x-amz-json-1.0", http.StatusBadRequest, map[string]any{
			"__type": "ThrottlingException", "message": "An error that occurred because too many requests were sent during a certain amount of time.",
		})
	case KMS:
		awsJSON(w, "application/x-amz-json-1.1", http.StatusBadRequest, map[string]any{
			"__type": "ThrottlingException", "message": "Rate exceeded",
		})
	}
}

// serverError answers with the service's internal error.
func (p *Proxy) serverError(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 1<<20))
	w.Header().Set("X-Amzn-RequestId", "faultproxy")
	switch p.proto {
	case DynamoDB:
		awsJSON(w, "application/x-amz-json-1.0", http.StatusInternalServerError, map[string]any{
			"__type": "com.amazonaws.dynamodb.v20120810#InternalServerError", "message": "Internal server error",
		})
	case SESv2:
		w.Header().Set("X-Amzn-ErrorType", "InternalFailure")
		awsJSON(w, "application/json", http.StatusInternalServerError, map[string]any{"message": "Internal failure"})
	case SMSVoice:
		w.Header().Set("X-Amzn-ErrorType", "InternalServerException")
		awsJSON(w, "application/x-amz-json-1.0", http.StatusInternalServerError, map[string]any{
			"__type": "InternalServerException", "message": "Internal server error",
		})
	case KMS:
		awsJSON(w, "application/x-amz-json-1.1", http.StatusInternalServerError, map[string]any{
			"__type": "KMSInternalException", "message": "Internal failure",
		})
	}
}

// transactionThrottled is DynamoDB's answer to a transaction refused for
// capacity: cancelled, with ThrottlingError for its first item and None
// for the others.
func transactionThrottled(body []byte) map[string]any {
	var in struct{ TransactItems []json.RawMessage }
	_ = json.NewDecoder(bytes.NewReader(body)).Decode(&in)
	reasons := make([]map[string]string, max(len(in.TransactItems), 1))
	codes := make([]string, len(reasons))
	for i := range reasons {
		reasons[i], codes[i] = map[string]string{"Code": "None"}, "None"
	}
	reasons[0] = map[string]string{"Code": "ThrottlingError", "Message": "Throughput exceeds the current capacity of your table or index."}
	codes[0] = "ThrottlingError"
	return map[string]any{
		"__type":              "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
		"Message":             "Transaction cancelled, please refer cancellation reasons for specific reasons [" + strings.Join(codes, ", ") + "]",
		"CancellationReasons": reasons,
	}
}

func awsJSON(w http.ResponseWriter, contentType string, status int, v any) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
