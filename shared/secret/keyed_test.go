package secret

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

var testKey = bytes.Repeat([]byte{0x5a}, MinCodeKeyBytes)

// TestCodeHashIsKeyed: the stored form of a short code is the HMAC under
// the key, not its SHA-256 (which anyone with the table reverses by trying
// all 10^7 passcodes), and only the same key, kind and code match it.
func TestCodeHashIsKeyed(t *testing.T) {
	h, err := NewCodeHasher(testKey)
	if err != nil {
		t.Fatal(err)
	}
	got := h.Hash(LoginPasscode, "0123456")
	if got == Hash("0123456") {
		t.Fatal("the passcode hash is the plain SHA-256 of the passcode")
	}
	m := hmac.New(sha256.New, testKey)
	m.Write([]byte("login-passcode\x000123456"))
	if want := hex.EncodeToString(m.Sum(nil)); got != want {
		t.Fatalf("hash %s, want HMAC-SHA-256 %s", got, want)
	}
	if !h.Matches(LoginPasscode, "0123456", got) {
		t.Fatal("the right passcode does not match")
	}
	other, _ := NewCodeHasher(bytes.Repeat([]byte{0xa5}, MinCodeKeyBytes))
	for name, ok := range map[string]bool{
		"other key":  other.Matches(LoginPasscode, "0123456", got),
		"other kind": h.Matches(PushVerificationCode, "0123456", got),
		"other code": h.Matches(LoginPasscode, "0123457", got),
		"not hex":    h.Matches(LoginPasscode, "0123456", "zz"+got[2:]),
		"truncated":  h.Matches(LoginPasscode, "0123456", got[:62]),
		"empty":      h.Matches(LoginPasscode, "0123456", ""),
	} {
		if ok {
			t.Errorf("%s matches", name)
		}
	}
}

func TestCodeHasherRefusesShortKeys(t *testing.T) {
	for _, n := range []int{0, 16, MinCodeKeyBytes - 1} {
		if _, err := NewCodeHasher(make([]byte, n)); err == nil {
			t.Errorf("a %d-byte key was accepted", n)
		}
	}
	// The hasher keeps its own copy: changing the caller's slice later
	// must not change the hashes.
	key := bytes.Clone(testKey)
	h, _ := NewCodeHasher(key)
	before := h.Hash(PushVerificationCode, "123")
	key[0] ^= 1
	if h.Hash(PushVerificationCode, "123") != before {
		t.Fatal("the hasher shares the caller's key slice")
	}
}

// TestCodeHasherWithoutKeyPanics: a service built without configuration
// must fail closed, never fall back to an unkeyed hash.
func TestCodeHasherWithoutKeyPanics(t *testing.T) {
	for name, h := range map[string]*CodeHasher{"nil": nil, "zero": {}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s hasher hashed without a key", name)
				}
			}()
			h.Hash(LoginPasscode, "1234567")
		}()
	}
}

// TestCodeHasherHidesItsKey: printing or logging a hasher (or a
// configuration holding one) never shows the key.
func TestCodeHasherHidesItsKey(t *testing.T) {
	h, _ := NewCodeHasher(testKey)
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("config", "codes", h)
	out := fmt.Sprintf("%v %+v %#v %s", h, struct{ C *CodeHasher }{h}, h, h) + logs.String()
	for _, leak := range []string{hex.EncodeToString(testKey), "5a5a", "90 90", "[90"} {
		if strings.Contains(out, leak) {
			t.Fatalf("key shown: %s", out)
		}
	}
}
