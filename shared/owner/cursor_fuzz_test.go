package owner

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"push-reactivation/shared/apigw"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/secret"
)

// FuzzOpenCursor: the paging cursors (next) of the owner lists.
// Properties: a sealed cursor opens to its own position for its own list,
// account and filter, and for no other; any edit of the payload, and any
// edit of the MAC other than the letter case of its hex digits, is refused
// with 40002 naming next; an arbitrary next never panics, and if it ever
// opens it is one whose payload names the account asked for.
func FuzzOpenCursor(f *testing.F) {
	codes, err := secret.NewCodeHasher(bytes.Repeat([]byte{0x5a}, secret.MinCodeKeyBytes))
	if err != nil {
		f.Fatal(err)
	}
	f.Add("acct-1", "acct-2", "type=login", "ADMIN#a1", uint16(0), byte(1), "")
	f.Add("acct-1", "acct-1", "", "pos", uint16(5), byte(0x20), "x.y")
	f.Add("a", "a", "since=2026-01-01T00:00:00Z&until=2026-02-01T00:00:00Z", strings.Repeat("p", 900), uint16(70), byte(0xff), "..")
	f.Add("", "", "", "", uint16(0), byte(0), strings.Repeat("A", 1025))
	f.Add("acct-1", "ACCT-1", "q", "\x00\xff", uint16(3), byte(1), "eyJsIjoiYWRtaW4tbG9nIiwiYSI6ImFjY3QtMSIsInAiOiJ4In0.00")
	f.Fuzz(func(t *testing.T, account, other, query, pos string, at uint16, flip byte, next string) {
		want := cursor{List: listAdminLog, Account: account, Query: query}
		sealed := sealCursor(codes, cursor{List: listAdminLog, Account: account, Query: query, Pos: pos})
		got, err := openCursor(codes, sealed, want)
		// Positions are the store's own cursors, valid UTF-8; JSON would
		// carry other bytes as U+FFFD.
		if pos != "" && utf8.ValidString(account) && utf8.ValidString(query) && len(sealed) <= maxCursorLen && (err != nil || (utf8.ValidString(pos) && got != pos)) {
			t.Fatalf("own cursor: %q, %v", got, err)
		}
		if err != nil {
			checkBadNext(t, err)
		}
		for _, w := range []cursor{
			{List: listAdminLog, Account: other, Query: query},
			{List: listAdmins, Account: account, Query: query},
			{List: listAdminLog, Account: account, Query: query + "x"},
		} {
			if w == want {
				continue
			}
			if _, err := openCursor(codes, sealed, w); err == nil {
				t.Fatalf("cursor of %+v opened for %+v", want, w)
			} else {
				checkBadNext(t, err)
			}
		}
		// One edited byte.
		if flip != 0 && len(sealed) > 0 {
			i := int(at) % len(sealed)
			b := []byte(sealed)
			b[i] ^= flip
			edited := string(b)
			dot := strings.IndexByte(sealed, '.')
			sameMAC := i > dot && strings.EqualFold(edited[dot+1:], sealed[dot+1:]) && edited[:dot+1] == sealed[:dot+1]
			if got, err := openCursor(codes, edited, want); err == nil && !(sameMAC && got != "") {
				t.Fatalf("edited cursor %q (byte %d) opened: %q", edited, i, got)
			}
		}
		// Anything at all.
		if got, err := openCursor(codes, next, want); err == nil {
			payload, _, _ := strings.Cut(next, ".")
			raw, _ := base64.RawURLEncoding.DecodeString(payload)
			var c cursor
			if json.Unmarshal(raw, &c) != nil || c.Account != account || c.Pos != got {
				t.Fatalf("next %q opened for account %q: %q", next, account, got)
			}
		} else {
			checkBadNext(t, err)
		}
	})
}

func checkBadNext(t *testing.T, err error) {
	t.Helper()
	de, ok := domain.AsError(err)
	if !ok || de.Code != domain.CodeInvalidParams || de.Detail != "next" {
		t.Fatalf("cursor error is not 40002 naming next: %v", err)
	}
}

// FuzzPageLimit: ?limit= is absent (the default) or a whole number in
// 1…most; anything else is 40002 naming limit, never a panic.
func FuzzPageLimit(f *testing.F) {
	for _, q := range []string{"", "limit=1", "limit=50", "limit=51", "limit=0", "limit=-1", "limit=+5", "limit=05",
		"limit=1e2", "limit=9223372036854775808", "limit=%zz", "limit=1&limit=100", "limit= 5", "limit=5%00", "limit="} {
		f.Add(q, 20, 50)
	}
	f.Fuzz(func(t *testing.T, query string, def, most int) {
		ev := events.APIGatewayV2HTTPRequest{RawQueryString: query}
		n, err := pageLimit(&apigw.Request{Event: ev}, def, most)
		if err != nil {
			de, ok := domain.AsError(err)
			if !ok || de.Code != domain.CodeInvalidParams || de.Detail != "limit" {
				t.Fatalf("limit error is not 40002 naming limit: %v", err)
			}
			return
		}
		// A query string that does not parse is no parameters at all
		// (apigw.Request.Query), so the default.
		v, qerr := url.ParseQuery(query)
		if qerr != nil || v.Get("limit") == "" {
			if n != def {
				t.Fatalf("absent limit gave %d, want %d", n, def)
			}
			return
		}
		if n < 1 || n > most {
			t.Fatalf("limit %d outside 1…%d for %q", n, most, query)
		}
	})
}
