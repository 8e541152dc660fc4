//go:build !fuzz

package owner_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"push-reactivation/internal/testenv"
	"push-reactivation/internal/testenv/apptest"
	"push-reactivation/shared/apigw"
	"push-reactivation/shared/demo"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/email"
	"push-reactivation/shared/login"
	"push-reactivation/shared/openapi"
	"push-reactivation/shared/owner"
	"push-reactivation/shared/reactivation"
)

// columns are the roles of the matrix, in this order; a last column is the
// caller without a session.
var columns = []domain.Role{
	domain.RoleOwner, domain.RoleAdministrator, domain.RoleApplicationManager, domain.RoleUserManager,
	domain.RoleHelpDesk, domain.RoleBilling, domain.RoleReadOnly,
}

// matrix is the state the cells share: one acme admin per role, and an
// acme admin who is nobody's caller, the target of the owner routes.
type matrix struct {
	*fixture
	routers map[string]*apigw.Router
	callers map[domain.Role]*domain.Admin
	target  *domain.Admin
}

// principal is a fresh, recently authenticated principal of an admin, for
// setting up state through the service rather than through a route.
func (m *matrix) principal(id string) *domain.Principal {
	m.T.Helper()
	a, err := m.Deps.Store.GetAdmin(m.Ctx, id)
	if err != nil {
		m.T.Fatal(err)
	}
	return m.Principal(a)
}

// startFor starts a reactivation of target's push as actor and returns its id.
func (m *matrix) startFor(actorID, targetID string) string {
	m.T.Helper()
	actor := m.principal(actorID)
	target := &actor.Admin
	if targetID != actorID {
		target = &m.principal(targetID).Admin
	}
	st, err := reactivation.NewService(m.Deps.Logic()).Start(m.Ctx, reactivation.StartRequest{Actor: actor, Target: target})
	if err != nil {
		m.T.Fatalf("start %s for %s: %v", targetID, actorID, err)
	}
	return st.Reactivation.ID
}

// ownReactivation is a pending reactivation of the caller's own push.
func (m *matrix) ownReactivation(caller *domain.Admin) string {
	return m.startFor(caller.ID, caller.ID)
}

// targetReactivation is a pending reactivation of the target's push,
// started by the account's Owner.
func (m *matrix) targetReactivation() string { return m.startFor("acme-owner", m.target.ID) }

// row is one endpoint of DESIGN.md §4: the function whose router serves
// it, the route key, a request builder (which may create the state the
// call needs; the runner adds the caller's session token unless the
// builder chose one), and the expected status for each column, then for a
// caller without a session.
type row struct {
	fn, route string
	req       func(m *matrix, caller *domain.Admin) apptest.Request
	want      [7]int
	anon      int
}

const (
	reactivationCode  = "reactivation-code"
	ownerReactivation = "owner-reactivation"
	activationEmail   = "activation-email"
	fallbackLogin     = "fallback-login"
)

