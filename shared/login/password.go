package login

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"push-reactivation/shared/domain"
	"push-reactivation/shared/secret"
)

// Bounds of the password step's input; anything outside is 40002.
const (
	maxEmailLen    = 254 // RFC 5321 path limit
	maxPasswordLen = 1024
)

// errBadCredentials is the one answer to an unknown email, a wrong
// password and a disabled admin, so none of them can be told apart.
var errBadCredentials = &domain.Error{Code: domain.CodeNotAuthenticated, Message: "Invalid email or password"}

// dummyHash is an argon2id hash of nothing anyone knows, with the
// production parameters, computed once per process. An unknown email is
// checked against it so that it costs the same argon2id work as a known
// one: the response time does not tell whether the address exists.
var dummyHash = sync.OnceValue(func() string {
	h, err := secret.HashPassword(nil, "no administrator has this password", secret.DefaultArgon2)
	if err != nil {
		panic(fmt.Sprintf("login: dummy password hash: %v", err)) // crypto/rand never fails
	}
	return h
})

// FactorOption is one second factor offered after the password.
type FactorOption struct {
	Factor domain.Factor `json:"factor"`
	Label  string        `json:"label"`
}

// Started is the answer of the password step.
type Started struct {
	TxID string `json:"txid"`
	// LoginSecret must accompany every later call on this login, in the
	// X-Login-Secret header; it is returned here only (stored hashed).
	LoginSecret string         `json:"login_secret"`
	Factors     []FactorOption `json:"factors"`
	ExpiresAt   time.Time      `json:"expires_at"`
}

// Login checks email and password and starts a login transaction, with
// the second factors this admin may use.
//
// Unknown email, wrong password and disabled admin all get the same
// errBadCredentials after the same work: two reads and one argon2id check
// (tens of milliseconds, which dwarfs the rest). A known admin's failure
// also writes its audit event, one DynamoDB write more; an unknown email
// has no account log to write to.
// A locked admin gets 42301, but only once the password is right: the lock
// is then no secret from the one person who may learn it, while anyone
// else cannot use the answer to find out which emails exist or are locked.
// Wrong passwords do not count toward the lockout (DESIGN.md §3 counts
// second-factor attempts), or anyone knowing an email could lock its admin.
// They are throttled instead (throttle.go): per email and source address,
// per address, and past 100 consecutive failures per account, all checked
// before the argon2id work and alike for unknown emails; a right password
// gives its attempt back. Wrong passwords for one admin are one aggregated
// log event per hour with a count.
func (s *Service) Login(ctx context.Context, email, password string, c Client) (*Started, error) {
	if email == "" || len(email) > maxEmailLen {
		return nil, domain.InvalidParam("email")
	}
	if password == "" || len(password) > maxPasswordLen {
		return nil, domain.InvalidParam("password")
	}
	email = domain.NormalizeEmail(email)
	attempt, err := s.reservePassword(ctx, email, c)
	if err != nil {
		return nil, err
	}
	admin, err := s.Store.GetAdminByEmail(ctx, email)
	if errors.Is(err, domain.ErrNotFound) {
		// Mirror the known-admin path: its second read, its argon2id check,
		// its failure write.
		_, _ = s.Store.GetAdmin(ctx, "-")
		_, _ = secret.CheckPassword(dummyHash(), password)
		s.passwordFailed(ctx, attempt, nil, c)
		return nil, errBadCredentials
	}
	if err != nil {
		s.passwordAbandoned(ctx, attempt)
		return nil, err
	}
	ok, err := secret.CheckPassword(admin.PasswordHash, password)
	if err != nil {
		s.Log.ErrorContext(ctx, "stored password hash is malformed", "admin_id", admin.ID)
	}
	if !ok {
		s.passwordFailed(ctx, attempt, admin, c)
		return nil, errBadCredentials
	}
	s.passwordSucceeded(ctx, attempt)
	fail := func(reason string) {
		s.audit(ctx, s.event(admin, c, domain.ActionLoginPassword, domain.OutcomeFailure, map[string]string{"reason": reason}))
	}
	switch {
	case admin.Status == domain.AdminDisabled:
		fail("disabled")
		return nil, errBadCredentials
	case admin.Status == domain.AdminLocked:
		fail("locked")
		return nil, domain.NewError(domain.CodeLocked)
	case admin.Status != domain.AdminActive:
		fail("status_" + string(admin.Status))
		return nil, errBadCredentials
	}

	account, err := s.Store.GetAccount(ctx, admin.AccountID)
	if err != nil {
		return nil, err
	}
	cred, err := s.activeCredential(ctx, admin)
	if err != nil {
		return nil, err
	}
	txid, err := secret.ID(s.Random)
	if err != nil {
		return nil, err
	}
	loginSecret, loginSecretHash, err := s.newLoginSecret()
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now().UTC()
	tx := domain.LoginTx{
		ID: txid, LoginSecretHash: loginSecretHash, AdminID: admin.ID, AccountID: admin.AccountID, Status: domain.LoginPending,
		CreatedAt: now, ExpiresAt: now.Add(domain.LoginTransactionValidity), IP: c.IP, UserAgent: c.userAgent(),
		ActiveCredentialID: credentialID(cred),
	}
	factors := availableFactors(admin, account, cred)
	names := make([]string, len(factors))
	for i, f := range factors {
		names[i] = string(f.Factor)
	}
	ev := s.event(admin, c, domain.ActionLoginPassword, domain.OutcomeSuccess, map[string]string{"factors": strings.Join(names, ",")})
	if err := s.Store.CreateLogin(ctx, tx, ev); err != nil {
		return nil, err
	}
	return &Started{TxID: txid, LoginSecret: loginSecret, Factors: factors, ExpiresAt: tx.ExpiresAt}, nil
}

