package apigw

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"strings"
	"time"

	"push-reactivation/shared/domain"
)

// Idempotency-Key (DESIGN.md §4.1) is one mechanism for every POST, PUT
// and DELETE of a router given WithIdempotency, not something each
// handler does. For a request carrying the header:
//
//  1. The record of (scope, key) is claimed with a conditional put
//     holding an HMAC of the request (method, path, query, body) and
//     state "running" with a lease of IdempotencyLease.
//  2. The handler runs; its final answer (status, headers, body) is
//     sealed and stored, to be replayed for IdempotencyTTL.
//  3. A repeat with the same request gets the stored answer with
//     Idempotent-Replayed: true, and the handler does not run: no SMS, no
//     call, no email, no code, no audit event. Another request under the
//     same key is 422 42201; a repeat while the first runs is 409 40902.
//
// What is stored: every answer the handler reached, 2xx and 4xx refusals
// alike, except those that tell the client to retry: 5xx (503 50301 when
// a dependency failed, 500 50001), 429 42901 (rate limited, with
// Retry-After) and 401 40103 (re-authenticate, then retry: the panel's
// step-up keeps the session, so the retry is in the same scope).
// Replaying those for a day would turn "try again" into "never"; they
// change nothing (DESIGN.md §4.1, "dependencies down"; the limits and the
// recent-authentication check refuse before acting), so the claim is
// deleted and a retry with the same key runs afresh. A function that dies
// mid-request leaves its claim running; after the lease a retry of the
// same request takes it over.
//
// Scopes: a Bearer route's records belong to its session (the token's
// hash); a route without Auth names its scope (Route.Scope): the login
// transaction with its login secret, or the email and source address of
// POST /v1/login. Another caller using the same key has its own record.
//
// The table holds nothing usable: the item key is the SHA-256 of scope
// and key, the request's fingerprint an HMAC and the answer AES-256-GCM,
// both under keys derived (HKDF-SHA256) from the Idempotency-Key, which
// is never stored. A stored session token, login secret or barcode is
// readable only by whoever presents the key in the same scope.

// The headers of the mechanism.
const (
	IdempotencyKeyHeader     = "Idempotency-Key"
	IdempotentReplayedHeader = "Idempotent-Replayed"
)

const (
	// IdempotencyTTL is how long an answer is replayed (DESIGN.md §4.1).
	IdempotencyTTL = 24 * time.Hour
	// IdempotencyLease is how long a running claim is believed alive: far
	// above domain.RequestDeadline plus the undo budget, so a live handler
	// is never taken over, and short enough that a client retrying after a
	// crashed function is not refused for long.
	IdempotencyLease = 30 * time.Second
	// maxIdempotencyKeyLen is the contract's bound on the key's length.
	maxIdempotencyKeyLen = 255
	// claimRounds bounds the claim's retries when the record in the way
	// vanished or expired between the conditional put and its read.
	claimRounds = 3
)

// IdempotencyStore keeps the records (shared/dynamo/idempotency.go).
type IdempotencyStore interface {
	// ClaimIdempotency writes rec unless a live record holds its key:
	// nothing, an expired record or a running claim of the same request
	// whose lease ended may be replaced. When it does not claim, it
	// returns the record in the way (nil if it vanished meanwhile).
	ClaimIdempotency(ctx context.Context, rec domain.IdempotencyRecord, now time.Time) (bool, *domain.IdempotencyRecord, error)
	// CompleteIdempotency stores the sealed answer of the claim claimID.
	CompleteIdempotency(ctx context.Context, keyHash, claimID string, answer []byte) error
	// ReleaseIdempotency deletes the claim claimID if it is still running.
	ReleaseIdempotency(ctx context.Context, keyHash, claimID string) error
}

// Idempotency is what a router needs to honour Idempotency-Key.
type Idempotency struct {
	Store  IdempotencyStore
	Clock  domain.Clock
	Random domain.Random
}

// ScopeFunc names the caller of a route without Auth for its idempotency
// records. The result is only hashed (and salts the key derivation), never
// stored; it must tell callers apart as well as the route's own checks do.
type ScopeFunc func(r *Request) (string, error)

