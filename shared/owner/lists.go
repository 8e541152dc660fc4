package owner

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"

	"push-reactivation/shared/apigw"
	"push-reactivation/shared/domain"
)

// Page sizes of the lists (DESIGN.md §4.1, Lists).
const (
	defaultAdminsPage = 100
	maxAdminsPage     = 500
	defaultLogPage    = 50
	maxLogPage        = 100
)

// Filter values of the administrator log are ids and action names; longer
// values cannot match and are refused rather than sent to DynamoDB.
const maxFilterLen = 64

// The lists a cursor may belong to.
const (
	listAdmins   = "admins"
	listAdminLog = "admin-log"
)

// pageLimit reads ?limit=: absent is def, else a whole number 1…most, or
// 40002 naming "limit".
func pageLimit(r *apigw.Request, def, most int) (int, error) {
	return limitParam(r.Query(), def, most)
}

// limitParam is pageLimit on parsed parameters.
func limitParam(q url.Values, def, most int) (int, error) {
	s := q.Get("limit")
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > most {
		return 0, domain.InvalidParam("limit")
	}
	return n, nil
}

// adminsPage reads the page of the account's admins that ?limit= and
// ?next= name, and seals the cursor of the following one.
func (h *handlers) adminsPage(ctx context.Context, r *apigw.Request, accountID string) ([]domain.Admin, string, error) {
	limit, err := pageLimit(r, defaultAdminsPage, maxAdminsPage)
	if err != nil {
		return nil, "", err
	}
	bind := cursor{List: listAdmins, Account: accountID}
	pos := ""
	if next := r.Query().Get("next"); next != "" {
		if pos, err = openCursor(h.codes, next, bind); err != nil {
			return nil, "", err
		}
	}
	admins, nextPos, err := h.store.ListAdminsPage(ctx, accountID, limit, pos)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if nextPos != "" {
		bind.Pos = nextPos
		next = sealCursor(h.codes, bind)
	}
	return admins, next, nil
}

// Party names the actor or the target of an event: the admin's id, and
// its name and email when the admin still exists and belongs to the
// account whose log this is or to that account's MSP parent (whose Owners
// act in it); otherwise name and email are empty and only the id, which
// the event itself records, is known.
type Party struct {
	AdminID string `json:"admin_id"`
	Name    string `json:"name"`
	Email   string `json:"email"`
}

// EventView is an event of the administrator log as the panel reads it:
// every field of the stored event, and the actor and target named.
type EventView struct {
	domain.AuditEvent
	Actor  *Party `json:"actor,omitempty"`
	Target *Party `json:"target,omitempty"`
}

// adminLog answers a page of the account's administrator log, newest
// first, of the query logQuery reads: ?limit=, &next=, &admin_id= (events
// whose actor or target is that admin), &action=, &since= and &until=.
// The account comes from the session; the cursor is bound to it and to
// the filters. An admin_id that names no admin of this account is 40401,
// the same for another account's admin as for one that does not exist
// (DESIGN.md §3, roles). Round trips: the filter's admin (one), the
// query (one, up to domain.MaxAuditQueries when a filter is sparse), the
// named admins (one BatchGetItem per 100).
func (h *handlers) adminLog(ctx context.Context, r *apigw.Request) (*apigw.Response, error) {
	var f domain.AuditFilter
	var bind cursor
	var events []domain.AuditEvent
	var nextPos string
	acct, err := h.accountBeside(ctx, r, func(ctx context.Context, accountID string) (err error) {
		if f, bind, err = logQuery(r, h.codes, accountID); err != nil {
			return err
		}
		if f.AdminID != "" {
			a, err := h.store.GetAdmin(ctx, f.AdminID)
			if errors.Is(err, domain.ErrNotFound) || (err == nil && a.AccountID != accountID) {
				return domain.NewError(domain.CodeNotFound)
			}
			if err != nil {
				return err
			}
		}
		events, nextPos, err = h.store.ListAudit(ctx, accountID, f)
		return err
	})
	if err != nil {
		return nil, err
	}
	views, err := h.nameParties(ctx, acct, events)
	if err != nil {
		return nil, err
	}
	resp := struct {
		Events []EventView `json:"events"`
		Next   string      `json:"next,omitempty"`
	}{Events: views}
	if nextPos != "" {
		bind.Pos = nextPos
		resp.Next = sealCursor(h.codes, bind)
	}
	return apigw.OK(resp), nil
}

// logQueryKey is the filters of a log query in one string, so a cursor
// only continues the query that issued it (the page size may change
// between pages).
func logQueryKey(f domain.AuditFilter) string {
	ts := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.RFC3339Nano)
	}
	return strings.Join([]string{f.AdminID, f.Action, ts(f.Since), ts(f.Until)}, "\x00")
}

// nameParties reads the admins the events name, in one BatchGetItem (per
// 100 admins), and names each event's actor and target.
func (h *handlers) nameParties(ctx context.Context, acct *domain.Account, events []domain.AuditEvent) ([]EventView, error) {
	ids := make([]string, 0, 2*len(events))
	for _, ev := range events {
		ids = append(ids, ev.ActorID, ev.TargetID)
	}
	admins, err := h.store.AdminsByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	party := func(id string) *Party {
		if id == "" {
			return nil
		}
		p := &Party{AdminID: id}
		if a, ok := admins[id]; ok && (a.AccountID == acct.ID || (acct.ParentID != "" && a.AccountID == acct.ParentID)) {
			p.Name, p.Email = a.Name, a.Email
		}
		return p
	}
	views := make([]EventView, 0, len(events))
	for _, ev := range events {
		ev.Time = ev.Time.UTC()
		views = append(views, EventView{AuditEvent: ev, Actor: party(ev.ActorID), Target: party(ev.TargetID)})
	}
	return views, nil
}
