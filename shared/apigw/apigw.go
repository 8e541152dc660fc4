// Package apigw adapts API Gateway HTTP API (payload format 2.0) events to
// the service's handlers: routing by route key, the Duo response envelope,
// the one mapping from errors to HTTP status and code, strict JSON
// decoding, bearer sessions, CORS, structured logs and panic recovery.
package apigw

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"reflect"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"push-reactivation/shared/correlation"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/metrics"
)

// HandlerFunc serves one route. It returns the response, or an error that
// the router maps to the FAIL envelope.
type HandlerFunc func(ctx context.Context, r *Request) (*Response, error)

// Authenticator turns a bearer token into the calling principal, or fails
// with domain.ErrNotAuthenticated.
type Authenticator interface {
	Authenticate(ctx context.Context, token string) (*domain.Principal, error)
}

// Route is one method and path of the API, written as in template.yaml
// ("POST /v1/login/{txid}/verify").
type Route struct {
	Key string
	// Auth requires a bearer session; the principal is on the Request.
	Auth    bool
	Handler HandlerFunc
	// Scope, on a POST, PUT or DELETE without Auth, names whose
	// Idempotency-Key records the request's are (idempotency.go); routes
	// with Auth are scoped to their session.
	Scope ScopeFunc
}

// Router dispatches events of one function to its routes.
type Router struct {
	routes      map[string]Route
	patterns    []Route
	Auth        Authenticator
	PanelOrigin string
	Log         *slog.Logger
	// idem, when set by WithIdempotency, honours Idempotency-Key.
	idem *Idempotency
	// before runs ahead of every matched route (before.go).
	before []func(context.Context) error
}

// NewRouter returns a router for the given routes.
func NewRouter(log *slog.Logger, auth Authenticator, panelOrigin string, routes ...Route) *Router {
	rt := &Router{routes: map[string]Route{}, Auth: auth, PanelOrigin: panelOrigin, Log: log}
	for _, r := range routes {
		rt.routes[r.Key] = r
		rt.patterns = append(rt.patterns, r)
	}
	return rt
}

// Routes lists the route keys this router serves.
func (rt *Router) Routes() []string {
	keys := make([]string, 0, len(rt.patterns))
	for _, r := range rt.patterns {
		keys = append(keys, r.Key)
	}
	return keys
}

// Request is one incoming event with helpers for handlers.
type Request struct {
	Event      events.APIGatewayV2HTTPRequest
	Method     string
	Path       string
	PathParams map[string]string
	Body       []byte
	RequestID  string
	// Principal is set on routes with Auth.
	Principal *domain.Principal
}

// Param returns a path parameter.
func (r *Request) Param(name string) string { return r.PathParams[name] }

// Header returns a request header (HTTP API lower-cases header names).
func (r *Request) Header(name string) string {
	name = strings.ToLower(name)
	for k, v := range r.Event.Headers {
		if strings.ToLower(k) == name {
			return v
		}
	}
	return ""
}

// IP is the caller's source address as API Gateway saw it.
func (r *Request) IP() string { return r.Event.RequestContext.HTTP.SourceIP }

// UserAgent is the caller's user agent.
func (r *Request) UserAgent() string { return r.Event.RequestContext.HTTP.UserAgent }

// Query returns the parsed query string.
func (r *Request) Query() url.Values {
	v, err := url.ParseQuery(r.Event.RawQueryString)
	if err != nil {
		return url.Values{}
	}
	return v
}

// DecodeJSON decodes the body strictly into v: one JSON object, declared
// as application/json (else 415 41501), member names exactly as v's json
// tags spell them, none repeated, no unknown fields, nothing after it. An
// empty body is {} (see checkJSONContentType). Failures are 40002 naming
// what was wrong, never echoing a value.
func (r *Request) DecodeJSON(v any) error {
	body := strings.TrimSpace(string(r.Body))
	if err := checkJSONContentType(r.Header("content-type"), body == ""); err != nil {
		return err
	}
	if body == "" {
		body = "{}"
	}
	if body[0] != '{' {
		return domain.Errorf(domain.CodeInvalidParams, "body must be a JSON object")
	}
	if err := exactMembers([]byte(body), reflect.TypeOf(v)); err != nil {
		return err
	}
	dec := json.NewDecoder(strings.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var typeErr *json.UnmarshalTypeError
		switch {
		case errors.As(err, &typeErr) && typeErr.Field != "":
			return domain.InvalidParam(typeErr.Field)
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			return domain.Errorf(domain.CodeInvalidParams, "unknown field %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
		default:
			return domain.Errorf(domain.CodeInvalidParams, "malformed JSON")
		}
	}
	// Only whitespace may follow the object: dec.More() would let a
	// stray "}" or "]" through ("{}}"), as fuzzing found.
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return domain.Errorf(domain.CodeInvalidParams, "malformed JSON")
	}
	return nil
}

