package email

import (
	"fmt"

	"push-reactivation/shared/domain"
)

// undeliverable refuses an address SES reported as bounced for good or
// as a complainer (domain.EmailStatus, recorded by shared/sesevents):
// mail to it would not arrive, and every further bounce or complaint
// hurts the account's sending reputation. The answer is 409 40901 whose
// message the panel shows as it is: which address (masked), what
// happened, when, and SES's reason.
func undeliverable(a *domain.Admin) error {
	st := a.EmailStatus
	if !st.Active(a.Email) {
		return nil
	}
	what := "bounced"
	if st.State == domain.EmailComplained {
		what = "was marked as spam"
	}
	msg := fmt.Sprintf("Email to %s %s on %s", domain.MaskAddress(a.Email), what, st.At.UTC().Format("2006-01-02"))
	if st.Detail != "" {
		msg += ": " + st.Detail
	}
	return &domain.Error{Code: domain.CodeConflict, Message: msg, Detail: "email_status"}
}
