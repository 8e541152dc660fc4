package devicesig

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
)

// Bounds on device keys.
const (
	// MinKeyBits: device keys are RSA of at least 2048 bits (DESIGN.md §3).
	MinKeyBits = 2048
	// MaxKeyBits: Duo Mobile uses 2048-bit keys; 8192 leaves room for
	// cautious clients while bounding what one signature check can cost.
	MaxKeyBits = 8192
	// MaxPublicKeyPEMBytes bounds the PEM text (an 8192-bit key is about
	// 1.5 KiB of PEM).
	MaxPublicKeyPEMBytes = 8 << 10
)

// ParsePublicKeyPEM parses the device public key a phone sends at
// activation (the pubkey field). It accepts one PEM block of type
// "PUBLIC KEY" (PKIX, what PyCryptodome, OpenSSL and Android write) or
// "RSA PUBLIC KEY" (PKCS#1), with nothing but white space around it, and
// only RSA keys of MinKeyBits to MaxKeyBits bits with an odd public
// exponent of at least 3. Everything else (other key types, private keys,
// encrypted blocks, trailing data) is refused rather than guessed at,
// because this key is what later authenticates every device request.
// Errors wrap [ErrBadKey].
func ParsePublicKeyPEM(pemText string) (*rsa.PublicKey, error) {
	if len(pemText) > MaxPublicKeyPEMBytes {
		return nil, fmt.Errorf("%w: PEM longer than %d bytes", ErrBadKey, MaxPublicKeyPEMBytes)
	}
	data := []byte(pemText)
	begin := bytes.Index(data, []byte("-----BEGIN "))
	if begin < 0 {
		return nil, fmt.Errorf("%w: no PEM block", ErrBadKey)
	}
	if len(bytes.TrimSpace(data[:begin])) != 0 {
		return nil, fmt.Errorf("%w: text before the PEM block", ErrBadKey)
	}
	block, rest := pem.Decode(data[begin:])
	if block == nil {
		return nil, fmt.Errorf("%w: no PEM block", ErrBadKey)
	}
	if len(bytes.TrimSpace(rest)) != 0 {
		return nil, fmt.Errorf("%w: data after the PEM block", ErrBadKey)
	}
	if len(block.Headers) != 0 {
		return nil, fmt.Errorf("%w: PEM headers are not allowed", ErrBadKey)
	}
	var pub *rsa.PublicKey
	switch block.Type {
	case "PUBLIC KEY":
		k, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadKey, err)
		}
		var ok bool
		if pub, ok = k.(*rsa.PublicKey); !ok {
			return nil, fmt.Errorf("%w: %T is not an RSA key", ErrBadKey, k)
		}
	case "RSA PUBLIC KEY":
		k, err := x509.ParsePKCS1PublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadKey, err)
		}
		pub = k
	default:
		// The type of a block is no secret, and naming it tells a client
		// that sent its private key what went wrong.
		return nil, fmt.Errorf("%w: PEM block %q is not a public key", ErrBadKey, block.Type)
	}
	if err := checkPublicKey(pub); err != nil {
		return nil, err
	}
	return pub, nil
}

func checkPublicKey(pub *rsa.PublicKey) error {
	if pub == nil || pub.N == nil {
		return fmt.Errorf("%w: missing modulus", ErrBadKey)
	}
	if bits := pub.N.BitLen(); bits < MinKeyBits || bits > MaxKeyBits {
		return fmt.Errorf("%w: RSA key of %d bits, want %d to %d", ErrBadKey, bits, MinKeyBits, MaxKeyBits)
	}
	if pub.N.Bit(0) == 0 {
		return fmt.Errorf("%w: even RSA modulus", ErrBadKey)
	}
	if pub.E < 3 || pub.E%2 == 0 {
		return fmt.Errorf("%w: RSA public exponent must be odd and at least 3", ErrBadKey)
	}
	return nil
}

// MarshalPublicKeyPEM encodes pub as a "PUBLIC KEY" (PKIX) PEM block, the
// form [ParsePublicKeyPEM] and every client library read. It returns "" for
// a nil key or one without a modulus, the only keys it cannot encode.
func MarshalPublicKeyPEM(pub *rsa.PublicKey) string {
	if pub == nil || pub.N == nil || pub.N.Sign() <= 0 {
		return ""
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return ""
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}
