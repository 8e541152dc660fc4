package sesmail

import "push-reactivation/shared/domain"

// MaskAddress is the domain's mask of an email address
// (domain.MaskAddress), kept under this name for the adapter's errors.
func MaskAddress(email string) string { return domain.MaskAddress(email) }
