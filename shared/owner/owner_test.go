//go:build !fuzz

package owner_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"push-reactivation/internal/testenv/apptest"
	"push-reactivation/shared/device"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/profile"
	"push-reactivation/shared/secret"
)

type adminRow struct {
	AdminID    string `json:"admin_id"`
	Name       string `json:"name"`
	Email      string `json:"email"`
	Role       string `json:"role"`
	Status     string `json:"status"`
	PushStatus string `json:"push_status"`
}

func (f *fixture) listAdmins(token string) map[string]adminRow {
	f.T.Helper()
	var out struct {
		Admins []adminRow `json:"admins"`
	}
	resp := f.Call(f.owner, apptest.Request{Method: "GET", Path: "/v1/admins", Token: token})
	resp.OK(f.T, &out)
	rows := map[string]adminRow{}
	for _, a := range out.Admins {
		rows[a.AdminID] = a
	}
	if len(rows) != len(out.Admins) {
		f.T.Fatalf("duplicate rows: %s", resp.Body)
	}
	return rows
}

// TestListAdminsShowsPushStatus: the Administrators tab lists the
// account's admins with status and push status, and nobody else's.
func TestListAdminsShowsPushStatus(t *testing.T) {
	f := newFixture(t)
	token := f.SessionFor("owner@acme.example")
	rows := f.listAdmins(token)
	if len(rows) != 3 {
		t.Fatalf("acme has 3 admins, got %v", rows)
	}
	want := adminRow{AdminID: "acme-admin", Name: "Adam Admin", Email: "admin@acme.example", Role: "administrator", Status: "active", PushStatus: "inactive"}
	if rows["acme-admin"] != want {
		t.Fatalf("row %+v, want %+v", rows["acme-admin"], want)
	}

	s := f.ownerStart(token, "acme-admin")
	f.ownerStart(token, "acme-helpdesk")
	if got := f.listAdmins(token)["acme-admin"].PushStatus; got != "pending_reactivation" {
		t.Fatalf("while pending: %s", got)
	}
	if _, err := f.redeem(s.Code(), "cred-admin"); err != nil {
		t.Fatal(err)
	}
	f.FailAttempts("acme-admin", 1)
	f.Clock.Advance(11 * time.Minute) // the helpdesk QR expires
	rows = f.listAdmins(f.SessionFor("owner@acme.example"))
	if rows["acme-admin"].PushStatus != "active" || rows["acme-helpdesk"].PushStatus != "inactive" || rows["acme-owner"].PushStatus != "inactive" {
		t.Fatalf("after activation and expiry: %+v", rows)
	}
}

// TestGetAdminShowsSecondaryAuth: an Owner sees another admin's profile
// with its Secondary Authentication section and status.
func TestGetAdminShowsSecondaryAuth(t *testing.T) {
	f := newFixture(t)
	token := f.SessionFor("owner@acme.example")
	s := f.ownerStart(token, "acme-admin")
	if _, err := f.redeem(s.Code(), "cred-admin"); err != nil {
		t.Fatal(err)
	}
	resp := f.Call(f.owner, apptest.Request{Method: "GET", Path: "/v1/admins/acme-admin", Token: token})
	var raw map[string]any
	resp.OK(t, &raw)
	b, _ := json.Marshal(raw)
	want := `{"account":{"account_id":"acme","kind":"standard","name":"Acme Corp"},"admin_id":"acme-admin","email":"admin@acme.example","email_status":null,` +
		`"name":"Adam Admin","role":"administrator","secondary_auth":{"phone":{"phone":"+*******0101"},` +
		`"push":{"device":{"activated_at":"2026-11-26T12:00:00Z","model":"iPhone 16","platform":"iOS"},"pending_reactivation":null,"status":"active"},` +
		`"sms":{"phone":"+*******0101"}},"status":"active"}`
	if string(b) != want {
		t.Fatalf("admin view\n got %s\nwant %s", b, want)
	}
	apptest.ExpectFail(t, f.Call(f.owner, apptest.Request{Method: "GET", Path: "/v1/admins/nobody", Token: token}), 404, 40401)
}

