package localstack

import (
	"bufio"
	"io"
	"log/slog"
	"sync"
	"time"

	"push-reactivation/shared/correlation"
)

// functionLog buffers the in-process functions' log lines on their way to
// stderr. A slog handler holds its lock while it writes a line: unbuffered,
// that is a write system call per request under a lock every request of
// the function takes, and under make load at 16 concurrent requests the
// lock profile shows the request log line as the stack's largest wait
// (about a third of all contention, ahead of the embedded DynamoDB's one
// lock). Buffered, the lock covers a copy into memory; a flusher writes
// every flushEvery, and Close writes the rest. A Lambda instance serves one
// request at a time, so only the local stack, which serves them all in one
// process, has this contention.
type functionLog struct {
	mu   sync.Mutex
	w    *bufio.Writer
	stop chan struct{}
	done chan struct{}
}

// flushEvery bounds how late a function's log line reaches stderr.
const flushEvery = 100 * time.Millisecond

func newFunctionLog(out io.Writer) *functionLog {
	l := &functionLog{w: bufio.NewWriterSize(out, 64<<10), stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(l.done)
		t := time.NewTicker(flushEvery)
		defer t.Stop()
		for {
			select {
			case <-l.stop:
				return
			case <-t.C:
				l.flush()
			}
		}
	}()
	return l
}

func (l *functionLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (l *functionLog) flush() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Flush()
}

// Close stops the flusher and writes what is buffered.
func (l *functionLog) Close() error {
	close(l.stop)
	<-l.done
	return l.flush()
}

// logger is config.Logger writing to l: JSON lines carrying the request
// id, at level.
func (l *functionLog) logger(level slog.Leveler) *slog.Logger {
	return slog.New(correlation.NewHandler(slog.NewJSONHandler(l, &slog.HandlerOptions{Level: level})))
}
