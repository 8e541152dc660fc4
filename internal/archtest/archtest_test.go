package archtest

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "push-reactivation"

// root is the repository root, two levels up.
var root = func() string {
	wd, err := os.Getwd()
	if err != nil {
		panic(err)
	}
	return filepath.Join(wd, "..", "..")
}()

// goList runs go list in the repository with env added.
func goList(t *testing.T, env []string, args ...string) []string {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list"}, args...)...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %v: %v\n%s", args, err, stderr.String())
	}
	return strings.Fields(string(out))
}

// lambdaEnv and lambdaTags are how make build builds the bootstraps.
var lambdaEnv = []string{"GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0"}

const lambdaTags = "lambda.norpc"

// deps maps each package matching pattern to its transitive imports, in
// one go list run.
func deps(t *testing.T, env []string, tags string, filter, pattern string) map[string][]string {
	t.Helper()
	args := []string{"-f", "{{if " + filter + "}}{{.ImportPath}}|{{join .Deps \",\"}} {{end}}"}
	if tags != "" {
		args = append(args, "-tags", tags)
	}
	out := map[string][]string{}
	for _, line := range goList(t, env, append(args, pattern)...) {
		pkg, d, _ := strings.Cut(line, "|")
		out[pkg] = strings.Split(d, ",")
	}
	return out
}

// TestNoProgramLinksTesting: every main package of the module, the
// bootstraps built as make build builds them.
func TestNoProgramLinksTesting(t *testing.T) {
	programs := deps(t, nil, "", `eq .Name "main"`, "./...")
	for fn, d := range deps(t, lambdaEnv, lambdaTags, `eq .Name "main"`, "./functions/...") {
		programs[fn] = d
	}
	if len(programs) < 6 {
		t.Fatalf("found only %d programs: %v", len(programs), programs)
	}
	for m, d := range programs {
		if slices.Contains(d, "testing") {
			t.Errorf("%s links testing", m)
		}
	}
}

// clients maps each adapter's client constructors to the AWS service
// package they link.
var clients = map[string]string{
	"dynamo.NewClient":    "github.com/aws/aws-sdk-go-v2/service/dynamodb",
	"sesmail.NewClient":   "github.com/aws/aws-sdk-go-v2/service/sesv2",
	"sesmail.FromConfig":  "github.com/aws/aws-sdk-go-v2/service/sesv2",
	"smsvoice.NewClient":  "github.com/aws/aws-sdk-go-v2/service/pinpointsmsvoicev2",
	"smsvoice.FromConfig": "github.com/aws/aws-sdk-go-v2/service/pinpointsmsvoicev2",
	// kmswire.Wire builds the KMS client of the functions that seal HOTP
	// secrets or unwrap the code hash key (docs/security/kms.md).
	"kmswire.Wire": "github.com/aws/aws-sdk-go-v2/service/kms",
}

// TestFunctionsLinkOnlyTheClientsTheyBuild: the AWS service packages in a
// bootstrap's build are exactly those whose clients its main.go builds.
// (The SDK's own credential clients are not linked at all:
// TestFunctionsLinkNoCredentialClients.)
func TestFunctionsLinkOnlyTheClientsTheyBuild(t *testing.T) {
	services := map[string]bool{}
	for _, s := range clients {
		services[s] = true
	}
	dirs, err := filepath.Glob(filepath.Join(root, "functions", "*", "main.go"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no functions/*/main.go: %v", err)
	}
	graph := deps(t, lambdaEnv, lambdaTags, `eq .Name "main"`, "./functions/...")
	for _, main := range dirs {
		name := filepath.Base(filepath.Dir(main))
		built := builtClients(t, main)
		var linked []string
		for _, d := range graph[module+"/functions/"+name] {
			if services[d] {
				linked = append(linked, d)
			}
		}
		if !slices.Equal(linked, built) {
			t.Errorf("functions/%s links %v but its main.go builds clients of %v", name, linked, built)
		}
	}
}

// builtClients reads which service clients a main.go builds.
func builtClients(t *testing.T, path string) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if x, ok := sel.X.(*ast.Ident); ok {
				if s, ok := clients[x.Name+"."+sel.Sel.Name]; ok && !slices.Contains(out, s) {
					out = append(out, s)
				}
			}
		}
		return true
	})
	slices.Sort(out)
	return out
}

// logic are the packages that hold the rules; adapters and wiring are
// what they must not import.
var (
	logic = []string{
		"shared/domain", "shared/login", "shared/reactivation", "shared/email", "shared/device",
		"shared/owner", "shared/profile", "shared/notify", "shared/session", "shared/devicesig",
		"shared/hotp", "shared/secret", "shared/render",
		// What the logic packages' constructors take (no adapter either).
		"shared/deps",
	}
	forbidden = []string{
		module + "/shared/dynamo", module + "/shared/sesmail", module + "/shared/smsvoice",
		module + "/shared/config", module + "/shared/app", module + "/shared/tablespec",
		module + "/shared/demo", module + "/infra/", module + "/internal/",
		"github.com/aws/aws-sdk-go-v2", "github.com/aws/smithy-go",
	}
)

// knownViolations are tolerated imports, package → import: none are left
// (issue 14 removed the last, shared/app). The test fails on any other
// violation, and on a listed one that is gone: the list only shrinks.
var knownViolations = map[string][]string{}

func TestLogicImportsNoAdapter(t *testing.T) {
	direct := map[string][]string{}
	for _, line := range goList(t, nil, "-f", `{{.ImportPath}}|{{join .Imports ","}}`, "./shared/...") {
		pkg, imports, _ := strings.Cut(line, "|")
		direct[strings.TrimPrefix(pkg, module+"/")] = strings.Split(imports, ",")
	}
	for _, pkg := range logic {
		imports, ok := direct[pkg]
		if !ok {
			t.Fatalf("no package %s", pkg)
		}
		var bad []string
		for _, imp := range imports {
			for _, f := range forbidden {
				if imp == f || strings.HasPrefix(imp, strings.TrimSuffix(f, "/")+"/") {
					bad = append(bad, strings.TrimPrefix(imp, module+"/"))
					break
				}
			}
		}
		known := knownViolations[pkg]
		for _, b := range bad {
			if !slices.Contains(known, b) {
				t.Errorf("%s imports %s: a logic package states the interface it needs, in the domain's types, and an adapter implements it", pkg, b)
			}
		}
		for _, k := range known {
			if !slices.Contains(bad, k) {
				t.Errorf("%s no longer imports %s: delete it from knownViolations", pkg, k)
			}
		}
	}
}

// TestAuditEventsGoThroughTheConstructor: every audit event a logic
// package builds goes through domain.NewAuditEvent, which applies the
// field limits; a bare literal would skip them.
func TestAuditEventsGoThroughTheConstructor(t *testing.T) {
	for _, pkg := range logic {
		files, err := filepath.Glob(filepath.Join(root, pkg, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, file := range files {
			if strings.HasSuffix(file, "_test.go") {
				continue
			}
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			for i, line := range strings.Split(string(b), "\n") {
				for _, lit := range []string{"domain.AuditEvent{", " AuditEvent{"} {
					if strings.Contains(line, lit) && !strings.Contains(line, "NewAuditEvent("+strings.TrimSpace(lit)) &&
						!strings.HasPrefix(strings.TrimSpace(line), "//") && !strings.Contains(line, "type AuditEvent") {
						t.Errorf("%s:%d: an AuditEvent literal outside domain.NewAuditEvent: %s", filepath.Join(pkg, filepath.Base(file)), i+1, strings.TrimSpace(line))
					}
				}
			}
		}
	}
}
