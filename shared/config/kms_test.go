package config

import (
	"encoding/base64"
	"strings"
	"testing"
)

// TestSealedCodeHashKey: the deployed form of the code hash key is KMS
// ciphertext (CODE_HASH_KEY_SEALED), which needs KMS_KEY_ID and excludes
// the plain CODE_HASH_KEY; errors never quote the value.
func TestSealedCodeHashKey(t *testing.T) {
	blob := base64.StdEncoding.EncodeToString([]byte("a KMS ciphertext blob"))
	t.Setenv("TABLE_NAME", "t")
	t.Setenv("API_HOST", "h")
	t.Setenv("CODE_HASH_KEY", "")
	t.Setenv("KMS_KEY_ID", "alias/push-reactivation")
	t.Setenv("CODE_HASH_KEY_SEALED", blob)
	c, err := FromEnv()
	if err != nil || string(c.SealedCodeHashKey) != "a KMS ciphertext blob" || c.Codes != nil || c.KMSKeyID != "alias/push-reactivation" {
		t.Fatalf("sealed key: %+v %v", c, err)
	}
	for name, set := range map[string]func(){
		"both forms": func() { t.Setenv("CODE_HASH_KEY", testKey) },
		"no KMS key": func() { t.Setenv("KMS_KEY_ID", "") },
		"not base64": func() { t.Setenv("CODE_HASH_KEY_SEALED", "%%%not-base64") },
	} {
		t.Run(name, func(t *testing.T) {
			set()
			_, err := FromEnv()
			if err == nil || !strings.Contains(err.Error(), "CODE_HASH_KEY_SEALED") || strings.Contains(err.Error(), "not-base64") || strings.Contains(err.Error(), testKey) {
				t.Fatalf("FromEnv = %v", err)
			}
		})
	}
}
