package e2e

import (
	"context"
	"net/http"
	"time"
)

// SMSPasscode waits for the SMS sent to number after since on the local
// SMS endpoint (GET /messages) and returns its passcode: the load script
// (infra/load) logs in with it as this flow does.
func SMSPasscode(ctx context.Context, c *http.Client, smsURL, number string, since time.Time) (string, error) {
	return smsPasscode(ctx, c, smsURL, number, since)
}
