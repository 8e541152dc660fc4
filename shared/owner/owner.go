// Package owner serves the Administrators tab of an Owner
// (OwnerReactivationFunction, DESIGN.md §4 owner-reactivation rows): list
// and view administrators with their Secondary Authentication section,
// reactivate another admin's Duo Push, clear a lockout, read the
// administrator log.
//
// Every route is for Owners only (DESIGN.md §3, roles): other roles get
// 40301 before anything is read. An Owner manages the admins of the
// account its session acts in, which is its home account or, for an MSP
// parent's Owner switched into a customer, that child account
// (reactivation.Service.ActingAccount checks it on every request). An
// admin of any other account is 40401, the same as one that does not
// exist.
package owner

import (
	"context"
	"strconv"

	"push-reactivation/shared/apigw"
	"push-reactivation/shared/deps"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/notify"
	"push-reactivation/shared/profile"
	"push-reactivation/shared/reactivation"
	"push-reactivation/shared/secret"
)

// NewRouter is the router of OwnerReactivationFunction; the notices to the
// target admin go through mailer.
func NewRouter[S RouterStore](d *deps.Deps[S], mailer notify.Mailer) *apigw.Router {
	svc := reactivation.NewService(d)
	// The target admin is emailed when an Owner starts a reactivation for
	// them (DESIGN.md §3, notifications; shared/notify).
	svc.Notifier = notify.New(d, mailer)
	return NewRouterWith(d, svc)
}

// NewRouterWith builds the router around a given reactivation service,
// so tests can supply their own Notifier.
func NewRouterWith[S Store](d *deps.Deps[S], svc *reactivation.Service) *apigw.Router {
	h := &handlers{store: d.Store, clock: d.Clock, random: d.Random, codes: d.Settings.Codes, svc: svc}
	return apigw.NewRouter(d.Log, d.Sessions, d.Settings.PanelOrigin,
		apigw.Route{Key: "GET /v1/admins", Auth: true, Handler: h.listAdmins},
		apigw.Route{Key: "GET /v1/admins/{admin_id}", Auth: true, Handler: h.getAdmin},
		apigw.Route{Key: "POST /v1/admins/{admin_id}/duo-push/reactivation", Auth: true, Handler: h.startReactivation},
		apigw.Route{Key: "POST /v1/admins/{admin_id}/reset-lockout", Auth: true, Handler: h.resetLockout},
		apigw.Route{Key: "GET /v1/admin-log", Auth: true, Handler: h.adminLog},
	).WithIdempotency(d.Idempotency)
}

// Store is what the Owner routes read and write.
type Store interface {
	profile.Store
	GetAdmin(ctx context.Context, id string) (*domain.Admin, error)
	ListAdminsPage(ctx context.Context, accountID string, limit int, next string) ([]domain.Admin, string, error)
	AdminsByID(ctx context.Context, ids []string) (map[string]domain.Admin, error)
	GetReactivations(ctx context.Context, ids []string) (map[string]domain.Reactivation, error)
	ListAudit(ctx context.Context, accountID string, f domain.AuditFilter) ([]domain.AuditEvent, string, error)
	ResetLockout(ctx context.Context, adminID string, ev domain.AuditEvent) error
}

// RouterStore is what NewRouter needs: the Owner routes' store, the
// reactivation service's, and the audit log of the notices.
type RouterStore interface {
	Store
	reactivation.Store
	notify.AuditStore
}

type handlers struct {
	store  Store
	clock  domain.Clock
	random domain.Random
	codes  *secret.CodeHasher
	svc    *reactivation.Service
}

// account checks that the caller is an Owner and returns the account it
// manages.
func (h *handlers) account(ctx context.Context, r *apigw.Request) (*domain.Account, error) {
	if r.Principal.Admin.Role != domain.RoleOwner {
		return nil, domain.NewError(domain.CodeForbidden)
	}
	return h.svc.ActingAccount(ctx, r.Principal)
}

