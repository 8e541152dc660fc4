package devicesig_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"os/exec"
	"testing"
	"time"

	"push-reactivation/shared/devicesig"
)

// pythonScript is what the Python Duo Mobile clients do, in Python's own
// standard library: urlencode over sorted pairs, and email.utils dates.
const pythonScript = `
import base64, datetime, email.utils, json, sys, urllib.parse
inp = json.load(sys.stdin)
out = {"params": [], "bparams": [], "times": [], "dates": []}
for pairs in inp["params"]:
    out["params"].append(urllib.parse.urlencode(sorted((k, v) for k, v in pairs)))
for pairs in inp["bparams"]:
    bp = [(base64.b64decode(k), base64.b64decode(v)) for k, v in pairs]
    out["bparams"].append(urllib.parse.urlencode(sorted(bp)))
epoch = datetime.datetime(1970, 1, 1)
for ts in inp["times"]:
    naive = epoch + datetime.timedelta(seconds=ts)
    aware = naive.replace(tzinfo=datetime.timezone.utc)
    out["times"].append([
        email.utils.format_datetime(naive),
        email.utils.format_datetime(aware),
        email.utils.format_datetime(aware, usegmt=True),
        email.utils.formatdate(ts) if ts >= 0 else "",
    ])
for s in inp["dates"]:
    try:
        dt = email.utils.parsedate_to_datetime(s)
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=datetime.timezone.utc)
        out["dates"].append({"ok": True, "unix": int((dt - datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)).total_seconds())})
    except Exception as e:
        out["dates"].append({"ok": False, "err": repr(e)})
json.dump(out, sys.stdout)
`

// pythonParamCases are awkward form fields: everything quote_plus treats
// specially, non-ASCII text, PEM with newlines, and names whose raw and
// encoded sort orders differ.
var pythonParamCases = [][][2]string{
	{},
	{{"a", ""}},
	{{"", ""}},
	{{"", "x"}},
	{{"space", "a b  c "}},
	{{"plus", "1+1=2"}},
	{{"slash", "/push/v2/device/transactions"}},
	{{"amp", "a&b=c&"}},
	{{"pct", "100% %41 %zz"}},
	{{"tilde", "~user~"}, {"star", "*.*"}},
	{{"unreserved", "AZaz09-_.~"}},
	{{"punct", "!\"#$%&'()*+,/:;<=>?@[\\]^`{|}"}},
	{{"ctl", "\x00\x01\t\n\r\x1b\x7f"}},
	{{"latin", "café naïve Ünïcödé ß"}},
	{{"cjk", "日本語テキスト"}},
	{{"emoji", "👍🏽 😀"}, {"bmp-last", "\uffff\ufffd"}},
	{{"😀", "1"}, {"\ufffd", "2"}, {"z", "3"}, {"é", "4"}},
	{{"a/", "1"}, {"a-", "2"}, {"a!b", "3"}, {"a b", "4"}, {"a+b", "5"}, {"a~", "6"}, {"a.", "7"}},
	{{"B", "1"}, {"a", "2"}, {"_", "3"}, {"0", "4"}},
	{{"pubkey", "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAp5+Hb2IZ3M+gJ26+qEEC\nkEcwCbLlDDrfxzjWbZUj7SJ5T86jQRZ3==\n-----END PUBLIC KEY-----\n"},
		{"pkpush", "rsa-sha512"}, {"platform", "Android"}, {"model", "Pixel 8 Pro"}, {"app_version", "4.59.0"},
		{"customer_protocol", "1"}, {"manufacturer", "Google"}, {"language", "en"}, {"region", "US"}},
	{{"akey", "DAXXXXXXXXXXXXXXXXXX"}, {"answer", "approve"}, {"fips_status", "1"}, {"hsm_status", "true"}, {"pkpush", "rsa-sha512"}},
	// Repeated names: Python sorts the (name, value) pairs.
	{{"k", "b"}, {"k", "a"}, {"k", "10"}, {"k", "9"}, {"j", "z"}},
}

// pythonByteCases carry bytes that are not UTF-8; Python's urlencode takes
// bytes names and values as they are.
var pythonByteCases = [][][2]string{
	{{"\xff\xfe", "\x80"}, {"\xc3", "\xc3\xa9"}},
	{{"k", "\xed\xa0\x80"}, {"k", "\xf4\x90\x80\x80"}},
}

var pythonTimes = []int64{
	0, 1, 59, 86399, 951782400 /* 2000-02-29 */, 1700000000,
	time.Date(2026, 11, 26, 23, 40, 0, 0, time.UTC).Unix(),
	time.Date(2038, 1, 19, 3, 14, 8, 0, time.UTC).Unix(),
	time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC).Unix(),
	time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC).Unix(),
	time.Date(999, 6, 15, 1, 2, 3, 0, time.UTC).Unix(),
	-1,
}

