//go:build !fuzz

package login_test

import (
	"net/http"
	"slices"
	"testing"

	"push-reactivation/shared/domain"
	"push-reactivation/shared/login"
)

func TestSessionWorksUntilLogout(t *testing.T) {
	f := newFixture(t)
	token := f.smsLogin(owner, ownerPhone)
	f.call(http.MethodGet, "/v1/session", nil, token).OK(t, nil)
	f.call(http.MethodDelete, "/v1/session", nil, token).OK(t, nil)
	failCode(t, f.call(http.MethodGet, "/v1/session", nil, token), domain.CodeNotAuthenticated)
	failCode(t, f.call(http.MethodDelete, "/v1/session", nil, token), domain.CodeNotAuthenticated)
	failCode(t, f.call(http.MethodPut, "/v1/session/account", map[string]string{"account_id": "acme"}, token), domain.CodeNotAuthenticated)
	failCode(t, f.call(http.MethodGet, "/v1/session", nil, ""), domain.CodeNotAuthenticated)
	if actions := f.auditActions("acme"); !slices.Contains(actions, "session.logout:success") {
		t.Errorf("audit log %v lacks the logout", actions)
	}
}

func TestMSPParentSwitchesToChild(t *testing.T) {
	f := newFixture(t)
	token := f.smsLogin(msp, "+15555550200")
	var info login.SessionInfo
	f.call(http.MethodGet, "/v1/session", nil, token).OK(t, &info)
	want := []login.AccountView{
		{AccountID: "umbrella", Name: "Umbrella MSP", Kind: domain.AccountMSPParent},
		{AccountID: "umbrella-child", Name: "Umbrella Child", Kind: domain.AccountChild},
	}
	if !slices.Equal(info.Accounts, want) || info.ActingAccount != "umbrella" {
		t.Fatalf("session %+v", info)
	}

	f.call(http.MethodPut, "/v1/session/account", map[string]string{"account_id": "umbrella-child"}, token).OK(t, &info)
	if info.ActingAccount != "umbrella-child" || info.HomeAccount != "umbrella" {
		t.Fatalf("after switch %+v", info)
	}
	f.call(http.MethodGet, "/v1/session", nil, token).OK(t, &info)
	if info.ActingAccount != "umbrella-child" {
		t.Fatalf("switch not stored: %+v", info)
	}
	// Not another customer's account, and not one that does not exist:
	// both the same 403.
	a := failCode(t, f.call(http.MethodPut, "/v1/session/account", map[string]string{"account_id": "acme"}, token), domain.CodeForbidden)
	b := failCode(t, f.call(http.MethodPut, "/v1/session/account", map[string]string{"account_id": "no-such-account"}, token), domain.CodeForbidden)
	if a != b {
		t.Fatalf("unknown and foreign accounts answered differently: %+v / %+v", a, b)
	}
	f.call(http.MethodPut, "/v1/session/account", map[string]string{"account_id": "umbrella"}, token).OK(t, &info)
	if info.ActingAccount != "umbrella" {
		t.Fatalf("switch back: %+v", info)
	}
	actions := f.auditActions("umbrella")
	for _, want := range []string{"session.switch_account:success", "session.switch_account:failure"} {
		if !slices.Contains(actions, want) {
			t.Errorf("audit log %v lacks %s", actions, want)
		}
	}
}

func TestStandardAdminCannotSwitch(t *testing.T) {
	f := newFixture(t)
	token := f.smsLogin(owner, ownerPhone)
	failCode(t, f.call(http.MethodPut, "/v1/session/account", map[string]string{"account_id": "umbrella-child"}, token), domain.CodeForbidden)
	failCode(t, f.call(http.MethodPut, "/v1/session/account", map[string]string{"account_id": "umbrella"}, token), domain.CodeForbidden)
	failCode(t, f.call(http.MethodPut, "/v1/session/account", map[string]string{"account_id": ""}, token), domain.CodeInvalidParams)
	failCode(t, f.call(http.MethodPut, "/v1/session/account", map[string]string{"account_id": "../acme"}, token), domain.CodeInvalidParams)
	var info login.SessionInfo
	f.call(http.MethodPut, "/v1/session/account", map[string]string{"account_id": "acme"}, token).OK(t, &info)
	if info.ActingAccount != "acme" || len(info.Accounts) != 1 {
		t.Fatalf("session %+v", info)
	}
}