// Form returns the request's form fields: the query string, plus the body
// when it is application/x-www-form-urlencoded (the Duo Mobile protocol
// accepts both).
func (r *Request) Form() (url.Values, error) {
	form, err := url.ParseQuery(r.Event.RawQueryString)
	if err != nil {
		return nil, domain.Errorf(domain.CodeInvalidParams, "malformed query string")
	}
	ct := strings.ToLower(r.Header("content-type"))
	if len(r.Body) > 0 && strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		body, err := url.ParseQuery(string(r.Body))
		if err != nil {
			return nil, domain.Errorf(domain.CodeInvalidParams, "malformed form body")
		}
		for k, vs := range body {
			form[k] = append(form[k], vs...)
		}
	}
	return form, nil
}

// Response is what a handler answers. Use OK, Created, Accepted or
// Raw to build one.
type Response struct {
	Status  int
	Headers map[string]string
	// Body is the value inside the OK envelope, or nil for Raw responses.
	Body any
	// RawBody, with Raw, is sent as is (HTML pages).
	RawBody string
	raw     bool
}

// OK answers 200 with v in the OK envelope.
func OK(v any) *Response { return &Response{Status: http.StatusOK, Body: v} }

// Created answers 201 with v in the OK envelope.
func Created(v any) *Response { return &Response{Status: http.StatusCreated, Body: v} }

// Accepted answers 202 with v in the OK envelope.
func Accepted(v any) *Response { return &Response{Status: http.StatusAccepted, Body: v} }

// Raw answers with a body outside the envelope (an HTML page).
func Raw(status int, contentType, body string) *Response {
	return &Response{Status: status, Headers: map[string]string{"Content-Type": contentType}, RawBody: body, raw: true}
}

type okEnvelope struct {
	Stat     string `json:"stat"`
	Response any    `json:"response"`
}

// FailEnvelope is the Duo FAIL envelope.
type FailEnvelope struct {
	Stat          string `json:"stat"`
	Code          int    `json:"code"`
	Message       string `json:"message"`
	MessageDetail string `json:"message_detail,omitempty"`
}

