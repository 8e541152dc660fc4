// Package profile builds the Edit Profile view of an administrator and its
// Secondary Authentication section: whether Duo Push works, is waiting for
// a reactivation or does not work, on which device, and the masked phone
// that SMS and phone callback use. The self-service profile (GET
// /v1/profile) and an Owner's view of another admin (GET
// /v1/admins/{admin_id}) show the same section, built here.
package profile

import (
	"context"
	"errors"
	"fmt"
	"time"

	"push-reactivation/shared/domain"
)

// Store is what the view reads: everything in one Lookup, and the admin
// who started a reactivation only for one started before reactivations
// carried their starter's name.
type Store interface {
	Lookup(ctx context.Context, l domain.Lookup) (*domain.Found, error)
	GetAdmin(ctx context.Context, id string) (*domain.Admin, error)
}

// PushStatus is the Duo Push line of the Secondary Authentication section.
type PushStatus string

// Push statuses (issue #4).
const (
	// PushActive: the admin has an active push credential.
	PushActive PushStatus = "active"
	// PushInactive: no active credential and nothing pending.
	PushInactive PushStatus = "inactive"
	// PushPendingReactivation: a reactivation is pending. It wins over
	// active: an admin who reactivates usually does so because the active
	// credential no longer works, and the panel should say what happens next.
	PushPendingReactivation PushStatus = "pending_reactivation"
)

// StatusOf is an admin's push status, given the admin's pending
// reactivation as read (nil when none or not found). The admin's
// active_credential_id is authoritative: the redeem transaction switches it
// together with revoking the previous credential.
func StatusOf(a *domain.Admin, pending *domain.Reactivation, now time.Time) PushStatus {
	switch {
	case pending != nil && pending.ID == a.PendingReactivationID && pending.AdminID == a.ID &&
		pending.EffectiveStatus(now) == domain.ReactivationPending:
		return PushPendingReactivation
	case a.ActiveCredentialID != "":
		return PushActive
	default:
		return PushInactive
	}
}

// Device summarises a push credential for the panel; no keys, tokens or
// HOTP secret.
type Device struct {
	Platform    string    `json:"platform,omitempty"`
	Model       string    `json:"model,omitempty"`
	DisplayName string    `json:"display_name,omitempty"`
	AppVersion  string    `json:"app_version,omitempty"`
	ActivatedAt time.Time `json:"activated_at,omitzero"`
}

// DeviceOf summarises a credential.
func DeviceOf(c *domain.Credential) *Device {
	return &Device{Platform: c.Platform, Model: c.Model, DisplayName: c.DisplayName, AppVersion: c.AppVersion, ActivatedAt: c.ActivatedAt.UTC()}
}

// Account is the account line of the profile.
type Account struct {
	ID   string             `json:"account_id"`
	Name string             `json:"name"`
	Kind domain.AccountKind `json:"kind"`
}

// Push is the Duo Push line.
type Push struct {
	Status PushStatus `json:"status"`
	// Device is the active credential's device, when there is one.
	Device *Device `json:"device,omitempty"`
	// PendingReactivation is the admin's pending reactivation, null when
	// there is none (DESIGN.md §4.1), so the admin sees one an Owner
	// started and may cancel it.
	PendingReactivation *Pending `json:"pending_reactivation"`
}

// StartedBy names who started a reactivation: the admin itself or an
// Owner.
type StartedBy struct {
	AdminID string `json:"admin_id"`
	Name    string `json:"name"`
}

// Pending is a pending reactivation as the Secondary Authentication
// section shows it (DESIGN.md §4.1). It holds no code.
type Pending struct {
	ReactivationID string    `json:"reactivation_id"`
	StartedBy      StartedBy `json:"started_by"`
	CreatedAt      time.Time `json:"created_at"`
	// ExpiresAt is when it stops being pending: the latest expiry of its
	// codes (DESIGN.md §3).
	ExpiresAt time.Time `json:"expires_at"`
	// EmailExpiresAt is when the emailed link lapses, only once one was
	// sent.
	EmailExpiresAt time.Time `json:"email_expires_at,omitzero"`
	EmailsSent     int       `json:"emails_sent"`
	EmailsLeft     int       `json:"emails_left"`
}