// TestOwnerReactivationActivatesTarget: the QR an Owner is shown binds the
// target admin's phone, not the Owner's; the log shows who did what; the
// target is notified.
func TestOwnerReactivationActivatesTarget(t *testing.T) {
	f := newFixture(t)
	ownerToken := f.SessionFor("owner@acme.example")
	s := f.ownerStart(ownerToken, "acme-admin")
	if s.Status != "pending" || !strings.HasPrefix(s.ActivationURL, "https://"+apptest.APIHost+"/activate/") || len(s.Code()) != domain.ActivationCodeLength || s.BarcodePNG == "" {
		t.Fatalf("answer %+v", s)
	}
	r, err := f.Deps.Store.GetReactivation(f.Ctx, s.ReactivationID)
	if err != nil {
		t.Fatal(err)
	}
	if r.AdminID != "acme-admin" || r.InitiatedBy != "acme-owner" || r.QRCodeHash != secret.Hash(s.Code()) {
		t.Fatalf("stored %+v", r)
	}

	// The target admin sees it from Edit Profile too.
	adminToken := f.SessionFor("admin@acme.example")
	if resp := f.Call(f.self, apptest.Request{Method: "GET", Path: "/v1/reactivations/" + s.ReactivationID, Token: adminToken}); resp.Status != 200 {
		t.Fatalf("target reading it: %d %s", resp.Status, resp.Body)
	}

	target, err := f.redeem(s.Code(), "cred-new")
	if err != nil {
		t.Fatal(err)
	}
	if target.Admin.ID != "acme-admin" {
		t.Fatalf("code resolves to %s", target.Admin.ID)
	}
	cred, err := f.Deps.Store.GetCredential(f.Ctx, "cred-new")
	if err != nil || cred.AdminID != "acme-admin" || cred.Status != domain.CredentialActive {
		t.Fatalf("credential %+v %v", cred, err)
	}
	if a := f.Admin("admin@acme.example"); a.ActiveCredentialID != "cred-new" || a.PendingReactivationID != "" {
		t.Fatalf("target admin %+v", a)
	}
	if o := f.Admin("owner@acme.example"); o.ActiveCredentialID != "" || o.PendingReactivationID != "" {
		t.Fatalf("owner's own push changed: %+v", o)
	}

	page := f.adminLog(ownerToken, "action="+domain.ActionReactivationStart)
	if len(page.Events) != 1 {
		t.Fatalf("log %+v", page)
	}
	ev := page.Events[0]
	if ev.ActorID != "acme-owner" || ev.TargetID != "acme-admin" || ev.Details["initiated_by"] != "owner" || ev.Details["reactivation_id"] != s.ReactivationID {
		t.Fatalf("log event %+v", ev)
	}
	if strings.Contains(f.Logs.String(), s.Code()) {
		t.Fatal("logs hold the code")
	}

	sent := f.notices.all()
	if len(sent) != 1 || sent[0].target.ID != "acme-admin" || sent[0].owner.ID != "acme-owner" || sent[0].reactivationID != s.ReactivationID {
		t.Fatalf("notices %+v", sent)
	}
}

// TestOwnerMayTargetThemselves: through the owner route too; no notice.
func TestOwnerMayTargetThemselves(t *testing.T) {
	f := newFixture(t)
	s := f.ownerStart(f.SessionFor("owner@acme.example"), "acme-owner")
	if _, err := f.redeem(s.Code(), "cred-owner"); err != nil {
		t.Fatal(err)
	}
	if o := f.Admin("owner@acme.example"); o.ActiveCredentialID != "cred-owner" {
		t.Fatalf("owner %+v", o)
	}
	if n := f.notices.all(); len(n) != 0 {
		t.Fatalf("self reactivation sent notices: %+v", n)
	}
}