// Handle serves one event; it is the function given to lambda.Start.
// It never returns an error: every failure becomes a FAIL envelope, so
// API Gateway never answers with its own opaque 502.
func (rt *Router) Handle(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (resp events.APIGatewayV2HTTPResponse, _ error) {
	start := time.Now()
	// One deadline for the handler's work, set here so every call inherits
	// it: a hanging dependency is cut off in time to answer 503 within
	// domain.AnswerWithin (compensations run on domain.Detached).
	ctx, cancel := context.WithTimeout(ctx, requestDeadline(ctx))
	defer cancel()
	req := &Request{Event: ev, Method: strings.ToUpper(ev.RequestContext.HTTP.Method), Path: ev.RawPath, RequestID: ev.RequestContext.RequestID}
	if req.Path == "" {
		req.Path = ev.RequestContext.HTTP.Path
	}
	// The correlation id (observability.go) rides on the context to every
	// log line written with it, every audit item and every metric line.
	ctx = correlation.NewContext(ctx, req.RequestID)
	log := rt.Log.With(correlation.Key, req.RequestID)
	var route Route
	var routeKey string
	defer func() {
		if p := recover(); p != nil {
			// The panic value may hold request data, so only its type and
			// the stack go to the log.
			log.Error("handler panicked", "route", routeKey, "panic_type", fmt.Sprintf("%T", p), "stack", string(debug.Stack()))
			resp = rt.fail(req, domain.NewError(domain.CodeInternal))
		}
		elapsed := time.Since(start)
		log.Info("request", "route", routeKey, "method", req.Method, "status", resp.StatusCode,
			"duration_ms", elapsed.Milliseconds(), "trace_id", traceID(ctx, req))
		metrics.FromContext(ctx).Request(ctx, routeKey, resp.StatusCode, elapsed)
	}()

	if req.Method == http.MethodOptions {
		return rt.finish(req, &Response{Status: http.StatusNoContent}), nil
	}
	route, req.PathParams, routeKey = rt.match(ev, req.Method, req.Path)
	if route.Handler == nil {
		return rt.routeMiss(log, req), nil
	}
	body, err := decodeBody(ev)
	if err != nil {
		return rt.failLogged(log, req, err), nil
	}
	req.Body = body
	if err := rt.runBefore(ctx); err != nil {
		return rt.failLogged(log, req, err), nil
	}
	if route.Auth {
		p, err := rt.authenticate(ctx, req)
		if err != nil {
			return rt.failLogged(log, req, err), nil
		}
		req.Principal = p
		log = log.With("admin_id", p.Admin.ID)
		// The session's last_seen_at write runs beside the handler
		// (shared/session); it must land before the answer, or the
		// function may be frozen with it in flight. A failed one only
		// leaves the idle expiry earlier, so the answer stands.
		defer func() {
			if err := p.WaitTouch(); err != nil && !errors.Is(err, domain.ErrNotAuthenticated) {
				log.Warn("session use not recorded", "error", err)
			}
		}()
	}
	if rt.idem != nil && mutating(req.Method) {
		return rt.finish(req, rt.idempotent(ctx, log, req, route)), nil
	}
	out, err := route.Handler(ctx, req)
	if err != nil {
		return rt.failLogged(log, req, err), nil
	}
	return rt.finish(req, out), nil
}

// match finds the route by the event's route key, or by matching the
// method and path against the route patterns (local runs, $default).
func (rt *Router) match(ev events.APIGatewayV2HTTPRequest, method, path string) (Route, map[string]string, string) {
	if r, ok := rt.routes[ev.RouteKey]; ok && ev.PathParameters != nil {
		return r, ev.PathParameters, ev.RouteKey
	}
	for _, r := range rt.patterns {
		if params, ok := MatchRoute(r.Key, method, path); ok {
			return r, params, r.Key
		}
	}
	return Route{}, nil, ""
}

// MatchRoute matches a method and path against a route key such as
// "GET /v1/admins/{admin_id}" and returns the path parameters. HEAD
// requests match GET routes only when the key says HEAD or ANY.
func MatchRoute(routeKey, method, path string) (map[string]string, bool) {
	m, pattern, ok := strings.Cut(routeKey, " ")
	if !ok || (m != method && m != "ANY") {
		return nil, false
	}
	pp := strings.Split(strings.Trim(pattern, "/"), "/")
	sp := strings.Split(strings.Trim(path, "/"), "/")
	if len(pp) != len(sp) {
		return nil, false
	}
	params := map[string]string{}
	for i, seg := range pp {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			v, err := url.PathUnescape(sp[i])
			if err != nil || v == "" {
				return nil, false
			}
			params[seg[1:len(seg)-1]] = v
			continue
		}
		if seg != sp[i] {
			return nil, false
		}
	}
	return params, true
}

func decodeBody(ev events.APIGatewayV2HTTPRequest) ([]byte, error) {
	// Base64 inflates by 4/3; refuse before decoding anything huge.
	if len(ev.Body) > domain.MaxBodyBytes*4/3+4 {
		return nil, domain.NewError(domain.CodeTooLarge)
	}
	body := []byte(ev.Body)
	if ev.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(ev.Body)
		if err != nil {
			return nil, domain.Errorf(domain.CodeInvalidParams, "malformed body encoding")
		}
		body = b
	}
	if len(body) > domain.MaxBodyBytes {
		return nil, domain.NewError(domain.CodeTooLarge)
	}
	return body, nil
}

