package secret

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"sync/atomic"
)

// MinCodeKeyBytes is the shortest key a CodeHasher accepts: 256 bits, the
// size of HMAC-SHA-256's output, so the key is never the weak point.
const MinCodeKeyBytes = 32

// CodeKind separates the hashes of different kinds of short code: the same
// digits hash differently as a login passcode and as a verification code,
// so a hash copied from one attribute to another never matches.
type CodeKind string

// The kinds of short code the service stores.
const (
	// LoginPasscode is the 7-digit SMS or voice passcode of a login.
	LoginPasscode CodeKind = "login-passcode"
	// PushVerificationCode is the verified-push code the panel shows.
	PushVerificationCode CodeKind = "push-verification-code"
)

// CodeHasher hashes short numeric codes (7-digit passcodes, 3-digit
// verification codes) with HMAC-SHA-256 under a key that is kept out of the
// table (CODE_HASH_KEY). A plain SHA-256 of a code with 10^7 possible
// values is reversed by trying them all, in milliseconds, by anyone who can
// read the table (a backup, an export, a read-only role); without the key
// the stored HMAC says nothing about the code.
//
// Long random secrets (20-character activation codes, 256-bit session
// tokens, 128-bit login secrets) keep the plain SHA-256 of Hash: with 112
// bits or more nobody can try them all, so a key would add nothing but a
// dependency.
//
// The zero value and a nil *CodeHasher have no key: Hash and Matches panic,
// so a service wired without configuration fails closed instead of storing
// unkeyed hashes.
type CodeHasher struct {
	// key is set once: by NewCodeHasher, or by Ready for a hasher whose
	// key is sealed (sealedkey.go).
	key    atomic.Pointer[[]byte]
	sealed *sealedKey
}

// NewCodeHasher returns a hasher with a copy of key, which must hold at
// least MinCodeKeyBytes bytes.
func NewCodeHasher(key []byte) (*CodeHasher, error) {
	if len(key) < MinCodeKeyBytes {
		return nil, fmt.Errorf("secret: code hash key has %d bytes, want at least %d", len(key), MinCodeKeyBytes)
	}
	h := &CodeHasher{}
	k := append([]byte(nil), key...)
	h.key.Store(&k)
	return h, nil
}

// Hash is the hex HMAC-SHA-256, under the hasher's key, of the code's kind,
// a zero byte and the code: the only form in which the store keeps short
// codes.
func (h *CodeHasher) Hash(kind CodeKind, code string) string {
	return hex.EncodeToString(h.mac(kind, code))
}

// Matches reports whether code, of the given kind, is the one hashed into
// hash, comparing the MACs in constant time.
func (h *CodeHasher) Matches(kind CodeKind, code, hash string) bool {
	want, err := hex.DecodeString(hash)
	if err != nil {
		return false
	}
	return hmac.Equal(h.mac(kind, code), want)
}

func (h *CodeHasher) mac(kind CodeKind, code string) []byte {
	key := h.loadKey()
	if len(key) < MinCodeKeyBytes {
		panic("secret: CodeHasher has no key (CODE_HASH_KEY, or CODE_HASH_KEY_SEALED before Ready); build it with NewCodeHasher")
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write([]byte(code))
	return m.Sum(nil)
}

func (h *CodeHasher) loadKey() []byte {
	if h == nil {
		return nil
	}
	if k := h.key.Load(); k != nil {
		return *k
	}
	return nil
}

// String keeps the key out of anything that prints a hasher (%v of a
// configuration, a test failure).
func (h *CodeHasher) String() string { return "secret.CodeHasher{key: redacted}" }

// LogValue keeps the key out of structured logs.
func (h *CodeHasher) LogValue() slog.Value { return slog.StringValue(h.String()) }

// GoString keeps the key out of %#v.
func (h *CodeHasher) GoString() string { return h.String() }