func TestOwnerReactivationRules(t *testing.T) {
	f := newFixture(t)
	token := f.SessionFor("owner@acme.example")
	path := "/v1/admins/acme-admin/duo-push/reactivation"
	apptest.ExpectFail(t, f.Call(f.owner, apptest.Request{Method: "POST", Path: path, Token: token, JSON: map[string]any{"valid_secs": 59}}), 400, 40002)
	apptest.ExpectFail(t, f.Call(f.owner, apptest.Request{Method: "POST", Path: path, Token: token, JSON: map[string]any{"valid_secs": "x"}}), 400, 40002)

	f.createAdmin("acme-disabled", "acme", "disabled@acme.example", domain.RoleReadOnly)
	if err := f.Deps.Store.SetAdminStatus(f.Ctx, "acme-disabled", domain.AdminDisabled); err != nil {
		t.Fatal(err)
	}
	apptest.ExpectFail(t, f.Call(f.owner, apptest.Request{Method: "POST", Path: "/v1/admins/acme-disabled/duo-push/reactivation", Token: token, JSON: map[string]any{}}), 409, 40901)

	// The same per-admin limit as self-service, counted on the target.
	adminToken := f.SessionFor("admin@acme.example")
	for range domain.MaxReactivationsPerAdminHour {
		if resp := f.Call(f.self, apptest.Request{Method: "POST", Path: "/v1/profile/duo-push/reactivation", Token: adminToken, JSON: map[string]any{}}); resp.Status != 201 {
			t.Fatalf("self start: %d %s", resp.Status, resp.Body)
		}
	}
	apptest.ExpectFail(t, f.Call(f.owner, apptest.Request{Method: "POST", Path: path, Token: token, JSON: map[string]any{}}), 429, 42901)

	f.Clock.Advance(16 * time.Minute)
	apptest.ExpectFail(t, f.Call(f.owner, apptest.Request{Method: "POST", Path: "/v1/admins/acme-helpdesk/duo-push/reactivation", Token: token, JSON: map[string]any{}}), 401, 40103)
	if a := f.Admin("helpdesk@acme.example"); a.PendingReactivationID != "" {
		t.Fatal("refused request created a reactivation")
	}
	if len(f.notices.all()) != 0 {
		t.Fatal("refused requests sent notices")
	}
}

// TestResetLockoutLetsAdminLogInAgain: ten failures lock the admin out
// (sessions refused, the password step answers 423); the Owner's reset
// makes the admin active with a zero count, the old session works again, a
// real login (password + SMS passcode) succeeds, and the log records the
// reset.
func TestResetLockoutLetsAdminLogInAgain(t *testing.T) {
	f := newFixture(t)
	adminToken := f.SessionFor("admin@acme.example")
	f.FailAttempts("acme-admin", domain.LockoutThreshold)
	if a := f.Admin("admin@acme.example"); a.Status != domain.AdminLocked {
		t.Fatalf("after %d failures: %s", domain.LockoutThreshold, a.Status)
	}
	apptest.ExpectFail(t, f.Call(f.self, apptest.Request{Method: "GET", Path: "/v1/profile", Token: adminToken}), 401, 40101)
	apptest.ExpectFail(t, f.passwordStep("admin@acme.example"), 423, 42301)

	ownerToken := f.SessionFor("owner@acme.example")
	if got := f.listAdmins(ownerToken)["acme-admin"].Status; got != "locked" {
		t.Fatalf("list shows %s", got)
	}
	resp := f.Call(f.owner, apptest.Request{Method: "POST", Path: "/v1/admins/acme-admin/reset-lockout", Token: ownerToken})
	var out struct {
		AdminID string `json:"admin_id"`
		Status  string `json:"status"`
	}
	resp.OK(t, &out)
	if out.AdminID != "acme-admin" || out.Status != "active" {
		t.Fatalf("reset answer %+v", out)
	}
	a := f.Admin("admin@acme.example")
	if a.Status != domain.AdminActive || a.FailedAttempts != 0 {
		t.Fatalf("after reset: status %s, failures %d", a.Status, a.FailedAttempts)
	}
	var p profile.View
	f.Call(f.self, apptest.Request{Method: "GET", Path: "/v1/profile", Token: adminToken}).OK(t, &p)
	// A real login: password, then SMS passcode, gives a working session.
	tx := f.loginTx("admin@acme.example")
	var auth struct {
		SessionToken string `json:"session_token"`
	}
	f.Call(f.login, apptest.Request{Method: "POST", Path: "/v1/login/" + tx + "/verify",
		JSON: map[string]string{"passcode": f.smsPasscode(tx, "+15555550101")}, Headers: f.loginHeaders(tx)}).OK(t, &auth)
	f.Call(f.self, apptest.Request{Method: "GET", Path: "/v1/profile", Token: auth.SessionToken}).OK(t, &p)
	if p.AdminID != "acme-admin" {
		t.Fatalf("logged in as %s", p.AdminID)
	}

	page := f.adminLog(ownerToken, "action="+domain.ActionLockoutReset)
	if len(page.Events) != 1 || page.Events[0].ActorID != "acme-owner" || page.Events[0].TargetID != "acme-admin" || page.Events[0].Details["previous_status"] != "locked" {
		t.Fatalf("log %+v", page)
	}

	if err := f.Deps.Store.SetAdminStatus(f.Ctx, "acme-helpdesk", domain.AdminDisabled); err != nil {
		t.Fatal(err)
	}
	apptest.ExpectFail(t, f.Call(f.owner, apptest.Request{Method: "POST", Path: "/v1/admins/acme-helpdesk/reset-lockout", Token: ownerToken}), 409, 40901)
	if a := f.Admin("helpdesk@acme.example"); a.Status != domain.AdminDisabled {
		t.Fatalf("disabled admin became %s", a.Status)
	}
}

