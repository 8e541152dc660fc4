package rie

import (
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// TestInvokeAndClose runs a small function under the emulator, invokes it
// concurrently (the Process serializes), and checks that Close stops both
// the emulator and the bootstrap, which the emulator puts in a process
// group of its own.
func TestInvokeAndClose(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	dir := t.TempDir()
	bin, err := Install(ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	bootstrap := filepath.Join(dir, "task", "bootstrap")
	build := exec.CommandContext(ctx, "go", "build", "-tags", "lambda.norpc", "-o", bootstrap, "./testdata/echo")
	build.Env = append(build.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	p, err := Start(ctx, Options{Binary: bin, Bootstrap: bootstrap, Env: []string{"FUNCTION_GREETING=hello", "AWS_LAMBDA_FUNCTION_TIMEOUT=10"}})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()

	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			out, err := p.Invoke(ctx, []byte(`{"n":`+string(rune('0'+i))+`}`))
			if err != nil {
				t.Error(err)
				return
			}
			var got struct {
				Event    struct{ N int } `json:"event"`
				Greeting string          `json:"greeting"`
			}
			if err := json.Unmarshal(out, &got); err != nil || got.Event.N != i || got.Greeting != "hello" {
				t.Errorf("invoke %d: %s (%v)", i, out, err)
			}
		})
	}
	wg.Wait()

	kids := children(p.Pid())
	if len(kids) != 1 {
		t.Fatalf("the emulator has %d children, want the bootstrap", len(kids))
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for kids[0].alive() && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if kids[0].alive() {
		t.Errorf("the bootstrap (pid %d) outlived Close", kids[0].pid)
	}
	if _, err := p.Invoke(ctx, []byte(`{}`)); err == nil {
		t.Error("Invoke after Close succeeded")
	}
}
