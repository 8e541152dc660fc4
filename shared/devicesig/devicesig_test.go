package devicesig_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"math/big"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"push-reactivation/shared/devicesig"
)

// testKeyPEM is a 2048-bit RSA key made with
// `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048`, for tests
// only. "TESTING KEY" stands in for "PRIVATE KEY" so that secret scanners
// leave this file alone.
var testKeyPEM = strings.ReplaceAll(`-----BEGIN TESTING KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCnn4dvYhncz6An
br6oQQKQRzAJsuUMOt/HONZtlSPtInlPzqNBFnfUO8Bq959BE+6DNKknQPh9FMa+
Smx/kbETbzwLFptKlP8IEzfGLfCKmJVnZbrQuGVQGYqbwM7mtQFD4mICDjMQv6Y7
gd3n3AO7ysNBwKXCMOWZa8oFYXfTJe/nXG6cLYcNugdyb8rSNDnXSmfNb1AdBNPN
5gVH0pkNnfq2owpYcGCXiVGhAva8Vc7EjBqqAhSjpLTGY2lX73Lb/5Vvpkzt78QM
dkJ/47++eJ/MKDSOcLBTc/Y1FtLH+mT+hAaX3pwy7Vt5NEyf7cpJqUw94bsPJtHV
BBi1EJ+1AgMBAAECggEAEcHx6EgFbbc7LreUkCDkTiI/LGUyJFkKWEHPtD05WJ0E
gAK9Qx8dDl6kHvuLo1UiuUNMwOFTpyCagLyZVkG6IiZwacujzkNkPy1Ar93cXo+/
6CZxTjzyqAkvU2/ExiZvyLVvZOtZ1+Y4Yekl992phu1PQSR7taEAzyo0SodNrpBp
ay8BslniPLXgyT0WvhiQNPHd1F+/wK9gcqmx204KzXVhlEaGc/5CEWGGWsMK6vse
9UnMpqucVP1URRVPelFFInXUAvWlTfmei64H5Bdvl98FpZrfvEO6UIaR09DK1Nvu
QIXNCvJugDnAXnEVr4pik37dcyM/RwUbt+zQfy+WYwKBgQDh4yrCMn/PF36/cru8
mPTml8NOp5bDQX0wDt8hApsXh1lSjsBlUC4qxa+4LgDWgQ5m66U/C7xxT20DpfoR
bxWLvW251GE0dtHK9I/PfCi8JQm0ohwIEGwwlYMj4ZMagWYq3sY00cwaKYuwq0mv
MeCtA3ky+MBu5Mq0DukvlYNZzwKBgQC99/xfWrrd1rnSY7f2+Y0Q4ibDxEc5hAU1
2iwSHxUAZyWqAYWQUk2gTXMUMY0PqzRCPZjuEvbJNKejw3cR7UkB+o2DmXzyn5sf
tNIhQFZCVsaWratlNy/PHPJ2MSz1nR8cDMygo1bb+0ABVk25Q5iUmrOy6Wb+9O+K
3C2jfUqDOwKBgQCd5qJZJdvZ896SDa3WZEWte6D3NodY7kqIcZzgAmZPyDlUUJ2F
NMtQ8uemo+HKEGT05PyaWaXcv1zBFCD+VtyE1mIBaMiaWATHDrYIoA4Jlwp1zmwx
5uj5/Umyp1ihSpsUlK2Q9qbqEuinEtVrNj6MMsViMCi0XBKmU1YGAUnUWQKBgEId
gddKA4lbxzaDAC7TsZXzr5wovsU0vn98nCP+b1fBjmk5uFt/WYb2DZw0lqyiYEDB
oW0SapOiYMntKI6zr9ohcokfrU3f4KRLUWrDMoJKIzmj3egPKfOCVpxuBwDAm2gu
yDUMRBmxuxf8Cnb1ILBvmyUkeHU5l/kTIkspOvqrAoGAcBxDM6H5b/UaxpJcTaa7
CPMzzvpwbfoX0GQ1wRptW38KKttjvGsaD8SG7YwomB504EuZDT0w8T1RSukMrv4t
MF/hRj0SFEH8E7ZnGaIYqoK8LF9p2qotUgSfp6+k1xZt7GU79FJYIWnlF4gKcGcE
smWF6Lt8bm9AqOx5X0xb7Yw=
-----END TESTING KEY-----
`, "TESTING KEY", "PRIVATE KEY")