// accountBeside is account, with read run on the id of the account the
// session acts in at the same time, so a list costs no extra round trip
// for the account. What read finds is used only once the account passed
// its checks: an account refused is that refusal, whatever read said.
func (h *handlers) accountBeside(ctx context.Context, r *apigw.Request, read func(ctx context.Context, accountID string) error) (*domain.Account, error) {
	p := r.Principal
	if p.Admin.Role != domain.RoleOwner || p.Session.HomeAccountID != p.Admin.AccountID {
		return nil, domain.NewError(domain.CodeForbidden)
	}
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- read(rctx, reactivation.ActingAccountID(p)) }()
	acct, err := h.svc.ActingAccount(ctx, p)
	if err != nil {
		cancel()
		<-done
		return nil, err
	}
	if err := <-done; err != nil {
		return nil, err
	}
	return acct, nil
}

// targetID is the admin id the path names, or 40401 for one that cannot
// exist.
func targetID(r *apigw.Request) (string, error) {
	id := r.Param("admin_id")
	if id == "" || len(id) > 64 {
		return "", domain.NewError(domain.CodeNotFound)
	}
	return id, nil
}

// belongs is a (nil when it does not exist) if it is an admin of acct,
// else 40401.
func belongs(a *domain.Admin, acct *domain.Account) (*domain.Admin, error) {
	if a == nil || a.AccountID != acct.ID {
		return nil, domain.NewError(domain.CodeNotFound)
	}
	return a, nil
}

// accountAndTarget is account, then target: the account the Owner manages
// and the admin of it the path names, both read in one round trip (the
// acting account's id is the session's, the admin's the path's) and
// checked in that order, so the answers are those of reading one after
// the other.
func (h *handlers) accountAndTarget(ctx context.Context, r *apigw.Request) (*domain.Account, *domain.Admin, error) {
	p := r.Principal
	if p.Admin.Role != domain.RoleOwner {
		return nil, nil, domain.NewError(domain.CodeForbidden)
	}
	if p.Session.HomeAccountID != p.Admin.AccountID {
		return nil, nil, domain.NewError(domain.CodeForbidden)
	}
	id, err := targetID(r)
	if err != nil {
		// The account is still checked first, as reading it would.
		if _, aerr := h.account(ctx, r); aerr != nil {
			return nil, nil, aerr
		}
		return nil, nil, err
	}
	found, err := h.store.Lookup(ctx, domain.Lookup{AccountID: reactivation.ActingAccountID(p), AdminID: id})
	if err != nil {
		return nil, nil, err
	}
	acct, err := reactivation.CheckActing(p, found.Account)
	if err != nil {
		return nil, nil, err
	}
	a, err := belongs(found.Admin, acct)
	return acct, a, err
}

// AdminSummary is one row of the Administrators tab.
type AdminSummary struct {
	AdminID    string             `json:"admin_id"`
	Name       string             `json:"name"`
	Email      string             `json:"email"`
	Role       domain.Role        `json:"role"`
	Status     domain.AdminStatus `json:"status"`
	PushStatus profile.PushStatus `json:"push_status"`
	// PendingReactivationID is the admin's pending reactivation, null
	// when none or expired (DESIGN.md §4.1).
	PendingReactivationID *string `json:"pending_reactivation_id"`
}

