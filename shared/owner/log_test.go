//go:build !fuzz

package owner_test

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"push-reactivation/internal/testenv/apptest"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/secret"
)

// logBase is the time of the first seeded event, long before the
// fixture's clock, so the seeded events are alone in their time range.
var logBase = time.Date(2020, 11, 1, 0, 0, 0, 0, time.UTC)

// seededEvent is the i-th event seedLog writes.
func seededEvent(i int) domain.AuditEvent {
	actions := []string{domain.ActionReactivationStart, domain.ActionReactivationCancel, domain.ActionLockoutReset}
	targets := []string{"acme-admin", "acme-helpdesk", "acme-owner"}
	ev := domain.AuditEvent{ID: fmt.Sprintf("ev-%03d", i), Time: logBase.Add(time.Duration(i) * time.Minute), AccountID: "acme",
		ActorID: "acme-owner", TargetID: targets[i%3], Action: actions[(i/3)%3], Outcome: domain.OutcomeSuccess,
		IP: "192.0.2.1", UserAgent: "seed", Details: map[string]string{"i": fmt.Sprint(i)}}
	if i%4 == 0 { // the admin's own doing: actor and target alike
		ev.ActorID, ev.TargetID = "acme-admin", "acme-admin"
	}
	return ev
}

// seedLog writes n events into acme's log, one a minute from logBase.
func (f *fixture) seedLog(n int) []domain.AuditEvent {
	f.T.Helper()
	evs := make([]domain.AuditEvent, n)
	for i := range n {
		evs[i] = seededEvent(i)
		if err := f.Deps.Store.PutAudit(f.Ctx, evs[i]); err != nil {
			f.T.Fatal(err)
		}
	}
	return evs
}

type namedEvent struct {
	auditEvent
	IP        string `json:"ip"`
	UserAgent string `json:"user_agent"`
	Count     int    `json:"count"`
	Actor     *party `json:"actor"`
	Target    *party `json:"target"`
}

type party struct {
	AdminID string `json:"admin_id"`
	Name    string `json:"name"`
	Email   string `json:"email"`
}

// readLog follows next from the first page of query to the end, checking
// each page's size, and returns the events' ids in order.
func (f *fixture) readLog(token string, q url.Values, limit int) ([]string, []namedEvent) {
	f.T.Helper()
	q.Set("limit", fmt.Sprint(limit))
	var ids []string
	var all []namedEvent
	for pages := 0; ; pages++ {
		resp := f.Call(f.owner, apptest.Request{Method: "GET", Path: "/v1/admin-log", Token: token, Query: q.Encode()})
		var p struct {
			Events []namedEvent `json:"events"`
			Next   *string      `json:"next"`
		}
		resp.OK(f.T, &p)
		if len(p.Events) > limit {
			f.T.Fatalf("page of %d events, limit %d", len(p.Events), limit)
		}
		for _, ev := range p.Events {
			ids = append(ids, ev.ID)
		}
		all = append(all, p.Events...)
		if p.Next == nil {
			return ids, all
		}
		if *p.Next == "" || pages > 200 {
			f.T.Fatalf("bad paging: next %q after %d pages", *p.Next, pages)
		}
		q.Set("next", *p.Next)
	}
}

// expected is the ids of the seeded events that keep holds, newest first.
func expected(evs []domain.AuditEvent, keep func(domain.AuditEvent) bool) []string {
	var ids []string
	for i := len(evs) - 1; i >= 0; i-- {
		if keep(evs[i]) {
			ids = append(ids, evs[i].ID)
		}
	}
	return ids
}

func at(min int) time.Time { return logBase.Add(time.Duration(min) * time.Minute) }

