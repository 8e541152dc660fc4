package localstack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"push-reactivation/shared/apigw"
	"push-reactivation/shared/metrics"
)

// Invoker runs one function for one event, the way Lambda would.
type Invoker interface {
	Invoke(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)
}

// RouterInvoker runs a function in this process through its router: the
// same code Lambda runs, without the runtime API in between.
type RouterInvoker struct {
	Router *apigw.Router
	// Metrics, when set, is the invocation's EMF emitter, as
	// metrics.LambdaContext gives it to a function on Lambda.
	Metrics *metrics.Emitter
}

// Invoke calls the router. A panic that escapes it is the function
// crashing: an error, as Lambda would report it.
func (in RouterInvoker) Invoke(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (resp events.APIGatewayV2HTTPResponse, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("function panicked: %v", p)
		}
	}()
	if in.Metrics != nil {
		ctx = metrics.NewContext(ctx, in.Metrics)
	}
	return in.Router.Handle(ctx, ev)
}

// checkedInvoker shows check every answer of in (Options.CheckAnswer).
type checkedInvoker struct {
	in    Invoker
	check func(events.APIGatewayV2HTTPRequest, events.APIGatewayV2HTTPResponse)
}

func (c checkedInvoker) Invoke(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	resp, err := c.in.Invoke(ctx, ev)
	if err == nil {
		c.check(ev, resp)
	}
	return resp, err
}

// PayloadInvoker runs a function that takes and returns JSON payloads
// (Lambda's Invoke API, as aws-lambda-rie serves it) and reads its answer
// the way API Gateway does for payload format 2.0.
type PayloadInvoker func(ctx context.Context, payload []byte) ([]byte, error)

// Invoke sends the event as JSON and decodes the response.
func (f PayloadInvoker) Invoke(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	payload, err := json.Marshal(ev)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	out, err := f(ctx, payload)
	if err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	return DecodeResponse(out)
}

// DecodeResponse reads a function's answer to a payload 2.0 event. An
// object with statusCode is a full response; anything else valid (API
// Gateway's format inference) is a 200 JSON body; a runtime error
// document ({"errorMessage", "errorType"}) is an error.
func DecodeResponse(out []byte) (events.APIGatewayV2HTTPResponse, error) {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(out, &probe); err == nil {
		if _, ok := probe["statusCode"]; ok {
			var resp events.APIGatewayV2HTTPResponse
			if err := json.Unmarshal(out, &resp); err != nil {
				return resp, fmt.Errorf("malformed function response: %w", err)
			}
			return resp, nil
		}
		if msg, ok := probe["errorMessage"]; ok {
			var m, typ string
			_ = json.Unmarshal(msg, &m)
			_ = json.Unmarshal(probe["errorType"], &typ)
			return events.APIGatewayV2HTTPResponse{}, fmt.Errorf("function error %s: %s", typ, m)
		}
	}
	if !json.Valid(out) {
		return events.APIGatewayV2HTTPResponse{}, errors.New("function returned invalid JSON")
	}
	return events.APIGatewayV2HTTPResponse{StatusCode: http.StatusOK, Body: string(out),
		Headers: map[string]string{"Content-Type": "application/json"}}, nil
}

// Gateway is the local API Gateway HTTP API: it matches each request
// against the template's routes, builds the payload 2.0 event, invokes
// the function that owns the route and writes its response. It answers
// CORS preflights from the template's CorsConfiguration, as API Gateway
// does. Requests that match no route are served from Static (GET and
// HEAD), else go to the $default route's function, as on AWS (or, in a
// template without one, get API Gateway's bare 404).
type Gateway struct {
	routes    []Route // most specific first
	functions map[string]*gatewayFunction
	cors      CORS
	static    fs.FS
	log       *slog.Logger
	now       func() time.Time

	// defaultRoute is the template's $default route, if it has one.
	defaultRoute *Route
}

type gatewayFunction struct {
	invoker Invoker
	timeout time.Duration
}

// MaxPayloadBytes is API Gateway's request size limit (10 MB).
const MaxPayloadBytes = 10 << 20

