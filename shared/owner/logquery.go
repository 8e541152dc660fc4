package owner

import (
	"net/url"
	"time"
	"unicode"
	"unicode/utf8"

	"push-reactivation/shared/apigw"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/secret"
)

// logParams are the query parameters of GET /v1/admin-log. Names are
// case-sensitive, like JSON members here; other names are ignored, as by
// every list.
var logParams = []string{"admin_id", "action", "since", "until", "limit", "next"}

// The times since and until may name: the store keeps event times as
// fixed-width text with a four-digit year (dynamo.auditTimeFormat), so a
// bound outside 0000…9999 in UTC (9999-12-31T23:00:00-05:00 is in 10000)
// would compare as text out of order, and its zero time means "no bound",
// so until=0001-01-01T00:00:00Z would read the whole log. No event is
// older than the Unix epoch.
var (
	earliestLogTime = time.Unix(0, 0).UTC()
	latestLogTime   = time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)
)

// logQuery reads what a request for the administrator log asks for:
// ?admin_id=&action=&since=&until= (RFC 3339, both inclusive), &limit=
// (1…100, default 50) and &next=, the cursor of the page before, which
// must have been issued to accountID for the same filters. It needs no
// store, so it is fuzzed alone (FuzzLogQuery). Anything it cannot take
// whole is 40002 naming the parameter, before any read:
//   - a query string that does not decode ("query"): reading it as no
//     parameters, as apigw.Request.Query does, would answer a filtered
//     request with the unfiltered log;
//   - a parameter given twice: which one counts would be a guess;
//   - an admin_id or action that is not UTF-8 text without control
//     characters, or over maxFilterLen bytes: no id or action is one, an
//     invalid byte would come back from the cursor's JSON as U+FFFD (the
//     next page's cursor was refused: fuzzing found it), and logQueryKey
//     joins the filters with NUL;
//   - a time that is not RFC 3339 or lies outside earliestLogTime…
//     latestLogTime, or since after until ("since").
//
// It returns the filter, with the opened position in Next, and the
// binding the next page's cursor is sealed with.
func logQuery(r *apigw.Request, codes *secret.CodeHasher, accountID string) (domain.AuditFilter, cursor, error) {
	var f domain.AuditFilter
	q, err := url.ParseQuery(r.Event.RawQueryString)
	if err != nil {
		return f, cursor{}, domain.InvalidParam("query")
	}
	for _, name := range logParams {
		if len(q[name]) > 1 {
			return f, cursor{}, domain.InvalidParam(name)
		}
	}
	if f.Limit, err = limitParam(q, defaultLogPage, maxLogPage); err != nil {
		return f, cursor{}, err
	}
	f.AdminID, f.Action = q.Get("admin_id"), q.Get("action")
	for _, p := range []struct{ name, value string }{{"admin_id", f.AdminID}, {"action", f.Action}} {
		if !filterText(p.value) {
			return f, cursor{}, domain.InvalidParam(p.name)
		}
	}
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"since", &f.Since}, {"until", &f.Until}} {
		if s := q.Get(p.name); s != "" {
			t, err := time.Parse(time.RFC3339Nano, s)
			if err != nil || t.Before(earliestLogTime) || t.After(latestLogTime) {
				return f, cursor{}, domain.InvalidParam(p.name)
			}
			*p.dst = t
		}
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && f.Since.After(f.Until) {
		return f, cursor{}, domain.InvalidParam("since")
	}
	bind := cursor{List: listAdminLog, Account: accountID, Query: logQueryKey(f)}
	if next := q.Get("next"); next != "" {
		if f.Next, err = openCursor(codes, next, bind); err != nil {
			return f, cursor{}, err
		}
	}
	return f, bind, nil
}

// filterText reports whether s may be an admin_id or action filter.
func filterText(s string) bool {
	if len(s) > maxFilterLen || !utf8.ValidString(s) {
		return false
	}
	for _, c := range s {
		if unicode.IsControl(c) {
			return false
		}
	}
	return true
}