// testPubPKCS1 is the public half of testKeyPEM as written by
// `openssl rsa -RSAPublicKey_out` (PKCS#1).
const testPubPKCS1 = `-----BEGIN RSA PUBLIC KEY-----
MIIBCgKCAQEAp5+Hb2IZ3M+gJ26+qEECkEcwCbLlDDrfxzjWbZUj7SJ5T86jQRZ3
1DvAavefQRPugzSpJ0D4fRTGvkpsf5GxE288CxabSpT/CBM3xi3wipiVZ2W60Lhl
UBmKm8DO5rUBQ+JiAg4zEL+mO4Hd59wDu8rDQcClwjDlmWvKBWF30yXv51xunC2H
DboHcm/K0jQ510pnzW9QHQTTzeYFR9KZDZ36tqMKWHBgl4lRoQL2vFXOxIwaqgIU
o6S0xmNpV+9y2/+Vb6ZM7e/EDHZCf+O/vnifzCg0jnCwU3P2NRbSx/pk/oQGl96c
Mu1beTRMn+3KSalMPeG7DybR1QQYtRCftQIDAQAB
-----END RSA PUBLIC KEY-----
`

func testKey(tb testing.TB) *rsa.PrivateKey {
	tb.Helper()
	block, _ := pem.Decode([]byte(testKeyPEM))
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		tb.Fatal(err)
	}
	return k.(*rsa.PrivateKey)
}

// otherKey is a second, freshly generated 2048-bit key ("a wrong key").
var otherKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

// The known-answer vector: the canonical string was built by Python
// (urllib.parse.urlencode(sorted(params.items())), host.lower()) and signed
// by `openssl dgst -sha512 -sign`, so it checks this package against two
// independent implementations, with or without python3 on the machine.
const (
	kaDate   = "Thu, 26 Nov 2026 23:40:00 -0000"
	kaHost   = "Push.Example.COM:3443"
	kaPath   = "/push/v2/device/transactions"
	kaPkey   = "DPEXAMPLEPKEY0000001"
	kaCanon  = "Thu, 26 Nov 2026 23:40:00 -0000\nGET\npush.example.com:3443\n/push/v2/device/transactions\nakey=DAEXAMPLEAKEY0000001&fips_status=1&hsm_status=true&note=a+b%2Bc%2Fd%3De%26f~g%2Ah+%C3%A9&pkpush=rsa-sha512"
	kaHeader = "Basic RFBFWEFNUExFUEtFWTAwMDAwMDE6Ujl3dHVGazc1MEplR25ERWU2RzN0a0EvUjM1Z1FHL0owQlRhcWZ1MXp4Q2NzUmlacVhKUCtsdmF5b0dkMUxDd0FTaTV6WFNhMEUvbGF3cE5GVUd6RU9Pek9ERDlqS3liUGl5SlZLTElvbWY4MzhPMWlCeGpoK3JqdFRYSUJKbW11R0ZMdW5wNUZMNnBsNmRwbDI5eWFvd29UQUE1ZkxXYXBUaXRWbm03eFc3TnZmT20ybm0xb0wyQ2JiNEs5dEFHR0NiRG50T0VsWExDRnVmdm82a0tPOG9jWmZhcVZCZURYMUt5VGIzYkh4VGZkdk1YYTdWN1VIQnNoZWpBMkJreHhlcGFNTzJkYTlRUkZiU3hpSmpHZGtZUFBmdHdteHk2UGpOb25ZdjA4ZDd3a0U1ZkJ2d1k1K2NlWFNrM3JZcUVmTXM3RHdDVWJSeE1oelg1d3hRSmx3PT0="
)

func kaParams() url.Values {
	// Deliberately not in sorted order.
	return url.Values{
		"pkpush":      {"rsa-sha512"},
		"note":        {"a b+c/d=e&f~g*h é"},
		"akey":        {"DAEXAMPLEAKEY0000001"},
		"hsm_status":  {"true"},
		"fips_status": {"1"},
	}
}

var kaNow = time.Date(2026, 11, 26, 23, 41, 30, 0, time.UTC)