// TestOtherAccountIsNotFound: every route that names an admin or a
// reactivation of another account answers 404 and changes nothing.
func TestOtherAccountIsNotFound(t *testing.T) {
	f := newFixture(t)
	mspToken := f.SessionFor("msp@umbrella.example")
	mspStart := f.ownerStart(mspToken, "umbrella-msp")
	f.FailAttempts("umbrella-msp", domain.LockoutThreshold)
	acmeOwner := f.SessionFor("owner@acme.example")
	for _, req := range []struct {
		router string
		req    apptest.Request
	}{
		{"owner", apptest.Request{Method: "GET", Path: "/v1/admins/umbrella-msp"}},
		{"owner", apptest.Request{Method: "POST", Path: "/v1/admins/umbrella-msp/duo-push/reactivation", JSON: map[string]any{}}},
		{"owner", apptest.Request{Method: "POST", Path: "/v1/admins/umbrella-msp/reset-lockout"}},
		{"self", apptest.Request{Method: "GET", Path: "/v1/reactivations/" + mspStart.ReactivationID}},
		{"self", apptest.Request{Method: "DELETE", Path: "/v1/reactivations/" + mspStart.ReactivationID}},
	} {
		req.req.Token = acmeOwner
		rt := f.owner
		if req.router == "self" {
			rt = f.self
		}
		t.Run(req.req.Method+" "+req.req.Path, func(t *testing.T) {
			apptest.ExpectFail(t, f.Call(rt, req.req), 404, 40401)
		})
	}
	m := f.Admin("msp@umbrella.example")
	if m.Status != domain.AdminLocked || m.PendingReactivationID != mspStart.ReactivationID {
		t.Fatalf("umbrella admin changed: %+v", m)
	}
	if r, _ := f.Deps.Store.GetReactivation(f.Ctx, mspStart.ReactivationID); r.Status != domain.ReactivationPending {
		t.Fatalf("umbrella reactivation %s", r.Status)
	}
	// The log is the caller's account's only: filtering by a foreign admin
	// is 40401, like naming an admin that does not exist.
	for _, id := range []string{"umbrella-msp", "no-such-admin"} {
		apptest.ExpectFail(t, f.Call(f.owner, apptest.Request{Method: "GET", Path: "/v1/admin-log", Token: acmeOwner, Query: "admin_id=" + id}), 404, 40401)
	}
	if rows := f.listAdmins(acmeOwner); len(rows) != 3 || rows["umbrella-msp"].AdminID != "" {
		t.Fatalf("acme list %+v", rows)
	}

	// And the other way round.
	if err := f.Deps.Store.ResetLockout(f.Ctx, "umbrella-msp", domain.AuditEvent{ID: "x", Time: f.Clock.Now(), AccountID: "umbrella", Action: domain.ActionLockoutReset}); err != nil {
		t.Fatal(err)
	}
	mspToken = f.SessionFor("msp@umbrella.example")
	for _, path := range []string{"/v1/admins/acme-admin", "/v1/admins/acme-owner"} {
		apptest.ExpectFail(t, f.Call(f.owner, apptest.Request{Method: "GET", Path: path, Token: mspToken}), 404, 40401)
	}
	apptest.ExpectFail(t, f.Call(f.owner, apptest.Request{Method: "POST", Path: "/v1/admins/acme-admin/duo-push/reactivation", Token: mspToken, JSON: map[string]any{}}), 404, 40401)
	apptest.ExpectFail(t, f.Call(f.owner, apptest.Request{Method: "POST", Path: "/v1/admins/acme-admin/reset-lockout", Token: mspToken}), 404, 40401)
}