// WithIdempotency makes rt honour Idempotency-Key on each of its POST, PUT
// and DELETE routes. A route without Auth must name its Scope: without
// one, callers would share records, which this refuses at wiring time.
func (rt *Router) WithIdempotency(i Idempotency) *Router {
	for _, r := range rt.patterns {
		method, _, _ := strings.Cut(r.Key, " ")
		if mutating(method) && !r.Auth && r.Scope == nil && r.Handler != nil {
			panic("apigw: route " + r.Key + " has neither Auth nor an idempotency Scope")
		}
	}
	rt.idem = &i
	return rt
}

// mutating reports the methods whose requests may carry Idempotency-Key.
func mutating(method string) bool {
	return method == http.MethodPost || method == http.MethodPut || method == http.MethodDelete
}

// idempotencyKey returns the request's Idempotency-Key and whether it
// sent one (present but empty counts as sent, and is invalid).
func idempotencyKey(r *Request) (string, bool) {
	for k, v := range r.Event.Headers {
		if strings.EqualFold(k, IdempotencyKeyHeader) {
			return v, true
		}
	}
	return "", false
}

// ValidIdempotencyKey reports whether k is 1–255 printable ASCII
// characters (space to tilde), as DESIGN.md §4.1 allows.
func ValidIdempotencyKey(k string) bool {
	if len(k) == 0 || len(k) > maxIdempotencyKeyLen {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x20 || k[i] > 0x7e {
			return false
		}
	}
	return true
}

// idempotent serves a POST, PUT or DELETE of a router with idempotency:
// without the header, the handler as usual; with it, claim, run and store,
// or replay.
func (rt *Router) idempotent(ctx context.Context, log *slog.Logger, req *Request, route Route) *Response {
	key, sent := idempotencyKey(req)
	if !sent {
		out, err := route.Handler(ctx, req)
		return rt.render(log, out, err)
	}
	if !ValidIdempotencyKey(key) {
		return rt.render(log, nil, domain.InvalidParam(IdempotencyKeyHeader))
	}
	scope, err := rt.idempotencyScope(req, route)
	if err != nil {
		return rt.render(log, nil, err)
	}
	keys := DeriveIdempotencyKeys(scope, key)
	mac := keys.RequestMAC(req.Method, req.Path, req.Event.RawQueryString, req.Body)
	claimID, err := randomHex(rt.idem.Random, 16)
	if err != nil {
		return rt.render(log, nil, err)
	}
	for range claimRounds {
		now := rt.idem.Clock.Now()
		rec := domain.IdempotencyRecord{
			KeyHash: keys.KeyHash, RequestMAC: mac, State: domain.IdempotencyRunning, ClaimID: claimID,
			LeaseUntil: now.Add(IdempotencyLease), ExpiresAt: now.Add(IdempotencyTTL),
		}
		claimed, cur, err := rt.idem.Store.ClaimIdempotency(ctx, rec, now)
		switch {
		case err != nil:
			return rt.render(log, nil, err)
		case claimed:
			return rt.runClaimed(ctx, log, req, route, keys, claimID)
		case cur == nil || !cur.Live(now):
			continue // released or expired meanwhile: claim again
		case !hmac.Equal([]byte(cur.RequestMAC), []byte(mac)):
			return rt.render(log, nil, domain.NewError(domain.CodeIdempotencyMismatch))
		case cur.State == domain.IdempotencyDone:
			return rt.replay(log, keys, cur)
		case cur.Leased(now):
			return rt.render(log, nil, domain.NewError(domain.CodeIdempotencyInProgress))
		}
		// A running claim of this request whose lease ended: take it over.
	}
	return rt.render(log, nil, domain.NewError(domain.CodeIdempotencyInProgress))
}

// idempotencyScope names the request's caller: its session on Bearer
// routes, else what the route says.
func (rt *Router) idempotencyScope(req *Request, route Route) (string, error) {
	if route.Auth && req.Principal != nil {
		return "session\x00" + req.Principal.TokenHash, nil
	}
	if route.Scope == nil {
		return "", errors.New("apigw: idempotent route without scope") // WithIdempotency forbids it
	}
	s, err := route.Scope(req)
	if err != nil {
		return "", err
	}
	return "route\x00" + route.Key + "\x00" + s, nil
}

