// Package sealing keeps secrets that the service must be able to read back
// (the HOTP secrets of Duo Mobile credentials) encrypted at rest under a
// key outside the table: envelope encryption. Each secret gets its own
// data key from the key service (KMS GenerateDataKey), is encrypted with
// it by AES-256-GCM, and is stored with the data key as the key service
// wrapped it. Reading it back unwraps the data key (KMS Decrypt), which
// only a caller the key policy allows can do.
//
// Both the key service and GCM bind the secret to its owner's id (the
// credential id): the encryption context of the data key and the GCM
// additional data. An envelope copied into another credential's item opens
// neither.
//
// Unwrapped data keys are cached in memory, bounded in time, uses and
// count (Limits), so a warm function verifies a Duo Mobile passcode without
// a call to the key service. This package knows nothing of AWS: the key
// service is the Keys interface (shared/sealing/kmskeys adapts KMS).
package sealing

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"push-reactivation/shared/domain"
)

// Keys is what envelope encryption needs from a key service. Both calls
// take the encryption context the data key is bound to; Decrypt fails for
// any other context.
type Keys interface {
	// GenerateDataKey returns a fresh 256-bit data key, in plain and
	// wrapped under the service's master key.
	GenerateDataKey(ctx context.Context, encryptionContext map[string]string) (plain, wrapped []byte, err error)
	// Decrypt unwraps a wrapped data key.
	Decrypt(ctx context.Context, wrapped []byte, encryptionContext map[string]string) ([]byte, error)
}

// Rewrapper is a key service that can wrap a data key again under its
// current master key without showing it to the caller (KMS ReEncrypt):
// what re-encryption after a change of key needs.
type Rewrapper interface {
	// ReEncrypt returns wrapped unwrapped and wrapped again under the
	// current key, and whether that key differs from the one it was under.
	ReEncrypt(ctx context.Context, wrapped []byte, encryptionContext map[string]string) (rewrapped []byte, moved bool, err error)
}

// Version is the prefix of every envelope this package writes, so a
// later format can be told apart.
const Version = "kms1"

// ErrMalformed is an envelope that is not one (truncated, edited).
var ErrMalformed = errors.New("sealing: malformed envelope")

// Envelope seals and opens the secrets of one purpose (the purpose is part
// of the encryption context: a data key of one purpose opens nothing of
// another). Safe for concurrent use.
type Envelope struct {
	keys    Keys
	purpose string
	cache   *keyCache
}

// New returns an Envelope for purpose (e.g. "hotp-secret") on keys,
// caching unwrapped data keys within limits.
func New(keys Keys, purpose string, limits Limits, clock domain.Clock) *Envelope {
	if clock == nil {
		clock = domain.SystemClock{}
	}
	return &Envelope{keys: keys, purpose: purpose, cache: newKeyCache(limits, clock)}
}

// EncryptionContext is the context of the data key of owner id's secret.
func (e *Envelope) EncryptionContext(id string) map[string]string {
	return map[string]string{"purpose": e.purpose, "id": id}
}

// Seal encrypts plain for owner id under a fresh data key and returns the
// envelope, a string that can be stored anywhere: Version, the wrapped
// data key and nonce‖ciphertext, dot-separated, in unpadded base64url.
func (e *Envelope) Seal(ctx context.Context, id string, plain []byte) (string, error) {
	dataKey, wrapped, err := e.keys.GenerateDataKey(ctx, e.EncryptionContext(id))
	if err != nil {
		return "", fmt.Errorf("sealing: new data key: %w", err)
	}
	aead, err := newGCM(dataKey)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("sealing: nonce: %w", err)
	}
	sealed := aead.Seal(nonce, nonce, plain, e.additionalData(id))
	// The next Open of this secret in this process needs no key service.
	e.cache.put(cacheKey(wrapped, id), dataKey)
	enc := base64.RawURLEncoding.EncodeToString
	return Version + "." + enc(wrapped) + "." + enc(sealed), nil
}