// TestAdminLogFilters: admin_id (actor or target), action, since and until
// (both inclusive) each narrow the log, alone and together, across pages.
func TestAdminLogFilters(t *testing.T) {
	f := newFixture(t)
	evs := f.seedLog(120)
	token := f.SessionFor("owner@acme.example")
	f.ownerStart(token, "acme-helpdesk") // a live event after the seeded ones
	untilSeed := at(119).Format(time.RFC3339)
	live, _ := f.readLog(token, url.Values{"since": {"2021-01-01T00:00:00Z"}}, 10)
	if len(live) != 1 {
		t.Fatalf("live events %v", live)
	}

	cases := []struct {
		name  string
		query url.Values
		keep  func(domain.AuditEvent) bool
	}{
		{"all seeded", url.Values{"until": {untilSeed}}, func(domain.AuditEvent) bool { return true }},
		{"admin as actor or target", url.Values{"admin_id": {"acme-admin"}, "until": {untilSeed}},
			func(e domain.AuditEvent) bool { return e.ActorID == "acme-admin" || e.TargetID == "acme-admin" }},
		{"admin as target", url.Values{"admin_id": {"acme-helpdesk"}, "until": {untilSeed}},
			func(e domain.AuditEvent) bool { return e.TargetID == "acme-helpdesk" }},
		{"action", url.Values{"action": {domain.ActionReactivationCancel}, "until": {untilSeed}},
			func(e domain.AuditEvent) bool { return e.Action == domain.ActionReactivationCancel }},
		{"since and until, inclusive", url.Values{"since": {at(10).Format(time.RFC3339)}, "until": {at(20).Format(time.RFC3339)}},
			func(e domain.AuditEvent) bool { return !e.Time.Before(at(10)) && !e.Time.After(at(20)) }},
		{"an instant", url.Values{"since": {at(33).Format(time.RFC3339Nano)}, "until": {at(33).Format(time.RFC3339Nano)}},
			func(e domain.AuditEvent) bool { return e.Time.Equal(at(33)) }},
		{"an offset", url.Values{"since": {at(100).In(time.FixedZone("", 5*3600+1800)).Format(time.RFC3339)}, "until": {untilSeed}},
			func(e domain.AuditEvent) bool { return !e.Time.Before(at(100)) }},
		{"since alone", url.Values{"since": {at(110).Format(time.RFC3339)}},
			func(e domain.AuditEvent) bool { return !e.Time.Before(at(110)) }},
		{"until alone", url.Values{"until": {at(5).Format(time.RFC3339)}},
			func(e domain.AuditEvent) bool { return !e.Time.After(at(5)) }},
		{"all together", url.Values{"admin_id": {"acme-admin"}, "action": {domain.ActionReactivationStart},
			"since": {at(12).Format(time.RFC3339)}, "until": {at(100).Format(time.RFC3339)}},
			func(e domain.AuditEvent) bool {
				return (e.ActorID == "acme-admin" || e.TargetID == "acme-admin") && e.Action == domain.ActionReactivationStart &&
					!e.Time.Before(at(12)) && !e.Time.After(at(100))
			}},
	}
	for _, c := range cases {
		want := expected(evs, c.keep)
		if len(want) == 0 || (len(want) == len(evs) && c.name != "all seeded") {
			t.Fatalf("%s: the case narrows nothing (%d events)", c.name, len(want))
		}
		if c.name == "since alone" { // the live event is in range too, first
			want = append(live, want...)
		}
		for _, limit := range []int{1, 7, 100} {
			q := url.Values{}
			for k, v := range c.query {
				q[k] = v
			}
			got, _ := f.readLog(token, q, limit)
			if !slices.Equal(got, want) {
				t.Errorf("%s, limit %d:\n got %v\nwant %v", c.name, limit, got, want)
			}
		}
	}
	// Without a range the live event comes first.
	if got, _ := f.readLog(token, url.Values{"admin_id": {"acme-helpdesk"}, "action": {domain.ActionReactivationStart}}, 50); len(got) != 1+len(expected(evs, func(e domain.AuditEvent) bool {
		return e.TargetID == "acme-helpdesk" && e.Action == domain.ActionReactivationStart
	})) || strings.HasPrefix(got[0], "ev-") {
		t.Errorf("the live event is not first: %v", got)
	}

	bad := []struct{ query, param string }{
		{"since=" + url.QueryEscape(at(20).Format(time.RFC3339)) + "&until=" + url.QueryEscape(at(10).Format(time.RFC3339)), "since"},
		{"since=2020-11-01", "since"},
		{"since=yesterday", "since"},
		{"until=2020-11-01T00:00:00", "until"},
		{"until=" + url.QueryEscape("2020-13-01T00:00:00Z"), "until"},
		{"limit=101", "limit"},
		{"limit=0", "limit"},
		{"admin_id=" + strings.Repeat("a", 65), "admin_id"},
		{"action=" + strings.Repeat("a", 65), "action"},
		// Issue 17: refused before they reach a cursor or the store.
		{"admin_id=%fb", "admin_id"},
		{"action=a%00b", "action"},
		{"admin_id=acme-admin&admin_id=acme-owner", "admin_id"},
		{"until=0001-01-01T00:00:00Z", "until"},
		{"since=" + url.QueryEscape("9999-12-31T23:00:00-05:00"), "since"},
		{"admin_id=acme-admin&x=%zz", "query"},
	}
	for _, b := range bad {
		expectInvalid(t, f.Call(f.owner, apptest.Request{Method: "GET", Path: "/v1/admin-log", Token: token, Query: b.query}), b.param)
	}
}