// activeCredential returns the admin's active Duo Push credential, or nil
// when there is none that still works.
func (s *Service) activeCredential(ctx context.Context, admin *domain.Admin) (*domain.Credential, error) {
	if admin.ActiveCredentialID == "" {
		return nil, nil
	}
	cred, err := s.Store.GetCredential(ctx, admin.ActiveCredentialID)
	if errors.Is(err, domain.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return usableCredential(admin, cred), nil
}

// usableCredential is cred if it is active and admin's, else nil.
func usableCredential(admin *domain.Admin, cred *domain.Credential) *domain.Credential {
	if cred.Status != domain.CredentialActive || cred.AdminID != admin.ID {
		return nil
	}
	return cred
}

// credentialID is the id of cred, or "" for none.
func credentialID(cred *domain.Credential) string {
	if cred == nil {
		return ""
	}
	return cred.ID
}

// availableFactors lists, in the order of domain.AllFactors, the factors
// the account's policy allows and the admin can use: sms and phone need a
// phone on file, push and passcode an active push credential.
func availableFactors(admin *domain.Admin, account *domain.Account, cred *domain.Credential) []FactorOption {
	out := []FactorOption{}
	for _, f := range domain.AllFactors {
		if !account.Policy.Allows(f) {
			continue
		}
		switch f {
		case domain.FactorSMS:
			if admin.Phone != "" {
				out = append(out, FactorOption{f, "SMS passcode to " + domain.MaskPhone(admin.Phone)})
			}
		case domain.FactorPhone:
			if admin.Phone != "" {
				out = append(out, FactorOption{f, "Phone call to " + domain.MaskPhone(admin.Phone)})
			}
		case domain.FactorPush:
			if cred != nil {
				out = append(out, FactorOption{f, "Duo Push to " + deviceName(cred)})
			}
		case domain.FactorPasscode:
			if cred != nil {
				out = append(out, FactorOption{f, "Duo Mobile passcode"})
			}
		}
	}
	return out
}

// factorAvailable reports whether f is among availableFactors.
func factorAvailable(f domain.Factor, admin *domain.Admin, account *domain.Account, cred *domain.Credential) bool {
	for _, o := range availableFactors(admin, account, cred) {
		if o.Factor == f {
			return true
		}
	}
	return false
}

// deviceName is how the panel names the admin's phone.
func deviceName(c *domain.Credential) string {
	for _, name := range []string{c.Model, c.DisplayName, c.Platform} {
		if name != "" {
			if len(name) > 64 {
				name = name[:64]
			}
			return name
		}
	}
	return "your phone"
}
