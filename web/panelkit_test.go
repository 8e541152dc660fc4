package web_test

// The panel tests' kit: one Chromium for the whole package (a fresh
// browser context, like an incognito window, per test), views checked at
// 1280 and 375 px (no horizontal overflow, axe-core finds nothing,
// screenshots), double clicks as a mouse makes them, network failures
// through DevTools' Fetch domain, and the local peers read over HTTP as a
// person's phone and mailbox would be.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"push-reactivation/infra/localstack"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/dynamo"
)

var (
	browserOnce   sync.Once
	browserCtx    context.Context
	browserErr    error
	browserCancel = func() {}
)

func TestMain(m *testing.M) {
	code := m.Run()
	browserCancel()
	os.Exit(code)
}

// findChromium finds the browser; CI installs Debian's chromium.
func findChromium() (string, error) {
	for _, p := range []string{os.Getenv("CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"} {
		if p != "" {
			if _, err := os.Stat(p); err == nil {
				return p, nil
			}
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p, nil
	}
	return "", errors.New("chromium not found: install it (apt-get install chromium) or set CHROMIUM; .ci/run does this")
}

// browser returns a new tab in a new browser context of the package's one
// Chromium: nothing (cache, storage, cookies) is shared between tests, and
// the browser starts once.
func browser(t *testing.T) context.Context {
	t.Helper()
	browserOnce.Do(func() {
		path, err := findChromium()
		if err != nil {
			browserErr = err
			return
		}
		dir, err := os.MkdirTemp("", "panel-chromium-")
		if err != nil {
			browserErr = err
			return
		}
		opts := append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(path),
			chromedp.NoSandbox, chromedp.DisableGPU,
			chromedp.Flag("disable-quic", true),
			chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true),
			chromedp.Flag("hide-scrollbars", true),
			chromedp.UserDataDir(dir),
		)
		alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancelCtx := chromedp.NewContext(alloc)
		browserCtx = ctx
		browserCancel = func() { cancelCtx(); cancelAlloc(); _ = os.RemoveAll(dir) }
		// Start the browser now, on its own blank tab.
		browserErr = chromedp.Do(ctx)
	})
	if browserErr != nil {
		t.Fatal(browserErr)
	}
	ctx, cancelTab := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelTab() })
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(desktopWidth, 900)); err != nil {
		t.Fatal(err)
	}
	return ctx
}

const (
	desktopWidth = 1280
	phoneWidth   = 375
)

// repoRoot is the folder of go.mod (tests run in web/).
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the working directory")
		}
		dir = parent
	}
}

