// Package metrics writes CloudWatch Embedded Metric Format (EMF) lines:
// one JSON object per line on the function's output, which CloudWatch
// Logs turns into metrics. There is no SDK call and no network on the
// request path; a line costs a few hundred bytes of log ingestion.
//
// The emitter travels in the context (NewContext): the Lambda entry
// points put one on the invocation context, tests put one writing to a
// buffer. The adapters emit (shared/apigw per request, shared/dynamo per
// committed audit event, shared/sesmail and shared/smsvoice per send), so
// the logic packages neither import nor call this package. Without an
// emitter in the context every call is a no-op.
//
// Every metric is declared in Defs, with its unit and dimension sets;
// docs/operations.md lists them and a test keeps the two equal, and
// another checks that every alarm in template.yaml names one of them.
package metrics

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"push-reactivation/shared/correlation"
)

// DefaultNamespace is the namespace when METRICS_NAMESPACE is empty;
// template.yaml sets PushReactivation/<stack name>, so a dev and a prod
// stack in one account keep their metrics apart.
const DefaultNamespace = "PushReactivation"

// Service is the value of the Service dimension every metric carries:
// the dimension set of the service-wide series the alarms watch.
const Service = "push-reactivation"

// Name is a metric name; every one is declared in Defs.
type Name string

// The metrics. Keep Defs, docs/operations.md and template.yaml's alarms
// in step (metrics_test.go and infra/localstack's template test check).
const (
	Requests            Name = "Requests"
	ServerErrors        Name = "ServerErrors"
	Latency             Name = "Latency"
	DependencyFailures  Name = "DependencyFailures"
	Throttled           Name = "Throttled"
	SignatureFailures   Name = "SignatureFailures"
	Logins              Name = "Logins"
	Lockouts            Name = "Lockouts"
	Reactivations       Name = "Reactivations"
	MessagesSent        Name = "MessagesSent"
	MessageSendFailures Name = "MessageSendFailures"
	EmailFeedback       Name = "EmailFeedback"
)

// Dimension names.
const (
	DimService   = "Service"
	DimRoute     = "Route"     // the route key, "POST /v1/login"
	DimFactor    = "Factor"    // sms, phone, push, passcode
	DimOutcome   = "Outcome"   // success, failure
	DimStage     = "Stage"     // started, activated, expired, cancelled
	DimStartedBy = "StartedBy" // self, owner (who started the reactivation); unknown when the event does not say
	DimChannel   = "Channel"   // email, sms, voice
	DimKind      = "Kind"      // bounce, complaint
)

// Units (a subset of CloudWatch's).
const (
	Count        = "Count"
	Milliseconds = "Milliseconds"
)

// Def declares one metric.
type Def struct {
	Name Name
	Unit string
	// Dimensions are the dimension sets the metric is published under;
	// each starts with Service.
	Dimensions [][]string
	// Help says what one data point means.
	Help string
}

var (
	svc      = []string{DimService}
	svcRoute = []string{DimService, DimRoute}
)

// Defs is every metric the code emits.
var Defs = []Def{
	{Requests, Count, [][]string{svc, svcRoute}, "one answered API request (shared/apigw)"},
	{ServerErrors, Count, [][]string{svc, svcRoute}, "1 when the answer was 5xx, else 0: its Average is the 5xx rate"},
	{Latency, Milliseconds, [][]string{svc, svcRoute}, "time from event to answer inside the function"},
	{DependencyFailures, Count, [][]string{svc, svcRoute}, "an answer 503 50301: DynamoDB, SES or SMS/voice down, hanging or throttling"},
	{Throttled, Count, [][]string{svc, svcRoute}, "an answer 429 42901 (rate limits, concurrent lockout attempts)"},
	{SignatureFailures, Count, [][]string{svc}, "a phone request under /push/v2/device/ refused 401 (bad or missing signature, unknown key)"},
	{Logins, Count, [][]string{{DimService, DimFactor, DimOutcome}}, "a second-factor check (login.verify, login.push audit events), by factor and outcome"},
	{Lockouts, Count, [][]string{svc}, "an admin locked out after too many failed second factors (login.locked)"},
	{Reactivations, Count, [][]string{{DimService, DimStage, DimStartedBy}}, "a reactivation started, activated or cancelled (audit events), or found expired by a phone (410 on POST /push/v2/activation/{code})"},
	{MessagesSent, Count, [][]string{{DimService, DimChannel}}, "an email, SMS or voice call accepted by SES or End User Messaging"},
	{MessageSendFailures, Count, [][]string{{DimService, DimChannel}}, "a send SES or End User Messaging refused or did not answer"},
	{EmailFeedback, Count, [][]string{{DimService, DimKind}}, "an SES bounce (permanent) or complaint recorded on an admin (SES event handler)"},
}

