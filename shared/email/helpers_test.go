package email_test

import (
	"context"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"push-reactivation/infra/seslocal"
	"push-reactivation/internal/testenv"
	"push-reactivation/internal/testenv/apptest"
	"push-reactivation/shared/apigw"
	"push-reactivation/shared/device"
	"push-reactivation/shared/email"
	"push-reactivation/shared/reactivation"
	"push-reactivation/shared/sesmail"
)

// fixture is a full environment: embedded DynamoDB, the real
// aws-ses-v2-local reached through AWS_ENDPOINT_URL_SESV2, and the routers
// of the functions an email's life crosses.
type fixture struct {
	*apptest.Env
	ses    *seslocal.Server
	email  *apigw.Router // email.NewRouter, as the Lambda builds it
	react  *apigw.Router // self-service reactivation
	device *apigw.Router // landing page and activation (with notices)
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	srv := testenv.StartSES(t)
	// Before apptest.New builds the SDK clients.
	t.Setenv("AWS_ENDPOINT_URL_SESV2", srv.URL())
	env := apptest.New(t)
	return &fixture{Env: env, ses: srv, email: email.NewRouter(env.Deps.Logic(), env.Mailer()),
		react: reactivation.NewRouter(env.Deps.Logic()), device: device.NewRouter(env.Deps.Logic(), env.Mailer())}
}

// startSelf starts a reactivation of the caller's own Duo Push.
func (f *fixture) startSelf(token string) (id, qrCode string) {
	f.T.Helper()
	st := f.StartReactivation(f.react, token, apptest.SelfReactivationPath, nil)
	return st.ReactivationID, st.Code()
}

// sent is the 202 answer.
type sent struct {
	EmailSent bool      `json:"email_sent"`
	To        string    `json:"to"`
	ExpiresAt time.Time `json:"expires_at"`
}

func emailPath(id string) string { return "/v1/reactivations/" + id + "/email" }

// sendEmail asks for an activation email through router and expects 202.
func (f *fixture) sendEmail(router *apigw.Router, token, id string) sent {
	f.T.Helper()
	resp := f.Call(router, apptest.Request{Method: "POST", Path: emailPath(id), Token: token})
	if resp.Status != 202 {
		f.T.Fatalf("email: %d %s", resp.Status, resp.Body)
	}
	var s sent
	resp.OK(f.T, &s)
	return s
}

// emails returns what aws-ses-v2-local has accepted so far.
func (f *fixture) emails() []seslocal.Email {
	f.T.Helper()
	es, err := f.ses.Emails(context.Background())
	if err != nil {
		f.T.Fatal(err)
	}
	return es
}

// lastEmail returns the newest email, failing unless there are want.
func (f *fixture) lastEmail(want int) seslocal.Email {
	f.T.Helper()
	es := f.emails()
	if len(es) != want {
		f.T.Fatalf("%d emails in the SES store, want %d", len(es), want)
	}
	return es[len(es)-1]
}

var linkRE = regexp.MustCompile(`https://localhost:3443/activate/([A-Za-z0-9]{20})\b`)

// linkCode is the activation code in an email's text link.
func linkCode(t *testing.T, e seslocal.Email) string {
	t.Helper()
	m := linkRE.FindStringSubmatch(e.Body.Text)
	if m == nil {
		t.Fatalf("no activation link in the text body:\n%s", e.Body.Text)
	}
	return m[1]
}

// landing opens the emailed link's page.
func (f *fixture) landing(code string) *apptest.Response {
	f.T.Helper()
	return f.Call(f.device, apptest.Request{Method: "GET", Path: "/activate/" + code})
}

// activate redeems a code the way a phone does.
func (f *fixture) activate(code, platform, model string) *apptest.Response {
	f.T.Helper()
	return f.Activate(f.device, code, platform, model)
}

// closedEndpoint is a URL on which nothing listens: SES "down".
func closedEndpoint(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

// mailerAt is a Mailer on a real SES v2 client pointed at endpoint.
func (f *fixture) mailerAt(endpoint string) *sesmail.Mailer {
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")}
	client := sesv2.NewFromConfig(cfg, func(o *sesv2.Options) { o.BaseEndpoint = aws.String(endpoint) })
	return sesmail.New(client, f.Deps.Config.SenderEmail, "")
}

// noSecretsLogged fails if any code or link reached the logs.
func (f *fixture) noSecretsLogged(codes ...string) {
	f.T.Helper()
	logs := f.Logs.String()
	for _, c := range codes {
		if c != "" && strings.Contains(logs, c) {
			f.T.Fatalf("an activation code was logged")
		}
	}
	if linkRE.MatchString(logs) {
		f.T.Fatalf("an activation link was logged")
	}
}
