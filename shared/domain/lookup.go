package domain

// Lookup names the items a request reads together, in one strongly
// consistent BatchGetItem (the store's Lookup): each id that is not ""
// is read, each of another kind. A hot path puts every read it can name
// up front into one Lookup instead of reading them one after another
// (docs/table.md, round trips per panel endpoint).
type Lookup struct {
	AccountID      string
	AdminID        string
	ReactivationID string
	CredentialID   string
	// RateLimit and RateSubject, when RateSubject is not "", read that
	// rate log too, to hand to the write it limits (NewReactivation.RateLog).
	RateLimit   Limit
	RateSubject string
}

// Found is what a Lookup found: nil for an item asked for that does not
// exist (or was not asked for). A reactivation comes with its effective
// status (a pending one whose codes all expired is expired). Rate is
// never nil when a log was asked for: a log that does not exist yet is
// an empty one.
type Found struct {
	Account      *Account
	Admin        *Admin
	Reactivation *Reactivation
	Credential   *Credential
	Rate         *RateLog
}

// RateLog is a rate log as a Lookup read it, for the write that hits it
// next, which then skips its own read. Only the store reads its fields;
// the write still conditions on Version, so a log that changed meanwhile
// is read again.
type RateLog struct {
	Limit    Limit
	Subject  string
	Version  int64
	Hits     []string
	Failures int
	Known    []string
}
