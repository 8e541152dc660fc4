package secret

import (
	"context"
	"fmt"
	"sync"
)

// sealedKey unwraps a CodeHasher's key on first need: the key is kept in
// the functions' configuration only as KMS ciphertext
// (CODE_HASH_KEY_SEALED), so the configuration plus a table dump is not
// enough to test passcode guesses.
type sealedKey struct {
	mu     sync.Mutex
	unseal func(context.Context) ([]byte, error)
}

// NewSealedCodeHasher returns a hasher whose key unseal returns (KMS
// Decrypt of CODE_HASH_KEY_SEALED). The key is fetched by Ready, once per
// process when it succeeds; until then Hash and Matches panic (no keyless
// hashing).
func NewSealedCodeHasher(unseal func(context.Context) ([]byte, error)) *CodeHasher {
	return &CodeHasher{sealed: &sealedKey{unseal: unseal}}
}

// Ready makes sure the hasher has its key, unwrapping it if needed; an
// error (KMS down: domain.Unavailable in the chain) leaves it without,
// for the next call to try again. A hasher built with a plain key is
// always ready.
func (h *CodeHasher) Ready(ctx context.Context) error {
	if h.loadKey() != nil || h.sealed == nil {
		return nil
	}
	h.sealed.mu.Lock()
	defer h.sealed.mu.Unlock()
	if h.loadKey() != nil {
		return nil
	}
	key, err := h.sealed.unseal(ctx)
	if err != nil {
		return fmt.Errorf("secret: unwrap code hash key: %w", err)
	}
	if len(key) < MinCodeKeyBytes {
		return fmt.Errorf("secret: code hash key has %d bytes, want at least %d", len(key), MinCodeKeyBytes)
	}
	k := append([]byte(nil), key...)
	h.key.Store(&k)
	return nil
}
