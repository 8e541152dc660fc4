package apigw

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"strings"
	"testing"

	"push-reactivation/shared/domain"
)

// membersOK is the fuzz oracle of the strict decoder, written apart from
// exactMembers: it walks body's tokens and reports whether every object
// at any depth has distinct member names and, where the target is one of
// nestedBody's structs, only the exact (case-sensitive) JSON names.
func membersOK(body []byte) bool {
	known := map[string]map[string]bool{
		"":      {"inner": true, "tags": true, "list": true, "note": true},
		"inner": {"x": true},
		"list":  {"email": true, "password": true},
	}
	type frame struct {
		object bool
		keys   map[string]bool
		names  map[string]bool // allowed names; nil: any (a map)
		path   string          // which struct the object is, "" … or "-" for none
		key    string          // member being read
		value  bool            // the next token is the member's value
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var stack []*frame
	childPath := func() string {
		if len(stack) == 0 {
			return ""
		}
		top := stack[len(stack)-1]
		switch {
		case top.object && top.path == "":
			return top.key
		case !top.object && top.path == "list":
			return "list"
		}
		return "-"
	}
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return true
		}
		if err != nil {
			return true // syntax: the decoder's own error, not a member rule
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.object && !top.value {
			if d, ok := tok.(json.Delim); ok && d == '}' {
				stack = stack[:len(stack)-1]
				if len(stack) > 0 {
					stack[len(stack)-1].value = false
				}
				continue
			}
			k, _ := tok.(string)
			if top.keys[k] {
				return false
			}
			top.keys[k] = true
			if top.names != nil && !top.names[k] {
				return false
			}
			top.key, top.value = k, true
			continue
		}
		switch tok {
		case json.Delim('{'):
			p := childPath()
			names := known[p]
			if p == "-" || p == "tags" {
				names = nil
			}
			if top != nil && !top.object && top.path != "list" {
				p = "-"
			}
			stack = append(stack, &frame{object: true, keys: map[string]bool{}, names: names, path: p})
		case json.Delim('['):
			stack = append(stack, &frame{path: childPath()})
		case json.Delim(']'):
			stack = stack[:len(stack)-1]
			if len(stack) > 0 {
				stack[len(stack)-1].value = false
			}
		default:
			if top != nil && top.object {
				top.value = false
			}
		}
	}
}

// FuzzDecodeJSONStrict: the strict decoder (DESIGN.md §4.1) under any
// Content-Type and body. Properties: an error is always 40002 or 41501;
// a body is only read under application/json (any case, parameters
// allowed, charset UTF-8 only); a body that is accepted is valid JSON with
// no duplicate member at any depth and only the exact member names.
func FuzzDecodeJSONStrict(f *testing.F) {
	for _, ct := range []string{"application/json", "Application/JSON", "application/json; charset=utf-8",
		"application/json;charset=UTF-8", `application/json; charset="utf-8"`, "application/json; charset=latin1",
		"application/json; charset=utf-16", "text/plain", "application/jsonx", "", "application/json;", "application/merge-patch+json"} {
		f.Add(ct, `{"note":"x"}`)
	}
	for _, body := range []string{``, `   `, `{}`, `{"Note":"x"}`, `{"NOTE":"x"}`, `{"note":"a","note":"b"}`,
		`{"note":"a","Note":"b"}`, `{"inner":{"x":1,"x":2}}`, `{"inner":{"X":1}}`, `{"list":[{"email":"a","email":"b"}]}`,
		`{"list":[{"Email":"a"}]}`, `{"tags":{"a":1,"a":2}}`, `{"tags":{"a":1,"A":2}}`, `{"inner":{"x":1e999}}`,
		`{"\u006eote":"x"}`, `{"note":"x"} {"note":"y"}`, `{"note":"x"}garbage`, `{}}`, `{"note":"x"}]`, "{}\n\t ", `[{"note":"x"}]`, `"x"`, "{\"note\":\"\xff\"}",
		`{"inner":{"x":1},"inner":{"x":1}}`, `{"tags":{"x":{"y":1,"y":2}}}`} {
		f.Add("application/json", body)
	}
	f.Fuzz(func(t *testing.T, contentType, body string) {
		ev := event("POST", "/", body)
		ev.Headers["content-type"] = contentType
		var b nestedBody
		err := (&Request{Event: ev, Body: []byte(body)}).DecodeJSON(&b)
		trimmed := strings.TrimSpace(body)
		mt, params, mtErr := mime.ParseMediaType(contentType)
		isJSON := mtErr == nil && mt == "application/json"
		if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
			isJSON = false
		}
		if err != nil {
			de, ok := domain.AsError(err)
			if !ok || (de.Code != domain.CodeInvalidParams && de.Code != domain.CodeUnsupportedMedia) {
				t.Fatalf("error neither 40002 nor 41501: %v", err)
			}
			if de.Code == domain.CodeUnsupportedMedia && (isJSON || (trimmed == "" && contentType == "")) {
				t.Fatalf("41501 for a JSON content type %q", contentType)
			}
			return
		}
		if !isJSON && !(trimmed == "" && contentType == "") {
			t.Fatalf("body read under content type %q", contentType)
		}
		if trimmed == "" {
			return
		}
		if !json.Valid([]byte(trimmed)) {
			t.Fatalf("accepted invalid JSON %q", body)
		}
		if !membersOK([]byte(trimmed)) {
			t.Fatalf("accepted a duplicate or inexact member name: %q", body)
		}
	})
}

// FuzzIdempotencyKey: only 1–255 printable ASCII characters pass, and the
// check never panics; a key that passes derives keys without panicking and
// two different valid keys never share a request MAC key.
func FuzzIdempotencyKey(f *testing.F) {
	for _, k := range []string{"", " ", "~", "a", "abc-123", strings.Repeat("k", 255), strings.Repeat("k", 256),
		"tab\there", "nl\n", "\x7f", "é", "\x00", "\xff", "550e8400-e29b-41d4-a716-446655440000"} {
		f.Add(k)
	}
	f.Fuzz(func(t *testing.T, k string) {
		want := len(k) >= 1 && len(k) <= 255
		for _, r := range []byte(k) {
			if r < ' ' || r > '~' {
				want = false
			}
		}
		if got := ValidIdempotencyKey(k); got != want {
			t.Fatalf("ValidIdempotencyKey(%q) = %v, want %v", k, got, want)
		}
		if want {
			a, b := DeriveIdempotencyKeys("scope", k), DeriveIdempotencyKeys("scope", k+"x")
			if a.RequestMAC("POST", "/x", "", nil) == b.RequestMAC("POST", "/x", "", nil) {
				t.Fatalf("keys %q and %q share a request MAC", k, k+"x")
			}
		}
	})
}

// TestMembersOK checks the fuzz oracle itself, so that a blind oracle
// cannot make FuzzDecodeJSONStrict pass.
func TestMembersOK(t *testing.T) {
	for body, want := range map[string]bool{
		`{"note":"x","inner":{"x":1},"tags":{"A":1,"a":2},"list":[{"email":"e"}]}`: true,
		`{"Note":"x"}`:                 false,
		`{"note":"a","note":"b"}`:      false,
		`{"inner":{"x":1,"x":2}}`:      false,
		`{"inner":{"X":1}}`:            false,
		`{"list":[{"Email":"e"}]}`:     false,
		`{"tags":{"a":1,"a":2}}`:       false,
		`{"tags":{"k":{"y":1,"y":2}}}`: false,
	} {
		if got := membersOK([]byte(body)); got != want {
			t.Errorf("membersOK(%s) = %v, want %v", body, got, want)
		}
	}
}
