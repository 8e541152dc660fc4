package metrics

import (
	"context"
	"net/http"
	"strings"
	"time"

	"push-reactivation/shared/domain"
)

// RouteActivation is the phone's activation route: a 410 there is a
// reactivation found expired, the only moment an expiry is seen (the
// table's TTL deletes it without an event).
const RouteActivation = "POST /push/v2/activation/{code}"

// RouteMiss is the Route dimension of requests no route matched.
const RouteMiss = "$default"

// Request emits the metrics of one answered request: route is the route
// key (never the raw path, which may hold an activation code), status the
// HTTP status answered. 503 is only ever 50301 and 429 only 42901, so the
// status tells the code.
func (e *Emitter) Request(ctx context.Context, route string, status int, elapsed time.Duration) {
	if e == nil {
		return
	}
	if route == "" {
		route = RouteMiss
	}
	points := []Point{
		{Requests, 1},
		{ServerErrors, b2f(status >= 500)},
		{Latency, float64(elapsed.Microseconds()) / 1000},
	}
	switch {
	case status == http.StatusServiceUnavailable:
		points = append(points, Point{DependencyFailures, 1})
	case status == http.StatusTooManyRequests:
		points = append(points, Point{Throttled, 1})
	case status == http.StatusUnauthorized && strings.Contains(route, " /push/v2/device/"):
		points = append(points, Point{SignatureFailures, 1})
	}
	e.Emit(ctx, map[string]string{DimRoute: route}, points...)
	if route == RouteActivation && status == http.StatusGone {
		e.Count(ctx, Reactivations, map[string]string{DimStage: "expired", DimStartedBy: "unknown"})
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// Audit emits the metrics of one audit event the store has committed.
func (e *Emitter) Audit(ctx context.Context, ev domain.AuditEvent) {
	if e == nil {
		return
	}
	outcome := string(ev.Outcome)
	switch ev.Action {
	case domain.ActionLoginVerify:
		e.Count(ctx, Logins, map[string]string{DimFactor: orUnknown(ev.Details["factor"]), DimOutcome: outcome})
	case domain.ActionLoginPush:
		// Two events per push login: the phone's answer (no factor
		// detail) and the login's completion (factor push). Count the
		// completion, and the phone's refusals, which have none.
		if ev.Details["factor"] != "" || ev.Outcome == domain.OutcomeFailure {
			e.Count(ctx, Logins, map[string]string{DimFactor: string(domain.FactorPush), DimOutcome: outcome})
		}
	case domain.ActionLoginLocked:
		e.Count(ctx, Lockouts, nil)
	case domain.ActionReactivationStart:
		e.Count(ctx, Reactivations, map[string]string{DimStage: "started", DimStartedBy: orUnknown(ev.Details["initiated_by"])})
	case domain.ActionReactivationActivate:
		// initiated_by is the admin id of whoever started it.
		by := "owner"
		if ev.Details["initiated_by"] == ev.TargetID {
			by = "self"
		}
		e.Count(ctx, Reactivations, map[string]string{DimStage: "activated", DimStartedBy: by})
	case domain.ActionReactivationCancel:
		e.Count(ctx, Reactivations, map[string]string{DimStage: "cancelled", DimStartedBy: orUnknown(ev.Details["initiated_by"])})
	}
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// Channels of MessagesSent and MessageSendFailures.
const (
	ChannelEmail = "email"
	ChannelSMS   = "sms"
	ChannelVoice = "voice"
)

// Send emits the outcome of one send through channel.
func (e *Emitter) Send(ctx context.Context, channel string, err error) {
	name := MessagesSent
	if err != nil {
		name = MessageSendFailures
	}
	e.Count(ctx, name, map[string]string{DimChannel: channel})
}

// Feedback kinds of EmailFeedback.
const (
	KindBounce    = "bounce"
	KindComplaint = "complaint"
)
