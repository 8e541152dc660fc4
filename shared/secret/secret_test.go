package secret

import (
	"bytes"
	"strings"
	"testing"
)

func TestActivationCodeAlphabetAndLength(t *testing.T) {
	seen := map[rune]bool{}
	for range 200 {
		c, err := ActivationCode(nil, 20)
		if err != nil {
			t.Fatal(err)
		}
		if len(c) != 20 {
			t.Fatalf("len %d", len(c))
		}
		for _, r := range c {
			if !strings.ContainsRune(alphanumeric, r) {
				t.Fatalf("bad char %q", r)
			}
			seen[r] = true
		}
	}
	// 4000 draws from 62 symbols: all should appear (P(miss) < 1e-25).
	if len(seen) != 62 {
		t.Fatalf("only %d distinct symbols", len(seen))
	}
}

// TestDigitsUniform checks the distribution is flat; a modulo-biased
// generator (byte % 10) would favour 0-5 by about 2 percent.
func TestDigitsUniform(t *testing.T) {
	counts := make([]int, 10)
	const n = 200000
	s, err := Digits(nil, n)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range s {
		counts[r-'0']++
	}
	for d, c := range counts {
		// expected 20000, sd ≈ 134; allow 6 sd.
		if c < 20000-800 || c > 20000+800 {
			t.Fatalf("digit %d drawn %d times of %d", d, c, n)
		}
	}
}

func TestDeterministicWithFakeRandom(t *testing.T) {
	a, _ := Digits(bytes.NewReader(bytes.Repeat([]byte{7}, 64)), 7)
	b, _ := Digits(bytes.NewReader(bytes.Repeat([]byte{7}, 64)), 7)
	if a != b || len(a) != 7 {
		t.Fatalf("%q %q", a, b)
	}
	if _, err := Digits(bytes.NewReader(nil), 7); err == nil {
		t.Fatal("want error from an empty reader")
	}
}

func TestHashAndMatch(t *testing.T) {
	h := Hash("abc")
	if h != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Fatalf("sha256 mismatch %s", h)
	}
	if !MatchesHash("abc", h) || MatchesHash("abd", h) || MatchesHash("", h) {
		t.Fatal("MatchesHash wrong")
	}
	tok, _ := Token(nil, 32)
	if len(tok) != 43 {
		t.Fatalf("token length %d", len(tok))
	}
}

func TestPassword(t *testing.T) {
	p := Argon2Params{Memory: 1024, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}
	h, err := HashPassword(nil, "correct horse", p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Fatalf("hash form %s", h)
	}
	if ok, err := CheckPassword(h, "correct horse"); !ok || err != nil {
		t.Fatalf("right password rejected: %v", err)
	}
	if ok, _ := CheckPassword(h, "wrong"); ok {
		t.Fatal("wrong password accepted")
	}
	h2, _ := HashPassword(nil, "correct horse", p)
	if h2 == h {
		t.Fatal("salt not random")
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=1,t=1,p=1$AA$AA", "$argon2id$v=19$m=999999999,t=1,p=1$AA$AA", "$argon2id$v=19$m=1024,t=1,p=1$!!$AA"} {
		if _, err := CheckPassword(bad, "x"); err == nil {
			t.Fatalf("accepted malformed %q", bad)
		}
	}
}

func FuzzCheckPassword(f *testing.F) {
	f.Add("$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHRzYWx0$a2V5", "pw")
	f.Fuzz(func(t *testing.T, hash, pw string) {
		_, _ = CheckPassword(hash, pw)
	})
}
