package dynamo

import (
	"context"
	"errors"
	"fmt"

	"push-reactivation/shared/domain"
)

// Sealer keeps a secret encrypted at rest, bound to its owner's id
// (*sealing.Envelope, on KMS).
type Sealer interface {
	Seal(ctx context.Context, id string, plain []byte) (string, error)
	Open(ctx context.Context, id, envelope string) ([]byte, error)
}

// ErrNoSealer is a credential to write, or a sealed one to read, by a
// store given no Sealer: the store fails closed rather than write a HOTP
// secret in plain.
var ErrNoSealer = errors.New("dynamo: no sealer for HOTP secrets (KMS_KEY_ID not configured)")

// UseSealer makes the store encrypt the HOTP secrets it writes, and
// decrypt them for HOTPSecret, with sl. Functions that write or verify
// Duo Mobile credentials set one; the others never see a secret.
func (s *Store) UseSealer(sl Sealer) { s.sealer = sl }

// sealHOTPSecret replaces cred's plain HOTP secret with its envelope,
// bound to the credential id.
func (s *Store) sealHOTPSecret(ctx context.Context, cred *domain.Credential) error {
	if cred.HOTPSecret == "" {
		return nil
	}
	if s.sealer == nil {
		return ErrNoSealer
	}
	env, err := s.sealer.Seal(ctx, cred.ID, []byte(cred.HOTPSecret))
	if err != nil {
		return fmt.Errorf("dynamo: seal HOTP secret: %w", err)
	}
	cred.HOTPSecret, cred.SealedHOTPSecret = "", env
	return nil
}

// HOTPSecret returns the HOTP key of a credential read from the store, in
// plain, for verifying a Duo Mobile passcode. A credential written before
// secrets were sealed holds it in plain until `adminctl reencrypt` seals
// it (docs/security/kms.md); it is returned as is.
func (s *Store) HOTPSecret(ctx context.Context, cred *domain.Credential) ([]byte, error) {
	switch {
	case cred.SealedHOTPSecret != "":
		if s.sealer == nil {
			return nil, ErrNoSealer
		}
		plain, err := s.sealer.Open(ctx, cred.ID, cred.SealedHOTPSecret)
		if err != nil {
			return nil, fmt.Errorf("dynamo: open HOTP secret: %w", err)
		}
		return plain, nil
	case cred.HOTPSecret != "":
		return []byte(cred.HOTPSecret), nil
	}
	return nil, fmt.Errorf("dynamo: credential has no HOTP secret")
}

// Sealer returns the store's sealer (nil without one), for a copy of the
// store on another client (apptest.CountingDeps).
func (s *Store) Sealer() Sealer { return s.sealer }