// authenticate reads "Authorization: Bearer <token>".
func (rt *Router) authenticate(ctx context.Context, req *Request) (*domain.Principal, error) {
	h := req.Header("authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" || rt.Auth == nil {
		return nil, domain.NewError(domain.CodeNotAuthenticated)
	}
	return rt.Auth.Authenticate(ctx, strings.TrimSpace(token))
}

// ErrorResponse maps any error to its status and envelope: an *Error
// shows its code and message, anything else is 500 "Internal error".
func ErrorResponse(err error) (int, FailEnvelope, time.Duration) {
	de, ok := domain.AsError(err)
	if !ok || de.Code == domain.CodeInternal {
		return http.StatusInternalServerError, FailEnvelope{Stat: "FAIL", Code: int(domain.CodeInternal), Message: "Internal error"}, 0
	}
	msg := de.Message
	if msg == "" {
		msg = domain.DefaultMessage(de.Code)
	}
	return de.Code.HTTPStatus(), FailEnvelope{Stat: "FAIL", Code: int(de.Code), Message: msg, MessageDetail: de.Detail}, de.RetryAfter
}

// failLogged logs unexpected errors (with the request id, for operators)
// before answering; expected application errors are logged at debug only.
func (rt *Router) failLogged(log *slog.Logger, req *Request, err error) events.APIGatewayV2HTTPResponse {
	if de, ok := domain.AsError(err); !ok || de.Code == domain.CodeInternal || de.Code == domain.CodeUnavailable {
		log.Error("request failed", "error", err.Error())
	} else {
		log.Debug("request refused", "code", int(de.Code), "detail", de.Detail)
	}
	return rt.fail(req, err)
}

func (rt *Router) fail(req *Request, err error) events.APIGatewayV2HTTPResponse {
	return rt.finish(req, failResponse(err))
}

// failResponse is the FAIL envelope of err, rendered.
func failResponse(err error) *Response {
	status, env, retry := ErrorResponse(err)
	b, _ := json.Marshal(env)
	resp := &Response{Status: status, RawBody: string(b), raw: true, Headers: map[string]string{"Content-Type": "application/json"}}
	if retry > 0 {
		resp.Headers["Retry-After"] = strconv.Itoa(int((retry + time.Second - 1) / time.Second))
	}
	return resp
}

// finish renders a response with the security and CORS headers every
// answer carries.
func (rt *Router) finish(req *Request, r *Response) events.APIGatewayV2HTTPResponse {
	out := events.APIGatewayV2HTTPResponse{StatusCode: r.Status, Headers: map[string]string{
		"Cache-Control":          "no-store",
		"X-Content-Type-Options": "nosniff",
		// DESIGN.md §4.1 wants it on every answer over HTTPS. On AWS every
		// answer is (HTTP APIs serve HTTPS only); the local stack's plain
		// HTTP answers carry it too, which is harmless: browsers ignore
		// Strict-Transport-Security received over http (RFC 6797 §8.1).
		"Strict-Transport-Security": HSTS,
	}}
	for k, v := range r.Headers {
		out.Headers[k] = v
	}
	switch {
	case r.raw:
		out.Body = r.RawBody
	case r.Status == http.StatusNoContent:
	default:
		b, err := json.Marshal(okEnvelope{Stat: "OK", Response: r.Body})
		if err != nil {
			return rt.fail(req, fmt.Errorf("apigw: encode response: %w", err))
		}
		out.Body = string(b)
		out.Headers["Content-Type"] = "application/json"
	}
	if req.Method == http.MethodHead {
		out.Body = ""
	}
	rt.cors(req, out.Headers)
	return out
}

// cors allows the configured panel origin, and only it.
func (rt *Router) cors(req *Request, h map[string]string) {
	origin := req.Header("origin")
	if rt.PanelOrigin == "" || origin == "" || origin != rt.PanelOrigin {
		return
	}
	h["Access-Control-Allow-Origin"] = origin
	h["Vary"] = "Origin"
	h["Access-Control-Allow-Headers"] = "Authorization, Content-Type, X-Login-Secret, Idempotency-Key"
	h["Access-Control-Allow-Methods"] = "GET, POST, PUT, DELETE, OPTIONS"
	h["Access-Control-Max-Age"] = "600"
	h["Access-Control-Expose-Headers"] = "Retry-After, Idempotent-Replayed"
}
