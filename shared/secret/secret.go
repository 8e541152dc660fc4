// Package secret makes and checks the service's secrets: activation codes,
// numeric passcodes, session tokens, ids and password hashes. It is kept
// small so it can be audited in one sitting.
package secret

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"math/big"
)

const alphanumeric = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// String returns n characters drawn uniformly from alphabet using r
// (crypto/rand.Reader when r is nil). It uses rand.Int, which rejects
// out-of-range samples, so there is no modulo bias.
func String(r io.Reader, alphabet string, n int) (string, error) {
	if r == nil {
		r = rand.Reader
	}
	max := big.NewInt(int64(len(alphabet)))
	out := make([]byte, n)
	for i := range out {
		v, err := rand.Int(r, max)
		if err != nil {
			return "", fmt.Errorf("secret: read random: %w", err)
		}
		out[i] = alphabet[v.Int64()]
	}
	return string(out), nil
}

// ActivationCode returns a fresh activation code of length n from
// [A-Za-z0-9] (20 characters ≈ 119 bits).
func ActivationCode(r io.Reader, n int) (string, error) { return String(r, alphanumeric, n) }

// Digits returns a numeric passcode of n digits, leading zeros allowed.
func Digits(r io.Reader, n int) (string, error) { return String(r, "0123456789", n) }

// Token returns a URL-safe token carrying n random bytes (32 bytes = 256
// bits for sessions).
func Token(r io.Reader, n int) (string, error) {
	b, err := Bytes(r, n)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// ID returns an opaque identifier of 16 random bytes in hex. Ids are not
// secrets, but random ids leak nothing about how many things exist.
func ID(r io.Reader) (string, error) {
	b, err := Bytes(r, 16)
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// Bytes returns n random bytes from r (crypto/rand.Reader when r is nil).
func Bytes(r io.Reader, n int) ([]byte, error) {
	if r == nil {
		r = rand.Reader
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, fmt.Errorf("secret: read random: %w", err)
	}
	return b, nil
}

// Hash is the hex SHA-256 of a long random secret (activation code,
// session token, login secret): the only form in which the store keeps
// them. They carry ≥ 112 random bits, so nobody can try them all and a
// fast unsalted hash is enough. Short codes (passcodes, verification
// codes) can be tried all in milliseconds: they go through CodeHasher.
func Hash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// Equal compares two strings in constant time (for equal lengths).
func Equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// MatchesHash reports whether s hashes to hash, comparing in constant time.
func MatchesHash(s, hash string) bool { return Equal(Hash(s), hash) }
