package config

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// kmsTimeouts bound KMS calls (docs/security/kms.md): KMS answers in
// milliseconds in-region; 2 attempts of at most 800 ms with a backoff of
// at most 100 ms end within 1.7 s, inside the 2 s request deadline, so a
// KMS that refuses or hangs is answered 503 50301 within 3 s.
var kmsTimeouts = clientTimeouts{attempts: 2, attempt: 800 * time.Millisecond, maxBackoff: 100 * time.Millisecond}

// ForKMS returns cfg with the bounded retryer and HTTP client of KMS
// calls. The KMS client itself is built by shared/sealing/kmskeys, so that
// only the functions that call KMS link its SDK package.
func ForKMS(cfg aws.Config, opts ...ClientOption) aws.Config {
	return bounded(cfg, kmsTimeouts, opts)
}