// NewGateway builds the gateway for the template's routes. invokers maps
// logical ids to their invokers; every function with routes needs one.
// static may be nil.
func NewGateway(t *Template, invokers map[string]Invoker, static fs.FS, log *slog.Logger) (*Gateway, error) {
	g := &Gateway{functions: map[string]*gatewayFunction{}, cors: t.CORS, static: static, log: log, now: time.Now}
	for _, f := range t.Functions {
		if len(f.Routes) == 0 {
			continue
		}
		in, ok := invokers[f.LogicalID]
		if !ok {
			return nil, fmt.Errorf("localstack: no invoker for %s", f.LogicalID)
		}
		g.functions[f.LogicalID] = &gatewayFunction{invoker: in, timeout: time.Duration(f.TimeoutSecs) * time.Second}
		for _, r := range f.Routes {
			if r.IsDefault() {
				g.defaultRoute = &r
				continue
			}
			g.routes = append(g.routes, r)
		}
	}
	slices.SortStableFunc(g.routes, moreSpecific)
	return g, nil
}

// moreSpecific orders routes the way API Gateway picks among several that
// match: a literal segment beats a {parameter} at the first place they
// differ, and a method beats ANY.
func moreSpecific(a, b Route) int {
	as, bs := strings.Split(a.Path, "/"), strings.Split(b.Path, "/")
	for i := 0; i < len(as) && i < len(bs); i++ {
		ap, bp := isParam(as[i]), isParam(bs[i])
		if ap != bp {
			if ap {
				return 1
			}
			return -1
		}
	}
	if (a.Method == "ANY") != (b.Method == "ANY") {
		if a.Method == "ANY" {
			return 1
		}
		return -1
	}
	return 0
}

func isParam(seg string) bool { return strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") }

// Match finds the route of a request and its path parameters.
func (g *Gateway) Match(method, escapedPath string) (Route, map[string]string, bool) {
	for _, r := range g.routes {
		if params, ok := apigw.MatchRoute(r.Key(), method, escapedPath); ok {
			return r, params, true
		}
	}
	return Route{}, nil, false
}

// ServeHTTP serves one request.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if g.preflight(w, r) {
		return
	}
	route, params, ok := g.Match(r.Method, r.URL.EscapedPath())
	if !ok {
		if (r.Method == http.MethodGet || r.Method == http.MethodHead) && g.serveStatic(w, r) {
			return
		}
		if g.defaultRoute == nil {
			WriteGatewayError(w, http.StatusNotFound, "Not Found")
			return
		}
		route, params = *g.defaultRoute, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxPayloadBytes+1))
	if err != nil {
		WriteGatewayError(w, http.StatusBadRequest, "Bad Request")
		return
	}
	if len(body) > MaxPayloadBytes {
		WriteGatewayError(w, http.StatusRequestEntityTooLarge, "Request Entity Too Large")
		return
	}
	ev := NewEvent(r, body, route, params, g.now())
	fn := g.functions[route.Function]
	ctx, cancel := context.WithTimeout(r.Context(), fn.timeout)
	defer cancel()
	start := time.Now()
	resp, err := fn.invoker.Invoke(ctx, ev)
	w.Header().Set("Apigw-Requestid", ev.RequestContext.RequestID)
	if err != nil {
		// API Gateway hides the cause from the caller; the operator sees it.
		g.log.Error("function failed", "function", route.Function, "route", route.Key(),
			"request_id", ev.RequestContext.RequestID, "error", err.Error())
		WriteGatewayError(w, http.StatusInternalServerError, "Internal Server Error")
		return
	}
	resp.Headers = maps.Clone(resp.Headers) // the function's own map is not ours to change
	if resp.Headers == nil {
		resp.Headers = map[string]string{}
	}
	g.corsHeaders(r, resp.Headers)
	WriteResponse(w, resp)
	g.log.Debug("invoke", "function", route.Function, "route", route.Key(), "status", resp.StatusCode,
		"duration_ms", time.Since(start).Milliseconds())
}

