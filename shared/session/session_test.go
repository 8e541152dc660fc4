package session_test

import (
	"errors"
	"testing"
	"time"

	"push-reactivation/internal/testenv/apptest"
	"push-reactivation/shared/domain"
)

func TestAuthenticate(t *testing.T) {
	env := apptest.New(t)
	svc := env.Deps.Sessions
	token := env.SessionFor("admin@acme.example")

	p, err := svc.Authenticate(env.Ctx, token)
	if err != nil || p.Admin.Email != "admin@acme.example" || p.Session.ActingAccountID != "acme" {
		t.Fatalf("%+v %v", p, err)
	}
	if _, err := svc.Authenticate(env.Ctx, token+"x"); !errors.Is(err, domain.ErrNotAuthenticated) {
		t.Fatalf("unknown token: %v", err)
	}
	// Use within the idle window keeps the session alive past 30 minutes.
	env.Clock.Advance(20 * time.Minute)
	if _, err := svc.Authenticate(env.Ctx, token); err != nil {
		t.Fatal(err)
	}
	env.Clock.Advance(20 * time.Minute)
	if _, err := svc.Authenticate(env.Ctx, token); err != nil {
		t.Fatalf("touched session expired: %v", err)
	}
	env.Clock.Advance(31 * time.Minute)
	if _, err := svc.Authenticate(env.Ctx, token); !errors.Is(err, domain.ErrNotAuthenticated) {
		t.Fatalf("idle session: %v", err)
	}
}

func TestLockedAdminSessionRefused(t *testing.T) {
	env := apptest.New(t)
	token := env.SessionFor("admin@acme.example")
	if err := env.Deps.Store.SetAdminStatus(env.Ctx, "acme-admin", domain.AdminLocked); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Deps.Sessions.Authenticate(env.Ctx, token); !errors.Is(err, domain.ErrNotAuthenticated) {
		t.Fatalf("locked admin kept a working session: %v", err)
	}
}