func TestKnownAnswer(t *testing.T) {
	if got := devicesig.Canonical(kaDate, "get", kaHost, kaPath, kaParams()); got != kaCanon {
		t.Fatalf("Canonical:\n got %q\nwant %q", got, kaCanon)
	}
	auth, err := devicesig.Sign(testKey(t), kaPkey, kaDate, "GET", kaHost, kaPath, kaParams())
	if err != nil {
		t.Fatal(err)
	}
	if auth != kaHeader {
		t.Fatalf("Sign:\n got %s\nwant %s", auth, kaHeader)
	}
	pub, err := devicesig.ParsePublicKeyPEM(testPubPKCS1)
	if err != nil {
		t.Fatal(err)
	}
	req := devicesig.Request{Method: "GET", Path: kaPath, Date: kaDate, Authorization: kaHeader, Params: kaParams()}
	pkey, err := devicesig.Verify(pub, kaHost, req, kaNow, 5*time.Minute)
	if err != nil || pkey != kaPkey {
		t.Fatalf("Verify = %q, %v; want %q, nil", pkey, err, kaPkey)
	}
}

func TestEncodeParamsVector(t *testing.T) {
	// Expected strings computed with Python 3.11's
	// urllib.parse.urlencode(sorted(...)).
	cases := []struct {
		name   string
		params url.Values
		want   string
	}{
		{"empty", url.Values{}, ""},
		{"nil", nil, ""},
		{"no values", url.Values{"a": {}}, ""},
		{"empty value", url.Values{"a": {""}}, "a="},
		{"empty key", url.Values{"": {"x"}}, "=x"},
		{"safe", url.Values{"AZaz09_.-~": {"AZaz09_.-~"}}, "AZaz09_.-~=AZaz09_.-~"},
		{"reserved", url.Values{"k": {" +/=&?#%;:@,$!*'()[]\"<>\\^`{|}"}},
			"k=+%2B%2F%3D%26%3F%23%25%3B%3A%40%2C%24%21%2A%27%28%29%5B%5D%22%3C%3E%5C%5E%60%7B%7C%7D"},
		{"controls", url.Values{"k": {"\x00\t\n\r\x7f"}}, "k=%00%09%0A%0D%7F"},
		{"unicode", url.Values{"naïve": {"日本 😀"}}, "na%C3%AFve=%E6%97%A5%E6%9C%AC+%F0%9F%98%80"},
		{"pem", url.Values{"pubkey": {"-----BEGIN PUBLIC KEY-----\nMIIBIj+/=\n-----END PUBLIC KEY-----\n"}, "pkpush": {"rsa-sha512"}},
			"pkpush=rsa-sha512&pubkey=-----BEGIN+PUBLIC+KEY-----%0AMIIBIj%2B%2F%3D%0A-----END+PUBLIC+KEY-----%0A"},
		// Sorting is on the raw names, not the encoded ones: "a-" < "a/" raw,
		// but "a%2F" < "a-" encoded; likewise "a b" < "a!b" raw.
		{"raw order", url.Values{"a/": {"1"}, "a-": {"2"}, "a!b": {"3"}, "a b": {"4"}},
			"a+b=4&a%21b=3&a-=2&a%2F=1"},
		// Code point order, not UTF-16 order: U+FFFD sorts before U+1F600.
		{"code points", url.Values{"😀": {"1"}, "\ufffd": {"2"}}, "%EF%BF%BD=2&%F0%9F%98%80=1"},
		{"repeated", url.Values{"b": {"2", "10", "1"}, "a": {"z"}}, "a=z&b=1&b=10&b=2"},
		{"invalid utf-8 bytes", url.Values{"\xff": {"\xc3"}}, "%FF=%C3"},
	}
	for _, c := range cases {
		if got := devicesig.EncodeParams(c.params); got != c.want {
			t.Errorf("%s: EncodeParams = %q, want %q", c.name, got, c.want)
		}
	}
}

