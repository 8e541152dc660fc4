package owner

import (
	"encoding/base64"
	"encoding/json"
	"strings"

	"push-reactivation/shared/domain"
	"push-reactivation/shared/secret"
)

// cursorKind separates the MACs of list cursors from those of the short
// codes hashed under the same CODE_HASH_KEY: a cursor's MAC can never
// match a stored code hash, nor the other way round.
const cursorKind secret.CodeKind = "list-cursor"

// maxCursorLen bounds the next parameter before any decoding.
const maxCursorLen = 1024

// cursor is what a next parameter carries: the store's position in the
// list, bound to the list it came from (route), the account whose list it
// is and the filters of the query (so a cursor of one filter cannot steer
// another query), and signed with an HMAC under CODE_HASH_KEY so that
// nobody can forge or edit one. The position is the store's own cursor
// (the last key read, which holds no secret).
type cursor struct {
	List    string `json:"l"`
	Account string `json:"a"`
	Query   string `json:"q,omitempty"`
	Pos     string `json:"p"`
}

// sealCursor returns the opaque next value: base64url(JSON) "." hex MAC.
func sealCursor(codes *secret.CodeHasher, c cursor) string {
	b, _ := json.Marshal(c)
	payload := base64.RawURLEncoding.EncodeToString(b)
	return payload + "." + codes.Hash(cursorKind, payload)
}

// openCursor checks a next value and returns the store's position in it.
// A cursor that was edited, forged, or issued for another list, account
// or filter is 40002 naming "next": the caller learns nothing about why.
func openCursor(codes *secret.CodeHasher, next string, want cursor) (string, error) {
	bad := domain.InvalidParam("next")
	if len(next) > maxCursorLen {
		return "", bad
	}
	payload, mac, ok := strings.Cut(next, ".")
	if !ok || !codes.Matches(cursorKind, payload, mac) {
		return "", bad
	}
	b, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return "", bad
	}
	var c cursor
	if err := json.Unmarshal(b, &c); err != nil || c.Pos == "" ||
		c.List != want.List || c.Account != want.Account || c.Query != want.Query {
		return "", bad
	}
	return c.Pos, nil
}