// pythonDates are x-duo-date spellings; whenever ParseDate accepts one,
// Python's parsedate_to_datetime must read the same instant.
var pythonDates = []string{
	"Thu, 26 Nov 2026 23:40:00 -0000",
	"Thu, 26 Nov 2026 23:40:00 +0000",
	"Thu, 26 Nov 2026 23:40:00 GMT",
	"Thu, 26 Nov 2026 23:40:00 UT",
	"Thu, 26 Nov 2026 23:40:00 UTC",
	"Fri, 27 Nov 2026 05:10:00 +0530",
	"Thu, 26 Nov 2026 20:10:00 -0330",
	"Thu, 26 Nov 2026 23:40:00 +1400",
	"Thu, 26 Nov 2026 23:40:00 -1200",
	"26 Nov 2026 23:40:00 -0000",
	"Thu, 26 Nov 2026 23:40 -0000",
	"Thu, 6 Nov 2026 23:40:00 -0000",
	"Thu,  6 Nov 2026 23:40:00 -0000",
	"thu, 26 nov 2026 23:40:00 gmt",
	"Wed, 26 Nov 2026 23:40:00 -0000",
	"Sat, 01 Jan 2000 00:00:00 +2359",
	"Sat, 01 Jan 2000 00:00:00 -2359",
	"Mon, 01 Jan 1900 00:00:00 -0000",
	"Fri, 31 Dec 9999 23:59:59 -0000",
	// Python reads these too; ParseDate refuses them on purpose.
	"Mon, 01 Jan 0001 00:00:00 -0000", // Python: 2001
	"Sun, 31 Dec 1899 23:59:59 -0000",
	"Thu, 26 Nov 26 23:40:00 -0000",
	"Thu, 26 Nov 2026 23:40:00 EST",
	"Thu, 26 Nov 2026 23:40:00 -0000 (UTC)",
	"Thu, 26 Nov 2026 23:40:00",
}

func TestPythonCrossCheck(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not in PATH; the hand-written vectors still run")
	}
	in := map[string]any{
		"params":  pythonParamCases,
		"bparams": b64Cases(pythonByteCases),
		"times":   pythonTimes,
		"dates":   pythonDates,
	}
	stdin, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, "-I", "-c", pythonScript)
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3: %v\n%s", err, stderr.String())
	}
	var out struct {
		Params  []string
		BParams []string
		Times   [][4]string
		Dates   []struct {
			OK   bool
			Unix int64
			Err  string
		}
	}
	if err := json.Unmarshal(stdout, &out); err != nil {
		t.Fatalf("python3 output: %v\n%s", err, stdout)
	}

	for i, pairs := range pythonParamCases {
		if got := devicesig.EncodeParams(values(pairs)); got != out.Params[i] {
			t.Errorf("EncodeParams(%q):\n   go %q\npython %q", pairs, got, out.Params[i])
		}
	}
	for i, pairs := range pythonByteCases {
		if got := devicesig.EncodeParams(values(pairs)); got != out.BParams[i] {
			t.Errorf("EncodeParams(%q):\n   go %q\npython %q", pairs, got, out.BParams[i])
		}
	}
	for i, ts := range pythonTimes {
		want := out.Times[i]
		tm := time.Unix(ts, 0)
		if got := devicesig.FormatDate(tm); got != want[0] {
			t.Errorf("FormatDate(%d) = %q, Python format_datetime(naive UTC) = %q", ts, got, want[0])
		}
		if want[3] != "" && want[3] != want[0] {
			t.Errorf("Python formatdate(%d) = %q differs from format_datetime %q", ts, want[3], want[0])
		}
		if tm.UTC().Year() < 1900 {
			// ParseDate refuses these on purpose (Python would misread
			// years below 100 as two-digit years).
			continue
		}
		for _, s := range want[:3] {
			if got, err := devicesig.ParseDate(s); err != nil || !got.Equal(tm) {
				t.Errorf("ParseDate(%q) = %v, %v; want %v", s, got, err, tm.UTC())
			}
		}
	}
	accepted := 0
	for i, s := range pythonDates {
		py := out.Dates[i]
		got, err := devicesig.ParseDate(s)
		switch {
		case err != nil:
			t.Logf("ParseDate refuses %q (Python: ok=%v %s)", s, py.OK, py.Err)
		case !py.OK:
			t.Errorf("ParseDate(%q) = %v, but Python cannot parse it: %s", s, got, py.Err)
		case got.Unix() != py.Unix:
			t.Errorf("ParseDate(%q) = %v, Python reads %v", s, got, time.Unix(py.Unix, 0).UTC())
		default:
			accepted++
		}
	}
	if accepted < 15 {
		t.Errorf("only %d of the Python-checked dates were accepted", accepted)
	}
}

func values(pairs [][2]string) url.Values {
	v := url.Values{}
	for _, p := range pairs {
		v.Add(p[0], p[1])
	}
	return v
}

func b64Cases(cases [][][2]string) [][][2]string {
	out := make([][][2]string, len(cases))
	for i, pairs := range cases {
		out[i] = make([][2]string, len(pairs))
		for j, p := range pairs {
			out[i][j] = [2]string{base64.StdEncoding.EncodeToString([]byte(p[0])), base64.StdEncoding.EncodeToString([]byte(p[1]))}
		}
	}
	return out
}