func TestFormatDate(t *testing.T) {
	cases := []struct {
		t    time.Time
		want string
	}{
		{time.Date(2026, 11, 26, 23, 40, 0, 999999999, time.UTC), "Thu, 26 Nov 2026 23:40:00 -0000"},
		{time.Date(2026, 11, 27, 0, 40, 0, 0, time.FixedZone("CET", 3600)), "Thu, 26 Nov 2026 23:40:00 -0000"},
		{time.Unix(0, 0), "Thu, 01 Jan 1970 00:00:00 -0000"},
		{time.Date(5, 1, 2, 3, 4, 5, 0, time.UTC), "Sun, 02 Jan 0005 03:04:05 -0000"},
		{time.Date(2024, 2, 29, 12, 0, 0, 0, time.UTC), "Thu, 29 Feb 2024 12:00:00 -0000"},
	}
	for _, c := range cases {
		if got := devicesig.FormatDate(c.t); got != c.want {
			t.Errorf("FormatDate(%v) = %q, want %q", c.t, got, c.want)
		}
	}
}

func TestParseDate(t *testing.T) {
	want := time.Date(2026, 11, 26, 23, 40, 0, 0, time.UTC)
	accepted := []struct {
		in   string
		want time.Time
	}{
		{"Thu, 26 Nov 2026 23:40:00 -0000", want},
		{"Thu, 26 Nov 2026 23:40:00 +0000", want},
		{"Thu, 26 Nov 2026 23:40:00 GMT", want},
		{"Thu, 26 Nov 2026 23:40:00 UT", want},
		{"Thu, 26 Nov 2026 23:40:00 UTC", want},
		{"Fri, 27 Nov 2026 05:10:00 +0530", want},
		{"Thu, 26 Nov 2026 20:10:00 -0330", want},
		{"26 Nov 2026 23:40:00 -0000", want},              // no day of week
		{"Thu, 26 Nov 2026 23:40 -0000", want},            // no seconds
		{"thu, 26 NOV 2026 23:40:00 gmt", want},           // case
		{"Thu,26 Nov 2026 23:40:00 -0000", want},          // no space after comma
		{"  Thu,  26\tNov  2026 23:40:00   -0000 ", want}, // folding white space
		{"Wed, 26 Nov 2026 23:40:00 -0000", want},         // wrong day of week (see ParseDate)
		{"Mon, 1 Dec 2026 00:00:00 +0000", time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)},
		{"Thu, 29 Feb 2024 12:00:00 -0000", time.Date(2024, 2, 29, 12, 0, 0, 0, time.UTC)},
	}
	for _, c := range accepted {
		got, err := devicesig.ParseDate(c.in)
		if err != nil || !got.Equal(c.want) || got.Location() != time.UTC {
			t.Errorf("ParseDate(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
	rejected := []string{
		"",
		"   ",
		"Thu, 26 Nov 26 23:40:00 -0000",        // two-digit year
		"Thu, 26 Nov 2026 23:40:00 EST",        // obsolete zone
		"Thu, 26 Nov 2026 23:40:00 Z",          // military zone
		"Thu, 26 Nov 2026 23:40:00",            // no zone
		"Thu, 26 Nov 2026 23:40:00 +000",       // short offset
		"Thu, 26 Nov 2026 23:40:00 +0060",      // minutes > 59
		"Thu, 26 Nov 2026 23:40:00 +054530",    // Python writes seconds for odd zones; no RFC 2822 date does
		"Thu, 26 Nov 2026 24:00:00 -0000",      // hour
		"Thu, 26 Nov 2026 23:40:60 -0000",      // leap second
		"Thu, 26 Nov 2026 23:40:0 -0000",       // one-digit seconds
		"Thu, 31 Nov 2026 23:40:00 -0000",      // no such day
		"Thu, 29 Feb 2026 23:40:00 -0000",      // not a leap year
		"Thu, 0 Nov 2026 23:40:00 -0000",       // day 0
		"Mon, 01 Jan 0001 00:00:00 -0000",      // before 1900
		"Thu, 26 November 2026 23:40:00 -0000", // long month
		"Thursday, 26 Nov 2026 23:40:00 -0000", // long day
		"Xyz, 26 Nov 2026 23:40:00 -0000",
		"Thu, 26 Nov 2026 23:40:00 -0000 (UTC)", // comments
		"2026-11-26T23:40:00Z",
		"Thu, 26 Nov 2026 23:40:00 -0000 extra",
		"Thu, 26\u00a0Nov 2026 23:40:00 -0000", // no-break space
		"Thu, ２６ Nov 2026 23:40:00 -0000",      // full-width digits
		"Thu, 26 Nov 2026 23:40:00 -0000" + strings.Repeat(" ", 64),
	}
	for _, in := range rejected {
		if got, err := devicesig.ParseDate(in); !errors.Is(err, devicesig.ErrMalformed) {
			t.Errorf("ParseDate(%q) = %v, %v; want ErrMalformed", in, got, err)
		}
	}
}

func TestCheckDate(t *testing.T) {
	now := time.Date(2026, 11, 26, 23, 40, 0, 0, time.UTC)
	skew := 5 * time.Minute
	for _, d := range []time.Duration{0, skew, -skew, time.Second, -time.Second} {
		if _, err := devicesig.CheckDate(devicesig.FormatDate(now.Add(d)), now, skew); err != nil {
			t.Errorf("CheckDate(now%+v) = %v, want nil", d, err)
		}
	}
	for _, d := range []time.Duration{skew + time.Second, -skew - time.Second, time.Hour, -24 * time.Hour} {
		if _, err := devicesig.CheckDate(devicesig.FormatDate(now.Add(d)), now, skew); !errors.Is(err, devicesig.ErrStaleDate) {
			t.Errorf("CheckDate(now%+v) = %v, want ErrStaleDate", d, err)
		}
	}
	if _, err := devicesig.CheckDate("", now, skew); !errors.Is(err, devicesig.ErrMalformed) {
		t.Errorf("CheckDate(\"\") = %v, want ErrMalformed", err)
	}
}

func TestSignVerify(t *testing.T) {
	key := testKey(t)
	pub := &key.PublicKey
	const host = "api.example.com"
	now := time.Date(2026, 11, 26, 23, 40, 0, 0, time.UTC)
	skew := 5 * time.Minute

	sign := func(t *testing.T, k *rsa.PrivateKey, date, method, path string, params url.Values) devicesig.Request {
		t.Helper()
		auth, err := devicesig.Sign(k, "DPPKEY", date, method, host, path, params)
		if err != nil {
			t.Fatal(err)
		}
		return devicesig.Request{Method: method, Path: path, Date: date, Authorization: auth, Params: params}
	}
	params := func() url.Values {
		return url.Values{"akey": {"DAKEY"}, "answer": {"approve"}, "verification_code": {"123"}}
	}
	const path = "/push/v2/device/transactions/urg-1"

	good := sign(t, key, devicesig.FormatDate(now), "POST", path, params())
	if pkey, err := devicesig.Verify(pub, host, good, now, skew); err != nil || pkey != "DPPKEY" {
		t.Fatalf("Verify(good) = %q, %v", pkey, err)
	}
	// Case of method and host does not matter; every accepted date form verifies.
	lower := good
	lower.Method = "post"
	if _, err := devicesig.Verify(pub, "API.Example.Com", lower, now, skew); err != nil {
		t.Errorf("Verify(lower-case method, upper-case host) = %v", err)
	}
	for _, date := range []string{
		"Thu, 26 Nov 2026 23:40:00 -0000",
		"Thu, 26 Nov 2026 23:40:00 +0000",
		"Thu, 26 Nov 2026 23:40:00 GMT",
		"Fri, 27 Nov 2026 00:40:00 +0100",
	} {
		if _, err := devicesig.Verify(pub, host, sign(t, key, date, "POST", path, params()), now, skew); err != nil {
			t.Errorf("Verify(date %q) = %v", date, err)
		}
	}

	type mutation struct {
		name string
		req  devicesig.Request
		host string
		pub  *rsa.PublicKey
		want error
	}
	with := func(f func(r *devicesig.Request)) devicesig.Request {
		r := good
		r.Params = params()
		f(&r)
		return r
	}
	cases := []mutation{
		{name: "wrong key", req: sign(t, otherKey(), good.Date, "POST", path, params()), want: devicesig.ErrBadSignature},
		{name: "verified with another key", req: good, pub: &otherKey().PublicKey, want: devicesig.ErrBadSignature},
		{name: "changed param", req: with(func(r *devicesig.Request) { r.Params.Set("answer", "deny") }), want: devicesig.ErrBadSignature},
		{name: "added param", req: with(func(r *devicesig.Request) { r.Params.Set("extra", "") }), want: devicesig.ErrBadSignature},
		{name: "removed param", req: with(func(r *devicesig.Request) { r.Params.Del("verification_code") }), want: devicesig.ErrBadSignature},
		{name: "repeated param", req: with(func(r *devicesig.Request) { r.Params.Add("answer", "approve") }), want: devicesig.ErrBadSignature},
		{name: "changed method", req: with(func(r *devicesig.Request) { r.Method = "GET" }), want: devicesig.ErrBadSignature},
		{name: "changed path", req: with(func(r *devicesig.Request) { r.Path = "/push/v2/device/transactions/urg-2" }), want: devicesig.ErrBadSignature},
		{name: "changed host", req: good, host: "evil.example.com", want: devicesig.ErrBadSignature},
		{name: "host with port", req: good, host: host + ":443", want: devicesig.ErrBadSignature},
		{name: "same instant, other spelling", req: with(func(r *devicesig.Request) { r.Date = "Thu, 26 Nov 2026 23:40:00 GMT" }), want: devicesig.ErrBadSignature},
		{name: "other pkey", req: with(func(r *devicesig.Request) { r.Authorization = reencode(t, r.Authorization, "DPOTHER") }), want: nil},
		{name: "stale date", req: sign(t, key, devicesig.FormatDate(now.Add(-skew-time.Second)), "POST", path, params()), want: devicesig.ErrStaleDate},
		{name: "future date", req: sign(t, key, devicesig.FormatDate(now.Add(skew+time.Second)), "POST", path, params()), want: devicesig.ErrStaleDate},
		{name: "missing date", req: with(func(r *devicesig.Request) { r.Date = "" }), want: devicesig.ErrMalformed},
		{name: "bad date", req: with(func(r *devicesig.Request) { r.Date = "yesterday" }), want: devicesig.ErrMalformed},
		{name: "missing authorization", req: with(func(r *devicesig.Request) { r.Authorization = "" }), want: devicesig.ErrMalformed},
		{name: "bearer", req: with(func(r *devicesig.Request) { r.Authorization = "Bearer abc" }), want: devicesig.ErrMalformed},
		{name: "truncated signature", req: with(func(r *devicesig.Request) { r.Authorization = truncateSig(t, r.Authorization) }), want: devicesig.ErrBadSignature},
	}
	for _, c := range cases {
		h, p := host, pub
		if c.host != "" {
			h = c.host
		}
		if c.pub != nil {
			p = c.pub
		}
		pkey, err := devicesig.Verify(p, h, c.req, now, skew)
		switch {
		case c.want == nil && c.name == "other pkey":
			// The pkey only names the credential; the signature does not
			// cover it, so the caller must verify with that credential's key.
			if err != nil || pkey != "DPOTHER" {
				t.Errorf("%s: Verify = %q, %v", c.name, pkey, err)
			}
		case !errors.Is(err, c.want):
			t.Errorf("%s: Verify = %q, %v; want %v", c.name, pkey, err, c.want)
		case pkey != "":
			t.Errorf("%s: Verify returned pkey %q with an error", c.name, pkey)
		}
	}
	if _, err := devicesig.Verify(nil, host, good, now, skew); err == nil {
		t.Error("Verify(nil key) succeeded")
	}
}

// reencode swaps the pkey in an Authorization header.
func reencode(t *testing.T, auth, pkey string) string {
	t.Helper()
	_, sig, err := devicesig.ParseAuthorization(auth)
	if err != nil {
		t.Fatal(err)
	}
	return basic(pkey + ":" + base64.StdEncoding.EncodeToString(sig))
}

// truncateSig drops the last byte of the signature in an Authorization header.
func truncateSig(t *testing.T, auth string) string {
	t.Helper()
	pkey, sig, err := devicesig.ParseAuthorization(auth)
	if err != nil {
		t.Fatal(err)
	}
	return basic(pkey + ":" + base64.StdEncoding.EncodeToString(sig[:len(sig)-1]))
}

func basic(s string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(s)) }

func TestSignRejectsBadPkey(t *testing.T) {
	for _, pkey := range []string{"", "a:b", "a b", "é", strings.Repeat("x", devicesig.MaxPkeyBytes+1)} {
		if _, err := devicesig.Sign(testKey(t), pkey, kaDate, "GET", kaHost, kaPath, nil); err == nil {
			t.Errorf("Sign(pkey %q) succeeded", pkey)
		}
	}
	if _, err := devicesig.Sign(nil, "DP", kaDate, "GET", kaHost, kaPath, nil); err == nil {
		t.Error("Sign(nil key) succeeded")
	}
}

func TestParseAuthorization(t *testing.T) {
	sig := []byte{0xfb, 0xff, 0x00, 0x01}
	sigB64 := base64.StdEncoding.EncodeToString(sig) // "+/8AAQ=="
	ok := []struct{ in, pkey string }{
		{basic("DPKEY:" + sigB64), "DPKEY"},
		{"basic " + basic("DPKEY:" + sigB64)[6:], "DPKEY"},
		{"BASIC   " + basic("DPKEY:" + sigB64)[6:] + " ", "DPKEY"},
		{basic("!~#=:" + sigB64), "!~#="},
	}
	for _, c := range ok {
		pkey, got, err := devicesig.ParseAuthorization(c.in)
		if err != nil || pkey != c.pkey || string(got) != string(sig) {
			t.Errorf("ParseAuthorization(%q) = %q, %x, %v", c.in, pkey, got, err)
		}
	}
	bad := []string{
		"",
		"Basic",
		"Basic ",
		"Bearer " + basic("DPKEY:" + sigB64)[6:],
		"Basic" + basic("DPKEY:" + sigB64)[6:], // no space
		basic("DPKEY" + sigB64),                // no colon
		basic(":" + sigB64),                    // empty pkey
		basic("DP KEY:" + sigB64),              // space in pkey
		basic("DPKÉY:" + sigB64),               // non-ASCII pkey
		basic("DPKEY\x00:" + sigB64),           // control in pkey
		basic(strings.Repeat("K", 129) + ":" + sigB64), // long pkey
		basic("DPKEY:"), // empty signature
		basic("DPKEY:" + strings.TrimRight(sigB64, "=")), // unpadded signature
		basic("DPKEY:" + "+/8AAR=="),                     // non-zero padding bits
		basic("DPKEY:" + "-_8AAQ=="),                     // URL alphabet
		basic("DPKEY:" + sigB64[:4] + "\n" + sigB64[4:]), // line break
		basic("DPKEY:" + sigB64 + ":x"),                  // second colon
		basic("DPKEY:" + base64.StdEncoding.EncodeToString(make([]byte, devicesig.MaxSignatureBytes+1))),
		"Basic " + strings.TrimRight(basic("DPKEY:" + sigB64)[6:], "="), // unpadded outer
		"Basic " + basic("DPKEY:" + sigB64)[6:10] + "\r\n" + basic("DPKEY:" + sigB64)[10:],
		"Basic !!!!",
		"Basic " + strings.Repeat("A", devicesig.MaxAuthorizationBytes),
	}
	for _, in := range bad {
		pkey, got, err := devicesig.ParseAuthorization(in)
		if !errors.Is(err, devicesig.ErrMalformed) || pkey != "" || got != nil {
			t.Errorf("ParseAuthorization(%.60q) = %q, %x, %v; want ErrMalformed", in, pkey, got, err)
		}
	}
}

func TestPublicKeyPEM(t *testing.T) {
	key := testKey(t)
	pkix := devicesig.MarshalPublicKeyPEM(&key.PublicKey)
	if !strings.HasPrefix(pkix, "-----BEGIN PUBLIC KEY-----\n") {
		t.Fatalf("MarshalPublicKeyPEM = %q", pkix)
	}
	for name, in := range map[string]string{
		"pkix":          pkix,
		"pkcs1":         testPubPKCS1,
		"crlf":          strings.ReplaceAll(pkix, "\n", "\r\n"),
		"surrounded":    "\n  " + pkix + "\n\n",
		"no final EOL":  strings.TrimSuffix(pkix, "\n"),
		"one-line body": "-----BEGIN PUBLIC KEY-----\n" + base64.StdEncoding.EncodeToString(mustPKIX(t, &key.PublicKey)) + "\n-----END PUBLIC KEY-----\n",
	} {
		pub, err := devicesig.ParsePublicKeyPEM(in)
		if err != nil || !pub.Equal(&key.PublicKey) {
			t.Errorf("%s: ParsePublicKeyPEM = %v, %v", name, pub, err)
		}
	}

	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	pemOf := func(typ string, der []byte) string {
		return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
	}
	bigN := new(big.Int).Lsh(big.NewInt(1), devicesig.MaxKeyBits) // 8193 bits
	bigN.Add(bigN, big.NewInt(1))
	evenE := &rsa.PublicKey{N: key.N, E: 65536}
	eOne := &rsa.PublicKey{N: key.N, E: 1}
	evenN := &rsa.PublicKey{N: new(big.Int).Add(key.N, big.NewInt(1)), E: 65537}
	bad := map[string]string{
		"empty":         "",
		"garbage":       "not a key",
		"base64 only":   base64.StdEncoding.EncodeToString(mustPKIX(t, &key.PublicKey)),
		"1024 bits":     devicesig.MarshalPublicKeyPEM(&small.PublicKey),
		"1024 pkcs1":    pemOf("RSA PUBLIC KEY", x509.MarshalPKCS1PublicKey(&small.PublicKey)),
		"8193 bits":     pemOf("RSA PUBLIC KEY", x509.MarshalPKCS1PublicKey(&rsa.PublicKey{N: bigN, E: 65537})),
		"even e":        pemOf("RSA PUBLIC KEY", x509.MarshalPKCS1PublicKey(evenE)),
		"e = 1":         pemOf("RSA PUBLIC KEY", x509.MarshalPKCS1PublicKey(eOne)),
		"even n":        pemOf("RSA PUBLIC KEY", x509.MarshalPKCS1PublicKey(evenN)),
		"ecdsa":         pemOf("PUBLIC KEY", mustPKIX(t, &ec.PublicKey)),
		"private key":   testKeyPEM,
		"pkcs1 as pkix": pemOf("PUBLIC KEY", x509.MarshalPKCS1PublicKey(&key.PublicKey)),
		"pkix as pkcs1": pemOf("RSA PUBLIC KEY", mustPKIX(t, &key.PublicKey)),
		"certificate":   pemOf("CERTIFICATE", mustPKIX(t, &key.PublicKey)),
		"text before":   "hello\n" + pkix,
		"text after":    pkix + "bye\n",
		"two blocks":    pkix + pkix,
		"headers":       string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Headers: map[string]string{"Proc-Type": "4,ENCRYPTED"}, Bytes: mustPKIX(t, &key.PublicKey)})),
		"huge":          pkix + strings.Repeat(" ", devicesig.MaxPublicKeyPEMBytes),
		"trailing der":  pemOf("PUBLIC KEY", append(mustPKIX(t, &key.PublicKey), 0)),
	}
	for name, in := range bad {
		if pub, err := devicesig.ParsePublicKeyPEM(in); !errors.Is(err, devicesig.ErrBadKey) {
			t.Errorf("%s: ParsePublicKeyPEM = %v, %v; want ErrBadKey", name, pub, err)
		}
	}
	if got := devicesig.MarshalPublicKeyPEM(nil); got != "" {
		t.Errorf("MarshalPublicKeyPEM(nil) = %q", got)
	}
	if got := devicesig.MarshalPublicKeyPEM(&rsa.PublicKey{}); got != "" {
		t.Errorf("MarshalPublicKeyPEM(empty) = %q", got)
	}
}

func mustPKIX(t *testing.T, pub any) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func BenchmarkVerify(b *testing.B) {
	key := testKey(b)
	now := time.Date(2026, 11, 26, 23, 40, 0, 0, time.UTC)
	params := url.Values{"akey": {"DAKEY"}, "fips_status": {"1"}, "hsm_status": {"true"}, "pkpush": {"rsa-sha512"}}
	date := devicesig.FormatDate(now)
	auth, err := devicesig.Sign(key, "DPPKEY", date, "GET", "api.example.com", "/push/v2/device/transactions", params)
	if err != nil {
		b.Fatal(err)
	}
	req := devicesig.Request{Method: "GET", Path: "/push/v2/device/transactions", Date: date, Authorization: auth, Params: params}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := devicesig.Verify(&key.PublicKey, "api.example.com", req, now, 5*time.Minute); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSign(b *testing.B) {
	key := testKey(b)
	params := url.Values{"akey": {"DAKEY"}, "fips_status": {"1"}, "hsm_status": {"true"}, "pkpush": {"rsa-sha512"}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := devicesig.Sign(key, "DPPKEY", kaDate, "GET", "api.example.com", "/push/v2/device/transactions", params); err != nil {
			b.Fatal(err)
		}
	}
}
