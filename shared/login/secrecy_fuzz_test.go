package login

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"

	"push-reactivation/shared/domain"
	"push-reactivation/shared/secret"
)

// The ways FuzzLoginSecret builds a header from the real secret and the
// fuzzer's text: the text alone, appended, prepended, or in place of the
// secret's character at a position (near misses that random text would
// never come close to).
const (
	headerAlone = iota
	headerAppended
	headerPrepended
	headerReplacing
	headerModes
)

// FuzzLoginSecret: the X-Login-Secret check (checkLoginSecret), with no
// store. Properties: only the exact secret is accepted; everything else,
// malformed or merely wrong, gets exactly the unknown-txid answer (404
// 40401, as the store answers for a txid it does not hold); a login
// stored without a hash accepts nothing; and a header is well-formed iff
// it is 43 characters that decode as unpadded base64url to 32 bytes (an
// oracle written apart from wellFormedLoginSecret). Nothing panics.
func FuzzLoginSecret(f *testing.F) {
	// A fixed secret, so that a failing input reproduces.
	plain, err := secret.Token(bytes.NewReader(bytes.Repeat([]byte{0xa7}, loginSecretBytes)), loginSecretBytes)
	if err != nil {
		f.Fatal(err)
	}
	hash := secret.Hash(plain)
	unknown := domain.NewError(domain.CodeNotFound)

	f.Add(uint8(headerAlone), uint8(0), plain)
	f.Add(uint8(headerAlone), uint8(0), "")
	f.Add(uint8(headerAlone), uint8(0), hash) // the stored hash is not the secret
	f.Add(uint8(headerAlone), uint8(0), strings.ToUpper(plain))
	f.Add(uint8(headerAlone), uint8(0), strings.Repeat("A", 43))
	f.Add(uint8(headerAlone), uint8(0), strings.Repeat("A", 10000))
	f.Add(uint8(headerAlone), uint8(0), strings.Repeat("\x00", 43))
	f.Add(uint8(headerAlone), uint8(0), "Bearer "+plain)
	f.Add(uint8(headerAlone), uint8(0), plain+", "+plain) // a repeated header, joined by API Gateway
	f.Add(uint8(headerAlone), uint8(0), base64.URLEncoding.EncodeToString(bytes.Repeat([]byte{0xa7}, loginSecretBytes)))
	f.Add(uint8(headerAlone), uint8(0), base64.RawStdEncoding.EncodeToString(bytes.Repeat([]byte{0xa7}, loginSecretBytes)))
	f.Add(uint8(headerAppended), uint8(0), " ")
	f.Add(uint8(headerAppended), uint8(0), "=")
	f.Add(uint8(headerAppended), uint8(0), "\n")
	f.Add(uint8(headerPrepended), uint8(0), " ")
	f.Add(uint8(headerReplacing), uint8(42), "B") // the last character, whose low bits decode to nothing
	f.Add(uint8(headerReplacing), uint8(42), "")
	f.Add(uint8(headerReplacing), uint8(0), "\xff")
	f.Add(uint8(headerReplacing), uint8(20), "+")
	f.Fuzz(func(t *testing.T, mode, at uint8, text string) {
		header := text
		switch mode % headerModes {
		case headerAppended:
			header = plain + text
		case headerPrepended:
			header = text + plain
		case headerReplacing:
			i := int(at) % len(plain)
			header = plain[:i] + text + plain[i+1:]
		}
		for _, stored := range []string{hash, ""} {
			err := checkLoginSecret(header, stored)
			if accept := header == plain && stored != ""; accept != (err == nil) {
				t.Fatalf("header %.80q against hash %q: %v", header, stored, err)
			}
			if err != nil {
				if de, ok := domain.AsError(err); !ok || *de != *unknown {
					t.Fatalf("header %.80q refused with %#v, not as an unknown txid %#v", header, err, unknown)
				}
			}
		}
		raw, decErr := base64.RawURLEncoding.DecodeString(header)
		if want := len(header) == 43 && decErr == nil && len(raw) == loginSecretBytes; wellFormedLoginSecret(header) != want {
			t.Fatalf("wellFormedLoginSecret(%.80q) = %v, want %v", header, !want, want)
		}
		// A well-formed header whose own hash is stored is accepted: the
		// shape check refuses nothing that could be a secret.
		if wellFormedLoginSecret(header) && checkLoginSecret(header, secret.Hash(header)) != nil {
			t.Fatalf("a well-formed header %.80q refused against its own hash", header)
		}
	})
}
