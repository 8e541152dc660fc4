package owner

import (
	"bytes"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"push-reactivation/shared/apigw"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/secret"
)

// FuzzLogQuery: the query of GET /v1/admin-log (logQuery), with no store.
// Properties: an error is 40002 naming one of the parameters (or "query"
// for a query string that does not decode, and only then); an accepted
// query decodes, names each parameter at most once, and the filter is
// what it says: filters of UTF-8 text without control characters within
// maxFilterLen, times in 1970…9999 UTC with since ≤ until, limit 1…100
// (50 when absent); the cursor binding splits back into the four filters
// (so two filters never share a cursor); the cursor sealed for the next
// page opens in the same query to the same position, and not for another
// account; the body and its Content-Type change nothing.
func FuzzLogQuery(f *testing.F) {
	codes, err := secret.NewCodeHasher(bytes.Repeat([]byte{0x5a}, secret.MinCodeKeyBytes))
	if err != nil {
		f.Fatal(err)
	}
	const account = "acme"
	for _, q := range []string{
		"",
		"admin_id=acme-admin&action=reactivation.start&since=2026-01-01T00:00:00Z&until=2026-02-01T00:00:00Z&limit=10",
		// Case: names are case-sensitive, other names ignored.
		"ADMIN_ID=x", "Admin_Id=acme-admin&admin_id=acme-owner", "LIMIT=1000", "Since=yesterday",
		// Duplicates.
		"admin_id=a&admin_id=b", "action=x&action=x", "limit=1&limit=100", "since=2026-01-01T00:00:00Z&since=2026-01-02T00:00:00Z",
		"until=2026-01-01T00:00:00Z&until=2026-01-01T00:00:00Z", "next=a&next=b", "admin_id=&admin_id=",
		// Empty and huge values.
		"admin_id=&action=&since=&until=&limit=&next=", "admin_id=" + strings.Repeat("a", 64), "action=" + strings.Repeat("a", 65),
		"since=" + strings.Repeat("2026", 1000), "next=" + strings.Repeat("A", 2000), "limit=" + strings.Repeat("9", 40),
		// Not text: invalid UTF-8 (the cursor quirk, seed 45fedd… of FuzzOpenCursor), control characters, NUL.
		"admin_id=%fb", "action=%c3%28", "admin_id=%ef%bf%bd", "admin_id=a%00b", "admin_id=a&action=%00b", "action=%7f", "admin_id=%c2%85",
		// RFC 3339 edges.
		"since=2026-01-01t00:00:00z", "since=2026-01-01T00:00:00%2B01:00", "since=2026-01-01T00:00:00+01:00", "until=2016-12-31T23:59:60Z",
		"since=1969-12-31T23:59:59.999999999Z", "since=1970-01-01T00:00:00Z", "since=1970-01-01T00:59:59%2B01:00",
		"until=0001-01-01T00:00:00Z", "until=9999-12-31T23:59:59.999999999Z", "since=9999-12-31T23:00:00-05:00",
		"since=0000-01-01T00:00:00Z", "since=2026-02-30T00:00:00Z", "since=2026-01-01T00:00:00.1234567891Z",
		"since=2026-01-01T00:00:00-00:00", "since=2026-01-01T00:00:00%2B24:00" /* Go takes +24:00 */, "since=2026-01-01%2000:00:00Z", "since=2026-01-01",
		// since after until, and equal instants in two zones.
		"since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z", "since=2026-01-01T00:00:00.000000001Z&until=2026-01-01T00:00:00Z",
		"since=2026-01-01T01:00:00%2B01:00&until=2026-01-01T00:00:00Z",
		// Limits.
		"limit=0", "limit=1", "limit=100", "limit=101", "limit=-1", "limit=%2B5", "limit=1e2",
		// Query strings that do not decode.
		"admin_id=%zz", "admin_id=a;action=b", "%", "next=%", "admin_id=x&%zz=1",
	} {
		f.Add(q, "", "", "ADMIN#pos")
	}
	f.Add("admin_id=acme-admin", "application/json", `{"admin_id":"other"}`, "p")
	f.Add("", "application/x-www-form-urlencoded", "admin_id=%fb&limit=0", "p")
	f.Add("action=x", "text/plain; charset=latin1", "\xff", "\xff")

	logReq := func(query string) *apigw.Request {
		return &apigw.Request{Event: events.APIGatewayV2HTTPRequest{RawQueryString: query}}
	}
	f.Fuzz(func(t *testing.T, query, contentType, body, pos string) {
		ev := events.APIGatewayV2HTTPRequest{RawQueryString: query, Body: body, Headers: map[string]string{"content-type": contentType}}
		filter, bind, err := logQuery(&apigw.Request{Event: ev, Body: []byte(body)}, codes, account)
		bare, bareBind, bareErr := logQuery(logReq(query), codes, account)
		if !sameFilter(filter, bare) || bind != bareBind || (err == nil) != (bareErr == nil) || (err != nil && err.Error() != bareErr.Error()) {
			t.Fatalf("the body changed the answer: %+v %v, without it %+v %v", filter, err, bare, bareErr)
		}
		v, qerr := url.ParseQuery(query)
		if err != nil {
			de, ok := domain.AsError(err)
			if !ok || de.Code != domain.CodeInvalidParams || !slices.Contains(append([]string{"query"}, logParams...), de.Detail) {
				t.Fatalf("%q: error is not 40002 naming a parameter: %v", query, err)
			}
			if (de.Detail == "query") != (qerr != nil) {
				t.Fatalf("%q: %v, while the query string decodes with %v", query, err, qerr)
			}
			return
		}
		if qerr != nil {
			t.Fatalf("%q does not decode (%v) and was read", query, qerr)
		}
		for _, name := range logParams {
			if len(v[name]) > 1 {
				t.Fatalf("%q: %s given twice was read", query, name)
			}
		}
		if filter.AdminID != v.Get("admin_id") || filter.Action != v.Get("action") {
			t.Fatalf("%q: filter %+v", query, filter)
		}
		for _, s := range []string{filter.AdminID, filter.Action} {
			if len(s) > maxFilterLen || !utf8.ValidString(s) || strings.ContainsFunc(s, unicode.IsControl) {
				t.Fatalf("%q: filter %q accepted", query, s)
			}
		}
		for _, p := range []struct {
			name string
			t    time.Time
		}{{"since", filter.Since}, {"until", filter.Until}} {
			if (v.Get(p.name) == "") != p.t.IsZero() {
				t.Fatalf("%q: %s read as %v", query, p.name, p.t)
			}
			if y := p.t.UTC().Year(); !p.t.IsZero() && (y < 1970 || y > 9999) {
				t.Fatalf("%q: %s %v out of the store's years", query, p.name, p.t)
			}
		}
		if !filter.Since.IsZero() && !filter.Until.IsZero() && filter.Since.After(filter.Until) {
			t.Fatalf("%q: since after until accepted", query)
		}
		if filter.Limit < 1 || filter.Limit > maxLogPage || (v.Get("limit") == "" && filter.Limit != defaultLogPage) {
			t.Fatalf("%q: limit %d", query, filter.Limit)
		}
		if (v.Get("next") == "") != (filter.Next == "") {
			t.Fatalf("%q: next opened to %q", query, filter.Next)
		}
		parts := strings.Split(bind.Query, "\x00")
		if bind.List != listAdminLog || bind.Account != account || len(parts) != 4 ||
			parts[0] != filter.AdminID || parts[1] != filter.Action || parts[2] != stamp(filter.Since) || parts[3] != stamp(filter.Until) {
			t.Fatalf("%q: cursor binding %+v for filter %+v", query, bind, filter)
		}

		// The next page: its cursor, sealed as adminLog seals it for a
		// position of the store (UTF-8, short), continues this query.
		if pos == "" || !utf8.ValidString(pos) || len(pos) > 200 {
			return
		}
		bind.Pos = pos
		v.Set("next", sealCursor(codes, bind))
		next, nextBind, err := logQuery(logReq(v.Encode()), codes, account)
		if err != nil || next.Next != pos || nextBind != bareBind {
			t.Fatalf("%q: the next page's cursor does not continue it: %+v %v", query, next, err)
		}
		if next.Next = filter.Next; !sameFilter(next, filter) {
			t.Fatalf("%q: the next page reads filter %+v, not %+v", query, next, filter)
		}
		if _, _, err := logQuery(logReq(v.Encode()), codes, "other"); err == nil {
			t.Fatalf("%q: the cursor opened for another account", query)
		} else {
			checkBadNext(t, err)
		}
	})
}

// sameFilter compares filters by their times' instants (each parse of
// an offset makes its own zone).
func sameFilter(a, b domain.AuditFilter) bool {
	return a.AdminID == b.AdminID && a.Action == b.Action && a.Since.Equal(b.Since) && a.Until.Equal(b.Until) &&
		a.Limit == b.Limit && a.Next == b.Next
}

// stamp is a filter time as logQueryKey writes it.
func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}
