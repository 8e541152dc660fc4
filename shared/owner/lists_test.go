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
	"push-reactivation/shared/demo"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/secret"
)

// addAdmins creates n admins of account with ids <prefix>-0000… and
// emails in the same order (one shared password hash: the list does not
// care about passwords). One at a time: concurrent creates may be refused
// as conflicting transactions, which is not what these tests are about.
func (f *fixture) addAdmins(account, prefix string, n int) {
	f.T.Helper()
	hash, err := secret.HashPassword(nil, demo.Password, apptest.CheapArgon2)
	if err != nil {
		f.T.Fatal(err)
	}
	for i := range n {
		id := fmt.Sprintf("%s-%04d", prefix, i)
		a := domain.Admin{ID: id, AccountID: account, Email: id + "@" + account + ".example", Name: "Name " + id,
			Role: domain.RoleReadOnly, Phone: fmt.Sprintf("+1555%07d", i), PasswordHash: hash, Status: domain.AdminActive, CreatedAt: f.Clock.Now()}
		if err := f.Deps.Store.CreateAdmin(f.Ctx, a); err != nil {
			f.T.Fatalf("create %s: %v", id, err)
		}
	}
}

type adminsPage struct {
	Admins []adminRow `json:"admins"`
	Next   *string    `json:"next"`
}

// pageOfAdmins reads one page of GET /v1/admins, expecting 200.
func (f *fixture) pageOfAdmins(token, query string) adminsPage {
	f.T.Helper()
	resp := f.Call(f.owner, apptest.Request{Method: "GET", Path: "/v1/admins", Token: token, Query: query})
	var p adminsPage
	resp.OK(f.T, &p)
	if p.Next != nil && *p.Next == "" {
		f.T.Fatalf("next is present but empty: %s", resp.Body)
	}
	return p
}

// expectInvalid expects 400 40002 naming param.
func expectInvalid(t *testing.T, resp *apptest.Response, param string) {
	t.Helper()
	if fe := apptest.ExpectFail(t, resp, 400, int(domain.CodeInvalidParams)); fe.MessageDetail != param {
		t.Fatalf("message_detail %q, want %q: %s", fe.MessageDetail, param, resp.Body)
	}
}

// TestListAdminsPages: 1000 admins come in pages of 100 by default, up to
// 500 on request; following next visits every admin exactly once, in
// email order, and the last page has no next.
func TestListAdminsPages(t *testing.T) {
	f := newFixture(t)
	f.addAdmins("acme", "bulk", 1000)
	token := f.SessionFor("owner@acme.example")

	first := f.pageOfAdmins(token, "")
	if len(first.Admins) != 100 || first.Next == nil {
		t.Fatalf("default page: %d admins, next %v", len(first.Admins), first.Next)
	}
	if p := f.pageOfAdmins(token, "limit=500"); len(p.Admins) != 500 || p.Next == nil {
		t.Fatalf("limit=500: %d admins", len(p.Admins))
	}
	for _, l := range []string{"501", "0", "-1", "x", "1.5", "1e2"} {
		expectInvalid(t, f.Call(f.owner, apptest.Request{Method: "GET", Path: "/v1/admins", Token: token, Query: "limit=" + l}), "limit")
	}

	var seen []string
	q := ""
	for pages := 1; ; pages++ {
		p := f.pageOfAdmins(token, q)
		if len(p.Admins) == 0 || len(p.Admins) > 100 {
			t.Fatalf("page %d has %d admins", pages, len(p.Admins))
		}
		for _, a := range p.Admins {
			if a.Email == "" || a.Name == "" || a.Role == "" || a.Status == "" || a.PushStatus == "" {
				t.Fatalf("row lost a field: %+v", a)
			}
			seen = append(seen, a.Email)
		}
		if p.Next == nil {
			break
		}
		if pages > 20 {
			t.Fatal("paging does not end")
		}
		q = "next=" + url.QueryEscape(*p.Next)
	}
	if len(seen) != 1003 { // and acme's three demo admins
		t.Fatalf("visited %d admins, want 1003", len(seen))
	}
	if !slices.IsSorted(seen) || len(slices.Compact(slices.Clone(seen))) != len(seen) {
		t.Fatal("admins are not visited once each in email order")
	}
	// An exact multiple of the page ends without an empty page after it.
	if p := f.pageOfAdmins(token, "limit=500&next="+url.QueryEscape(*f.pageOfAdmins(token, "limit=500").Next)); len(p.Admins) != 500 || p.Next == nil {
		t.Fatalf("second page of 500: %d", len(p.Admins))
	}
}

