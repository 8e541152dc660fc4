package sealing_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"push-reactivation/infra/localkms"
	"push-reactivation/shared/sealing"
	"push-reactivation/shared/sealing/kmskeys"
)

// counting counts the calls that reach the real key service.
type counting struct {
	*kmskeys.Keys
	generate, decrypt atomic.Int32
}

func (c *counting) GenerateDataKey(ctx context.Context, ec map[string]string) ([]byte, []byte, error) {
	c.generate.Add(1)
	return c.Keys.GenerateDataKey(ctx, ec)
}

func (c *counting) Decrypt(ctx context.Context, wrapped []byte, ec map[string]string) ([]byte, error) {
	c.decrypt.Add(1)
	return c.Keys.Decrypt(ctx, wrapped, ec)
}

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) advance(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

func keys(t *testing.T) *counting {
	t.Helper()
	s, err := localkms.Shared(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return &counting{Keys: kmskeys.New(s.Client(), localkms.Alias)}
}

func TestSealOpenBindsTheOwner(t *testing.T) {
	ctx := context.Background()
	k := keys(t)
	e := sealing.New(k, "hotp-secret", sealing.DefaultLimits, nil)
	secret := []byte("3132333435363738393031323334353637383930")
	env, err := e.Seal(ctx, "DP-one", secret)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(env, string(secret)) || !sealing.IsEnvelope(env) {
		t.Fatalf("envelope %q holds the secret or is not an envelope", env)
	}
	got, err := e.Open(ctx, "DP-one", env)
	if err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("open: %q, %v", got, err)
	}
	// Another owner's id: KMS refuses the data key (encryption context),
	// and a fresh Envelope (empty cache) proves it is KMS that refuses.
	fresh := sealing.New(k, "hotp-secret", sealing.DefaultLimits, nil)
	if _, err := fresh.Open(ctx, "DP-two", env); err == nil {
		t.Fatal("an envelope opened under another credential id")
	}
	// The cached key does not help either: GCM's additional data.
	if _, err := e.Open(ctx, "DP-two", env); err == nil {
		t.Fatal("an envelope opened under another id with a cached key")
	}
	// Another purpose: refused.
	if _, err := sealing.New(k, "other", sealing.DefaultLimits, nil).Open(ctx, "DP-one", env); err == nil {
		t.Fatal("an envelope opened under another purpose")
	}
	// A flipped byte of the ciphertext.
	b := []byte(env)
	b[len(b)-3] ^= 1
	if _, err := e.Open(ctx, "DP-one", string(b)); err == nil {
		t.Fatal("an edited envelope opened")
	}
	for _, bad := range []string{"", "kms1", "kms1..", "kms2.AA.AA", "kms1.!!.AA"} {
		if _, err := e.Open(ctx, "DP-one", bad); !errors.Is(err, sealing.ErrMalformed) {
			t.Errorf("Open(%q) = %v, want ErrMalformed", bad, err)
		}
	}
}

// A warm process opens without calling KMS, within the limits: at most
// MaxUses opens and TTL per unwrap, at most MaxKeys keys held.
func TestDataKeyCacheIsBounded(t *testing.T) {
	ctx := context.Background()
	k := keys(t)
	clk := &clock{now: time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)}
	e := sealing.New(k, "hotp-secret", sealing.Limits{TTL: 5 * time.Minute, MaxUses: 3, MaxKeys: 2}, clk)
	env, err := e.Seal(ctx, "DP-a", []byte("a"))
	if err != nil {
		t.Fatal(err)
	}
	open := func(id, env string) {
		t.Helper()
		if _, err := e.Open(ctx, id, env); err != nil {
			t.Fatal(err)
		}
	}
	for range 3 {
		open("DP-a", env)
	}
	if n := k.decrypt.Load(); n != 0 {
		t.Fatalf("warm opens called KMS Decrypt %d times, want 0", n)
	}
	open("DP-a", env) // 4th use: past MaxUses
	if n := k.decrypt.Load(); n != 1 {
		t.Fatalf("after MaxUses: %d Decrypt calls, want 1", n)
	}
	clk.advance(5 * time.Minute)
	open("DP-a", env) // past TTL
	if n := k.decrypt.Load(); n != 2 {
		t.Fatalf("after TTL: %d Decrypt calls, want 2", n)
	}
	// MaxKeys: two more owners push DP-a's key out.
	for _, id := range []string{"DP-b", "DP-c"} {
		if _, err := e.Seal(ctx, id, []byte(id)); err != nil {
			t.Fatal(err)
		}
	}
	open("DP-a", env)
	if n := k.decrypt.Load(); n != 3 {
		t.Fatalf("after MaxKeys: %d Decrypt calls, want 3", n)
	}
	if n := k.generate.Load(); n != 3 {
		t.Fatalf("%d GenerateDataKey calls, want one per Seal (3)", n)
	}
}

// BenchmarkOpen compares opening a sealed HOTP secret warm (data key
// cached: no KMS call) with cold (KMS Decrypt on local-kms each time).
func BenchmarkOpen(b *testing.B) {
	ctx := context.Background()
	s, err := localkms.Shared(ctx)
	if err != nil {
		b.Fatal(err)
	}
	k := kmskeys.New(s.Client(), localkms.Alias)
	env, err := sealing.New(k, "hotp-secret", sealing.DefaultLimits, nil).Seal(ctx, "DP-bench", []byte("3132333435363738393031323334353637383930"))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("warm", func(b *testing.B) {
		e := sealing.New(k, "hotp-secret", sealing.Limits{TTL: time.Hour, MaxUses: 1 << 30, MaxKeys: 10}, nil)
		for b.Loop() {
			if _, err := e.Open(ctx, "DP-bench", env); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cold", func(b *testing.B) {
		e := sealing.New(k, "hotp-secret", sealing.Limits{}, nil) // no cache
		for b.Loop() {
			if _, err := e.Open(ctx, "DP-bench", env); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// An Envelope prints and logs without its cached data keys.
func TestEnvelopeHidesItsKeys(t *testing.T) {
	ctx := context.Background()
	k := keys(t)
	e := sealing.New(k, "hotp-secret", sealing.DefaultLimits, nil)
	if _, err := e.Seal(ctx, "DP-log", []byte("x")); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("wired", "sealer", e)
	for _, out := range []string{fmt.Sprintf("%v %+v %#v %s", e, e, e, e), buf.String()} {
		if !strings.Contains(out, "redacted") || strings.Contains(out, "cache") {
			t.Fatalf("an Envelope printed as %s", out)
		}
	}
}
