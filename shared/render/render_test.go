package render_test

import (
	htmltemplate "html/template"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	texttemplate "text/template"

	"push-reactivation/shared/render"
)

// The project's templates, each rendered by render and by the standard
// package it replaces; the fields each one uses, and which hold URLs the
// code vouches for (template.URL / render.URL).
var templates = []struct {
	file   string
	fields []string
	urls   []string
	bools  []string
}{
	{file: "../email/templates/activation.html", fields: []string{"Name", "RequestedBy", "Link", "ExpiresAt", "QRContentID"}},
	{file: "../email/templates/activation.txt", fields: []string{"Name", "RequestedBy", "Link", "ExpiresAt", "QRContentID"}},
	{file: "../notify/templates/phone_activated.html", fields: []string{"Name", "At", "Platform", "Model"}},
	{file: "../notify/templates/phone_activated.txt", fields: []string{"Name", "At", "Platform", "Model"}},
	{file: "../notify/templates/reactivation_started.html", fields: []string{"Name", "OwnerName", "OwnerEmail", "At", "ExpiresAt"}},
	{file: "../notify/templates/reactivation_started.txt", fields: []string{"Name", "OwnerName", "OwnerEmail", "At", "ExpiresAt"}},
	{file: "../device/landing.html", fields: []string{"ExpiresAt", "ExpiresIn"}, urls: []string{"DuoLink", "QR"}, bools: []string{"Found"}},
}

// hostile are values a field may hold: what an admin or a phone typed,
// markup, quotes, the characters html/template treats specially in text,
// attributes and URLs, a NUL, invalid UTF-8, unsafe and odd URLs.
var hostile = []string{
	"", "Olivia Owner", "olivia+test@acme.example", `<script>alert("x")</script>`, `"onmouseover="x`,
	"it's & <b>bold</b>", "a\x00b", "\xff\xfe bad utf-8", "Ünïcödé ✓ \u202e", "javascript:alert(1)",
	"JAVASCRIPT:x", "https://localhost:3443/activate/ABCDEFGHIJ0123456789", "duo://ABC-bG9jYWxob3N0OjM0NDM=",
	"data:image/png;base64,iVBOR+w0KGgo/AAA=", "/relative/path?q=1&r=(2)#frag", "http://x/%41%zz% 'q' (p)",
	"mailto:a@b", "ftp://x", "a/b:c", "{{.Name}}",
}

func TestSameBytesAsTheStandardTemplates(t *testing.T) {
	for _, tc := range templates {
		src, err := os.ReadFile(tc.file)
		if err != nil {
			t.Fatal(err)
		}
		html := strings.HasSuffix(tc.file, ".html")
		var ours *render.Template
		var std interface {
			Execute(io.Writer, any) error
		}
		if html {
			ours, err = render.HTML(filepath.Base(tc.file), string(src))
			std = htmltemplate.Must(htmltemplate.New("t").Parse(string(src)))
		} else {
			ours, err = render.Text(filepath.Base(tc.file), string(src))
			std = texttemplate.Must(texttemplate.New("t").Parse(string(src)))
		}
		render1 := func(data map[string]any) (string, error) {
			var b strings.Builder
			err := std.Execute(&b, data)
			return b.String(), err
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		// Every field takes every hostile value in turn, the others a
		// rotation of them, so values meet in every combination of
		// neighbours that matters for escaping (each is escaped alone).
		for i := range hostile {
			for _, flag := range []bool{true, false} {
				ourData, stdData := render.Data{}, map[string]any{}
				for k, f := range tc.fields {
					v := hostile[(i+k)%len(hostile)]
					ourData[f], stdData[f] = v, v
				}
				for k, f := range tc.urls {
					v := hostile[(i+k+3)%len(hostile)]
					ourData[f], stdData[f] = render.URL(v), htmltemplate.URL(v)
				}
				for _, f := range tc.bools {
					ourData[f], stdData[f] = flag, flag
				}
				want, err := render1(stdData)
				if err != nil {
					t.Fatalf("%s: standard template: %v", tc.file, err)
				}
				got, err := ours.String(ourData)
				if err != nil {
					t.Fatalf("%s: %v", tc.file, err)
				}
				if got != want {
					t.Fatalf("%s with %q: render differs from the standard template\n got: %q\nwant: %q", tc.file, hostile[i], diffAt(got, want), diffAt(want, got))
				}
			}
		}
	}
}

// diffAt is a's text around where it first differs from b.
func diffAt(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	return a[max(0, i-40):min(len(a), i+60)]
}

// TestRefusesUnsafeContexts: a field where html/template would apply
// escapers this package does not have is refused when parsing, not
// written unescaped.
func TestRefusesUnsafeContexts(t *testing.T) {
	for _, src := range []string{
		`<script>var x = "{{.X}}"</script>`,
		`<style>p { color: {{.X}} }</style>`,
		`<a onclick="{{.X}}">`,
		`<p style="{{.X}}">`,
		`<a href={{.X}}>`,
		`<a href="/x?q={{.X}}">`,
		`<img srcset="{{.X}}">`,
		`{{.X | html}}`,
		`{{if .X}}unclosed`,
		`{{end}}`,
	} {
		if _, err := render.HTML("t", src); err == nil {
			t.Errorf("%s: parsed", src)
		}
	}
	// After a closed script, text is text again.
	if _, err := render.HTML("t", `<script src="/a.js"></script><p>{{.X}}</p>`); err != nil {
		t.Errorf("field after a closed script: %v", err)
	}
}

// TestMissingOrWrongValue: a field without a value, or with a value of a
// type it cannot show, fails instead of writing something unexpected.
func TestMissingOrWrongValue(t *testing.T) {
	tm := render.MustHTML("t", `<p>{{.X}}</p>`)
	if _, err := tm.String(render.Data{}); err == nil {
		t.Error("missing value rendered")
	}
	if _, err := tm.String(render.Data{"X": 42}); err == nil {
		t.Error("int rendered")
	}
}