// runClaimed runs the handler under the claim and stores its answer, or
// releases the claim for answers that ask for a retry.
func (rt *Router) runClaimed(ctx context.Context, log *slog.Logger, req *Request, route Route, keys IdempotencyKeys, claimID string) *Response {
	out, err := route.Handler(ctx, req)
	resp := rt.render(log, out, err)
	var code domain.Code
	if de, ok := domain.AsError(err); ok {
		code = de.Code
	}
	// The handler may have used up the request's deadline: finishing the
	// record is compensating work with its own budget.
	dctx, cancel := domain.Detached(ctx)
	defer cancel()
	if !Storable(resp.Status, code) {
		if err := rt.idem.Store.ReleaseIdempotency(dctx, keys.KeyHash, claimID); err != nil {
			// The claim stays running until its lease ends; then a retry runs.
			log.Error("idempotency claim not released", "error", err.Error())
		}
		return resp
	}
	sealed, err := keys.Seal(rt.idem.Random, resp)
	if err == nil {
		err = rt.idem.Store.CompleteIdempotency(dctx, keys.KeyHash, claimID, sealed)
	}
	if err != nil {
		// The client has its answer; a retry after the lease runs again.
		log.Error("idempotent answer not stored", "error", err.Error())
	}
	return resp
}

// Storable reports whether an answer (its status, and its code when it
// failed) is stored for replay: all but those that ask the client to
// retry (5xx, 429, 40103).
func Storable(status int, code domain.Code) bool {
	return status < http.StatusInternalServerError && status != http.StatusTooManyRequests && code != domain.CodeRecentAuthNeeded
}

// replay answers with a stored answer.
func (rt *Router) replay(log *slog.Logger, keys IdempotencyKeys, rec *domain.IdempotencyRecord) *Response {
	resp, err := keys.Open(rec.Answer)
	if err != nil {
		return rt.render(log, nil, fmt.Errorf("apigw: stored idempotent answer: %w", err))
	}
	resp.Headers[IdempotentReplayedHeader] = "true"
	log.Info("idempotent replay", "status", resp.Status)
	return resp
}

// render turns a handler's result into the raw answer it stands for, as
// finish would send it before the headers every answer gets: the one form
// that can be stored and replayed byte for byte.
func (rt *Router) render(log *slog.Logger, out *Response, err error) *Response {
	if err == nil && out == nil {
		err = errors.New("apigw: handler returned no response")
	}
	if err != nil {
		if de, ok := domain.AsError(err); !ok || de.Code == domain.CodeInternal || de.Code == domain.CodeUnavailable {
			log.Error("request failed", "error", err.Error())
		} else {
			log.Debug("request refused", "code", int(de.Code), "detail", de.Detail)
		}
		return failResponse(err)
	}
	headers := maps.Clone(out.Headers)
	if headers == nil {
		headers = map[string]string{}
	}
	if out.raw || out.Status == http.StatusNoContent {
		return &Response{Status: out.Status, Headers: headers, RawBody: out.RawBody, raw: true}
	}
	b, err := json.Marshal(okEnvelope{Stat: "OK", Response: out.Body})
	if err != nil {
		return rt.render(log, nil, fmt.Errorf("apigw: encode response: %w", err))
	}
	headers["Content-Type"] = "application/json"
	return &Response{Status: out.Status, Headers: headers, RawBody: string(b), raw: true}
}

// IdempotencyKeys are what one Idempotency-Key in one scope gives: the
// record's key (KeyHash) and the two keys only the key's holder can
// derive again.
type IdempotencyKeys struct {
	KeyHash string
	macKey  []byte
	sealKey []byte
}

