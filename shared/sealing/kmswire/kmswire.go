// Package kmswire connects a function's dependencies to KMS: the store
// seals and opens HOTP secrets with KMS data keys, and the code hash key,
// given sealed (CODE_HASH_KEY_SEALED), is unwrapped by KMS on the first
// request. Only the functions that call KMS (DeviceFunction,
// FallbackLoginFunction, OwnerReactivationFunction) import it.
package kmswire

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"

	"push-reactivation/shared/app"
	"push-reactivation/shared/config"
	"push-reactivation/shared/sealing"
	"push-reactivation/shared/sealing/kmskeys"
	"push-reactivation/shared/secret"
)

// Purposes: the "purpose" of each KMS encryption context, which the key
// policy conditions on (template.yaml SecretsKey).
const (
	HOTPSecretPurpose  = "hotp-secret"
	CodeHashKeyPurpose = "code-hash-key"
)

// CodeHashKeyContext is the encryption context of CODE_HASH_KEY_SEALED.
func CodeHashKeyContext() map[string]string { return map[string]string{"purpose": CodeHashKeyPurpose} }

// Wire builds the KMS client (AWS_ENDPOINT_URL_KMS, bounded) from the
// function's AWS configuration when
// KMS_KEY_ID is set, gives d.Store a sealer for HOTP secrets and, when the
// code hash key is sealed, sets d.Config.Codes to a hasher that unwraps it.
// Call it before building the router. The returned step goes to the
// router's Before: it unwraps the code hash key on the first request (a
// KMS failure is 503 50301 for that request, and the next one tries
// again). Without KMS_KEY_ID nothing changes: the store then refuses to
// write a HOTP secret (dynamo.ErrNoSealer).
func Wire(d *app.Deps, cfg aws.Config, opts ...config.ClientOption) func(context.Context) error {
	if d.Config.KMSKeyID == "" {
		return noStep
	}
	keys := kmskeys.New(kmskeys.NewClient(cfg, opts...), d.Config.KMSKeyID)
	return WireKeys(d, keys)
}

// WireKeys is Wire on given keys (tests point them at a fault proxy).
func WireKeys(d *app.Deps, keys *kmskeys.Keys) func(context.Context) error {
	d.Store.UseSealer(sealing.New(keys, HOTPSecretPurpose, sealing.DefaultLimits, d.Clock))
	if sealed := d.Config.SealedCodeHashKey; len(sealed) > 0 {
		d.Config.Codes = secret.NewSealedCodeHasher(func(ctx context.Context) ([]byte, error) {
			return keys.Decrypt(ctx, sealed, CodeHashKeyContext())
		})
	}
	if d.Config.Codes == nil {
		return noStep
	}
	return d.Config.Codes.Ready
}

func noStep(context.Context) error { return nil }
