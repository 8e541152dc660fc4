package apigw

import (
	"bytes"
	"encoding/json"
	"mime"
	"reflect"
	"strings"

	"push-reactivation/shared/domain"
)

// JSON bodies are decoded strictly (DESIGN.md §4.1, "Strict requests"):
// encoding/json alone matches member names to fields case-insensitively
// ({"EMAIL": ...} fills Email), keeps the last of repeated members, and
// reads any bytes whatever their declared type. Go 1.26's encoding/json/v2
// does all of this right but needs GOEXPERIMENT=jsonv2, so a token-level
// pass (exactMembers) runs before the decode and refuses what v1 would
// let through.

// jsonMediaType reports whether a Content-Type declares a JSON body:
// application/json, with parameters allowed; a charset, if given, must be
// UTF-8 (RFC 8259 §8.1: JSON exchanged between systems is UTF-8, and a body
// declared in another charset would be read as something it is not).
func jsonMediaType(contentType string) bool {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || mt != "application/json" {
		return false
	}
	cs, ok := params["charset"]
	return !ok || strings.EqualFold(cs, "utf-8")
}

// checkJSONContentType applies the content-type rule to a body about to
// be read as JSON. A request without a body (zero bytes, or only
// whitespace) has no parameters: it is read as {} when it declares no
// Content-Type or a JSON one, so routes without a body (reset-lockout,
// the email send) work from clients that send nothing at all. A body, or
// an empty one declared as another type, needs application/json (415).
func checkJSONContentType(contentType string, empty bool) error {
	if (empty && contentType == "") || jsonMediaType(contentType) {
		return nil
	}
	return domain.NewError(domain.CodeUnsupportedMedia)
}

// exactMembers walks the JSON value in body beside the Go type t it will
// be decoded into and refuses, in any object at any depth, a member name
// given twice and, where the target is a struct, a name that is not
// exactly (case-sensitively) one of its fields' JSON names. Syntax errors
// are "malformed JSON", as in the decode that follows.
func exactMembers(body []byte, t reflect.Type) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber() // numbers stay text: 1e999 is the decoder's business
	return walkValue(dec, t, "")
}

var errMalformed = domain.Errorf(domain.CodeInvalidParams, "malformed JSON")

func walkValue(dec *json.Decoder, t reflect.Type, path string) error {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	tok, err := dec.Token()
	if err != nil {
		return errMalformed
	}
	switch tok {
	case json.Delim('{'):
		var fields map[string]reflect.Type // nil: any name (maps, any)
		var elem reflect.Type
		if t != nil && t.Kind() == reflect.Struct {
			fields = jsonFields(t)
		} else if t != nil && t.Kind() == reflect.Map {
			elem = t.Elem()
		}
		seen := map[string]bool{}
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return errMalformed
			}
			name, _ := tok.(string)
			member := name
			if path != "" {
				member = path + "." + name
			}
			next := elem
			if fields != nil {
				ft, ok := fields[name]
				if !ok {
					return domain.Errorf(domain.CodeInvalidParams, "unknown field %q", member)
				}
				next = ft
			}
			if seen[name] {
				return domain.Errorf(domain.CodeInvalidParams, "%s given more than once", member)
			}
			seen[name] = true
			if err := walkValue(dec, next, member); err != nil {
				return err
			}
		}
	case json.Delim('['):
		var elem reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			elem = t.Elem()
		}
		for dec.More() {
			if err := walkValue(dec, elem, path+"[]"); err != nil {
				return err
			}
		}
	default:
		return nil // a scalar
	}
	if _, err := dec.Token(); err != nil { // the closing } or ]
		return errMalformed
	}
	return nil
}

// jsonFields maps the JSON names of a struct's fields, as encoding/json
// names them (the json tag's name, else the Go name; "-" skips; untagged
// embedded structs are flattened), to their types.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for f := range t.Fields() {
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		ft := f.Type
		if f.Anonymous && name == "" {
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				for k, v := range jsonFields(ft) {
					if _, shadowed := out[k]; !shadowed {
						out[k] = v
					}
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = ft
	}
	return out
}
