package devicesig_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"push-reactivation/shared/devicesig"
)

// FuzzParseAuthorization: any header either fails with ErrMalformed or
// yields a pkey and signature that re-encode to a header parsing to the
// same values, within the documented bounds.
func FuzzParseAuthorization(f *testing.F) {
	f.Add(kaHeader)
	f.Add(basic("DPKEY:+/8AAQ=="))
	f.Add("basic " + base64.StdEncoding.EncodeToString([]byte("a:AA==")))
	f.Add("Basic    " + base64.StdEncoding.EncodeToString([]byte("a:b:AA==")))
	f.Add("Basic " + base64.StdEncoding.EncodeToString([]byte("a:AA=\n=")))
	f.Add("Basic YTpBQT0=")
	f.Add("Basic")
	f.Add("Bearer x")
	f.Add("")
	f.Fuzz(func(t *testing.T, header string) {
		pkey, sig, err := devicesig.ParseAuthorization(header)
		if err != nil {
			if !errors.Is(err, devicesig.ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			if pkey != "" || sig != nil {
				t.Fatalf("error with results %q, %x", pkey, sig)
			}
			return
		}
		if len(header) > devicesig.MaxAuthorizationBytes || pkey == "" || len(pkey) > devicesig.MaxPkeyBytes ||
			strings.ContainsAny(pkey, ": \r\n") || len(sig) == 0 || len(sig) > devicesig.MaxSignatureBytes {
			t.Fatalf("accepted out of bounds: pkey %q, %d-byte signature", pkey, len(sig))
		}
		again := basic(pkey + ":" + base64.StdEncoding.EncodeToString(sig))
		pkey2, sig2, err := devicesig.ParseAuthorization(again)
		if err != nil || pkey2 != pkey || !bytes.Equal(sig2, sig) {
			t.Fatalf("re-encoded header %q parses as %q, %x, %v", again, pkey2, sig2, err)
		}
	})
}

// FuzzParseDate: any string either fails with ErrMalformed or yields a UTC
// instant that FormatDate writes as a date parsing back to that instant.
func FuzzParseDate(f *testing.F) {
	for _, s := range pythonDates {
		f.Add(s)
	}
	f.Add("Thu, 31 Feb 2026 23:40:00 -0000")
	f.Add("Thu, 26 Nov 2026 23:40:00 +9959")
	f.Add("Sat, 01 Jan 1900 00:00:00 +0001")
	f.Add(",,,")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		tm, err := devicesig.ParseDate(s)
		if err != nil {
			if !errors.Is(err, devicesig.ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			if !tm.IsZero() {
				t.Fatalf("error with time %v", tm)
			}
			return
		}
		if tm.Location() != time.UTC || tm.Nanosecond() != 0 {
			t.Fatalf("ParseDate(%q) = %v, want whole seconds in UTC", s, tm)
		}
		if y := tm.Year(); y < 1900 || y > 9999 {
			// An extreme offset can push an edge date across a year
			// boundary; FormatDate then writes a year ParseDate refuses.
			return
		}
		out := devicesig.FormatDate(tm)
		back, err := devicesig.ParseDate(out)
		if err != nil || !back.Equal(tm) {
			t.Fatalf("ParseDate(%q) = %v; FormatDate gives %q, which parses as %v, %v", s, tm, out, back, err)
		}
	})
}

// FuzzEncodeParams checks EncodeParams against an independent definition:
// the output uses only the quote_plus alphabet, decodes back to the same
// fields, lists the pairs sorted by raw name and value, and equals the
// pair-by-pair url.QueryEscape encoding (which matches quote_plus byte for
// byte: same safe set, space as "+", upper-case hex).
func FuzzEncodeParams(f *testing.F) {
	f.Add("pubkey", "-----BEGIN PUBLIC KEY-----\nMIIB+/=\n-----END PUBLIC KEY-----\n", "pkpush", "rsa-sha512", "a b", "~*")
	f.Add("a/", "1", "a-", "2", "a-", "1")
	f.Add("😀", "日本", "\ufffd", "", "", "")
	f.Add("k", "\xff\x00", "k", "\xc3", "k", " +&=%")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2, k3, v3 string) {
		params := url.Values{}
		params.Add(k1, v1)
		params.Add(k2, v2)
		params.Add(k3, v3)
		enc := devicesig.EncodeParams(params)

		for i := 0; i < len(enc); i++ {
			c := enc[i]
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("_.-~+%=&", c) >= 0) {
				t.Fatalf("EncodeParams wrote byte %q: %q", c, enc)
			}
		}

		type pair struct{ k, v string }
		want := []pair{{k1, v1}, {k2, v2}, {k3, v3}}
		slices.SortFunc(want, func(a, b pair) int {
			if c := strings.Compare(a.k, b.k); c != 0 {
				return c
			}
			return strings.Compare(a.v, b.v)
		})
		var ref []string
		for _, p := range want {
			ref = append(ref, url.QueryEscape(p.k)+"="+url.QueryEscape(p.v))
		}
		if r := strings.Join(ref, "&"); enc != r {
			t.Fatalf("EncodeParams = %q, reference %q", enc, r)
		}

		for i, field := range strings.Split(enc, "&") {
			ek, ev, ok := strings.Cut(field, "=")
			if !ok {
				t.Fatalf("field %q has no '='", field)
			}
			k, err1 := url.QueryUnescape(ek)
			v, err2 := url.QueryUnescape(ev)
			if err1 != nil || err2 != nil || k != want[i].k || v != want[i].v {
				t.Fatalf("field %d %q decodes to %q=%q, want %q=%q", i, field, k, v, want[i].k, want[i].v)
			}
		}
	})
}