// preflight answers a CORS preflight for any path, as API Gateway does
// when the API has a CorsConfiguration (the functions never see it).
func (g *Gateway) preflight(w http.ResponseWriter, r *http.Request) bool {
	if r.Method != http.MethodOptions || r.Header.Get("Origin") == "" || r.Header.Get("Access-Control-Request-Method") == "" {
		return false
	}
	if len(g.cors.AllowOrigins) == 0 {
		return false
	}
	h := w.Header()
	if origin := r.Header.Get("Origin"); g.originAllowed(origin) {
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Vary", "Origin")
		if len(g.cors.AllowMethods) > 0 {
			h.Set("Access-Control-Allow-Methods", strings.Join(g.cors.AllowMethods, ","))
		}
		if len(g.cors.AllowHeaders) > 0 {
			h.Set("Access-Control-Allow-Headers", strings.ToLower(strings.Join(g.cors.AllowHeaders, ",")))
		}
		if g.cors.MaxAge > 0 {
			h.Set("Access-Control-Max-Age", strconv.Itoa(g.cors.MaxAge))
		}
		if g.cors.Credentials {
			h.Set("Access-Control-Allow-Credentials", "true")
		}
	}
	w.WriteHeader(http.StatusNoContent)
	return true
}

// corsHeaders sets the CORS response headers on an allowed origin's
// request, overriding the function's, as API Gateway does.
func (g *Gateway) corsHeaders(r *http.Request, h map[string]string) {
	origin := r.Header.Get("Origin")
	if origin == "" || !g.originAllowed(origin) {
		return
	}
	h["Access-Control-Allow-Origin"] = origin
	h["Vary"] = "Origin"
	if len(g.cors.ExposeHeaders) > 0 {
		h["Access-Control-Expose-Headers"] = strings.Join(g.cors.ExposeHeaders, ",")
	}
	if g.cors.Credentials {
		h["Access-Control-Allow-Credentials"] = "true"
	}
}

func (g *Gateway) originAllowed(origin string) bool {
	return slices.Contains(g.cors.AllowOrigins, origin) || slices.Contains(g.cors.AllowOrigins, "*")
}

// serveStatic serves the reference panel's files; it reports false when
// there is no such file, so the caller answers like API Gateway.
func (g *Gateway) serveStatic(w http.ResponseWriter, r *http.Request) bool {
	if g.static == nil {
		return false
	}
	name := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
	if name == "" {
		name = "."
	}
	fi, err := fs.Stat(g.static, name)
	if err != nil {
		return false
	}
	if fi.IsDir() {
		if _, err := fs.Stat(g.static, path.Join(name, "index.html")); err != nil {
			return false
		}
	}
	w.Header().Set("Cache-Control", "no-cache")
	http.FileServerFS(g.static).ServeHTTP(w, r)
	return true
}

// ServerTimeouts bound how long one connection may hold the gateway's
// HTTP and HTTPS servers, so a client that trickles its request (a
// slowloris) is cut off instead of holding a connection and a goroutine
// for as long as it likes.
type ServerTimeouts struct {
	// ReadHeader bounds reading the request line and headers.
	ReadHeader time.Duration
	// Read bounds reading the whole request, body included.
	Read time.Duration
	// Write bounds the time from the end of the request headers to the
	// end of the response: it must leave room for the function to run.
	Write time.Duration
	// Idle bounds the wait for the next request on a kept-alive
	// connection.
	Idle time.Duration
}

// APIGatewayTimeouts are what API Gateway HTTP APIs do, as near as its
// published figures allow: the integration may take up to 30 s (its fixed
// quota), so a response may take that long to write; reading a request
// gets 10 s (API Gateway publishes no figure; a panel or phone request is
// a few KiB, and 10 s is generous on any link); idle kept-alive
// connections are dropped after a minute.
var APIGatewayTimeouts = ServerTimeouts{
	ReadHeader: 10 * time.Second,
	Read:       10 * time.Second,
	Write:      35 * time.Second, // the 30 s integration timeout, plus writing
	Idle:       60 * time.Second,
}

// Server returns an HTTP server of h with these timeouts; errLog may be
// nil.
func (t ServerTimeouts) Server(h http.Handler, errLog *slog.Logger) *http.Server {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: t.ReadHeader, ReadTimeout: t.Read, WriteTimeout: t.Write, IdleTimeout: t.Idle}
	if errLog != nil {
		srv.ErrorLog = slog.NewLogLogger(errLog.Handler(), slog.LevelDebug)
	}
	return srv
}
