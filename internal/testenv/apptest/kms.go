package apptest

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"push-reactivation/infra/localkms"
	"push-reactivation/shared/app"
	"push-reactivation/shared/config"
	"push-reactivation/shared/config/standard"
	"push-reactivation/shared/sealing/kmskeys"
	"push-reactivation/shared/sealing/kmswire"
)

// localKMS is the local-kms of this test process (infra/localkms.Shared).
func localKMS(t testing.TB) *localkms.Server {
	t.Helper()
	s, err := localkms.Shared(context.Background())
	if err != nil {
		t.Fatalf("local-kms: %v", err)
	}
	return s
}

// wireKMS gives the environment's store its HOTP secret sealer on
// local-kms, reached at url (empty: the shared emulator itself), with the
// production client bounds, or those of opts (config.Lenient for New's
// loaded tests). It returns the URL used.
func wireKMS(t testing.TB, env *Env, url string, opts ...config.ClientOption) string {
	t.Helper()
	if url == "" {
		url = localKMS(t).URL
	}
	env.Deps.Config.KMSKeyID = localkms.Alias
	env.KMSURL = url
	env.kmsOpts = opts
	env.KMSReady = kmswire.WireKeys(env.Deps, env.kmsKeysAt(url))
	return url
}

// kmsKeysAt is the key of local-kms reached at url with the production
// client bounds (config.ForKMS).
func (e *Env) kmsKeysAt(url string) *kmskeys.Keys {
	e.T.Helper()
	cfg, err := standard.AWS(context.Background())
	if err != nil {
		e.T.Fatal(err)
	}
	cfg.BaseEndpoint = aws.String(url)
	return kmskeys.New(kmskeys.NewClient(cfg, e.kmsOpts...), localkms.Alias)
}

// ColdKMS gives the store a new sealer on the same local-kms endpoint,
// with an empty data key cache: the next Duo Mobile passcode needs KMS, as
// in a function's first request after a cold start.
func (e *Env) ColdKMS() {
	e.T.Helper()
	wireKMS(e.T, e, e.KMSURL, e.kmsOpts...)
}

// SealedCodeHashKey configures d as template.yaml deploys it: the code hash
// key only as KMS ciphertext (CODE_HASH_KEY_SEALED), made under the
// environment's local-kms, unwrapped by the returned router step on the
// first request. It returns the sealed key too.
func (e *Env) SealedCodeHashKey(d *app.Deps) ([]byte, func(context.Context) error) {
	e.T.Helper()
	// Made directly (set-up), unwrapped through e.KMSURL (a fault proxy
	// in NewParallel environments: the requests under test).
	sealed, err := kmskeys.New(localKMS(e.T).Client(), localkms.Alias).GenerateWrappedKey(context.Background(), kmswire.CodeHashKeyContext())
	if err != nil {
		e.T.Fatal(err)
	}
	d.Config.Codes, d.Config.SealedCodeHashKey = nil, sealed
	return sealed, kmswire.WireKeys(d, e.kmsKeysAt(e.KMSURL))
}
