package domain

import "time"

// EmailState says why mail to an admin's address no longer goes out.
type EmailState string

// Email states, from SES bounce and complaint events (shared/sesevents).
const (
	// EmailBounced: the receiving server refused the address for good (an
	// SES Permanent bounce). Transient bounces are not recorded.
	EmailBounced EmailState = "bounced"
	// EmailComplained: the recipient marked a message as spam.
	EmailComplained EmailState = "complained"
)

// EmailStatus is the last bounce or complaint recorded on an admin's
// address; nil while mail goes through. Active tells whether it still
// holds (an Owner may have cleared it, an address may have changed). Owners see it (GET
// /v1/admins/{admin_id}, email_status) and POST
// /v1/reactivations/{id}/email refuses the address (409 40901).
type EmailStatus struct {
	State EmailState `dynamodbav:"state" json:"state"`
	// At is when SES reported it.
	At time.Time `dynamodbav:"at,unixtime" json:"at"`
	// Detail is SES's reason, plain text (bounce sub-type and the remote
	// server's diagnostic, or the complaint's feedback type).
	Detail string `dynamodbav:"detail" json:"detail"`
	// Email is the address that bounced: the status holds only while the
	// admin still has it.
	Email string `dynamodbav:"email" json:"-"`
	// MessageID is the SES message the event was about; recording the
	// same event twice (SNS delivers at least once) changes nothing.
	MessageID string `dynamodbav:"message_id" json:"-"`
}

// Active reports whether st stops mail to address: it is a bounce or a
// complaint (not cleared) of that very address.
func (st *EmailStatus) Active(address string) bool {
	return st != nil && st.State != "" && st.Email == address
}
