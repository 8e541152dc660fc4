package reactivation

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"push-reactivation/shared/domain"
	"push-reactivation/shared/qrpng"
	"push-reactivation/shared/secret"
)

// BarcodeRequest asks for a new QR code of a pending reactivation.
type BarcodeRequest struct {
	Actor          *domain.Principal
	ReactivationID string
	// ValidSecs is the new QR code's validity as asked; nil takes the
	// account's default, as for Start.
	ValidSecs     *int
	IP, UserAgent string
}

// barcodeAttempts bounds the re-reads when concurrent requests for the
// same reactivation race: each lost race means another request issued a
// code, so a few rounds either win or meet the cap (42901).
const barcodeAttempts = 3

// NewBarcode issues a fresh QR code for a pending reactivation (DESIGN.md
// §4.1, POST /v1/reactivations/{id}/barcode): the previous QR code dies in
// the same transaction, the emailed link is untouched, and no notice is
// sent (the reactivation is not new; its target was told when it began).
// The rules, in the order they are checked:
//
//   - the caller may see the reactivation (Get): its target, or an Owner
//     of the account it belongs to; anyone else 40401;
//   - one's own reactivation: not from a child account (40302), as for
//     starting it;
//   - the session passed its second factor within the last 15 minutes
//     (40103);
//   - valid_secs within 60…86400 (40002);
//   - the reactivation is pending (41001 expired, 40901 otherwise);
//   - at most MaxBarcodesPerReactivation new QR codes (42901);
//   - the target admin is not disabled (40901).
//
// Round trips: the reactivation and the account the session acts in (for
// an Owner, read to check it may see it; for the target, its home
// account's policy) in one Lookup, the target admin for an Owner, one
// transaction (more when concurrent requests race).
func (s *Service) NewBarcode(ctx context.Context, req BarcodeRequest) (*Started, error) {
	actor, now := req.Actor, s.Clock.Now()
	r, acct, err := s.visible(ctx, actor, req.ReactivationID, true)
	if err != nil {
		return nil, err
	}
	self := r.AdminID == actor.Admin.ID
	if self && actor.Session.ActingAccountID != "" && actor.Session.ActingAccountID != actor.Admin.AccountID {
		return nil, domain.NewError(domain.CodeChildAccount)
	}
	if !actor.Session.RecentlyAuthenticated(now) {
		return nil, domain.NewError(domain.CodeRecentAuthNeeded)
	}
	// The policy is that of the reactivation's account: for an Owner, the
	// account it acts in, which visible read and checked is the
	// reactivation's; for the target, its home account (a child was
	// refused above).
	if acct == nil || acct.ID != r.AccountID {
		return nil, fmt.Errorf("reactivation: account %s of %s: %w", r.AccountID, r.ID, domain.ErrNotFound)
	}
	validity, err := qrValidity(req.ValidSecs, acct.Policy)
	if err != nil {
		return nil, err
	}
	if err := r.CheckBarcode(now); err != nil {
		return nil, err
	}
	if !self {
		target, err := s.Store.GetAdmin(ctx, r.AdminID)
		if err != nil {
			return nil, err
		}
		if target.Status == domain.AdminDisabled {
			return nil, domain.Errorf(domain.CodeConflict, "administrator is disabled")
		}
	}

	code, err := secret.ActivationCode(s.Random, domain.ActivationCodeLength)
	if err != nil {
		return nil, err
	}
	started := &Started{Code: code, Barcode: domain.Barcode(code, s.APIHost), ActivationURL: domain.ActivationURL(s.APIHost, code)}
	// Render before writing: a failure here leaves nothing behind.
	if started.PNG, err = qrpng.Cached(started.Barcode, validity); err != nil {
		return nil, err
	}
	for attempt := 1; ; attempt++ {
		after, qr := r.WithQRCode(secret.Hash(code), now, validity)
		eventID, err := secret.ID(s.Random)
		if err != nil {
			return nil, err
		}
		err = s.Store.ReplaceQRCode(ctx, domain.NewQRCode{Before: *r, After: after, Code: qr,
			Audit: domain.NewAuditEvent(domain.AuditEvent{ID: eventID, Time: now, AccountID: r.AccountID, ActorID: actor.Admin.ID, TargetID: r.AdminID,
				Action: domain.ActionReactivationBarcode, Outcome: domain.OutcomeSuccess, IP: req.IP, UserAgent: req.UserAgent,
				Details: map[string]string{"reactivation_id": r.ID, "valid_secs": strconv.Itoa(int(validity / time.Second)),
					"barcodes_issued": strconv.Itoa(after.BarcodesIssued)}})})
		if err == nil {
			started.Reactivation = after
			return started, nil
		}
		if !errors.Is(err, domain.ErrQRCodeRaced) {
			return nil, err
		}
		// Another request changed the reactivation meanwhile: read it
		// again, answer why when it can no longer take a code, else retry
		// against what it is now.
		if r, err = s.Store.GetReactivation(ctx, r.ID); err != nil {
			return nil, err
		}
		if err := r.CheckBarcode(now); err != nil {
			return nil, err
		}
		if attempt == barcodeAttempts {
			return nil, domain.ErrQRCodeRaced
		}
	}
}
