// Package render fills the project's few page and email templates without
// text/template or html/template.
//
// Why not the standard packages: both call reflect.Value.Method, and a
// binary that can reach that makes the linker keep every exported method of
// every type it links, the AWS SDK's included. Three bootstraps were 2.9×
// a hello-world Lambda for that alone (issue 14). The templates here need
// only fields and if/else, so a small filler that takes a map and type
// switches, never reflects, does the job.
//
// The escaping is html/template's for the contexts the templates use, to
// the byte: the context of each field is found when the template is parsed
// (HTML text and RCDATA like <title>, a quoted attribute, a URL attribute at
// its start or after a literal prefix), and anything else (script, style,
// an unquoted attribute) is refused at parse time rather than guessed. The
// tests render every template of the project both ways, with hostile
// values, and compare the bytes.
//
// Syntax: literal text, {{.Name}}, and {{if .Name}}...{{else}}...{{end}}
// (nestable; else optional). A value is a string, a bool or a URL; a
// string or URL is true in an if when not empty.
package render

import (
	"errors"
	"fmt"
	"strings"
)

// URL is a URL the caller vouches for, like html/template's template.URL:
// in a URL attribute it skips the scheme check (duo:, data: are allowed),
// but is still normalized and escaped.
type URL string

// Data are the values of a template's fields.
type Data map[string]any

// Template is a parsed template.
type Template struct {
	name  string
	nodes []node
}

// context is where a field stands in an HTML template.
type context int

const (
	ctxText     context = iota // plain text: no escaping (text templates)
	ctxHTML                    // HTML text, RCDATA or a quoted attribute
	ctxURLStart                // a quoted URL attribute, at its start
	ctxURLPart                 // a quoted URL attribute, after literal text
)

type node struct {
	text  string  // literal
	field string  // {{.field}}, or the condition of an if
	ctx   context // of a field
	cond  bool    // an if: then and els below
	then  []node
	els   []node
}

// Text parses a plain text template (an email's text part): fields are
// copied as they are.
func Text(name, src string) (*Template, error) { return parse(name, src, false) }

// HTML parses an HTML template: each field is escaped for its context.
func HTML(name, src string) (*Template, error) { return parse(name, src, true) }

// MustText is Text that panics on an error, for package-level templates.
func MustText(name, src string) *Template { return must(Text(name, src)) }

// MustHTML is HTML that panics on an error, for package-level templates.
func MustHTML(name, src string) *Template { return must(HTML(name, src)) }

func must(t *Template, err error) *Template {
	if err != nil {
		panic(err)
	}
	return t
}

func parse(name, src string, html bool) (*Template, error) {
	p := &parser{name: name, src: src, html: html}
	nodes, end, err := p.list()
	if err != nil {
		return nil, err
	}
	if end != "" {
		return nil, fmt.Errorf("render: %s: unexpected {{%s}}", name, end)
	}
	return &Template{name: name, nodes: nodes}, nil
}

type parser struct {
	name string
	src  string
	pos  int
	html bool
	// literal is the literal text so far, actions left out, from which an
	// HTML field's context is read.
	literal strings.Builder
}

// list parses up to {{else}}, {{end}} or the end of the source, and says
// which ended it ("" for the end of the source).
func (p *parser) list() ([]node, string, error) {
	var nodes []node
	for p.pos < len(p.src) {
		i := strings.Index(p.src[p.pos:], "{{")
		if i < 0 {
			nodes = append(nodes, p.lit(p.src[p.pos:]))
			p.pos = len(p.src)
			break
		}
		if i > 0 {
			nodes = append(nodes, p.lit(p.src[p.pos:p.pos+i]))
		}
		j := strings.Index(p.src[p.pos+i:], "}}")
		if j < 0 {
			return nil, "", fmt.Errorf("render: %s: unclosed action", p.name)
		}
		action := strings.TrimSpace(p.src[p.pos+i+2 : p.pos+i+j])
		p.pos += i + j + 2
		switch {
		case action == "else" || action == "end":
			return nodes, action, nil
		case strings.HasPrefix(action, "if "):
			field, err := p.field(strings.TrimSpace(action[3:]))
			if err != nil {
				return nil, "", err
			}
			n := node{cond: true, field: field}
			var end string
			if n.then, end, err = p.list(); err != nil {
				return nil, "", err
			}
			if end == "else" {
				if n.els, end, err = p.list(); err != nil {
					return nil, "", err
				}
			}
			if end != "end" {
				return nil, "", fmt.Errorf("render: %s: {{if %s}} without {{end}}", p.name, field)
			}
			nodes = append(nodes, n)
		default:
			field, err := p.field(action)
			if err != nil {
				return nil, "", err
			}
			ctx := ctxText
			if p.html {
				if ctx, err = htmlContext(p.literal.String()); err != nil {
					return nil, "", fmt.Errorf("render: %s: {{.%s}}: %w", p.name, field, err)
				}
			}
			nodes = append(nodes, node{field: field, ctx: ctx})
		}
	}
	return nodes, "", nil
}

func (p *parser) lit(s string) node {
	p.literal.WriteString(s)
	return node{text: s}
}

func (p *parser) field(s string) (string, error) {
	name, ok := strings.CutPrefix(s, ".")
	if !ok || name == "" || strings.ContainsAny(name, " .|()\"") {
		return "", fmt.Errorf("render: %s: unsupported action {{%s}}", p.name, s)
	}
	return name, nil
}