// DeriveIdempotencyKeys derives the keys of (scope, key). The record's key
// is SHA-256 over both; the MAC and sealing keys are HKDF-SHA256 of the
// Idempotency-Key with the scope as salt, so the same key in another scope
// opens nothing.
func DeriveIdempotencyKeys(scope, key string) IdempotencyKeys {
	h := sha256.New()
	for _, part := range []string{"push-reactivation idempotency record v1", scope, key} {
		writeField(h, part)
	}
	derive := func(info string) []byte {
		k, err := hkdf.Key(sha256.New, []byte(key), []byte(scope), info, 32)
		if err != nil {
			panic("apigw: hkdf: " + err.Error()) // only for lengths over 255*32
		}
		return k
	}
	return IdempotencyKeys{
		KeyHash: hex.EncodeToString(h.Sum(nil)),
		macKey:  derive("push-reactivation idempotency request mac v1"),
		sealKey: derive("push-reactivation idempotency answer v1"),
	}
}

// writeField writes s length-prefixed, so no two field lists hash alike.
func writeField(w interface{ Write([]byte) (int, error) }, s string) {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(s)))
	_, _ = w.Write(n[:])
	_, _ = w.Write([]byte(s))
}

// RequestMAC fingerprints a request: HMAC-SHA256 under a key derived from
// the Idempotency-Key, not a plain hash, because the body may hold a
// password or a passcode that a plain hash would let anyone with the
// table guess offline.
func (k IdempotencyKeys) RequestMAC(method, path, query string, body []byte) string {
	m := hmac.New(sha256.New, k.macKey)
	for _, part := range []string{method, path, query, string(body)} {
		writeField(m, part)
	}
	return hex.EncodeToString(m.Sum(nil))
}

// storedAnswer is what is sealed: the answer before the per-request
// headers (CORS, security) that finish adds to every answer.
type storedAnswer struct {
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers"`
	Body    string            `json:"body"`
}

// Seal encrypts an answer with AES-256-GCM: a random 96-bit nonce, then
// the ciphertext; the record's key is the additional data, so a sealed
// answer cannot be moved to another record.
func (k IdempotencyKeys) Seal(random domain.Random, r *Response) ([]byte, error) {
	plain, err := json.Marshal(storedAnswer{Status: r.Status, Headers: r.Headers, Body: r.RawBody})
	if err != nil {
		return nil, fmt.Errorf("apigw: encode answer: %w", err)
	}
	aead, err := k.aead()
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := readFull(random, nonce); err != nil {
		return nil, fmt.Errorf("apigw: nonce: %w", err)
	}
	return aead.Seal(nonce, nonce, plain, []byte(k.KeyHash)), nil
}

// Open decrypts a sealed answer; any other key, record or a changed byte
// fails.
func (k IdempotencyKeys) Open(sealed []byte) (*Response, error) {
	aead, err := k.aead()
	if err != nil {
		return nil, err
	}
	if len(sealed) < aead.NonceSize() {
		return nil, errors.New("apigw: sealed answer too short")
	}
	plain, err := aead.Open(nil, sealed[:aead.NonceSize()], sealed[aead.NonceSize():], []byte(k.KeyHash))
	if err != nil {
		return nil, fmt.Errorf("apigw: open answer: %w", err)
	}
	var a storedAnswer
	if err := json.Unmarshal(plain, &a); err != nil {
		return nil, fmt.Errorf("apigw: decode answer: %w", err)
	}
	if a.Headers == nil {
		a.Headers = map[string]string{}
	}
	return &Response{Status: a.Status, Headers: a.Headers, RawBody: a.Body, raw: true}, nil
}

func (k IdempotencyKeys) aead() (cipher.AEAD, error) {
	block, err := aes.NewCipher(k.sealKey)
	if err != nil {
		return nil, fmt.Errorf("apigw: cipher: %w", err)
	}
	return cipher.NewGCM(block)
}

// readFull fills b from r, crypto/rand when r is nil.
func readFull(r domain.Random, b []byte) (int, error) {
	if r == nil {
		r = rand.Reader
	}
	return io.ReadFull(r, b)
}

func randomHex(r domain.Random, n int) (string, error) {
	b := make([]byte, n)
	if _, err := readFull(r, b); err != nil {
		return "", fmt.Errorf("apigw: claim id: %w", err)
	}
	return hex.EncodeToString(b), nil
}
