package config

import "time"

// Timeouts exposes the bounds of one kind of call to the external tests.
type Timeouts struct {
	Attempt  time.Duration
	Attempts int
	MaxCall  func() time.Duration
}

func exported(t clientTimeouts) Timeouts {
	return Timeouts{Attempt: t.attempt, Attempts: t.attempts, MaxCall: t.maxCall}
}

// The bounds of DynamoDB calls and of sends.
var (
	DynamoTimeouts = exported(dynamoTimeouts)
	SendTimeouts   = exported(sendTimeouts)
)
