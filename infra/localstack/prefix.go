package localstack

import (
	"bytes"
	"io"
	"sync"
)

// prefixed returns a writer that writes each line to w as "[name] line",
// so the output of several child processes stays readable. Lines are
// written whole; a partial last line waits for its newline.
func prefixed(w io.Writer, name string) io.Writer {
	return &prefixWriter{w: w, prefix: []byte("[" + name + "] ")}
}

// outputMu keeps lines of different writers from interleaving.
var outputMu sync.Mutex

type prefixWriter struct {
	mu     sync.Mutex
	w      io.Writer
	prefix []byte
	buf    []byte
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.buf = append(p.buf, b...)
	for {
		i := bytes.IndexByte(p.buf, '\n')
		if i < 0 {
			break
		}
		line := append(append([]byte{}, p.prefix...), p.buf[:i+1]...)
		p.buf = p.buf[i+1:]
		outputMu.Lock()
		_, err := p.w.Write(line)
		outputMu.Unlock()
		if err != nil {
			return len(b), err
		}
	}
	return len(b), nil
}
