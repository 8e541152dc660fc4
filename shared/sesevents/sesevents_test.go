package sesevents_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"push-reactivation/infra/seslocal"
	"push-reactivation/internal/testenv"
	"push-reactivation/internal/testenv/apptest"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/email"
	"push-reactivation/shared/metrics"
	"push-reactivation/shared/owner"
	"push-reactivation/shared/sesevents"
)

const adminID = "acme-admin" // admin@acme.example, the address of the samples

type fixture struct {
	*apptest.Env
	ses    *seslocal.Server
	handle func(context.Context, json.RawMessage) (any, error)
}

func newFixture(t *testing.T) *fixture {
	srv := testenv.StartSES(t)
	t.Setenv("AWS_ENDPOINT_URL_SESV2", srv.URL())
	env := apptest.New(t)
	// As functions/activation-email/main.go wires it.
	h := sesevents.Route(email.NewRouter(env.Deps.Logic(), env.Mailer()).Handle, &sesevents.Handler{Store: env.Deps.Store, Log: env.Deps.Log})
	return &fixture{Env: env, ses: srv, handle: h}
}

// invoke hands a sample event of events/activation-email/ses to the
// function's handler, as Lambda would.
func (f *fixture) invoke(name string) {
	f.T.Helper()
	b, err := os.ReadFile(filepath.Join("../../events/activation-email/ses", name))
	if err != nil {
		f.T.Fatal(err)
	}
	if _, err := f.handle(f.Ctx, b); err != nil {
		f.T.Fatalf("%s: %v", name, err)
	}
}

func (f *fixture) feedbackMetrics(kind string) int {
	n := 0
	for _, line := range strings.Split(strings.TrimSpace(f.Metrics.String()), "\n") {
		samples, err := metrics.ParseLine([]byte(line))
		if err != nil {
			f.T.Fatalf("invalid EMF line %s: %v", line, err)
		}
		for _, s := range samples {
			if s.Name == metrics.EmailFeedback && s.Dimensions[metrics.DimKind] == kind {
				n += int(s.Value)
			}
		}
	}
	return n
}

// TestSampleSESEvents: every sample SES event goes through the real
// handler against the embedded DynamoDB; a permanent bounce and a
// complaint are recorded on the admin once however often SNS delivers
// them, a transient bounce not at all.
func TestSampleSESEvents(t *testing.T) {
	f := newFixture(t)
	files, err := filepath.Glob("../../events/activation-email/ses/*.json")
	if err != nil || len(files) != 3 {
		t.Fatalf("sample SES events: %v %v", files, err)
	}
	f.invoke("transient-bounce.json")
	if a := f.Admin("owner@acme.example"); a.EmailStatus != nil {
		t.Errorf("a transient bounce was recorded: %+v", a.EmailStatus)
	}
	f.invoke("bounce.json")
	f.invoke("bounce.json") // SNS delivers at least once
	a := f.Admin("admin@acme.example")
	if st := a.EmailStatus; st == nil || st.State != domain.EmailBounced || st.Detail != "General (smtp; 550 5.1.1 user unknown)" ||
		st.At.Format("2006-01-02T15:04:05Z") != "2026-11-26T12:00:03Z" {
		t.Fatalf("after the bounce: %+v", st)
	}
	if n := f.feedbackMetrics(metrics.KindBounce); n != 1 {
		t.Errorf("EmailFeedback bounce = %d, want 1 (the redelivery counts nothing)", n)
	}
	f.invoke("complaint.json")
	if st := f.Admin("admin@acme.example").EmailStatus; st == nil || st.State != domain.EmailComplained || st.Detail != "marked as spam (abuse)" {
		t.Fatalf("after the complaint: %+v", st)
	}
	if n := f.feedbackMetrics(metrics.KindComplaint); n != 1 {
		t.Errorf("EmailFeedback complaint = %d, want 1", n)
	}
}