// TestAdminLogSparseFilter: a filter that matches two events among more
// than the bounded reads of one request still finds both: the first page
// reads past DynamoDB's Limit until it finds one (not an empty page after
// 50 items read), and answers a short page with next rather than reading
// without end.
func TestAdminLogSparseFilter(t *testing.T) {
	f := newFixture(t)
	n := 1200
	for i := range n {
		ev := domain.AuditEvent{ID: fmt.Sprintf("noise-%04d", i), Time: at(i), AccountID: "acme", ActorID: "acme-owner", TargetID: "acme-admin",
			Action: "noise", Outcome: domain.OutcomeSuccess}
		if i == 0 || i == n-100 { // the newer one beyond the first 50 events read
			ev.Action, ev.ID = "rare", fmt.Sprintf("rare-%04d", i)
		}
		if err := f.Deps.Store.PutAudit(f.Ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	token := f.SessionFor("owner@acme.example")
	first := f.Call(f.owner, apptest.Request{Method: "GET", Path: "/v1/admin-log", Token: token, Query: "action=rare"})
	var p struct {
		Events []namedEvent `json:"events"`
		Next   *string      `json:"next"`
	}
	first.OK(t, &p)
	if len(p.Events) != 1 || p.Events[0].ID != "rare-1100" || p.Next == nil {
		t.Fatalf("first page: %s", first.Body)
	}
	if got, _ := f.readLog(token, url.Values{"action": {"rare"}}, 50); !slices.Equal(got, []string{"rare-1100", "rare-0000"}) {
		t.Fatalf("rare events %v", got)
	}
}

// TestAdminLogNamesParties: each event names its actor and target; an
// admin deleted since (or never one) is named by id only, and so is an
// admin of an unrelated account, whose name and email stay out of this
// account's log. Every stored field of the event is kept, count too.
func TestAdminLogNamesParties(t *testing.T) {
	f := newFixture(t)
	token := f.SessionFor("owner@acme.example")
	f.ownerStart(token, "acme-admin")
	f.Clock.Advance(time.Second)
	odd := domain.AuditEvent{ID: "odd", Time: f.Clock.Now(), AccountID: "acme", ActorID: "gone-admin", TargetID: "umbrella-msp",
		Action: "login.password", Outcome: domain.OutcomeFailure, IP: "198.51.100.7", UserAgent: "curl", Count: 3}
	if err := f.Deps.Store.PutAudit(f.Ctx, odd); err != nil {
		t.Fatal(err)
	}
	f.Clock.Advance(time.Second)
	system := domain.AuditEvent{ID: "system", Time: f.Clock.Now(), AccountID: "acme", TargetID: "acme-helpdesk", Action: "x.system", Outcome: domain.OutcomeSuccess}
	if err := f.Deps.Store.PutAudit(f.Ctx, system); err != nil {
		t.Fatal(err)
	}
	_, evs := f.readLog(token, url.Values{}, 50)
	if len(evs) != 3 {
		t.Fatalf("%d events", len(evs))
	}
	sys, o, start := evs[0], evs[1], evs[2]
	if start.Actor == nil || *start.Actor != (party{"acme-owner", "Olivia Owner", "owner@acme.example"}) ||
		start.Target == nil || *start.Target != (party{"acme-admin", "Adam Admin", "admin@acme.example"}) ||
		start.ActorID != "acme-owner" || start.TargetID != "acme-admin" || start.Action != domain.ActionReactivationStart {
		t.Errorf("start event %+v actor %+v target %+v", start, start.Actor, start.Target)
	}
	if o.Actor == nil || *o.Actor != (party{AdminID: "gone-admin"}) || o.Target == nil || *o.Target != (party{AdminID: "umbrella-msp"}) {
		t.Errorf("odd event actor %+v target %+v", o.Actor, o.Target)
	}
	if o.Count != 3 || o.IP != "198.51.100.7" || o.UserAgent != "curl" || o.Outcome != string(domain.OutcomeFailure) {
		t.Errorf("odd event lost fields: %+v", o)
	}
	if sys.Actor != nil || sys.Target == nil || sys.Target.Email != "helpdesk@acme.example" {
		t.Errorf("system event actor %+v target %+v", sys.Actor, sys.Target)
	}
	raw := f.Call(f.owner, apptest.Request{Method: "GET", Path: "/v1/admin-log", Token: token}).Body
	if strings.Contains(raw, "msp@umbrella.example") || strings.Contains(raw, "Mika") {
		t.Errorf("another account's admin is named in acme's log: %s", raw)
	}
}

// TestAdminLogNamesMSPOwner: in a child account's log, the MSP parent's
// Owner who acted there is named.
func TestAdminLogNamesMSPOwner(t *testing.T) {
	f := newFixture(t)
	f.createAdmin("child-admin", "umbrella-child", "admin@child.example", domain.RoleAdministrator)
	token := f.SessionFor("msp@umbrella.example")
	if err := f.SetActingAccount(secret.Hash(token), "umbrella-child"); err != nil {
		t.Fatal(err)
	}
	f.ownerStart(token, "child-admin")
	_, evs := f.readLog(token, url.Values{"admin_id": {"child-admin"}}, 10)
	if len(evs) != 1 || evs[0].Actor == nil || *evs[0].Actor != (party{"umbrella-msp", "Mika MSP", "msp@umbrella.example"}) ||
		evs[0].Target == nil || evs[0].Target.Email != "admin@child.example" {
		t.Fatalf("child log %+v", evs)
	}
	// The parent's own admin is not one of the child's to filter by.
	apptest.ExpectFail(t, f.Call(f.owner, apptest.Request{Method: "GET", Path: "/v1/admin-log", Token: token, Query: "admin_id=umbrella-msp"}), 404, 40401)
}

// TestListsAreForOwnersOnly: the new parameters change nothing of the
// roles rule: any other role is 40301 before a parameter is looked at.
func TestListsAreForOwnersOnly(t *testing.T) {
	f := newFixture(t)
	for _, email := range []string{"admin@acme.example", "helpdesk@acme.example"} {
		token := f.SessionFor(email)
		for _, r := range []apptest.Request{
			{Method: "GET", Path: "/v1/admins", Query: "limit=500"},
			{Method: "GET", Path: "/v1/admins", Query: "limit=501&next=x"},
			{Method: "GET", Path: "/v1/admin-log", Query: "admin_id=acme-admin&action=x&since=2020-01-01T00:00:00Z&until=2030-01-01T00:00:00Z"},
			{Method: "GET", Path: "/v1/admin-log", Query: "since=bad"},
		} {
			r.Token = token
			apptest.ExpectFail(t, f.Call(f.owner, r), 403, int(domain.CodeForbidden))
		}
	}
}
