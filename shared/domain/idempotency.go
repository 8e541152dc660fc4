package domain

import "time"

// IdempotencyState is where the first request with an Idempotency-Key is.
type IdempotencyState string

// The states of an idempotency record.
const (
	// IdempotencyRunning: claimed, the handler is running (or died: the
	// claim's lease says until when it is believed to run).
	IdempotencyRunning IdempotencyState = "running"
	// IdempotencyDone: the answer is stored and is replayed.
	IdempotencyDone IdempotencyState = "done"
)

// IdempotencyRecord is what the store keeps of one Idempotency-Key in one
// scope (DESIGN.md §4.1, idempotency). Nothing in it is usable without
// the key itself: KeyHash is a SHA-256 of scope and key, RequestMAC an
// HMAC under a key derived from the Idempotency-Key, Answer sealed
// (AES-256-GCM) under another such key (shared/apigw/idempotency.go).
type IdempotencyRecord struct {
	KeyHash    string
	RequestMAC string
	State      IdempotencyState
	// ClaimID tells the claim that owns the record, so a request whose
	// lease ran out and was taken over cannot complete or release the
	// newer claim.
	ClaimID    string
	LeaseUntil time.Time
	ExpiresAt  time.Time
	// Answer is the sealed answer, once State is IdempotencyDone.
	Answer []byte
}

// Live reports whether the record still holds its key at now: past
// ExpiresAt it is as good as absent (TTL deletes it only eventually).
func (r *IdempotencyRecord) Live(now time.Time) bool { return now.Before(r.ExpiresAt) }

// Leased reports whether a running claim is still believed to run at now.
func (r *IdempotencyRecord) Leased(now time.Time) bool {
	return r.State == IdempotencyRunning && now.Before(r.LeaseUntil)
}
