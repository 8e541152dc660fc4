// Package correlation carries one request's correlation id (the API
// Gateway request id, $context.requestId, which the access log also
// holds) through the context, and puts it on every log line written with
// that context, so an operator can join the access log, the functions'
// logs, the EMF metric lines and the administrator log on one value.
package correlation

import (
	"context"
	"log/slog"
)

// Key is the name of the correlation id in log lines, EMF lines and
// audit items.
const Key = "request_id"

type ctxKey struct{}

// NewContext returns ctx carrying the correlation id id.
func NewContext(ctx context.Context, id string) context.Context {
	if id == "" {
		return ctx
	}
	return context.WithValue(ctx, ctxKey{}, id)
}

// ID returns ctx's correlation id, or "".
func ID(ctx context.Context) string {
	if ctx == nil {
		return ""
	}
	id, _ := ctx.Value(ctxKey{}).(string)
	return id
}

// Handler adds the context's correlation id to every record logged with
// a context (slog's ...Context methods) that does not already carry one,
// so code that logs with ctx needs no logger of its own per request.
type Handler struct {
	inner slog.Handler
	// has is set once WithAttrs added the id itself (a logger made with
	// log.With(Key, id)), so the line does not carry it twice.
	has bool
}

// NewHandler wraps inner.
func NewHandler(inner slog.Handler) *Handler { return &Handler{inner: inner} }

// Enabled reports whether inner handles level.
func (h *Handler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.inner.Enabled(ctx, level)
}

// Handle adds the id, unless the record or the logger has one already.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	if id := ID(ctx); id != "" && !h.has && !recordHas(r) {
		r = r.Clone()
		r.AddAttrs(slog.String(Key, id))
	}
	return h.inner.Handle(ctx, r)
}

func recordHas(r slog.Record) bool {
	found := false
	r.Attrs(func(a slog.Attr) bool {
		found = a.Key == Key
		return !found
	})
	return found
}

// WithAttrs remembers whether attrs hold the id.
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	has := h.has
	for _, a := range attrs {
		has = has || a.Key == Key
	}
	return &Handler{inner: h.inner.WithAttrs(attrs), has: has}
}

// WithGroup nests inner; the id is then added inside the group, which
// no code of the service does.
func (h *Handler) WithGroup(name string) slog.Handler {
	return &Handler{inner: h.inner.WithGroup(name), has: h.has}
}