// The panel API of DESIGN.md §4 by role (§3, roles: only an Owner may list
// or view other administrators, reactivate them, clear their lockout or
// read the administrator log; a reactivation is visible to its target and
// the account's Owners only, anyone else 404).
//
//	columns: owner, administrator, application_manager, user_manager, help_desk, billing, read_only
var rows = []row{
	// --- reactivation-code (issue #4) ---
	{reactivationCode, "GET /v1/profile", func(m *matrix, c *domain.Admin) apptest.Request {
		return apptest.Request{Method: "GET", Path: "/v1/profile"}
	}, [7]int{200, 200, 200, 200, 200, 200, 200}, 401},
	{reactivationCode, "POST /v1/profile/duo-push/reactivation", func(m *matrix, c *domain.Admin) apptest.Request {
		return apptest.Request{Method: "POST", Path: "/v1/profile/duo-push/reactivation", JSON: map[string]any{}}
	}, [7]int{201, 201, 201, 201, 201, 201, 201}, 401},
	{reactivationCode, "GET /v1/reactivations/{id}", func(m *matrix, c *domain.Admin) apptest.Request {
		return apptest.Request{Method: "GET", Path: "/v1/reactivations/" + m.ownReactivation(c)}
	}, [7]int{200, 200, 200, 200, 200, 200, 200}, 401},
	{reactivationCode, "GET /v1/reactivations/{id}", func(m *matrix, c *domain.Admin) apptest.Request {
		return apptest.Request{Method: "GET", Path: "/v1/reactivations/" + m.targetReactivation()}
	}, [7]int{200, 404, 404, 404, 404, 404, 404}, 401},
	{reactivationCode, "DELETE /v1/reactivations/{id}", func(m *matrix, c *domain.Admin) apptest.Request {
		return apptest.Request{Method: "DELETE", Path: "/v1/reactivations/" + m.ownReactivation(c)}
	}, [7]int{200, 200, 200, 200, 200, 200, 200}, 401},
	{reactivationCode, "DELETE /v1/reactivations/{id}", func(m *matrix, c *domain.Admin) apptest.Request {
		return apptest.Request{Method: "DELETE", Path: "/v1/reactivations/" + m.targetReactivation()}
	}, [7]int{200, 404, 404, 404, 404, 404, 404}, 401},
	// --- reactivation-code, a new QR code (issue 12) ---
	{reactivationCode, reactivation.BarcodeRoute, func(m *matrix, c *domain.Admin) apptest.Request {
		return apptest.Request{Method: "POST", Path: "/v1/reactivations/" + m.ownReactivation(c) + "/barcode", JSON: map[string]any{}}
	}, [7]int{201, 201, 201, 201, 201, 201, 201}, 401},
	{reactivationCode, reactivation.BarcodeRoute, func(m *matrix, c *domain.Admin) apptest.Request {
		return apptest.Request{Method: "POST", Path: "/v1/reactivations/" + m.targetReactivation() + "/barcode", JSON: map[string]any{}}
	}, [7]int{201, 404, 404, 404, 404, 404, 404}, 401},

	// --- owner-reactivation (issue #6) ---
	{ownerReactivation, "GET /v1/admins", func(m *matrix, c *domain.Admin) apptest.Request {
		return apptest.Request{Method: "GET", Path: "/v1/admins"}
	}, [7]int{200, 403, 403, 403, 403, 403, 403}, 401},
	{ownerReactivation, "GET /v1/admins/{admin_id}", func(m *matrix, c *domain.Admin) apptest.Request {
		return apptest.Request{Method: "GET", Path: "/v1/admins/" + m.target.ID}
	}, [7]int{200, 403, 403, 403, 403, 403, 403}, 401},
	{ownerReactivation, "GET /v1/admins/{admin_id}", func(m *matrix, c *domain.Admin) apptest.Request {
		return apptest.Request{Method: "GET", Path: "/v1/admins/" + c.ID} // oneself: Edit Profile is the way
	}, [7]int{200, 403, 403, 403, 403, 403, 403}, 401},
	{ownerReactivation, "POST /v1/admins/{admin_id}/duo-push/reactivation", func(m *matrix, c *domain.Admin) apptest.Request {
		return apptest.Request{Method: "POST", Path: "/v1/admins/" + m.target.ID + "/duo-push/reactivation", JSON: map[string]any{}}
	}, [7]int{201, 403, 403, 403, 403, 403, 403}, 401},
	{ownerReactivation, "POST /v1/admins/{admin_id}/duo-push/reactivation", func(m *matrix, c *domain.Admin) apptest.Request {
		return apptest.Request{Method: "POST", Path: "/v1/admins/" + c.ID + "/duo-push/reactivation", JSON: map[string]any{}}
	}, [7]int{201, 403, 403, 403, 403, 403, 403}, 401},
	{ownerReactivation, "POST /v1/admins/{admin_id}/reset-lockout", func(m *matrix, c *domain.Admin) apptest.Request {
		return apptest.Request{Method: "POST", Path: "/v1/admins/" + m.target.ID + "/reset-lockout"}
	}, [7]int{200, 403, 403, 403, 403, 403, 403}, 401},
	{ownerReactivation, "GET /v1/admin-log", func(m *matrix, c *domain.Admin) apptest.Request {
		return apptest.Request{Method: "GET", Path: "/v1/admin-log", Query: "limit=5"}
	}, [7]int{200, 403, 403, 403, 403, 403, 403}, 401},

	// --- activation-email (issue #7) ---
	{activationEmail, email.Route, func(m *matrix, c *domain.Admin) apptest.Request {
		return apptest.Request{Method: "POST", Path: "/v1/reactivations/" + m.ownReactivation(c) + "/email", JSON: map[string]any{}}
	}, [7]int{202, 202, 202, 202, 202, 202, 202}, 401},
	{activationEmail, email.Route, func(m *matrix, c *domain.Admin) apptest.Request {
		return apptest.Request{Method: "POST", Path: "/v1/reactivations/" + m.targetReactivation() + "/email", JSON: map[string]any{}}
	}, [7]int{202, 404, 404, 404, 404, 404, 404}, 401},

	// --- fallback-login (issue #3) ---
	// The login steps take no session: every role logs in the same way,
	// and so does a caller without one (the last column).
	{fallbackLogin, openapi.RouteKey, func(m *matrix, c *domain.Admin) apptest.Request {
		return apptest.Request{Method: "GET", Path: "/v1/openapi.json"}
	}, [7]int{200, 200, 200, 200, 200, 200, 200}, 200},
	{fallbackLogin, "POST /v1/login", func(m *matrix, c *domain.Admin) apptest.Request {
		return apptest.Request{Method: "POST", Path: "/v1/login", JSON: map[string]string{"email": c.Email, "password": demo.Password}}
	}, [7]int{200, 200, 200, 200, 200, 200, 200}, 200},
	{fallbackLogin, "POST /v1/login/{txid}/factor", func(m *matrix, c *domain.Admin) apptest.Request {
		tx := m.loginTx(c.Email)
		return apptest.Request{Method: "POST", Path: "/v1/login/" + tx + "/factor", JSON: map[string]string{"factor": "sms"}, Headers: m.loginHeaders(tx)}
	}, [7]int{200, 200, 200, 200, 200, 200, 200}, 200},
	{fallbackLogin, "POST /v1/login/{txid}/verify", func(m *matrix, c *domain.Admin) apptest.Request {
		tx := m.loginTx(c.Email)
		return apptest.Request{Method: "POST", Path: "/v1/login/" + tx + "/verify", JSON: map[string]string{"passcode": m.smsPasscode(tx, c.Phone)},
			Headers: m.loginHeaders(tx)}
	}, [7]int{200, 200, 200, 200, 200, 200, 200}, 200},
	{fallbackLogin, "GET /v1/login/{txid}", func(m *matrix, c *domain.Admin) apptest.Request {
		tx := m.loginTx(c.Email)
		return apptest.Request{Method: "GET", Path: "/v1/login/" + tx, Headers: m.loginHeaders(tx)}
	}, [7]int{200, 200, 200, 200, 200, 200, 200}, 200},
	// The session endpoints: every role's own session.
	{fallbackLogin, "GET /v1/session", func(m *matrix, c *domain.Admin) apptest.Request {
		return apptest.Request{Method: "GET", Path: "/v1/session"}
	}, [7]int{200, 200, 200, 200, 200, 200, 200}, 401},
	{fallbackLogin, "PUT /v1/session/account", func(m *matrix, c *domain.Admin) apptest.Request {
		return apptest.Request{Method: "PUT", Path: "/v1/session/account", JSON: map[string]string{"account_id": c.AccountID}}
	}, [7]int{200, 200, 200, 200, 200, 200, 200}, 401},
	{fallbackLogin, "DELETE /v1/session", func(m *matrix, c *domain.Admin) apptest.Request {
		return apptest.Request{Method: "DELETE", Path: "/v1/session", Token: m.SessionFor(c.Email)} // its own session, so the caller's stays
	}, [7]int{200, 200, 200, 200, 200, 200, 200}, 401},
	// Step-up (issue 12): every role may re-authenticate its own session.
	{fallbackLogin, "POST /v1/session/reauth", func(m *matrix, c *domain.Admin) apptest.Request {
		return apptest.Request{Method: "POST", Path: "/v1/session/reauth"}
	}, [7]int{201, 201, 201, 201, 201, 201, 201}, 401},
}

