package localstack

import (
	"context"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/goformation/v7/intrinsics"

	"push-reactivation/shared/apigw"
	"push-reactivation/shared/app"
	"push-reactivation/shared/config"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/dynamo"
)

// root is the project folder (this package is infra/localstack).
const root = "../.."

func loadTemplate(t *testing.T) *Template {
	t.Helper()
	tm, err := LoadTemplate(filepath.Join(root, "template.yaml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

// rawTemplate is template.yaml as JSON with intrinsic functions left as
// they are written ({"Fn::GetAtt": [...]}), for checks on what the
// template says rather than on goformation's partial evaluation.
func rawTemplate(t *testing.T) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	j, err := intrinsics.ProcessYAML(b, &intrinsics.ProcessorOptions{NoProcess: true})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(j, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func dig(m any, path ...string) any {
	for _, p := range path {
		mm, ok := m.(map[string]any)
		if !ok {
			return nil
		}
		m = mm[p]
	}
	return m
}

func jsonOf(v any) string { b, _ := json.Marshal(v); return string(b) }

// makeDir asks the Makefile which functions/ folder build-<id> builds.
func makeDir(t *testing.T, id string) string {
	t.Helper()
	out, err := exec.Command("make", "-s", "--no-print-directory", "-C", root, "print-dir-"+id).Output()
	if err != nil {
		t.Fatalf("make print-dir-%s: %v", id, err)
	}
	return strings.TrimSpace(string(out))
}

// TestTemplateFunctionsBuild: every function is a provided.al2023 arm64
// bootstrap built by `sam build` through the Makefile's build-<LogicalId>,
// which maps it to an existing functions/<dir> with a main.go.
func TestTemplateFunctionsBuild(t *testing.T) {
	tm := loadTemplate(t)
	global, err := tm.Raw.GetServerlessGlobalFunction()
	if err != nil {
		t.Fatal(err)
	}
	if len(tm.Functions) != 5 {
		t.Errorf("template has %d functions, DESIGN.md §2 has five", len(tm.Functions))
	}
	dirs := map[string]string{}
	for id, fn := range tm.Raw.GetAllServerlessFunctionResources() {
		runtime, handler, archs := fn.Runtime, fn.Handler, fn.Architectures
		if runtime == nil {
			runtime = global.Runtime
		}
		if handler == nil {
			handler = global.Handler
		}
		if archs == nil && global.Architectures != nil {
			archs = *global.Architectures
		}
		if runtime == nil || *runtime != "provided.al2023" {
			t.Errorf("%s: Runtime is not provided.al2023", id)
		}
		if handler == nil || *handler != "bootstrap" {
			t.Errorf("%s: Handler is not bootstrap", id)
		}
		if !slices.Equal(archs, []string{"arm64"}) {
			t.Errorf("%s: Architectures = %v, want [arm64]", id, archs)
		}
		if fn.AWSCloudFormationMetadata["BuildMethod"] != "makefile" {
			t.Errorf("%s: Metadata.BuildMethod = %v, want makefile", id, fn.AWSCloudFormationMetadata["BuildMethod"])
		}
		if fn.CodeUri == nil || fn.CodeUri.String == nil || *fn.CodeUri.String != "." {
			t.Errorf("%s: CodeUri must be . (the Makefile is at the root)", id)
		}
		dir := makeDir(t, id)
		if dir == "" {
			t.Errorf("%s: the Makefile has no FUNCTION_DIR_%s, so build-%s fails", id, id, id)
			continue
		}
		if _, err := os.Stat(filepath.Join(root, "functions", dir, "main.go")); err != nil {
			t.Errorf("%s: build-%s builds functions/%s: %v", id, id, dir, err)
		}
		if other, dup := dirs[dir]; dup {
			t.Errorf("%s and %s both build functions/%s", id, other, dir)
		}
		dirs[dir] = id
	}
	// ...and the Makefile builds no function the template lacks.
	out, err := exec.Command("make", "-s", "--no-print-directory", "-C", root, "-pn", "print-dir-x").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if id, ok := strings.CutPrefix(line, "FUNCTION_DIR_"); ok {
			id, _, _ = strings.Cut(id, " ")
			if tm.Function(id) == nil {
				t.Errorf("the Makefile maps %s, which template.yaml does not define", id)
			}
		}
	}
}

// testRouter builds the router of function id from dependencies good
// enough to construct it (no network call happens at construction).
func testRouter(t *testing.T, id string) *apigw.Router {
	t.Helper()
	aws := localAWSConfig("http://127.0.0.1:9")
	c := config.Config{TableName: "t", APIHost: "localhost:3443", PanelOrigin: "http://127.0.0.1:3000",
		SenderEmail: "no-reply@example.com", OriginationIdentity: OriginationIdentity}
	d := app.New(c, slog.New(slog.DiscardHandler), domain.SystemClock{}, domain.SystemRandom, dynamo.NewClient(aws))
	return Routers[id](d, c, aws)
}

// TestTemplateRoutes: every route belongs to exactly one function, and
// each function's router serves exactly the routes the template gives it.
func TestTemplateRoutes(t *testing.T) {
	tm := loadTemplate(t)
	owner := map[string]string{}
	for _, r := range tm.Routes() {
		if prev, dup := owner[r.Key()]; dup {
			t.Errorf("route %q belongs to both %s and %s", r.Key(), prev, r.Function)
		}
		owner[r.Key()] = r.Function
	}
	if len(owner) == 0 {
		t.Fatal("template.yaml has no routes")
	}
	ids := slices.Sorted(maps.Keys(Routers))
	var want []string
	for _, f := range tm.Functions {
		want = append(want, f.LogicalID)
	}
	if !slices.Equal(ids, want) {
		t.Errorf("localstack.Routers has %v, template.yaml has functions %v", ids, want)
	}
	for _, f := range tm.Functions {
		if _, ok := Routers[f.LogicalID]; !ok {
			continue
		}
		var tmplKeys []string
		for _, r := range f.Routes {
			tmplKeys = append(tmplKeys, r.Key())
		}
		slices.Sort(tmplKeys)
		got := testRouter(t, f.LogicalID).Routes()
		slices.Sort(got)
		if !slices.Equal(got, tmplKeys) {
			t.Errorf("%s: router serves %v, template.yaml routes %v to it", f.LogicalID, got, tmplKeys)
		}
	}
}

// TestTemplateEnvironment: every variable the code reads is declared in
// Globals (so `sam local --env-vars` can set it), the code that runs in
// Lambda reads the environment only through shared/config, and no
// function overrides the shared environment.
func TestTemplateEnvironment(t *testing.T) {
	tm := loadTemplate(t)
	global, err := tm.Raw.GetServerlessGlobalFunction()
	if err != nil || global.Environment == nil {
		t.Fatalf("template.yaml has no Globals.Function.Environment: %v", err)
	}
	declared := global.Environment.Variables
	for _, v := range config.Variables {
		if _, ok := declared[v]; !ok {
			t.Errorf("config.Variables has %s, which Globals.Function.Environment does not declare", v)
		}
	}
	for _, f := range tm.Functions {
		for k := range f.Env {
			if _, ok := declared[k]; !ok {
				t.Errorf("%s declares %s outside Globals", f.LogicalID, k)
			}
		}
	}

	// Direct reads of the environment in code that runs in Lambda.
	for _, dir := range []string{"functions", "shared"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, path)
			if d.IsDir() && rel == filepath.Join("shared", "config") {
				return filepath.SkipDir
			}
			if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			for _, call := range envReads(t, path) {
				t.Errorf("%s reads the environment directly (%s); read it in shared/config and list it in config.Variables", rel, call)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// envReads finds calls such as os.Getenv("X") in a Go file.
func envReads(t *testing.T, path string) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	imports := map[string]string{} // local name → import path
	for _, imp := range f.Imports {
		p, _ := strconv.Unquote(imp.Path.Value)
		name := filepath.Base(p)
		if imp.Name != nil {
			name = imp.Name.Name
		}
		imports[name] = p
	}
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		sel, ok := n.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		pkg, ok := sel.X.(*ast.Ident)
		if !ok {
			return true
		}
		switch imports[pkg.Name] + "." + sel.Sel.Name {
		case "os.Getenv", "os.LookupEnv", "os.Environ", "os.ExpandEnv", "syscall.Getenv", "syscall.Environ":
			out = append(out, pkg.Name+"."+sel.Sel.Name)
		}
		return true
	})
	return out
}

// dynamoActions maps the calls of dynamo.API to the IAM actions they need.
var dynamoActions = map[string][]string{
	"GetItem":            {"dynamodb:GetItem"},
	"PutItem":            {"dynamodb:PutItem"},
	"UpdateItem":         {"dynamodb:UpdateItem"},
	"DeleteItem":         {"dynamodb:DeleteItem"},
	"Query":              {"dynamodb:Query"},
	"BatchGetItem":       {"dynamodb:BatchGetItem"},
	"TransactWriteItems": {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem"},
	"TransactGetItems":   {"dynamodb:GetItem"},
}

// goDeps lists the packages a function's main package depends on.
func goDeps(t *testing.T, dir string) []string {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps", "./functions/"+dir)
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps ./functions/%s: %v", dir, err)
	}
	return strings.Fields(string(out))
}

// TestTemplatePolicies: least privilege. The table policy grants exactly
// what dynamo.API calls need, on the table and its indexes only; mail may
// be sent only from the sender identity; each function gets the mail and
// SMS/voice policies exactly when its code can send mail or messages.
func TestTemplatePolicies(t *testing.T) {
	tm := loadTemplate(t)
	raw := rawTemplate(t)

	statements := func(id string) []any {
		if typ := dig(raw, "Resources", id, "Type"); typ != "AWS::IAM::ManagedPolicy" {
			t.Fatalf("%s is %v, want AWS::IAM::ManagedPolicy", id, typ)
		}
		st, _ := dig(raw, "Resources", id, "Properties", "PolicyDocument", "Statement").([]any)
		if len(st) == 0 {
			t.Fatalf("%s has no statements", id)
		}
		return st
	}
	actionsOf := func(st any) []string {
		var out []string
		switch a := dig(st, "Action").(type) {
		case string:
			out = []string{a}
		case []any:
			for _, x := range a {
				out = append(out, x.(string))
			}
		}
		slices.Sort(out)
		return out
	}

	// The table.
	var want []string
	api := reflect.TypeFor[dynamo.API]()
	for i := range api.NumMethod() {
		acts, ok := dynamoActions[api.Method(i).Name]
		if !ok {
			t.Errorf("dynamo.API calls %s: add its IAM actions to this test and to TableAccessPolicy", api.Method(i).Name)
		}
		want = append(want, acts...)
	}
	slices.Sort(want)
	want = slices.Compact(want)
	for _, st := range statements("TableAccessPolicy") {
		if got := actionsOf(st); !slices.Equal(got, want) {
			t.Errorf("TableAccessPolicy allows %v, dynamo.API needs exactly %v", got, want)
		}
		res := jsonOf(dig(st, "Resource"))
		if res != `[{"Fn::GetAtt":"Table.Arn"},{"Fn::Sub":"${Table.Arn}/index/*"}]` {
			t.Errorf("TableAccessPolicy resources = %s, want the table and its indexes", res)
		}
	}

	// Mail.
	for _, st := range statements("SendEmailPolicy") {
		if got := actionsOf(st); !slices.Equal(got, []string{"ses:SendEmail"}) {
			t.Errorf("SendEmailPolicy allows %v, want ses:SendEmail", got)
		}
		res := jsonOf(dig(st, "Resource"))
		if strings.Contains(res, "identity/*") || strings.Contains(res, `"*"`) || !strings.Contains(res, "identity/${SenderEmail}") {
			t.Errorf("SendEmailPolicy resources = %s, want the SenderEmail identity (address and domain) only", res)
		}
	}
	for _, st := range statements("SendSmsVoicePolicy") {
		if got := actionsOf(st); !slices.Equal(got, []string{"sms-voice:SendTextMessage", "sms-voice:SendVoiceMessage"}) {
			t.Errorf("SendSmsVoicePolicy allows %v", got)
		}
		if res := jsonOf(dig(st, "Resource")); res == `"*"` {
			t.Errorf("SendSmsVoicePolicy resource is *")
		}
	}

	// Which function gets which.
	for id, fn := range tm.Raw.GetAllServerlessFunctionResources() {
		if fn.Policies == nil || fn.Policies.StringArray == nil {
			t.Errorf("%s: Policies must be a list of the template's managed policies", id)
			continue
		}
		got := slices.Sorted(slices.Values(*fn.Policies.StringArray))
		deps := goDeps(t, makeDir(t, id))
		want := []string{"TableAccessPolicy"}
		if slices.Contains(deps, "push-reactivation/shared/sesmail") {
			want = append(want, "SendEmailPolicy")
		}
		if slices.Contains(deps, "push-reactivation/shared/smsvoice") {
			want = append(want, "SendSmsVoicePolicy")
		}
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s has policies %v; its code needs exactly %v", id, got, want)
		}
	}
}

// TestTemplateAPIAndOutputs: one HttpApi with CORS for PanelOrigin and
// default route throttling, the parameters operators set, the outputs.
func TestTemplateAPIAndOutputs(t *testing.T) {
	tm := loadTemplate(t)
	raw := rawTemplate(t)
	apis := tm.Raw.GetAllServerlessHttpApiResources()
	if len(apis) != 1 {
		t.Fatalf("template has %d HttpApi, want 1", len(apis))
	}
	for id, api := range apis {
		if got := jsonOf(dig(raw, "Resources", id, "Properties", "CorsConfiguration", "AllowOrigins")); got != `[{"Ref":"PanelOrigin"}]` {
			t.Errorf("CORS AllowOrigins = %s, want [!Ref PanelOrigin]", got)
		}
		// On AWS, API Gateway answers preflights from CorsConfiguration; the
		// functions' own CORS headers must say the same, or a header the
		// panel needs (X-Login-Secret, Idempotency-Key) works locally and is
		// refused on AWS.
		want := lambdaCORS(t)
		for _, field := range []string{"AllowHeaders", "ExposeHeaders"} {
			var got []string
			if err := json.Unmarshal([]byte(jsonOf(dig(raw, "Resources", id, "Properties", "CorsConfiguration", field))), &got); err != nil {
				t.Fatalf("CORS %s: %v", field, err)
			}
			slices.Sort(got)
			if !slices.Equal(got, want[field]) {
				t.Errorf("CORS %s = %v in the template, %v in the functions", field, got, want[field])
			}
		}
		s := api.DefaultRouteSettings
		if s == nil || s.ThrottlingBurstLimit == nil || s.ThrottlingRateLimit == nil {
			t.Errorf("%s has no default route throttling", id)
		}
		for _, f := range tm.Functions {
			for _, r := range f.Routes {
				if got := jsonOf(dig(raw, "Resources", f.LogicalID, "Properties", "Events", r.Event, "Properties", "ApiId")); got != `{"Ref":"`+id+`"}` {
					t.Errorf("%s %s: ApiId = %s, want !Ref %s", f.LogicalID, r.Event, got, id)
				}
			}
		}
	}
	for _, p := range []string{"PanelOrigin", "ApiHost", "SenderEmail", "SesConfigurationSet", "OriginationIdentity", "SmsConfigurationSet", "LogLevel"} {
		if _, ok := tm.Raw.Parameters[p]; !ok {
			t.Errorf("template.yaml has no parameter %s", p)
		}
	}
	for _, o := range []string{"ApiUrl", "TableName"} {
		if _, ok := tm.Raw.Outputs[o]; !ok {
			t.Errorf("template.yaml has no output %s", o)
		}
	}
}

// lambdaCORS is the CORS headers the functions' router sends to the panel
// origin, sorted, by template field name.
func lambdaCORS(t *testing.T) map[string][]string {
	t.Helper()
	rt := apigw.NewRouter(slog.New(slog.NewJSONHandler(io.Discard, nil)), nil, "http://panel")
	ev := events.APIGatewayV2HTTPRequest{RawPath: "/v1/session", Headers: map[string]string{"origin": "http://panel"}}
	ev.RequestContext.HTTP.Method = "OPTIONS"
	resp, err := rt.Handle(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	split := func(v string) []string {
		var out []string
		for _, h := range strings.Split(v, ",") {
			if h = strings.TrimSpace(h); h != "" {
				out = append(out, h)
			}
		}
		slices.Sort(out)
		return out
	}
	return map[string][]string{
		"AllowHeaders":  split(resp.Headers["Access-Control-Allow-Headers"]),
		"ExposeHeaders": split(resp.Headers["Access-Control-Expose-Headers"]),
	}
}
