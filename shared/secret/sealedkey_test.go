package secret

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
)

// TestSealedCodeHasherUnwrapsOnce: no hashing before Ready; a failed
// unwrap leaves the hasher keyless and the next Ready tries again; once
// unwrapped, concurrent Ready calls unwrap nothing more, and the hashes
// equal those of a plain hasher with the same key.
func TestSealedCodeHasherUnwrapsOnce(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	var calls atomic.Int32
	fail := atomic.Bool{}
	fail.Store(true)
	h := NewSealedCodeHasher(func(context.Context) ([]byte, error) {
		calls.Add(1)
		if fail.Load() {
			return nil, errors.New("kms down")
		}
		return key, nil
	})
	func() {
		defer func() {
			if recover() == nil {
				t.Error("Hash before Ready did not panic")
			}
		}()
		h.Hash(LoginPasscode, "1234567")
	}()
	if err := h.Ready(context.Background()); err == nil {
		t.Fatal("Ready succeeded with KMS down")
	}
	fail.Store(false)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if err := h.Ready(context.Background()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := calls.Load(); n != 2 {
		t.Fatalf("%d unwraps, want 2 (one failed, one for all 20 Ready calls)", n)
	}
	plain, _ := NewCodeHasher(key)
	if h.Hash(LoginPasscode, "1234567") != plain.Hash(LoginPasscode, "1234567") {
		t.Fatal("the sealed hasher hashes under another key")
	}
	if err := plain.Ready(context.Background()); err != nil {
		t.Fatalf("a plain hasher is not ready: %v", err)
	}
}
