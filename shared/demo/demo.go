// Package demo loads the demo data of DESIGN.md §6 (local only): Acme Corp
// with an owner, an administrator and a help-desk admin, and the Umbrella
// MSP with its child account.
package demo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"push-reactivation/shared/domain"
	"push-reactivation/shared/secret"
)

// Password is every demo admin's password.
const Password = "demo-password-1"

// Accounts of the demo.
var Accounts = []domain.Account{
	{ID: "acme", Name: "Acme Corp", Kind: domain.AccountStandard, Policy: domain.DefaultPolicy()},
	{ID: "umbrella", Name: "Umbrella MSP", Kind: domain.AccountMSPParent, Policy: domain.DefaultPolicy()},
	{ID: "umbrella-child", Name: "Umbrella Child", Kind: domain.AccountChild, ParentID: "umbrella", Policy: domain.DefaultPolicy()},
}

// Admins of the demo; ids are stable so docs and tests can name them.
var Admins = []domain.Admin{
	{ID: "acme-owner", AccountID: "acme", Email: "owner@acme.example", Name: "Olivia Owner", Role: domain.RoleOwner, Phone: "+15555550100"},
	{ID: "acme-admin", AccountID: "acme", Email: "admin@acme.example", Name: "Adam Admin", Role: domain.RoleAdministrator, Phone: "+15555550101"},
	{ID: "acme-helpdesk", AccountID: "acme", Email: "helpdesk@acme.example", Name: "Hana Helpdesk", Role: domain.RoleHelpDesk, Phone: "+15555550102"},
	{ID: "umbrella-msp", AccountID: "umbrella", Email: "msp@umbrella.example", Name: "Mika MSP", Role: domain.RoleOwner, Phone: "+15555550200"},
}

// Store is what loading the demo needs.
type Store interface {
	PutAccount(ctx context.Context, a domain.Account) error
	CreateAdmin(ctx context.Context, a domain.Admin) error
}

// Seed writes the demo accounts and admins. Admins that already exist are
// left alone, so seeding twice is harmless. params lets tests use a cheap
// argon2 setting; nil means secret.DefaultArgon2.
func Seed(ctx context.Context, s Store, now time.Time, params *secret.Argon2Params) error {
	p := secret.DefaultArgon2
	if params != nil {
		p = *params
	}
	for _, a := range Accounts {
		if err := s.PutAccount(ctx, a); err != nil {
			return fmt.Errorf("demo: account %s: %w", a.ID, err)
		}
	}
	hash, err := secret.HashPassword(nil, Password, p)
	if err != nil {
		return err
	}
	for _, a := range Admins {
		a.PasswordHash, a.Status, a.CreatedAt = hash, domain.AdminActive, now
		if err := s.CreateAdmin(ctx, a); err != nil && !errors.Is(err, domain.ErrConflict) {
			return fmt.Errorf("demo: admin %s: %w", a.Email, err)
		}
	}
	return nil
}