// TestMSPOwnerActingInChild: an MSP parent's Owner switched into a child
// account manages that child's admins, cannot reactivate its own push
// from there, and cannot reach the parent's admins; a session claiming an
// account that is neither home nor a child is refused.
func TestMSPOwnerActingInChild(t *testing.T) {
	f := newFixture(t)
	f.createAdmin("child-admin", "umbrella-child", "admin@child.example", domain.RoleAdministrator)
	f.createAdmin("umbrella-ro", "umbrella", "ro@umbrella.example", domain.RoleReadOnly)
	token := f.SessionFor("msp@umbrella.example")
	if err := f.SetActingAccount(secret.Hash(token), "umbrella-child"); err != nil {
		t.Fatal(err)
	}
	rows := f.listAdmins(token)
	if len(rows) != 1 || rows["child-admin"].Email != "admin@child.example" {
		t.Fatalf("child list %+v", rows)
	}
	s := f.ownerStart(token, "child-admin")
	if page := f.adminLog(token, ""); len(page.Events) != 1 || page.Events[0].TargetID != "child-admin" || page.Events[0].ActorID != "umbrella-msp" {
		t.Fatalf("child log %+v", page)
	}
	if resp := f.Call(f.self, apptest.Request{Method: "GET", Path: "/v1/reactivations/" + s.ReactivationID, Token: token}); resp.Status != 200 {
		t.Fatalf("owner reading the child reactivation: %d %s", resp.Status, resp.Body)
	}
	apptest.ExpectFail(t, f.Call(f.owner, apptest.Request{Method: "POST", Path: "/v1/admins/umbrella-msp/duo-push/reactivation", Token: token, JSON: map[string]any{}}), 403, 40302)
	apptest.ExpectFail(t, f.Call(f.owner, apptest.Request{Method: "GET", Path: "/v1/admins/umbrella-ro", Token: token}), 404, 40401)

	// Back in the parent, the child's admin is another account's.
	if err := f.SetActingAccount(secret.Hash(token), "umbrella"); err != nil {
		t.Fatal(err)
	}
	apptest.ExpectFail(t, f.Call(f.owner, apptest.Request{Method: "GET", Path: "/v1/admins/child-admin", Token: token}), 404, 40401)
	apptest.ExpectFail(t, f.Call(f.self, apptest.Request{Method: "GET", Path: "/v1/reactivations/" + s.ReactivationID, Token: token}), 404, 40401)

	// A session that claims an unrelated account is refused outright.
	if err := f.SetActingAccount(secret.Hash(token), "acme"); err != nil {
		t.Fatal(err)
	}
	apptest.ExpectFail(t, f.Call(f.owner, apptest.Request{Method: "GET", Path: "/v1/admins", Token: token}), 403, 40301)
	apptest.ExpectFail(t, f.Call(f.owner, apptest.Request{Method: "GET", Path: "/v1/admins/acme-admin", Token: token}), 403, 40301)
}

func TestAdminLogPaging(t *testing.T) {
	f := newFixture(t)
	token := f.SessionFor("owner@acme.example")
	for _, id := range []string{"acme-admin", "acme-helpdesk", "acme-owner"} {
		f.Clock.Advance(time.Second)
		f.ownerStart(token, id)
	}
	f.Clock.Advance(time.Second)
	f.Call(f.owner, apptest.Request{Method: "POST", Path: "/v1/admins/acme-admin/reset-lockout", Token: token})

	var all []auditEvent
	next := ""
	for range 10 {
		q := "limit=2"
		if next != "" {
			q += "&next=" + next
		}
		page := f.adminLog(token, q)
		if len(page.Events) > 2 {
			t.Fatalf("page of %d", len(page.Events))
		}
		all = append(all, page.Events...)
		if next = page.Next; next == "" {
			break
		}
	}
	var got []string
	for _, e := range all {
		got = append(got, e.Action+":"+e.TargetID)
	}
	want := "admin.reset_lockout:acme-admin reactivation.start:acme-owner reactivation.start:acme-helpdesk reactivation.start:acme-admin"
	if strings.Join(got, " ") != want {
		t.Fatalf("newest first across pages:\n got %s\nwant %s", strings.Join(got, " "), want)
	}
	if page := f.adminLog(token, "admin_id=acme-helpdesk"); len(page.Events) != 1 || page.Events[0].TargetID != "acme-helpdesk" {
		t.Fatalf("admin_id filter %+v", page)
	}
	for _, q := range []string{"limit=0", "limit=101", "limit=x", "next=garbage!", "action=" + strings.Repeat("a", 65)} {
		apptest.ExpectFail(t, f.Call(f.owner, apptest.Request{Method: "GET", Path: "/v1/admin-log", Token: token, Query: q}), 400, 40002)
	}
}

