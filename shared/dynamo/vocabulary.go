package dynamo

import "push-reactivation/shared/domain"

// The store's inputs, outputs, limits and races are the domain's
// (shared/domain/store.go): the logic states its interfaces in them and
// this package implements those. The aliases keep this package's own code
// readable.
type (
	ActivationTarget = domain.ActivationTarget
	AuditFilter      = domain.AuditFilter
	HOTPAdvance      = domain.HOTPAdvance
	Hit              = domain.Hit
	IssuedEmailCode  = domain.IssuedEmailCode
	Limit            = domain.Limit
	Lockout          = domain.Lockout
	LoginCompletion  = domain.LoginCompletion
	LoginPasscode    = domain.LoginPasscode
	LoginPush        = domain.LoginPush
	NewEmailCode     = domain.NewEmailCode
	NewQRCode        = domain.NewQRCode
	NewReactivation  = domain.NewReactivation
	PasswordAttempt  = domain.PasswordAttempt
	PasswordGuard    = domain.PasswordGuard
	PushReply        = domain.PushReply
	Redemption       = domain.Redemption
)

// The races and refusals the store reports, as the domain names them.
var (
	ErrAttemptsInFlight = domain.ErrAttemptsInFlight
	ErrEmailRaced       = domain.ErrEmailRaced
	ErrHOTPCounterMoved = domain.ErrHOTPCounterMoved
	ErrLockedNow        = domain.ErrLockedNow
	ErrLoginChanged     = domain.ErrLoginChanged
	ErrQRCodeRaced      = domain.ErrQRCodeRaced
	ErrSessionGone      = domain.ErrSessionGone
)

// MaxAuditQueries bounds the Query calls of one ListAudit (domain).
const MaxAuditQueries = domain.MaxAuditQueries
