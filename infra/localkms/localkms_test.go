package localkms

import (
	"bytes"
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
)

// The emulator starts, holds the alias, and round-trips a data key with
// its encryption context (which it enforces, as KMS does).
func TestEmulatorServesTheAlias(t *testing.T) {
	ctx := context.Background()
	s, err := Shared(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c := s.Client()
	ec := map[string]string{"purpose": "test"}
	dk, err := c.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: aws.String(Alias), KeySpec: "AES_256", EncryptionContext: ec})
	if err != nil {
		t.Fatal(err)
	}
	out, err := c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: dk.CiphertextBlob, EncryptionContext: ec})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Plaintext, dk.Plaintext) || aws.ToString(out.KeyId) != s.KeyID {
		t.Fatalf("decrypt gave another key or key id %s (want %s)", aws.ToString(out.KeyId), s.KeyID)
	}
	if _, err := c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: dk.CiphertextBlob, EncryptionContext: map[string]string{"purpose": "other"}}); err == nil {
		t.Fatal("decrypt with another encryption context succeeded")
	}
}
