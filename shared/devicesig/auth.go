package devicesig

import (
	"encoding/base64"
	"fmt"
	"strings"
)

// Size bounds of the Authorization header. They keep a hostile header from
// costing more than a few kilobytes of work before it is rejected.
const (
	// MaxAuthorizationBytes bounds the whole header value.
	MaxAuthorizationBytes = 8 << 10
	// MaxPkeyBytes bounds the pkey (Duo's are 20 characters).
	MaxPkeyBytes = 128
	// MaxSignatureBytes bounds the decoded signature: an RSA signature is as
	// long as the modulus, and device keys have at most MaxKeyBits bits.
	MaxSignatureBytes = MaxKeyBits / 8
)

// strictBase64 is padded standard base64 that rejects non-zero padding bits,
// so each signature has exactly one accepted encoding.
var strictBase64 = base64.StdEncoding.Strict()

// ParseAuthorization splits a device's Authorization header,
//
//	Basic base64(pkey + ":" + base64(signature))
//
// into the pkey, which names the credential whose key must verify the
// request, and the raw signature bytes. It is strict, because every client
// that exists writes exactly this form: the scheme is "Basic" (any case),
// both base64 layers are standard padded base64 without line breaks, the
// pkey is 1 to MaxPkeyBytes printable ASCII characters other than ":",
// and the signature is 1 to MaxSignatureBytes bytes. It never panics and
// looks at no more than MaxAuthorizationBytes of input. Errors wrap
// [ErrMalformed].
func ParseAuthorization(header string) (pkey string, sig []byte, err error) {
	if header == "" {
		return "", nil, fmt.Errorf("%w: Authorization header missing", ErrMalformed)
	}
	if len(header) > MaxAuthorizationBytes {
		return "", nil, fmt.Errorf("%w: Authorization header longer than %d bytes", ErrMalformed, MaxAuthorizationBytes)
	}
	scheme, creds, ok := strings.Cut(header, " ")
	if !ok || !asciiEqualFold(scheme, "Basic") {
		return "", nil, fmt.Errorf("%w: Authorization scheme is not Basic", ErrMalformed)
	}
	// RFC 7235 allows several spaces after the scheme; HTTP servers already
	// strip spaces around the whole value.
	creds = strings.Trim(creds, " ")
	raw, err := decodeBase64(creds)
	if err != nil {
		return "", nil, fmt.Errorf("%w: Authorization credentials are not base64", ErrMalformed)
	}
	pkey, sigText, ok := strings.Cut(string(raw), ":")
	if !ok {
		return "", nil, fmt.Errorf("%w: Authorization credentials lack the pkey:signature colon", ErrMalformed)
	}
	if err := checkPkey(pkey); err != nil {
		return "", nil, err
	}
	sig, err = decodeBase64(sigText)
	if err != nil {
		return "", nil, fmt.Errorf("%w: signature is not base64", ErrMalformed)
	}
	if len(sig) == 0 || len(sig) > MaxSignatureBytes {
		return "", nil, fmt.Errorf("%w: signature length %d outside 1..%d bytes", ErrMalformed, len(sig), MaxSignatureBytes)
	}
	return pkey, sig, nil
}

// decodeBase64 decodes strict padded standard base64. encoding/base64
// skips CR and LF even in strict mode; they are refused here so that a
// header has one spelling.
func decodeBase64(s string) ([]byte, error) {
	if strings.ContainsAny(s, "\r\n") {
		return nil, base64.CorruptInputError(strings.IndexAny(s, "\r\n"))
	}
	return strictBase64.DecodeString(s)
}

// checkPkey accepts 1 to MaxPkeyBytes bytes of printable ASCII other than
// ":" (which would make the header ambiguous).
func checkPkey(pkey string) error {
	if pkey == "" || len(pkey) > MaxPkeyBytes {
		return fmt.Errorf("%w: pkey length outside 1..%d bytes", ErrMalformed, MaxPkeyBytes)
	}
	for i := 0; i < len(pkey); i++ {
		if c := pkey[i]; c <= ' ' || c > '~' || c == ':' {
			return fmt.Errorf("%w: pkey has a byte outside printable ASCII", ErrMalformed)
		}
	}
	return nil
}

// formatAuthorization is the inverse of ParseAuthorization.
func formatAuthorization(pkey string, sig []byte) string {
	inner := pkey + ":" + base64.StdEncoding.EncodeToString(sig)
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(inner))
}
