package devicesig

import (
	"cmp"
	"net/url"
	"slices"
	"strings"
)

// Canonical returns the string a device signs:
//
//	<date>\n<METHOD>\n<host>\n<path>\n<EncodeParams(params)>
//
// date is the x-duo-date header byte for byte, method is upper-cased and
// host lower-cased (ASCII letters only: hosts are ASCII, IDNA A-labels, and
// ASCII is where Python's str.upper/str.lower and Go agree exactly). path is
// used as given. host is the configured API host, with ":port" when not
// 443, exactly as encoded in the QR code: that is the string clients sign.
func Canonical(date, method, host, path string, params url.Values) string {
	enc := EncodeParams(params)
	var b strings.Builder
	b.Grow(len(date) + len(method) + len(host) + len(path) + len(enc) + 4)
	b.WriteString(date)
	b.WriteByte('\n')
	writeASCIICase(&b, method, 'a', 'z', 'A'-'a')
	b.WriteByte('\n')
	writeASCIICase(&b, host, 'A', 'Z', 'a'-'A')
	b.WriteByte('\n')
	b.WriteString(path)
	b.WriteByte('\n')
	b.WriteString(enc)
	return b.String()
}

// writeASCIICase writes s with the bytes in [lo, hi] shifted by delta.
func writeASCIICase(b *strings.Builder, s string, lo, hi byte, delta int) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if lo <= c && c <= hi {
			c = byte(int(c) + delta)
		}
		b.WriteByte(c)
	}
}

// EncodeParams encodes form fields exactly as Python's
// urllib.parse.urlencode(sorted(params.items())) does, because that is what
// the public Duo Mobile client reimplementations sign. Fields are sorted by
// name; each name and value is encoded with quote_plus: the bytes
// A-Z a-z 0-9 _ . - ~ stay as they are, space becomes "+", and every other
// byte (UTF-8 bytes of non-ASCII text included) becomes %XX with upper-case
// hex. Pairs are joined as name=value with "&". Note that this differs from
// the percent-encoding Duo's Admin API signs (quote, space as %20).
//
// Sorting compares bytes, which for UTF-8 is the code point order Python
// uses to sort str (not UTF-16 order). A name with several values yields one
// pair per value, sorted by name and then value, which is what
// urlencode(sorted(pairs)) gives for a list of pairs; a Python dict cannot
// hold repeated names, so clients that send them must sign them this way.
// A name with no values yields nothing, as in [url.Values.Encode].
func EncodeParams(params url.Values) string {
	type pair struct{ k, v string }
	n, size := 0, 0
	for k, vs := range params {
		n += len(vs)
		for _, v := range vs {
			size += len(k) + len(v) + 2
		}
	}
	if n == 0 {
		return ""
	}
	pairs := make([]pair, 0, n)
	for k, vs := range params {
		for _, v := range vs {
			pairs = append(pairs, pair{k, v})
		}
	}
	slices.SortFunc(pairs, func(a, b pair) int {
		if c := cmp.Compare(a.k, b.k); c != 0 {
			return c
		}
		return cmp.Compare(a.v, b.v)
	})
	// Escaping grows a byte to at most three.
	buf := make([]byte, 0, size+size/2)
	for i, p := range pairs {
		if i > 0 {
			buf = append(buf, '&')
		}
		buf = appendQuotePlus(buf, p.k)
		buf = append(buf, '=')
		buf = appendQuotePlus(buf, p.v)
	}
	return string(buf)
}

const upperHex = "0123456789ABCDEF"

// appendQuotePlus appends Python's urllib.parse.quote_plus(s), with no
// extra safe characters and as of Python 3.7 (where "~" became safe), to b.
// It works on the bytes of s, as Python does on the UTF-8 encoding of a str.
func appendQuotePlus(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '_', c == '.', c == '-', c == '~':
			b = append(b, c)
		case c == ' ':
			b = append(b, '+')
		default:
			b = append(b, '%', upperHex[c>>4], upperHex[c&0x0f])
		}
	}
	return b
}
