package login

import (
	"encoding/json"

	"push-reactivation/shared/apigw"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/secret"
)

// The idempotency scopes of the login routes, which have no session
// (DESIGN.md §4.1; the mechanism is shared/apigw/idempotency.go). A scope
// is only hashed, never stored.

// loginScope scopes the calls under /v1/login/{txid} to that login as
// proven by its login_secret: the secret's hash is part of the scope, so
// a caller without the right X-Login-Secret reaches another record (and
// the handler, which answers it 40401) and never a stored answer, which
// may hold the session token.
func loginScope(r *apigw.Request) (string, error) {
	return r.Param("txid") + "\x00" + secret.Hash(r.Header(LoginSecretHeader)), nil
}

// passwordStepScope scopes POST /v1/login to the email it names
// (normalised, as the login compares it) and the source address. A body
// that does not parse gets the empty email: the handler refuses it.
func passwordStepScope(r *apigw.Request) (string, error) {
	var body struct {
		Email string `json:"email"`
	}
	_ = json.Unmarshal(r.Body, &body)
	return secret.Hash(domain.NormalizeEmail(body.Email)) + "\x00" + r.IP(), nil
}