// screenshotDir is where every view's screenshots go: $PANEL_SCREENSHOTS,
// else .local/panel-screenshots (README, "The reference panel").
func screenshotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("PANEL_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join(repoRoot(t), ".local", "panel-screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

var (
	axeOnce   sync.Once
	axeSource string
	axeErr    error
)

// axeScript is axe-core as pinned by infra/axe's lockfile (make test
// installs it).
func axeScript(t *testing.T) string {
	t.Helper()
	axeOnce.Do(func() {
		path := filepath.Join(repoRoot(t), "infra", "axe", "node_modules", "axe-core", "axe.min.js")
		b, err := os.ReadFile(path)
		if err != nil {
			axeErr = fmt.Errorf("%w: run `make axe` (npm ci --prefix infra/axe)", err)
			return
		}
		axeSource = string(b)
	})
	if axeErr != nil {
		t.Fatal(axeErr)
	}
	return axeSource
}

// axeViolations runs axe-core on the page as it is and lists what it
// finds, one line per rule with the elements it names.
func axeViolations(t *testing.T, ctx context.Context) []string {
	t.Helper()
	loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof window.axe === "object"`))
	if err != nil {
		t.Fatal(err)
	}
	if !loaded {
		// Runtime.evaluate runs it as DevTools does, outside the page's
		// Content-Security-Policy (which allows no inline script).
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](axeScript(t))); err != nil {
			t.Fatalf("injecting axe-core: %v", err)
		}
	}
	out, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`axe.run(document, {resultTypes: ["violations"]}).then((r) =>
		r.violations.map((v) => v.id + " (" + v.impact + "): " + v.help + " — " + v.nodes.map((n) => n.target.join(" ")).join(", ")))`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("axe.run: %v", err)
	}
	return out
}

// checkView checks the view on screen at 375 px and at 1280 px: no
// horizontal overflow at 375 px, no axe-core violation at either width,
// and a screenshot of each (<name>-375.png, <name>-1280.png).
func checkView(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	defer func(start time.Time) { t.Logf("checkView %s: %v", name, time.Since(start)) }(time.Now())
	dir := screenshotDir(t)
	for _, width := range []int64{phoneWidth, desktopWidth} {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 900)); err != nil {
			t.Fatal(err)
		}
		// Two frames: the new width is laid out.
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))`, chromedp.EvalAwaitPromise)); err != nil {
			t.Fatal(err)
		}
		if width == phoneWidth {
			over, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => {
				const w = document.scrollingElement.scrollWidth;
				if (w <= innerWidth) return "";
				const wide = [...document.querySelectorAll("body *")].filter((e) => e.getBoundingClientRect().right > innerWidth + 0.5 && e.checkVisibility())
					.slice(0, 5).map((e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + "." + e.className + " right=" + Math.round(e.getBoundingClientRect().right));
				return "scrollWidth " + w + " > " + innerWidth + ": " + wide.join("; ");
			})()`))
			if err != nil {
				t.Fatal(err)
			}
			if over != "" {
				t.Errorf("view %s at %d px overflows sideways: %s", name, width, over)
			}
		}
		img, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100: PNG (lower is JPEG)
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%s-%d.png", name, width)), img, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, v := range axeViolations(t, ctx) {
			t.Errorf("view %s at %d px: axe-core: %s", name, width, v)
		}
	}
}

// doubleClick clicks the element twice in a row with the mouse, as an
// impatient person does (press, release, press, release with click count
// 2): the page sees click, click, dblclick.
func doubleClick(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	waitShown(t, ctx, sel)
	box, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](fmt.Sprintf(`(() => {
		const e = document.querySelector(%q); e.scrollIntoView({block: "center"});
		const r = e.getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2];
	})()`, sel)))
	if err != nil {
		t.Fatalf("double click %s: %v", sel, err)
	}
	x, y := box[0], box[1]
	err = chromedp.Do(ctx,
		chromedp.MouseEvent(input.DispatchMouseEventTypeMousePressed, x, y, chromedp.ButtonLeft, chromedp.ClickCount(1)),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMouseReleased, x, y, chromedp.ButtonLeft, chromedp.ClickCount(1)),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMousePressed, x, y, chromedp.ButtonLeft, chromedp.ClickCount(2)),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMouseReleased, x, y, chromedp.ButtonLeft, chromedp.ClickCount(2)),
	)
	if err != nil {
		t.Fatalf("double click %s: %v", sel, err)
	}
}

// netFault makes the browser's requests fail as a dropped connection
// would, through DevTools' Fetch domain: requests whose URL contains
// match fail while failing is on. atResponse fails them after the server
// answered (the answer is lost on the way back), else before they leave.
type netFault struct {
	failing atomic.Bool
	failed  atomic.Int32
	limit   int32 // fail at most this many; 0 = no limit
}

func failRequests(t *testing.T, ctx context.Context, match string, atResponse bool, limit int32) *netFault {
	t.Helper()
	f := &netFault{limit: limit}
	f.failing.Store(true)
	stage := fetch.RequestStageRequest
	if atResponse {
		stage = fetch.RequestStageResponse
	}
	if err := chromedp.Listen(ctx, func(ev any) {
		e, ok := ev.(*fetch.EventRequestPaused)
		if !ok {
			return
		}
		fail := f.failing.Load() && strings.Contains(e.Request.URL, match) && e.Request.Method != "OPTIONS"
		if fail && f.limit > 0 && f.failed.Load() >= f.limit {
			fail = false
		}
		go func() {
			if fail {
				f.failed.Add(1)
				_, _ = chromedp.Call(ctx, fetch.FailRequest, fetch.FailRequestParams{RequestID: e.RequestID, ErrorReason: network.ErrorReasonConnectionReset})
				return
			}
			if atResponse {
				_, _ = chromedp.Call(ctx, fetch.ContinueResponse, fetch.ContinueResponseParams{RequestID: e.RequestID})
			} else {
				_, _ = chromedp.Call(ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: e.RequestID})
			}
		}()
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: "*" + match + "*", RequestStage: stage}}}); err != nil {
		t.Fatal(err)
	}
	return f
}

// heal lets requests through again.
func (f *netFault) heal(t *testing.T, ctx context.Context) {
	t.Helper()
	f.failing.Store(false)
	if _, err := chromedp.Call(ctx, fetch.Disable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
}

// getJSON reads a local peer's listing over HTTP.
func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

// smsTo counts the text messages the local SMS endpoint sent to phone
// (GET /messages, DESIGN §6).
func smsTo(t *testing.T, s *localstack.Stack, phone string) int {
	t.Helper()
	var got struct {
		Messages []struct{ To, Kind string } `json:"messages"`
	}
	getJSON(t, s.SMSURL+"/messages", &got)
	n := 0
	for _, m := range got.Messages {
		if m.To == phone && m.Kind == "sms" {
			n++
		}
	}
	return n
}

type storedEmail struct {
	Destination struct {
		To []string `json:"to"`
	} `json:"destination"`
	Subject string `json:"subject"`
	Body    struct {
		Text string `json:"text"`
	} `json:"body"`
}

// emailsTo lists the emails aws-ses-v2-local holds for address whose
// subject contains about (GET /store).
func emailsTo(t *testing.T, s *localstack.Stack, address, about string) []storedEmail {
	t.Helper()
	var got struct {
		Emails []storedEmail `json:"emails"`
	}
	getJSON(t, s.SESURL+"/store", &got)
	var out []storedEmail
	for _, e := range got.Emails {
		for _, to := range e.Destination.To {
			if strings.Contains(to, address) && strings.Contains(strings.ToLower(e.Subject+" "+e.Body.Text), strings.ToLower(about)) {
				out = append(out, e)
			}
		}
	}
	return out
}

// sessionItems returns a DynamoDB client on the stack's table and the keys
// of every session item of adminID.
func sessionItems(t *testing.T, s *localstack.Stack, adminID string) (*dynamodb.Client, []map[string]types.AttributeValue) {
	t.Helper()
	client := localClient(s)
	out, err := client.Scan(context.Background(), &dynamodb.ScanInput{
		TableName:        aws.String(s.TableName),
		FilterExpression: aws.String("begins_with(PK, :p) AND admin_id = :a"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":p": &types.AttributeValueMemberS{Value: "SESSION#"}, ":a": &types.AttributeValueMemberS{Value: adminID},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Items) == 0 {
		t.Fatalf("no session of %s in the table", adminID)
	}
	keys := make([]map[string]types.AttributeValue, 0, len(out.Items))
	for _, it := range out.Items {
		keys = append(keys, map[string]types.AttributeValue{"PK": it["PK"], "SK": it["SK"]})
	}
	return client, keys
}

// ageSessions moves the authenticated_at of every session of adminID 20
// minutes back, as if the login were that old: reactivation calls then
// answer 40103 (recent authentication required, DESIGN §3). The session
// stays valid: its idle expiry follows last_seen_at.
func ageSessions(t *testing.T, s *localstack.Stack, adminID string) {
	t.Helper()
	client, keys := sessionItems(t, s, adminID)
	old := time.Now().Add(-20 * time.Minute).UTC().Format(time.RFC3339Nano)
	for _, k := range keys {
		_, err := client.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{
			TableName: aws.String(s.TableName), Key: k,
			UpdateExpression:          aws.String("SET authenticated_at = :old"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":old": &types.AttributeValueMemberS{Value: old}},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// recordBounce records an SES permanent bounce of address, as
// shared/sesevents does when SES reports one.
func recordBounce(t *testing.T, s *localstack.Stack, address, detail string) {
	t.Helper()
	st := domain.EmailStatus{State: domain.EmailBounced, At: time.Now().UTC(), Detail: detail, Email: address, MessageID: "panel-test-bounce"}
	if changed, err := panelStore(s).RecordEmailStatus(context.Background(), st); err != nil || !changed {
		t.Fatalf("record bounce of %s: changed %v, %v", address, changed, err)
	}
}

// clearEmailStatus forgets adminID's bounce, as adminctl clear-email-status does.
func clearEmailStatus(t *testing.T, s *localstack.Stack, adminID string) {
	t.Helper()
	if err := panelStore(s).ClearEmailStatus(context.Background(), adminID); err != nil {
		t.Fatal(err)
	}
}

// panelStore is the stack's table through the production store.
func panelStore(s *localstack.Stack) *dynamo.Store {
	return dynamo.New(localClient(s), s.TableName, domain.SystemClock{})
}

// localClient is a DynamoDB client of the stack's embedded DynamoDB.
func localClient(s *localstack.Stack) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(s.DynamoDBURL),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "local", SecretAccessKey: "local"}, nil
		}),
		DisableValidateResponseChecksum: true,
	})
}

// endSessions deletes every session of adminID, as their expiry would.
func endSessions(t *testing.T, s *localstack.Stack, adminID string) {
	t.Helper()
	client, keys := sessionItems(t, s, adminID)
	for _, k := range keys {
		if _, err := client.DeleteItem(context.Background(), &dynamodb.DeleteItemInput{TableName: aws.String(s.TableName), Key: k}); err != nil {
			t.Fatal(err)
		}
	}
}

// lockOut locks an admin out the way an attacker with the password would:
// wrong SMS passcodes until the API answers 423 42301 (DESIGN §3, 10
// consecutive failures), resending when a passcode is used up.
func lockOut(t *testing.T, s *localstack.Stack, email string) {
	t.Helper()
	post := func(path, secret string, body any) (int, map[string]any) {
		t.Helper()
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest("POST", s.HTTPURL+path, strings.NewReader(string(b)))
		req.Header.Set("Content-Type", "application/json")
		if secret != "" {
			req.Header.Set("X-Login-Secret", secret)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = resp.Body.Close() }()
		var env map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&env)
		code, _ := env["code"].(float64)
		r, _ := env["response"].(map[string]any)
		return int(code), r
	}
	_, r := post("/v1/login", "", map[string]string{"email": email, "password": "demo-password-1"})
	txid, _ := r["txid"].(string)
	secret, _ := r["login_secret"].(string)
	base := "/v1/login/" + txid
	post(base+"/factor", secret, map[string]string{"factor": "sms"})
	// Five tries per passcode (DESIGN §3), then a resend.
	for i := 1; i <= 15; i++ {
		code, _ := post(base+"/verify", secret, map[string]string{"passcode": "0000000"})
		if code == 42301 {
			return
		}
		if i%5 == 0 {
			post(base+"/factor", secret, map[string]string{"factor": "sms"})
		}
	}
	t.Fatalf("%s was not locked out", email)
}

// TestPanelScriptsPutTextOnly: no module of the panel turns a string into
// markup (innerHTML and its kin), so server text can only ever be text.
// Comments may name the rule.
func TestPanelScriptsPutTextOnly(t *testing.T) {
	files, err := filepath.Glob("*.js")
	if err != nil || len(files) < 2 {
		t.Fatalf("panel modules: %v %v", files, err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			code, _, _ := strings.Cut(line, "//")
			for _, sink := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "createContextualFragment", "eval(", "new Function"} {
				if strings.Contains(code, sink) {
					t.Errorf("%s:%d uses %s: %s", f, i+1, sink, strings.TrimSpace(line))
				}
			}
		}
	}
}
