package login

import (
	"context"
	"time"

	"push-reactivation/shared/domain"
)

// Store is what the fallback login needs from the store, in the domain's
// words; *dynamo.Store implements it.
type Store interface {
	GetAdmin(ctx context.Context, id string) (*domain.Admin, error)
	GetAdminByEmail(ctx context.Context, email string) (*domain.Admin, error)
	GetAccount(ctx context.Context, id string) (*domain.Account, error)
	ListChildAccounts(ctx context.Context, parentID string) ([]domain.Account, error)
	// GetLoginAdmin reads an admin and its account in one round trip.
	GetLoginAdmin(ctx context.Context, adminID, accountID string) (*domain.Admin, *domain.Account, error)
	// GetLoginAdminCredential is GetLoginAdmin with a credential read in
	// the same round trip (nil when it does not exist).
	GetLoginAdminCredential(ctx context.Context, adminID, accountID, credentialID string) (*domain.Admin, *domain.Account, *domain.Credential, error)
	GetCredential(ctx context.Context, id string) (*domain.Credential, error)
	// HOTPSecret opens a credential's sealed HOTP key (KMS envelope, docs/security/kms.md).
	HOTPSecret(ctx context.Context, cred *domain.Credential) ([]byte, error)
	PutAudit(ctx context.Context, ev domain.AuditEvent) error

	// The password step's throttles (throttle.go).
	ReservePasswordAttempt(ctx context.Context, g domain.PasswordGuard, emailKey, address string) (*domain.PasswordAttempt, error)
	PasswordFailed(ctx context.Context, a *domain.PasswordAttempt, ev *domain.AuditEvent, bucket time.Duration) error
	PasswordAbandoned(ctx context.Context, a *domain.PasswordAttempt) error
	PasswordSucceeded(ctx context.Context, a *domain.PasswordAttempt) error

	// The login and its second factor.
	CreateLogin(ctx context.Context, tx domain.LoginTx, ev domain.AuditEvent) error
	GetLogin(ctx context.Context, txid string) (*domain.LoginTx, error)
	StartLoginPush(ctx context.Context, p domain.LoginPush) error
	IssueLoginPasscode(ctx context.Context, p domain.LoginPasscode) (adminLeft int, err error)
	RefundLoginPasscode(ctx context.Context, txid, hash string, l domain.Limit, adminID string) error
	CompleteLogin(ctx context.Context, c domain.LoginCompletion) error

	// The lockout (lockout.go): the threshold is compared in these
	// writes' conditions only.
	ReserveAttempt(ctx context.Context, adminID string, l domain.Lockout) error
	ReservePasscodeAttempt(ctx context.Context, txid, hash string, maxTries int, adminID string, l domain.Lockout) error
	FailAttempt(ctx context.Context, adminID string, l domain.Lockout) (count int, locked bool, err error)
	ReturnAttempt(ctx context.Context, adminID string) error
	ReturnPasscodeTry(ctx context.Context, txid, hash string) error

	// The session.
	SwitchActingAccount(ctx context.Context, tokenHash, accountID string, ev domain.AuditEvent) error
	EndSession(ctx context.Context, tokenHash string, ev domain.AuditEvent) error
}
