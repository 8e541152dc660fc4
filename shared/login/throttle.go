package login

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/netip"

	"push-reactivation/shared/domain"
)

// passwordGuard is the password step's throttles (domain rules, issue 11
// §4): failed attempts per email and address, per address, and past the
// NIST ceiling per account. docs/security/limits.md has the table.
var passwordGuard = domain.PasswordGuard{
	PerEmailAddress: domain.Limit{Name: "pw-email-addr", Window: domain.PasswordTriesPerEmailAddressWindow, Max: domain.PasswordTriesPerEmailAddress},
	PerAddress:      domain.Limit{Name: "pw-addr", Window: domain.PasswordTriesPerAddressWindow, Max: domain.PasswordTriesPerAddress},
	PerAccount:      domain.Limit{Name: "pw-account", Window: domain.PasswordTriesPerAccountSlowedWindow, Max: domain.PasswordTriesPerAccountSlowed},
	SlowAfter:       domain.PasswordFailuresBeforeSlowdown,
	Remember:        domain.PasswordFailureMemory,
}

// emailKey is what the throttles know of an email: a digest of its
// normalised form. The typed text never reaches the table, so a password
// typed into the email field is not stored in clear; unknown and known
// emails get keys alike.
func emailKey(normalized string) string {
	sum := sha256.Sum256([]byte("password-throttle\x00" + normalized))
	return hex.EncodeToString(sum[:16])
}

// addressKey is the source address a throttle counts: IPv4 as it is, IPv6
// by its /64 (one subscriber usually holds a whole /64, so counting single
// IPv6 addresses would give an attacker 2^64 fresh ones). The address is
// API Gateway's sourceIp, the peer of the TCP connection, which a client
// cannot choose by a header.
func addressKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return "unparsed"
	}
	if a.Is4() || a.Is4In6() {
		return a.Unmap().String()
	}
	p, _ := a.Prefix(64)
	return p.String()
}

// reservePassword takes one attempt from the throttles before any argon2id
// work; a full throttle is 42901 with Retry-After.
func (s *Service) reservePassword(ctx context.Context, normalized string, c Client) (*domain.PasswordAttempt, error) {
	return s.Store.ReservePasswordAttempt(ctx, passwordGuard, emailKey(normalized), addressKey(c.IP))
}

// passwordFailed keeps the attempt counted and counts the failure; for a
// known admin, the failure joins the admin's aggregated log event of the
// hour. A store error here is logged, not answered: the answer must be the
// same whether the email exists or not.
func (s *Service) passwordFailed(ctx context.Context, a *domain.PasswordAttempt, admin *domain.Admin, c Client) {
	var ev *domain.AuditEvent
	if admin != nil {
		e := s.event(admin, c, domain.ActionLoginPassword, domain.OutcomeFailure, map[string]string{"reason": "wrong_password"})
		ev = &e
	}
	if err := s.Store.PasswordFailed(ctx, a, ev, domain.PasswordFailureAuditBucket); err != nil {
		s.Log.ErrorContext(ctx, "recording a password failure failed", "error", err.Error())
	}
}

// passwordAbandoned gives the attempt back when the password could not be
// checked because a dependency failed: an outage must count nothing
// against the throttles. It runs on a detached context, as the request's
// own deadline may be what ended it; if DynamoDB is still down the hits
// stay counted until they leave their windows, which errs on the side of
// the limits.
func (s *Service) passwordAbandoned(ctx context.Context, a *domain.PasswordAttempt) {
	dctx, cancel := domain.Detached(ctx)
	defer cancel()
	if err := s.Store.PasswordAbandoned(dctx, a); err != nil {
		s.Log.ErrorContext(ctx, "giving back an unchecked password attempt failed", "error", err.Error())
	}
}

// passwordSucceeded gives the attempt back and resets the consecutive
// failures; failing to is logged (the hits then stay counted, which only
// errs on the side of the limits).
func (s *Service) passwordSucceeded(ctx context.Context, a *domain.PasswordAttempt) {
	if err := s.Store.PasswordSucceeded(ctx, a); err != nil {
		s.Log.ErrorContext(ctx, "giving back a password attempt failed", "error", err.Error())
	}
}
