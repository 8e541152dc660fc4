package localstack

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
)

// Values API Gateway puts in every event; SAM local uses the same ones.
const (
	eventAccountID = "123456789012"
	eventAPIID     = "1234567890"
	eventStage     = "$default"
)

// NewEvent turns an HTTP request into the API Gateway HTTP API payload
// format 2.0 event that invokes route's function, as API Gateway builds
// it: routeKey as in the template, rawPath and rawQueryString as sent,
// header names lower-cased (repeated headers joined with ","), cookies
// taken out of the headers, path parameters decoded, and the body
// base64-encoded unless it is text (see isText).
func NewEvent(r *http.Request, body []byte, route Route, params map[string]string, now time.Time) events.APIGatewayV2HTTPRequest {
	path := r.URL.EscapedPath()
	headers := map[string]string{}
	for k, vs := range r.Header {
		headers[strings.ToLower(k)] = strings.Join(vs, ",")
	}
	var cookies []string
	if c, ok := headers["cookie"]; ok {
		delete(headers, "cookie")
		for _, part := range strings.Split(c, ";") {
			if part = strings.TrimSpace(part); part != "" {
				cookies = append(cookies, part)
			}
		}
	}
	sourceIP, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		sourceIP = r.RemoteAddr
	}
	proto, port := "http", "80"
	if r.TLS != nil {
		proto, port = "https", "443"
	}
	host := r.Host
	domain := host
	if h, p, err := net.SplitHostPort(host); err == nil {
		domain, port = h, p
	}
	headers["host"] = host
	headers["x-forwarded-for"] = sourceIP
	headers["x-forwarded-proto"] = proto
	headers["x-forwarded-port"] = port
	if len(body) > 0 {
		headers["content-length"] = strconv.Itoa(len(body))
	}
	requestID := newRequestID()
	headers["x-amzn-trace-id"] = fmt.Sprintf("Root=1-%08x-%s", now.Unix(), requestID[:24])

	ev := events.APIGatewayV2HTTPRequest{
		Version:        "2.0",
		RouteKey:       route.Key(),
		RawPath:        path,
		RawQueryString: r.URL.RawQuery,
		Cookies:        cookies,
		Headers:        headers,
		PathParameters: params,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey:     route.Key(),
			AccountID:    eventAccountID,
			Stage:        eventStage,
			RequestID:    requestID,
			APIID:        eventAPIID,
			DomainName:   domain,
			DomainPrefix: strings.SplitN(domain, ".", 2)[0],
			Time:         now.UTC().Format("02/Jan/2006:15:04:05 -0700"),
			TimeEpoch:    now.UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method:    r.Method,
				Path:      path,
				Protocol:  r.Proto,
				SourceIP:  sourceIP,
				UserAgent: r.UserAgent(),
			},
		},
	}
	if len(params) == 0 {
		ev.PathParameters = nil
	}
	if q, err := url.ParseQuery(r.URL.RawQuery); err == nil && len(q) > 0 {
		ev.QueryStringParameters = map[string]string{}
		for k, vs := range q {
			ev.QueryStringParameters[k] = strings.Join(vs, ",")
		}
	}
	if len(body) > 0 {
		if isText(r.Header.Get("Content-Type"), body) {
			ev.Body = string(body)
		} else {
			ev.Body = base64.StdEncoding.EncodeToString(body)
			ev.IsBase64Encoded = true
		}
	}
	return ev
}

// isText reports whether API Gateway passes a body of this content type
// as text. HTTP APIs pass text/*, JSON, XML and JavaScript as they are and
// base64-encode everything else, application/x-www-form-urlencoded
// included (a classic surprise that the device API must cope with). A
// body without a content type passes as text when it is UTF-8.
func isText(contentType string, body []byte) bool {
	if contentType == "" {
		return utf8.Valid(body)
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	switch {
	case strings.HasPrefix(mt, "text/"),
		mt == "application/json", strings.HasSuffix(mt, "+json"),
		mt == "application/xml", strings.HasSuffix(mt, "+xml"),
		mt == "application/javascript":
		return utf8.Valid(body)
	}
	return false
}

// WriteResponse writes a payload 2.0 response: status, headers (single
// and multi-value), cookies as Set-Cookie, and the body, decoded when the
// function base64-encoded it.
func WriteResponse(w http.ResponseWriter, resp events.APIGatewayV2HTTPResponse) {
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(resp.Body)
		if err != nil {
			WriteGatewayError(w, http.StatusInternalServerError, "Internal Server Error")
			return
		}
		body = b
	}
	h := w.Header()
	for k, vs := range resp.MultiValueHeaders {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	for k, v := range resp.Headers {
		h.Set(k, v)
	}
	for _, c := range resp.Cookies {
		h.Add("Set-Cookie", c)
	}
	status := resp.StatusCode
	if status == 0 {
		status = http.StatusOK
	}
	if h.Get("Content-Type") == "" && len(body) > 0 {
		h.Set("Content-Type", "application/json")
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// WriteGatewayError answers the way API Gateway itself does when no
// function answers: {"message": "..."}.
func WriteGatewayError(w http.ResponseWriter, status int, message string) {
	b := fmt.Appendf(nil, `{"message":%q}`, message)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func newRequestID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