// TestOwnerSeesBounceAndEmailIsRefused: after a bounce, the Owner's view
// of the admin carries email_status, emailing the activation link to
// that address answers 409 40901 with a message the panel shows as it is
// (and sends nothing), and once the status is cleared the email goes.
func TestOwnerSeesBounceAndEmailIsRefused(t *testing.T) {
	f := newFixture(t)
	ownerToken := f.SessionFor("owner@acme.example")
	own := owner.NewRouter(f.Deps.Logic(), f.Mailer())

	var view struct {
		EmailStatus *domain.EmailStatus `json:"email_status"`
	}
	f.Call(own, apptest.Request{Method: "GET", Path: "/v1/admins/" + adminID, Token: ownerToken}).OK(t, &view)
	if view.EmailStatus != nil {
		t.Fatalf("email_status before any bounce: %+v", view.EmailStatus)
	}
	f.invoke("bounce.json")
	f.Call(own, apptest.Request{Method: "GET", Path: "/v1/admins/" + adminID, Token: ownerToken}).OK(t, &view)
	if view.EmailStatus == nil || view.EmailStatus.State != domain.EmailBounced {
		t.Fatalf("email_status after the bounce: %+v", view.EmailStatus)
	}

	st := f.StartReactivation(own, ownerToken, apptest.OwnerReactivationPath(adminID), nil)
	if err := f.ses.Clear(f.Ctx); err != nil {
		t.Fatal(err)
	}
	path := "/v1/reactivations/" + st.ReactivationID + "/email"
	resp := f.Call(email.NewRouter(f.Deps.Logic(), f.Mailer()), apptest.Request{Method: "POST", Path: path, Token: ownerToken})
	fail := apptest.ExpectFail(t, resp, 409, 40901)
	if want := "Email to a***n@acme.example bounced on 2026-11-26: General (smtp; 550 5.1.1 user unknown)"; fail.Message != want {
		t.Errorf("message %q, want %q", fail.Message, want)
	}
	if sent, err := f.ses.Emails(f.Ctx); err != nil || len(sent) != 0 {
		t.Errorf("sent %d emails to a bounced address (%v)", len(sent), err)
	}

	if err := f.Deps.Store.ClearEmailStatus(f.Ctx, adminID); err != nil {
		t.Fatal(err)
	}
	if resp := f.Call(email.NewRouter(f.Deps.Logic(), f.Mailer()), apptest.Request{Method: "POST", Path: path, Token: ownerToken}); resp.Status != 202 {
		t.Fatalf("after clearing: %d %s", resp.Status, resp.Body)
	}
	// A later complaint is recorded again after the clearing.
	f.invoke("complaint.json")
	if st := f.Admin("admin@acme.example").EmailStatus; st == nil || st.State != domain.EmailComplained {
		t.Fatalf("complaint after clearing: %+v", st)
	}
	resp = f.Call(email.NewRouter(f.Deps.Logic(), f.Mailer()), apptest.Request{Method: "POST", Path: path, Token: ownerToken})
	if fail := apptest.ExpectFail(t, resp, 409, 40901); !strings.Contains(fail.Message, "was marked as spam on 2026-11-26") {
		t.Errorf("complaint message %q", fail.Message)
	}
}

// TestRouteSendsAPIEventsToTheRouter: the function's one handler still
// serves its API route.
func TestRouteSendsAPIEventsToTheRouter(t *testing.T) {
	f := newFixture(t)
	ev := apptest.Event(apptest.Request{Method: "POST", Path: "/v1/reactivations/nope/email"})
	b, _ := json.Marshal(ev)
	out, err := f.handle(f.Ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	resp, ok := out.(events.APIGatewayV2HTTPResponse)
	if !ok || resp.StatusCode != 401 {
		t.Errorf("API event answered %#v, want the router's 401", out)
	}
	apptest.CheckContract(t, ev, resp)
}
