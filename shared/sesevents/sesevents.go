// Package sesevents records the SES bounce and complaint events of the
// service's mail on the admins they concern. SES publishes them (the
// stack's configuration set, template.yaml EmailConfigurationSet) to an
// SNS topic that ActivationEmailFunction subscribes to; Route sends those
// invocations here and every other one to the function's API router.
//
// A permanent bounce or a complaint becomes the admin's email status
// (domain.EmailStatus): Owners see it, and the activation email is refused
// for that address. Transient bounces (a full mailbox) are not recorded.
// Recording is a conditional write keyed by the SES message id, so SNS's
// at-least-once delivery records each event once.
package sesevents

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode"

	"github.com/aws/aws-lambda-go/events"

	"push-reactivation/shared/correlation"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/metrics"
)

// Store records an admin's email status (*dynamo.Store).
type Store interface {
	RecordEmailStatus(ctx context.Context, st domain.EmailStatus) (bool, error)
}

// Handler handles the SNS deliveries of SES events.
type Handler struct {
	Store Store
	Log   *slog.Logger
}

// Event is the part of an SES event (configuration set event publishing,
// eventType; or identity notifications, notificationType) read here.
type Event struct {
	EventType        string `json:"eventType"`
	NotificationType string `json:"notificationType"`
	Mail             struct {
		MessageID string `json:"messageId"`
	} `json:"mail"`
	Bounce *struct {
		BounceType        string      `json:"bounceType"`
		BounceSubType     string      `json:"bounceSubType"`
		BouncedRecipients []recipient `json:"bouncedRecipients"`
		Timestamp         time.Time   `json:"timestamp"`
	} `json:"bounce"`
	Complaint *struct {
		ComplainedRecipients  []recipient `json:"complainedRecipients"`
		ComplaintFeedbackType string      `json:"complaintFeedbackType"`
		Timestamp             time.Time   `json:"timestamp"`
	} `json:"complaint"`
}

type recipient struct {
	EmailAddress   string `json:"emailAddress"`
	DiagnosticCode string `json:"diagnosticCode"`
}

// HandleSNS records every SES event of an SNS delivery. An error makes
// Lambda retry the delivery (asynchronous invocation), which is safe:
// recording is idempotent.
func (h *Handler) HandleSNS(ctx context.Context, ev events.SNSEvent) error {
	for _, rec := range ev.Records {
		// No API Gateway request here: the SNS message id correlates.
		ctx := correlation.NewContext(ctx, "sns:"+rec.SNS.MessageID)
		var e Event
		if err := json.Unmarshal([]byte(rec.SNS.Message), &e); err != nil {
			// Not an SES event: retrying cannot help.
			h.Log.ErrorContext(ctx, "SNS message is not an SES event", "sns_message_id", rec.SNS.MessageID, "error", err.Error())
			continue
		}
		if err := h.record(ctx, e); err != nil {
			return err
		}
	}
	return nil
}

// statuses turns an SES event into the statuses it records, one per
// recipient; none for a transient bounce or another event type.
func statuses(e Event) []domain.EmailStatus {
	kind := e.EventType
	if kind == "" {
		kind = e.NotificationType
	}
	var out []domain.EmailStatus
	switch {
	case kind == "Bounce" && e.Bounce != nil && e.Bounce.BounceType == "Permanent":
		for _, r := range e.Bounce.BouncedRecipients {
			detail := e.Bounce.BounceSubType
			if d := plain(r.DiagnosticCode); d != "" {
				detail += " (" + d + ")"
			}
			out = append(out, domain.EmailStatus{State: domain.EmailBounced, At: e.Bounce.Timestamp.UTC(), Detail: detail,
				Email: r.EmailAddress, MessageID: e.Mail.MessageID})
		}
	case kind == "Complaint" && e.Complaint != nil:
		detail := "marked as spam"
		if t := plain(e.Complaint.ComplaintFeedbackType); t != "" {
			detail += " (" + t + ")"
		}
		for _, r := range e.Complaint.ComplainedRecipients {
			out = append(out, domain.EmailStatus{State: domain.EmailComplained, At: e.Complaint.Timestamp.UTC(), Detail: detail,
				Email: r.EmailAddress, MessageID: e.Mail.MessageID})
		}
	}
	return out
}

func (h *Handler) record(ctx context.Context, e Event) error {
	for _, st := range statuses(e) {
		if st.MessageID == "" || st.Email == "" {
			continue
		}
		recorded, err := h.Store.RecordEmailStatus(ctx, st)
		if err != nil {
			return fmt.Errorf("sesevents: record %s of message %s: %w", st.State, st.MessageID, err)
		}
		if !recorded {
			h.Log.InfoContext(ctx, "SES event already recorded or for no admin", "state", string(st.State), "ses_message_id", st.MessageID)
			continue
		}
		kind := metrics.KindBounce
		if st.State == domain.EmailComplained {
			kind = metrics.KindComplaint
		}
		metrics.FromContext(ctx).Count(ctx, metrics.EmailFeedback, map[string]string{metrics.DimKind: kind})
		h.Log.InfoContext(ctx, "email status recorded", "state", string(st.State), "ses_message_id", st.MessageID)
	}
	return nil
}

// maxDetail bounds the stored reason: the panel shows it as one line.
const maxDetail = 300

// plain is s as one line of printable text, at most maxDetail bytes: the
// remote server's diagnostic is text from outside, shown to Owners.
func plain(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.In(r, unicode.Cf) {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > maxDetail {
		s = strings.ToValidUTF8(s[:maxDetail], "") + "…"
	}
	return s
}
