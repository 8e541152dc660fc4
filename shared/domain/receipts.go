package domain

// Receipts: what the store hands back from a write that the logic may
// have to settle or undo later, and hands back unread (the store alone
// reads their fields).

// Hit is one event counted against a limit, as recorded; a refund gives
// back exactly this hit and no other.
type Hit struct {
	Limit   Limit
	Subject string
	At      int64  // unix nanoseconds of the store's clock
	Tag     string // tells hits of the same instant apart

	// Left is how many more hits the window allowed right after this one
	// (as read and written by the hit's own round); not stored.
	Left int
}

// PasswordAttempt is a password attempt whose hits are taken (the store's
// ReservePasswordAttempt): it ends with PasswordFailed, PasswordAbandoned
// or PasswordSucceeded.
type PasswordAttempt struct {
	Guard    PasswordGuard
	EmailKey string
	Address  string
	Hits     []Hit
}

// IssuedEmailCode is what the store's AddEmailCode wrote, kept so that
// VoidEmailCode can undo exactly that.
type IssuedEmailCode struct {
	Code NewEmailCode
	Hit  Hit // the email's entry in the admin's daily log
}