// TestAuthorizationMatrix calls every panel endpoint as every role (and
// without a session) and checks each status. Every Owner-only route has
// cells of the other six roles that expect 403 (or 404 for a
// reactivation), so dropping any role check fails the test.
func TestAuthorizationMatrix(t *testing.T) {
	ses := testenv.StartSES(t)
	t.Setenv("AWS_ENDPOINT_URL_SESV2", ses.URL())
	f := newFixture(t)
	m := &matrix{fixture: f, callers: map[domain.Role]*domain.Admin{}, routers: map[string]*apigw.Router{
		reactivationCode:  reactivation.NewRouter(f.Deps.Logic()),
		ownerReactivation: owner.NewRouter(f.Deps.Logic(), f.Mailer()),
		activationEmail:   email.NewRouter(f.Deps.Logic(), f.Mailer()),
		fallbackLogin:     login.NewRouter(f.Deps.Logic(), f.Phone()),
	}}
	if !slices.Equal(columns, domain.AllRoles) {
		t.Fatalf("columns %v must list domain.AllRoles %v in order", columns, domain.AllRoles)
	}
	for _, a := range []string{"owner@acme.example", "admin@acme.example", "helpdesk@acme.example"} {
		admin := f.Admin(a)
		m.callers[admin.Role] = admin
	}
	for _, role := range domain.AllRoles {
		if m.callers[role] == nil {
			m.callers[role] = f.createAdmin("acme-"+strings.ReplaceAll(string(role), "_", "-"), "acme", string(role)+"@acme.example", role)
		}
	}
	m.target = f.createAdmin("acme-target", "acme", "target@acme.example", domain.RoleAdministrator)

	// Every route of every router has at least one row.
	covered := map[string]bool{}
	for _, r := range rows {
		covered[r.fn+" "+r.route] = true
	}
	for fn, rt := range m.routers {
		for _, route := range rt.Routes() {
			if !covered[fn+" "+route] {
				t.Errorf("route %s of %s has no row in the matrix", route, fn)
			}
		}
	}

	for col, role := range columns {
		// A new hour for each role keeps the per-admin hourly limits out
		// of the way; sessions are made after the clock moved.
		f.Clock.Advance(time.Hour)
		caller := m.callers[role]
		token := f.SessionFor(caller.Email)
		for _, r := range rows {
			req := r.req(m, caller)
			if req.Token == "" {
				req.Token = token
			}
			resp := f.Call(m.routers[r.fn], req)
			if resp.Status != r.want[col] {
				t.Errorf("%-14s %s %s (%s): %d, want %d: %s", role, req.Method, req.Path, r.route, resp.Status, r.want[col], resp.Body)
			}
		}
	}
	for _, r := range rows {
		req := r.req(m, m.callers[domain.RoleOwner])
		req.Token = ""
		if resp := f.Call(m.routers[r.fn], req); resp.Status != r.anon {
			t.Errorf("no session    %s %s: %d, want %d", req.Method, req.Path, resp.Status, r.anon)
		}
	}
	t.Logf("%d cells", len(rows)*(len(columns)+1))
}

// TestMatrixCoversOwnerOnlyRoutes: the matrix would notice a missing role
// check, because each Owner-only route has a non-Owner cell that expects a
// refusal.
func TestMatrixCoversOwnerOnlyRoutes(t *testing.T) {
	refused := map[string]bool{}
	for _, r := range rows {
		for col, role := range columns {
			if role != domain.RoleOwner && (r.want[col] == 403 || r.want[col] == 404) {
				refused[r.fn+" "+r.route] = true
			}
		}
	}
	for _, route := range []string{
		"GET /v1/admins", "GET /v1/admins/{admin_id}", "POST /v1/admins/{admin_id}/duo-push/reactivation",
		"POST /v1/admins/{admin_id}/reset-lockout", "GET /v1/admin-log",
	} {
		if !refused[ownerReactivation+" "+route] {
			t.Errorf("owner-only route %s has no refused cell", route)
		}
	}
	for _, route := range []string{"GET /v1/reactivations/{id}", "DELETE /v1/reactivations/{id}", reactivation.BarcodeRoute} {
		if !refused[reactivationCode+" "+route] {
			t.Errorf("%s has no refused cell for another admin's reactivation", route)
		}
	}
}