// Open decrypts the envelope sealed for owner id. The data key comes from
// the cache or, on a miss, from the key service.
func (e *Envelope) Open(ctx context.Context, id, envelope string) ([]byte, error) {
	wrapped, sealed, err := parse(envelope)
	if err != nil {
		return nil, err
	}
	ck := cacheKey(wrapped, id)
	dataKey, ok := e.cache.get(ck)
	if !ok {
		if dataKey, err = e.keys.Decrypt(ctx, wrapped, e.EncryptionContext(id)); err != nil {
			return nil, fmt.Errorf("sealing: unwrap data key: %w", err)
		}
		e.cache.put(ck, dataKey)
	}
	aead, err := newGCM(dataKey)
	if err != nil {
		return nil, err
	}
	if len(sealed) < aead.NonceSize() {
		return nil, ErrMalformed
	}
	plain, err := aead.Open(nil, sealed[:aead.NonceSize()], sealed[aead.NonceSize():], e.additionalData(id))
	if err != nil {
		return nil, fmt.Errorf("sealing: open secret of %s: %w", id, err)
	}
	return plain, nil
}

// Rewrap wraps the envelope's data key again under the key service's
// current master key (the secret itself is not decrypted). moved is false
// when the data key was already under the current key; the new envelope
// is returned either way.
func (e *Envelope) Rewrap(ctx context.Context, r Rewrapper, id, envelope string) (_ string, moved bool, _ error) {
	wrapped, sealed, err := parse(envelope)
	if err != nil {
		return "", false, err
	}
	rewrapped, moved, err := r.ReEncrypt(ctx, wrapped, e.EncryptionContext(id))
	if err != nil {
		return "", false, fmt.Errorf("sealing: rewrap data key of %s: %w", id, err)
	}
	enc := base64.RawURLEncoding.EncodeToString
	return Version + "." + enc(rewrapped) + "." + enc(sealed), moved, nil
}

// IsEnvelope reports whether s has the form of an envelope of this
// package (not whether it opens).
func IsEnvelope(s string) bool {
	_, _, err := parse(s)
	return err == nil
}

func parse(envelope string) (wrapped, sealed []byte, err error) {
	parts := strings.Split(envelope, ".")
	if len(parts) != 3 || parts[0] != Version {
		return nil, nil, ErrMalformed
	}
	if wrapped, err = base64.RawURLEncoding.DecodeString(parts[1]); err != nil || len(wrapped) == 0 {
		return nil, nil, ErrMalformed
	}
	if sealed, err = base64.RawURLEncoding.DecodeString(parts[2]); err != nil {
		return nil, nil, ErrMalformed
	}
	return wrapped, sealed, nil
}

// additionalData binds the ciphertext to its purpose and owner, apart from
// the key service: even a data key obtained some other way does not open
// the secret under another id.
func (e *Envelope) additionalData(id string) []byte {
	return []byte("push-reactivation sealed v1\x00" + e.purpose + "\x00" + id)
}

func newGCM(dataKey []byte) (cipher.AEAD, error) {
	if len(dataKey) != 32 {
		return nil, fmt.Errorf("sealing: data key has %d bytes, want 32", len(dataKey))
	}
	block, err := aes.NewCipher(dataKey)
	if err != nil {
		return nil, fmt.Errorf("sealing: %w", err)
	}
	return cipher.NewGCM(block)
}

// Limits bound how long, how often and how many unwrapped data keys stay
// in memory (docs/security/kms.md says why these values).
type Limits struct {
	TTL     time.Duration // since the key was unwrapped
	MaxUses int           // opens served per unwrap
	MaxKeys int           // keys held at once
}

// DefaultLimits: 5 minutes, 1000 uses, 1024 keys.
var DefaultLimits = Limits{TTL: 5 * time.Minute, MaxUses: 1000, MaxKeys: 1024}

// WrappedKey returns the wrapped data key of an envelope, for tools that
// ask the key service which key it is under.
func WrappedKey(envelope string) ([]byte, error) {
	wrapped, _, err := parse(envelope)
	return wrapped, err
}

// String keeps the cached data keys out of anything that prints an
// Envelope (%v of a configuration, a test failure).
func (e *Envelope) String() string {
	return "sealing.Envelope{purpose: " + e.purpose + ", keys: redacted}"
}

// GoString keeps them out of %#v.
func (e *Envelope) GoString() string { return e.String() }

// LogValue keeps them out of structured logs.
func (e *Envelope) LogValue() slog.Value { return slog.StringValue(e.String()) }