// htmlContext reads where a field placed after literal stands.
func htmlContext(literal string) (context, error) {
	lower := strings.ToLower(literal)
	for _, raw := range []string{"<script", "<style"} {
		if open := strings.LastIndex(lower, raw); open >= 0 && !strings.Contains(lower[open:], "</"+raw[1:]) {
			return 0, errors.New("fields in script or style are not supported")
		}
	}
	lt, gt := strings.LastIndexByte(literal, '<'), strings.LastIndexByte(literal, '>')
	if lt <= gt {
		return ctxHTML, nil // text between tags
	}
	tag := literal[lt:]
	q := strings.LastIndex(tag, `="`)
	if q < 0 || strings.Contains(tag[q+2:], `"`) {
		return 0, errors.New("fields inside a tag must be in a double-quoted attribute value")
	}
	name := tag[:q]
	name = strings.ToLower(name[strings.LastIndexAny(name, " \t\n")+1:])
	switch name {
	case "href", "src":
		if q+2 == len(tag) {
			return ctxURLStart, nil
		}
		if strings.ContainsAny(tag[q+2:], "?#") {
			return 0, errors.New("fields in a URL's query or fragment are not supported")
		}
		return ctxURLPart, nil
	case "style", "srcset", "action", "formaction", "data", "poster", "cite", "background":
		return 0, fmt.Errorf("fields in the %s attribute are not supported", name)
	}
	if strings.HasPrefix(name, "on") {
		return 0, fmt.Errorf("fields in the %s attribute are not supported", name)
	}
	return ctxHTML, nil
}

// Execute writes the template filled with d to b. A field missing from d,
// or of another type than string, bool or URL, is an error.
func (t *Template) Execute(b *strings.Builder, d Data) error {
	return t.exec(b, t.nodes, d)
}

// String is Execute into a new string.
func (t *Template) String(d Data) (string, error) {
	var b strings.Builder
	err := t.Execute(&b, d)
	return b.String(), err
}

func (t *Template) exec(b *strings.Builder, nodes []node, d Data) error {
	for _, n := range nodes {
		switch {
		case n.cond:
			v, err := t.value(d, n.field)
			if err != nil {
				return err
			}
			branch := n.els
			if v.true {
				branch = n.then
			}
			if err := t.exec(b, branch, d); err != nil {
				return err
			}
		case n.field != "":
			v, err := t.value(d, n.field)
			if err != nil {
				return err
			}
			write(b, n.ctx, v)
		default:
			b.WriteString(n.text)
		}
	}
	return nil
}

type value struct {
	s    string
	url  bool // a URL the caller vouches for
	true bool
}

func (t *Template) value(d Data, field string) (value, error) {
	switch v := d[field].(type) {
	case string:
		return value{s: v, true: v != ""}, nil
	case URL:
		return value{s: string(v), url: true, true: v != ""}, nil
	case bool:
		s := "false"
		if v {
			s = "true"
		}
		return value{s: s, true: v}, nil
	case nil:
		return value{}, fmt.Errorf("render: %s: no value for %s", t.name, field)
	default:
		return value{}, fmt.Errorf("render: %s: %s is a %T, want string, bool or URL", t.name, field, v)
	}
}

func write(b *strings.Builder, ctx context, v value) {
	switch ctx {
	case ctxText:
		b.WriteString(v.s)
	case ctxHTML:
		escapeHTML(b, v.s)
	case ctxURLStart:
		s := v.s
		if !v.url && !safeScheme(s) {
			s = "#ZgotmplZ" // what html/template writes for an unsafe URL
		}
		escapeHTML(b, normalizeURL(s))
	case ctxURLPart:
		escapeHTML(b, normalizeURL(v.s))
	}
}

// escapeHTML is html/template's escaper of HTML text and quoted attributes.
func escapeHTML(b *strings.Builder, s string) {
	last := 0
	for i := 0; i < len(s); i++ {
		var r string
		switch s[i] {
		case 0:
			r = "\uFFFD"
		case '"':
			r = "&#34;"
		case '&':
			r = "&amp;"
		case '\'':
			r = "&#39;"
		case '+':
			r = "&#43;"
		case '<':
			r = "&lt;"
		case '>':
			r = "&gt;"
		default:
			continue
		}
		b.WriteString(s[last:i])
		b.WriteString(r)
		last = i + 1
	}
	b.WriteString(s[last:])
}

// safeScheme is html/template's check of a URL that starts an attribute:
// no scheme, or http, https or mailto.
func safeScheme(s string) bool {
	if scheme, _, ok := strings.Cut(s, ":"); ok && !strings.Contains(scheme, "/") {
		return strings.EqualFold(scheme, "http") || strings.EqualFold(scheme, "https") || strings.EqualFold(scheme, "mailto")
	}
	return true
}

// normalizeURL is html/template's URL normalizer: it percent-encodes every
// byte that is neither unreserved nor reserved in RFC 3986 (quotes,
// parentheses, spaces, non-ASCII...), keeping valid %XX escapes.
func normalizeURL(s string) string {
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
			continue
		case strings.IndexByte("-._~!#$&*+,/:;=?@[]", c) >= 0:
			continue
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			continue
		}
		b.WriteString(s[last:i])
		fmt.Fprintf(&b, "%%%02x", c)
		last = i + 1
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