// Lookup returns the definition of name.
func Lookup(name Name) (Def, bool) {
	for _, d := range Defs {
		if d.Name == name {
			return d, true
		}
	}
	return Def{}, false
}

// Emitter writes EMF lines to w. It is safe for concurrent use.
type Emitter struct {
	mu        sync.Mutex
	w         io.Writer
	namespace string
	now       func() time.Time
}

// New returns an emitter writing to w (os.Stdout in Lambda) under
// namespace (DefaultNamespace when empty).
func New(w io.Writer, namespace string) *Emitter {
	if namespace == "" {
		namespace = DefaultNamespace
	}
	return &Emitter{w: w, namespace: namespace, now: time.Now}
}

type ctxKey struct{}

// NewContext returns ctx carrying e.
func NewContext(ctx context.Context, e *Emitter) context.Context {
	return context.WithValue(ctx, ctxKey{}, e)
}

// FromContext returns ctx's emitter, or nil (a no-op emitter).
func FromContext(ctx context.Context) *Emitter {
	if ctx == nil {
		return nil
	}
	e, _ := ctx.Value(ctxKey{}).(*Emitter)
	return e
}

// Point is one value of one metric.
type Point struct {
	Name  Name
	Value float64
}

// Emit writes one EMF line holding points, all under the dimension values
// dims (Service is added). A metric not in Defs, or one whose dimension
// sets need a dimension dims lacks, is dropped rather than published
// under the wrong series. On a nil emitter it does nothing.
func (e *Emitter) Emit(ctx context.Context, dims map[string]string, points ...Point) {
	if e == nil || len(points) == 0 {
		return
	}
	root := map[string]any{DimService: Service}
	for k, v := range dims {
		root[k] = v
	}
	if id := correlation.ID(ctx); id != "" {
		root[correlation.Key] = id
	}
	// One directive per distinct dimension layout, metrics sorted, so the
	// line is deterministic.
	type directive struct {
		Namespace  string       `json:"Namespace"`
		Dimensions [][]string   `json:"Dimensions"`
		Metrics    []metricDecl `json:"Metrics"`
	}
	byLayout := map[string]*directive{}
	var layouts []string
	for _, p := range points {
		def, ok := Lookup(p.Name)
		if !ok || !hasAll(root, def.Dimensions) {
			continue
		}
		layout := layoutKey(def.Dimensions)
		d := byLayout[layout]
		if d == nil {
			d = &directive{Namespace: e.namespace, Dimensions: def.Dimensions}
			byLayout[layout] = d
			layouts = append(layouts, layout)
		}
		d.Metrics = append(d.Metrics, metricDecl{Name: string(p.Name), Unit: def.Unit})
		root[string(p.Name)] = p.Value
	}
	if len(layouts) == 0 {
		return
	}
	sort.Strings(layouts)
	directives := make([]*directive, 0, len(layouts))
	for _, l := range layouts {
		directives = append(directives, byLayout[l])
	}
	root["_aws"] = map[string]any{"Timestamp": e.now().UnixMilli(), "CloudWatchMetrics": directives}
	b, err := json.Marshal(root)
	if err != nil {
		return // only strings and numbers: cannot happen
	}
	b = append(b, '\n')
	e.mu.Lock()
	defer e.mu.Unlock()
	// A metric line that cannot be written is lost, like a log line; the
	// answer to the caller does not depend on it.
	_, _ = e.w.Write(b)
}

type metricDecl struct {
	Name string `json:"Name"`
	Unit string `json:"Unit"`
}

func hasAll(root map[string]any, sets [][]string) bool {
	for _, set := range sets {
		for _, k := range set {
			if v, ok := root[k].(string); !ok || v == "" {
				return false
			}
		}
	}
	return true
}

func layoutKey(sets [][]string) string {
	parts := make([]string, len(sets))
	for i, s := range sets {
		parts[i] = strings.Join(s, ",")
	}
	return strings.Join(parts, ";")
}

// Count emits value 1 of name under dims.
func (e *Emitter) Count(ctx context.Context, name Name, dims map[string]string) {
	e.Emit(ctx, dims, Point{Name: name, Value: 1})
}

// LambdaContext is the base context of a function's invocations
// (lambda.WithContext): it carries an emitter writing EMF lines to
// stdout, which Lambda sends to the function's log group.
func LambdaContext(namespace string) context.Context {
	return NewContext(context.Background(), New(os.Stdout, namespace))
}