// listAdmins answers one page of the account's admins ordered by email:
// ?limit=1…500 (default 100), &next=<cursor of the previous page>; next is
// omitted on the last page. Round trips: the page of admins (one) and
// their pending reactivations (one per 100).
func (h *handlers) listAdmins(ctx context.Context, r *apigw.Request) (*apigw.Response, error) {
	var admins []domain.Admin
	var next string
	_, err := h.accountBeside(ctx, r, func(ctx context.Context, accountID string) (err error) {
		admins, next, err = h.adminsPage(ctx, r, accountID)
		return err
	})
	if err != nil {
		return nil, err
	}
	var pendingIDs []string
	for _, a := range admins {
		if a.PendingReactivationID != "" {
			pendingIDs = append(pendingIDs, a.PendingReactivationID)
		}
	}
	pending, err := h.store.GetReactivations(ctx, pendingIDs)
	if err != nil {
		return nil, err
	}
	now := h.clock.Now()
	out := make([]AdminSummary, 0, len(admins))
	for _, a := range admins {
		var p *domain.Reactivation
		if re, ok := pending[a.PendingReactivationID]; ok {
			p = &re
		}
		out = append(out, AdminSummary{AdminID: a.ID, Name: a.Name, Email: a.Email, Role: a.Role, Status: a.Status,
			PushStatus: profile.StatusOf(&a, p, now)})
		// Only a reactivation still pending as of now is named (an
		// expired one is null, whatever the item says).
		if row := &out[len(out)-1]; row.PushStatus == profile.PushPendingReactivation {
			row.PendingReactivationID = &p.ID
		}
	}
	resp := struct {
		Admins []AdminSummary `json:"admins"`
		Next   string         `json:"next,omitempty"`
	}{Admins: out, Next: next}
	return apigw.OK(resp), nil
}

// getAdmin answers one admin with its Secondary Authentication section and
// its status (so the panel can offer to clear a lockout).
func (h *handlers) getAdmin(ctx context.Context, r *apigw.Request) (*apigw.Response, error) {
	acct, a, err := h.accountAndTarget(ctx, r)
	if err != nil {
		return nil, err
	}
	v, err := profile.Load(ctx, h.store, a, acct, h.clock.Now())
	if err != nil {
		return nil, err
	}
	v.Status = a.Status
	return apigw.OK(v), nil
}

// startReactivation reactivates the named admin's Duo Push through the
// same code as self-service; the Owner is recorded as initiator and sees
// the QR code. An Owner may name themselves.
func (h *handlers) startReactivation(ctx context.Context, r *apigw.Request) (*apigw.Response, error) {
	// Naming oneself is self-service by another route: Start applies the
	// self rules, so an MSP Owner acting in a child account is told to log
	// in to the parent account (40302) rather than told it does not exist.
	var acct *domain.Account
	var err error
	a := &r.Principal.Admin
	if r.Param("admin_id") != a.ID {
		acct, a, err = h.accountAndTarget(ctx, r)
	} else {
		acct, err = h.account(ctx, r)
	}
	if err != nil {
		return nil, err
	}
	var body reactivation.StartBody
	if err := r.DecodeJSON(&body); err != nil {
		return nil, err
	}
	st, err := h.svc.Start(ctx, reactivation.StartRequest{Actor: r.Principal, Target: a, Acting: acct, ValidSecs: body.ValidSecs,
		IP: r.IP(), UserAgent: r.UserAgent()})
	if err != nil {
		return nil, err
	}
	return apigw.Created(st.View()), nil
}

// resetLockout unlocks the named admin and clears its failure count, with
// the audit event in the same transaction. A disabled admin stays
// disabled (40901). Clearing an admin who is not locked is harmless and
// answers the same. The body is empty or {}: like every body, unknown
// fields are refused (DESIGN.md §4).
func (h *handlers) resetLockout(ctx context.Context, r *apigw.Request) (*apigw.Response, error) {
	_, a, err := h.accountAndTarget(ctx, r)
	if err != nil {
		return nil, err
	}
	var body struct{}
	if err := r.DecodeJSON(&body); err != nil {
		return nil, err
	}
	id, err := secret.ID(h.random)
	if err != nil {
		return nil, err
	}
	ev := domain.NewAuditEvent(domain.AuditEvent{ID: id, Time: h.clock.Now(), AccountID: a.AccountID, ActorID: r.Principal.Admin.ID, TargetID: a.ID,
		Action: domain.ActionLockoutReset, Outcome: domain.OutcomeSuccess, IP: r.IP(), UserAgent: r.UserAgent(),
		Details: map[string]string{"previous_status": string(a.Status), "failed_attempts": strconv.Itoa(a.FailedAttempts)}})
	if err := h.store.ResetLockout(ctx, a.ID, ev); err != nil {
		return nil, err
	}
	return apigw.OK(map[string]any{"admin_id": a.ID, "status": domain.AdminActive}), nil
}