// TestListAdminsLastPageHasNoNext: a list that fills its last page exactly
// answers no next on it, and a short list none at all.
func TestListAdminsLastPageHasNoNext(t *testing.T) {
	f := newFixture(t)
	token := f.SessionFor("owner@acme.example")
	if p := f.pageOfAdmins(token, ""); len(p.Admins) != 3 || p.Next != nil {
		t.Fatalf("three admins: %d, next %v", len(p.Admins), p.Next)
	}
	p := f.pageOfAdmins(token, "limit=2")
	if len(p.Admins) != 2 || p.Next == nil {
		t.Fatalf("first of two pages: %d, next %v", len(p.Admins), p.Next)
	}
	if p = f.pageOfAdmins(token, "limit=1&next="+url.QueryEscape(*p.Next)); len(p.Admins) != 1 || p.Next != nil {
		t.Fatalf("exact last page: %d, next %v", len(p.Admins), p.Next)
	}
}

// TestListCursorsAreBound: a cursor works only for the account, list and
// filters that issued it, and any edit of it is refused with 40002 next.
func TestListCursorsAreBound(t *testing.T) {
	f := newFixture(t)
	f.addAdmins("acme", "acme-bulk", 5)
	f.addAdmins("umbrella", "umbrella-bulk", 5)
	acme := f.SessionFor("owner@acme.example")
	umbrella := f.SessionFor("msp@umbrella.example")
	next := *f.pageOfAdmins(acme, "limit=2").Next

	// Another account's Owner cannot continue acme's list, nor read
	// anything of acme through it.
	resp := f.Call(f.owner, apptest.Request{Method: "GET", Path: "/v1/admins", Token: umbrella, Query: "next=" + url.QueryEscape(next)})
	expectInvalid(t, resp, "next")
	if strings.Contains(resp.Body, "acme") {
		t.Fatalf("answer mentions acme: %s", resp.Body)
	}
	// The same acme cursor still works for acme.
	if p := f.pageOfAdmins(acme, "limit=2&next="+url.QueryEscape(next)); len(p.Admins) != 2 {
		t.Fatalf("acme's own cursor: %d", len(p.Admins))
	}

	payload, mac, _ := strings.Cut(next, ".")
	flip := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	// A position of the store's own form, unsigned: what a caller who
	// wanted to inject a start key would send.
	forged := "eyJpIjoidW1icmVsbGEtYnVsay0wMDAwIiwiZSI6InVtYnJlbGxhLWJ1bGstMDAwMEB1bWJyZWxsYS5leGFtcGxlIn0"
	tampered := []string{
		flip(payload, 5) + "." + mac,
		payload + "." + flip(mac, 3),
		payload,
		payload + ".",
		"." + mac,
		forged,
		forged + "." + mac,
		"garbage!",
		strings.Repeat("a", 2000),
	}
	for _, c := range tampered {
		expectInvalid(t, f.Call(f.owner, apptest.Request{Method: "GET", Path: "/v1/admins", Token: acme, Query: "next=" + url.QueryEscape(c)}), "next")
	}

	// A cursor of one list is not one of the other, and a log cursor
	// continues only the filters it was issued for.
	expectInvalid(t, f.Call(f.owner, apptest.Request{Method: "GET", Path: "/v1/admin-log", Token: acme, Query: "next=" + url.QueryEscape(next)}), "next")
	for range 3 {
		f.Clock.Advance(time.Second)
		f.ownerStart(acme, "acme-admin")
	}
	logNext := f.adminLog(acme, "limit=1&action="+domain.ActionReactivationStart).Next
	if logNext == "" {
		t.Fatal("no log cursor")
	}
	for _, q := range []string{"action=" + domain.ActionLockoutReset, "", "admin_id=acme-owner&action=" + domain.ActionReactivationStart} {
		expectInvalid(t, f.Call(f.owner, apptest.Request{Method: "GET", Path: "/v1/admin-log", Token: acme, Query: q + "&next=" + url.QueryEscape(logNext)}), "next")
	}
	expectInvalid(t, f.Call(f.owner, apptest.Request{Method: "GET", Path: "/v1/admin-log", Token: umbrella,
		Query: "action=" + domain.ActionReactivationStart + "&next=" + url.QueryEscape(logNext)}), "next")
	expectInvalid(t, f.Call(f.owner, apptest.Request{Method: "GET", Path: "/v1/admins", Token: acme, Query: "next=" + url.QueryEscape(logNext)}), "next")
	if p := f.adminLog(acme, "limit=5&action="+domain.ActionReactivationStart+"&next="+url.QueryEscape(logNext)); len(p.Events) != 2 {
		t.Fatalf("the log cursor with its own filters: %d events", len(p.Events))
	}
}
