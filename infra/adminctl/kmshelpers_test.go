package main

import (
	"context"
	"encoding/base64"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kms"

	"push-reactivation/infra/localkms"
)

type kmsOpener struct{ c *kms.Client }

func sealedKeys(t *testing.T, srv *localkms.Server) kmsOpener {
	t.Helper()
	return kmsOpener{srv.Client()}
}

// open unwraps a base64 KMS ciphertext with an encryption context.
func (k kmsOpener) open(ctx context.Context, b64 string, ec map[string]string) ([]byte, error) {
	blob, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, err
	}
	out, err := k.c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: blob, EncryptionContext: ec})
	if err != nil {
		return nil, err
	}
	return out.Plaintext, nil
}
