package metrics_test

import (
	"bytes"
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"push-reactivation/shared/correlation"
	"push-reactivation/shared/metrics"
)

func TestEmitWritesValidEMF(t *testing.T) {
	var buf bytes.Buffer
	em := metrics.New(&buf, "")
	ctx := correlation.NewContext(context.Background(), "req-1")
	em.Request(ctx, "POST /v1/login", 503, 0)
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("want one line, got %q", buf.String())
	}
	samples, err := metrics.ParseLine([]byte(lines[0]))
	if err != nil {
		t.Fatalf("not valid EMF: %v\n%s", err, lines[0])
	}
	got := map[metrics.Name]float64{}
	for _, s := range samples {
		got[s.Name] = s.Value
		if s.Namespace != metrics.DefaultNamespace || s.Dimensions[metrics.DimService] != metrics.Service {
			t.Errorf("sample %+v: wrong namespace or service", s)
		}
	}
	for name, want := range map[metrics.Name]float64{metrics.Requests: 1, metrics.ServerErrors: 1, metrics.DependencyFailures: 1} {
		if got[name] != want {
			t.Errorf("%s = %v, want %v (line %s)", name, got[name], want, lines[0])
		}
	}
	if !strings.Contains(lines[0], `"request_id":"req-1"`) {
		t.Errorf("line lacks the correlation id: %s", lines[0])
	}
}

func TestEmitDropsWhatItCannotPublishRightly(t *testing.T) {
	var buf bytes.Buffer
	em := metrics.New(&buf, "X")
	ctx := context.Background()
	em.Emit(ctx, nil, metrics.Point{Name: "Undeclared", Value: 1})
	em.Emit(ctx, nil, metrics.Point{Name: metrics.Logins, Value: 1}) // no Factor, Outcome
	if buf.Len() != 0 {
		t.Errorf("wrote %q", buf.String())
	}
	var none *metrics.Emitter
	none.Request(ctx, "GET /v1/profile", 200, 0) // no emitter in the context: no-op, no panic
	metrics.FromContext(ctx).Send(ctx, metrics.ChannelSMS, nil)
}

func TestParseLineRefusesBrokenEMF(t *testing.T) {
	for name, line := range map[string]string{
		"not JSON":          `nope`,
		"no _aws":           `{"Requests":1}`,
		"no timestamp":      `{"_aws":{"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[["Service"]],"Metrics":[{"Name":"Requests","Unit":"Count"}]}]},"Service":"s","Requests":1}`,
		"dimension missing": `{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[["Route"]],"Metrics":[{"Name":"Requests","Unit":"Count"}]}]},"Requests":1}`,
		"value missing":     `{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[["Service"]],"Metrics":[{"Name":"Requests","Unit":"Count"}]}]},"Service":"s"}`,
		"bad unit":          `{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[["Service"]],"Metrics":[{"Name":"Requests","Unit":"Things"}]}]},"Service":"s","Requests":1}`,
		"unknown member":    `{"_aws":{"Timestamp":1,"Extra":1,"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[["Service"]],"Metrics":[{"Name":"Requests","Unit":"Count"}]}]},"Service":"s","Requests":1}`,
	} {
		if _, err := metrics.ParseLine([]byte(line)); err == nil {
			t.Errorf("%s: accepted %s", name, line)
		}
	}
}

// docRow matches a row of docs/operations.md's metrics table:
// | `Name` | unit | dimension sets | meaning |
var docRow = regexp.MustCompile("(?m)^\\| `([A-Za-z]+)` \\| ([A-Za-z]+) \\| ([^|]+) \\|")

// TestEveryMetricIsDocumented: docs/operations.md lists exactly the
// metrics of Defs, each with its unit and dimensions.
func TestEveryMetricIsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string][]string{}
	for _, m := range docRow.FindAllStringSubmatch(string(doc), -1) {
		rows[m[1]] = m[2:]
	}
	for _, d := range metrics.Defs {
		row, ok := rows[string(d.Name)]
		if !ok {
			t.Errorf("metric %s is not in docs/operations.md's table", d.Name)
			continue
		}
		delete(rows, string(d.Name))
		if row[0] != d.Unit {
			t.Errorf("metric %s: documented unit %s, code %s", d.Name, row[0], d.Unit)
		}
		for _, set := range d.Dimensions {
			if want := strings.Join(set, ", "); !strings.Contains(row[1], "`"+want+"`") {
				t.Errorf("metric %s: dimension set `%s` not documented (row says %s)", d.Name, want, row[1])
			}
		}
	}
	for name := range rows {
		t.Errorf("docs/operations.md documents %s, which the code does not emit", name)
	}
}

// TestEveryNameIsDeclared: each constant of type Name in the package is
// in Defs, so no metric can be emitted without being documented (Emit
// drops names outside Defs).
func TestEveryNameIsDeclared(t *testing.T) {
	fset := token.NewFileSet()
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	n := 0
	for _, f := range files {
		ast.Inspect(f, func(node ast.Node) bool {
			vs, ok := node.(*ast.ValueSpec)
			if !ok {
				return true
			}
			if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "Name" {
				return true
			}
			for i, name := range vs.Names {
				lit, ok := vs.Values[i].(*ast.BasicLit)
				if !ok {
					t.Errorf("constant %s is not a literal", name.Name)
					continue
				}
				n++
				if _, ok := metrics.Lookup(metrics.Name(strings.Trim(lit.Value, `"`))); !ok {
					t.Errorf("metric constant %s = %s is not in Defs", name.Name, lit.Value)
				}
			}
			return true
		})
	}
	if n != len(metrics.Defs) {
		t.Errorf("%d Name constants, %d Defs", n, len(metrics.Defs))
	}
}
