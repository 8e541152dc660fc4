// Package kmskeys is the AWS KMS adapter of shared/sealing: data keys,
// unwrapping, re-wrapping, all under one KMS key (KMS_KEY_ID, the alias
// of template.yaml), with KMS failures that are worth retrying turned
// into 503 50301 (domain.Unavailable), like the store does for DynamoDB.
//
// Only the functions that call KMS import this package, so only they link
// the KMS SDK client.
package kmskeys

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"push-reactivation/shared/awserr"
	"push-reactivation/shared/config"
	"push-reactivation/shared/domain"
)

// API is the part of the KMS client used here.
type API interface {
	GenerateDataKey(context.Context, *kms.GenerateDataKeyInput, ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error)
	GenerateDataKeyWithoutPlaintext(context.Context, *kms.GenerateDataKeyWithoutPlaintextInput, ...func(*kms.Options)) (*kms.GenerateDataKeyWithoutPlaintextOutput, error)
	Decrypt(context.Context, *kms.DecryptInput, ...func(*kms.Options)) (*kms.DecryptOutput, error)
	ReEncrypt(context.Context, *kms.ReEncryptInput, ...func(*kms.Options)) (*kms.ReEncryptOutput, error)
}

// Keys implements sealing.Keys and sealing.Rewrapper on one KMS key.
type Keys struct {
	api API
	// keyID names the key data keys are made under (an alias, an id or an
	// ARN). Decrypt needs no key id: a symmetric ciphertext names its key.
	keyID string
}

// New returns Keys on keyID through api.
func New(api API, keyID string) *Keys { return &Keys{api: api, keyID: keyID} }

// NewClient builds the KMS client from the SDK configuration it is given
// (config.Lambda in the functions; AWS_ENDPOINT_URL_KMS is the only override), bounded like the other
// clients (config.ForKMS).
func NewClient(cfg aws.Config, opts ...config.ClientOption) *kms.Client {
	return kms.NewFromConfig(config.ForKMS(cfg, opts...))
}

// GenerateDataKey returns a fresh AES-256 data key, plain and wrapped.
func (k *Keys) GenerateDataKey(ctx context.Context, ec map[string]string) (plain, wrapped []byte, err error) {
	out, err := k.api.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{
		KeyId: aws.String(k.keyID), KeySpec: types.DataKeySpecAes256, EncryptionContext: ec,
	})
	if err != nil {
		return nil, nil, classify("GenerateDataKey", err)
	}
	return out.Plaintext, out.CiphertextBlob, nil
}

// GenerateWrappedKey returns a fresh AES-256 key wrapped under the key,
// never seen in plain by the caller: how the code hash key is made
// (adminctl seal-hash-key).
func (k *Keys) GenerateWrappedKey(ctx context.Context, ec map[string]string) ([]byte, error) {
	out, err := k.api.GenerateDataKeyWithoutPlaintext(ctx, &kms.GenerateDataKeyWithoutPlaintextInput{
		KeyId: aws.String(k.keyID), KeySpec: types.DataKeySpecAes256, EncryptionContext: ec,
	})
	if err != nil {
		return nil, classify("GenerateDataKeyWithoutPlaintext", err)
	}
	return out.CiphertextBlob, nil
}

// Decrypt unwraps a data key made under any key of the account that the
// caller may use.
func (k *Keys) Decrypt(ctx context.Context, wrapped []byte, ec map[string]string) ([]byte, error) {
	out, err := k.api.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: wrapped, EncryptionContext: ec})
	if err != nil {
		return nil, classify("Decrypt", err)
	}
	return out.Plaintext, nil
}

// ReEncrypt wraps a data key again under the key's current backing key
// (KMS ReEncrypt: the plain data key never leaves KMS). moved says whether
// the source and destination keys differ (the alias was pointed at a new
// key); with automatic rotation of one key they are the same key id and
// KMS uses its newest backing key.
func (k *Keys) ReEncrypt(ctx context.Context, wrapped []byte, ec map[string]string) ([]byte, bool, error) {
	out, err := k.api.ReEncrypt(ctx, &kms.ReEncryptInput{
		CiphertextBlob: wrapped, DestinationKeyId: aws.String(k.keyID),
		SourceEncryptionContext: ec, DestinationEncryptionContext: ec,
	})
	if err != nil {
		return nil, false, classify("ReEncrypt", err)
	}
	return out.CiphertextBlob, aws.ToString(out.SourceKeyId) != aws.ToString(out.KeyId), nil
}

// unavailableError is a KMS failure worth retrying later: it unwraps to
// domain.Unavailable (the 503 50301 answer) and to its cause.
type unavailableError struct {
	op    string
	cause error
}

func (e *unavailableError) Error() string {
	return "kms: " + e.op + ": unavailable: " + e.cause.Error()
}

func (e *unavailableError) Unwrap() []error {
	return []error{domain.Unavailable("key service"), e.cause}
}

// unavailableCodes are KMS's error codes of a service that is throttling
// or failing: retrying later may succeed. Everything else (access denied,
// a disabled key, a ciphertext that does not open) is a fault of ours and
// stays a 500.
var unavailableCodes = map[string]bool{
	"ThrottlingException": true, "KMSInternalException": true, "DependencyTimeoutException": true,
	"KeyUnavailableException": true, "LimitExceededException": true, "ServiceUnavailable": true,
}

func classify(op string, err error) error {
	if isUnavailable(err) {
		return &unavailableError{op: op, cause: err}
	}
	return fmt.Errorf("kms: %s: %w", op, err)
}

func isUnavailable(err error) bool {
	switch {
	case errors.Is(err, context.Canceled):
		return false
	case errors.Is(err, context.DeadlineExceeded):
		return true
	}
	return awserr.Transient(err, unavailableCodes)
}