// TestOwnerBodiesAreStrict: the Owner's POSTs refuse unknown fields and
// anything but a JSON object (DESIGN.md §4), and change nothing.
func TestOwnerBodiesAreStrict(t *testing.T) {
	f := newFixture(t)
	token := f.SessionFor("owner@acme.example")
	f.FailAttempts("acme-admin", domain.LockoutThreshold)
	for _, path := range []string{"/v1/admins/acme-admin/reset-lockout", apptest.OwnerReactivationPath("acme-admin")} {
		for _, body := range []string{`{"status":"active"}`, `[]`, `{"valid_secs":`} {
			resp := f.Call(f.owner, apptest.Request{Method: "POST", Path: path, Token: token, Body: body,
				Headers: map[string]string{"content-type": "application/json"}})
			apptest.ExpectFail(t, resp, 400, int(domain.CodeInvalidParams))
		}
	}
	if a := f.Admin("admin@acme.example"); a.Status != domain.AdminLocked || a.PendingReactivationID != "" {
		t.Fatalf("refused requests changed the admin: %+v", a)
	}
	// An empty body and {} are both fine.
	for _, body := range []string{"", "{}"} {
		resp := f.Call(f.owner, apptest.Request{Method: "POST", Path: "/v1/admins/acme-admin/reset-lockout", Token: token, Body: body})
		resp.OK(t, nil)
	}
}

// TestOwnerQRActivatesTargetThroughDeviceAPI: the QR code an Owner is shown,
// redeemed by a phone through the device endpoint, binds the target
// admin's new credential; the Owner's own Duo Push is untouched.
func TestOwnerQRActivatesTargetThroughDeviceAPI(t *testing.T) {
	f := newFixture(t)
	ownerToken := f.SessionFor("owner@acme.example")
	mine := f.ownerStart(ownerToken, "acme-owner") // the Owner's own pending reactivation
	s := f.ownerStart(ownerToken, "acme-admin")

	phone := device.NewService(f.Deps.Logic()).Router() // without the email notice
	resp := f.Activate(phone, s.Code(), "iOS", "iPhone 16")
	var act struct {
		PKey        string `json:"pkey"`
		Reactivated bool   `json:"reactivated"`
	}
	resp.OK(t, &act)
	if !act.Reactivated || act.PKey == "" {
		t.Fatalf("activation answer %s", resp.Body)
	}
	cred, err := f.Deps.Store.GetCredential(f.Ctx, act.PKey)
	if err != nil || cred.AdminID != "acme-admin" || cred.AccountID != "acme" || cred.Status != domain.CredentialActive {
		t.Fatalf("credential %+v %v: want the target admin's", cred, err)
	}
	if a := f.Admin("admin@acme.example"); a.ActiveCredentialID != act.PKey || a.PendingReactivationID != "" {
		t.Fatalf("target admin %+v", a)
	}
	o := f.Admin("owner@acme.example")
	if o.ActiveCredentialID != "" || o.PendingReactivationID != mine.ReactivationID {
		t.Fatalf("the Owner's own push changed: %+v", o)
	}
	if r, _ := f.Deps.Store.GetReactivation(f.Ctx, mine.ReactivationID); r.Status != domain.ReactivationPending {
		t.Fatalf("the Owner's own reactivation is %s", r.Status)
	}
	page := f.adminLog(ownerToken, "action="+domain.ActionReactivationActivate)
	if len(page.Events) != 1 || page.Events[0].TargetID != "acme-admin" || page.Events[0].Details["initiated_by"] != "acme-owner" {
		t.Fatalf("activation log %+v", page.Events)
	}
	apptest.ExpectFail(t, f.Activate(phone, s.Code(), "iOS", "iPhone 16"), 404, int(domain.CodeUnknownActivation))
}