// PendingOf shows r, started by the admin named starterName ("" when
// that admin is gone).
func PendingOf(r *domain.Reactivation, starterName string) *Pending {
	p := &Pending{
		ReactivationID: r.ID, StartedBy: StartedBy{AdminID: r.InitiatedBy, Name: starterName},
		CreatedAt: r.CreatedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC(),
		EmailsSent: r.EmailsSent, EmailsLeft: max(0, domain.MaxEmailsPerReactivation-r.EmailsSent),
	}
	if r.EmailCodeHash != "" && !r.EmailExpiresAt.IsZero() {
		p.EmailExpiresAt = r.EmailExpiresAt.UTC()
	}
	return p
}

// Phone is an SMS or phone callback line: the masked number on file, ""
// when the admin has none.
type Phone struct {
	Phone string `json:"phone"`
}

// SecondaryAuth is the Secondary Authentication section.
type SecondaryAuth struct {
	Push  Push  `json:"push"`
	SMS   Phone `json:"sms"`
	Phone Phone `json:"phone"`
}

// View is the Edit Profile data of one admin (DESIGN.md §4, GET /v1/profile).
type View struct {
	AdminID string      `json:"admin_id"`
	Name    string      `json:"name"`
	Email   string      `json:"email"`
	Role    domain.Role `json:"role"`
	// Status is set only in an Owner's view of an admin, which also offers
	// to clear a lockout; the self-service profile leaves it out.
	Status        domain.AdminStatus `json:"status,omitempty"`
	Account       Account            `json:"account"`
	SecondaryAuth SecondaryAuth      `json:"secondary_auth"`
	// EmailStatus is the last SES bounce or complaint of Email, or null
	// while mail goes through (shared/sesevents): the panel says why the
	// activation email cannot be sent.
	EmailStatus *domain.EmailStatus `json:"email_status"`
}

// starterName names the admin who started r: a itself, else the name r
// carries from its start. A reactivation started before reactivations
// carried it costs one read of that admin ("" when the admin is gone).
func starterName(ctx context.Context, st Store, a *domain.Admin, r *domain.Reactivation) (string, error) {
	switch {
	case r.InitiatedBy == a.ID:
		return a.Name, nil
	case r.InitiatedByName != "" || r.InitiatedBy == "":
		return r.InitiatedByName, nil
	}
	o, err := st.GetAdmin(ctx, r.InitiatedBy)
	if errors.Is(err, domain.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return o.Name, nil
}

// Load builds the view of admin a of account acct; a nil acct is a's home
// account, read with the rest. One round trip: the account (unless
// given), the pending reactivation and the active credential, whichever
// there are, in one Lookup; the admin item names them, and the
// reactivation carries who started it.
func Load(ctx context.Context, st Store, a *domain.Admin, acct *domain.Account, now time.Time) (*View, error) {
	l := domain.Lookup{ReactivationID: a.PendingReactivationID, CredentialID: a.ActiveCredentialID}
	if acct == nil {
		l.AccountID = a.AccountID
	}
	found, err := st.Lookup(ctx, l)
	if err != nil {
		return nil, err
	}
	if acct == nil {
		if acct = found.Account; acct == nil {
			return nil, fmt.Errorf("profile: account %s of admin %s: %w", a.AccountID, a.ID, domain.ErrNotFound)
		}
	}
	pending := found.Reactivation
	push := Push{Status: StatusOf(a, pending, now)}
	// Only a reactivation StatusOf counts as pending is shown: an expired
	// one is null, whatever the stored item says (TTL is only cleanup).
	if push.Status == PushPendingReactivation {
		name, err := starterName(ctx, st, a, pending)
		if err != nil {
			return nil, err
		}
		push.PendingReactivation = PendingOf(pending, name)
	}
	if c := found.Credential; c != nil && c.Status == domain.CredentialActive {
		push.Device = DeviceOf(c)
	}
	phone := Phone{Phone: ""}
	if a.Phone != "" {
		phone.Phone = domain.MaskPhone(a.Phone)
	}
	return &View{
		AdminID: a.ID, Name: a.Name, Email: a.Email, Role: a.Role,
		Account:       Account{ID: acct.ID, Name: acct.Name, Kind: acct.Kind},
		SecondaryAuth: SecondaryAuth{Push: push, SMS: phone, Phone: phone},
		EmailStatus:   emailStatus(a),
	}, nil
}

// emailStatus is a's email status while it is about a's current address.
func emailStatus(a *domain.Admin) *domain.EmailStatus {
	if !a.EmailStatus.Active(a.Email) {
		return nil
	}
	return a.EmailStatus
}
