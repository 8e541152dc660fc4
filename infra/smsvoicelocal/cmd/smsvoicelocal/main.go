// Command smsvoicelocal runs the local AWS End User Messaging SMS and Voice
// v2 endpoint of the local stack (DESIGN.md §6): point the SDK at it with
// AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2=http://127.0.0.1:8006 and read what
// was sent with GET /messages.
//
// It logs one JSON line per request (method, path, operation, status,
// duration), never a message body: bodies hold passcodes.
package main

import (
	"context"
	"errors"
	"flag"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"push-reactivation/infra/smsvoicelocal"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8006", "address to listen on")
	flag.Parse()
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	if err := run(*addr, log); err != nil {
		log.Error("smsvoicelocal stopped", "error", err)
		os.Exit(1)
	}
}

func run(addr string, log *slog.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           logRequests(log, smsvoicelocal.New()),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	log.Info("smsvoicelocal listening", "addr", ln.Addr().String(),
		"endpoint", "http://"+ln.Addr().String(), "messages", "http://"+ln.Addr().String()+"/messages")

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("smsvoicelocal shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// statusRecorder remembers the status code a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

// logRequests logs each request's shape and outcome; never its body.
func logRequests(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		attrs := []any{
			"method", r.Method,
			"path", r.URL.Path,
			"status", rec.status,
			"duration_ms", float64(time.Since(start).Microseconds()) / 1000,
		}
		if target := r.Header.Get("X-Amz-Target"); target != "" {
			attrs = append(attrs, "target", target, "request_id", w.Header().Get("X-Amzn-RequestId"))
		}
		log.Info("request", attrs...)
	})
}
