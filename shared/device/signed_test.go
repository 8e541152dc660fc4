package device_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"os/exec"
	"strings"
	"testing"
	"time"

	"push-reactivation/internal/testenv/apptest"
	"push-reactivation/shared/devicesig"
	"push-reactivation/shared/domain"
)

// TestSignedRequestFailuresLookAlike: every way a signed request can fail
// gets the same 401 (40101) with the same body; the good request and one
// within the allowed clock skew pass.
func TestSignedRequestFailuresLookAlike(t *testing.T) {
	f := newFixture(t)
	p := f.activate(f.start("admin@acme.example").Code, key(0))
	revoked := f.activate(f.start("owner@acme.example").Code, key(1))
	f.activate(f.start("owner@acme.example").Code, key(1))
	path := "/push/v2/device/transactions"
	now := f.Clock.Now()
	base := signedReq{method: "GET", path: path, params: txParams(p)}

	ok := map[string]signedReq{
		"as signed":          base,
		"date 4m59s behind":  {method: "GET", path: path, params: txParams(p), date: devicesig.FormatDate(now.Add(-domain.DeviceClockSkew + time.Second))},
		"date 5m ahead":      {method: "GET", path: path, params: txParams(p), date: devicesig.FormatDate(now.Add(domain.DeviceClockSkew))},
		"date in GMT":        {method: "GET", path: path, params: txParams(p), date: now.UTC().Format(time.RFC1123)},
		"no fields at all":   {method: "GET", path: path},
		"host in upper case": {method: "GET", path: path, params: txParams(p), host: strings.ToUpper(apptest.APIHost)},
	}
	for name, r := range ok {
		if resp := f.signed(p, r); resp.Status != 200 {
			t.Errorf("%s: %d %s", name, resp.Status, resp.Body)
		}
	}

	stranger := p
	stranger.key = key(2)
	unknown := p
	unknown.PKey = "DPAAAAAAAAAAAAAAAAAA"
	otherAKey := txParams(p)
	otherAKey.Set("akey", "DAAAAAAAAAAAAAAAAAAA")
	changed := txParams(p)
	changed.Set("fips_status", "0")
	extra := txParams(p)
	extra.Set("answer", "approve")
	otherPath, _ := devicesig.Sign(p.key, p.PKey, devicesig.FormatDate(now), "GET", apptest.APIHost, "/push/v2/device/info", txParams(p))

	fails := map[string]struct {
		p phone
		r signedReq
	}{
		"wrong key":             {stranger, base},
		"unknown pkey":          {unknown, base},
		"revoked credential":    {revoked, signedReq{method: "GET", path: path, params: txParams(revoked)}},
		"changed parameter":     {p, signedReq{method: "GET", path: path, params: txParams(p), sendParams: changed}},
		"added parameter":       {p, signedReq{method: "GET", path: path, params: txParams(p), sendParams: extra}},
		"dropped parameter":     {p, signedReq{method: "GET", path: path, params: txParams(p), sendParams: url.Values{"akey": {p.AKey}}}},
		"signed for other path": {p, signedReq{method: "GET", path: path, params: txParams(p), headers: map[string]string{"authorization": otherPath}}},
		"signed for other host": {p, signedReq{method: "GET", path: path, params: txParams(p), host: "api-evil.example"}},
		"stale date":            {p, signedReq{method: "GET", path: path, params: txParams(p), date: devicesig.FormatDate(now.Add(-domain.DeviceClockSkew - time.Second))}},
		"future date":           {p, signedReq{method: "GET", path: path, params: txParams(p), date: devicesig.FormatDate(now.Add(domain.DeviceClockSkew + time.Second))}},
		"malformed date":        {p, signedReq{method: "GET", path: path, params: txParams(p), date: "yesterday"}},
		"akey of another":       {p, signedReq{method: "GET", path: path, params: otherAKey}},
		"no authorization":      {p, signedReq{method: "GET", path: path, params: txParams(p), headers: map[string]string{"authorization": ""}}},
		"bearer token":          {p, signedReq{method: "GET", path: path, params: txParams(p), headers: map[string]string{"authorization": "Bearer abc"}}},
		"garbage authorization": {p, signedReq{method: "GET", path: path, params: txParams(p), headers: map[string]string{"authorization": "Basic !!!"}}},
		"no date":               {p, signedReq{method: "GET", path: path, params: txParams(p), headers: map[string]string{"x-duo-date": ""}}},
		"date changed after signing": {p, signedReq{method: "GET", path: path, params: txParams(p),
			headers: map[string]string{"x-duo-date": devicesig.FormatDate(now.Add(time.Second))}}},
	}
	var first string
	for name, c := range fails {
		resp := f.signed(c.p, c.r)
		apptest.ExpectFail(t, resp, 401, 40101)
		if first == "" {
			first = resp.Body
		}
		if resp.Body != first {
			t.Errorf("%s: body %s differs from %s", name, resp.Body, first)
		}
	}
	// The method is signed too.
	authPost, _ := devicesig.Sign(p.key, p.PKey, devicesig.FormatDate(now), "POST", apptest.APIHost, path, txParams(p))
	resp := f.call(apptest.Request{Method: "GET", Path: path, Query: devicesig.EncodeParams(txParams(p)),
		Headers: map[string]string{"authorization": authPost, "x-duo-date": devicesig.FormatDate(now)}})
	apptest.ExpectFail(t, resp, 401, 40101)
	if strings.Contains(f.Logs.String(), p.HOTPSecret) || strings.Contains(f.Logs.String(), authPost) {
		t.Fatal("a secret or signature reached the logs")
	}
}

// pythonClients signs the way the public Python Duo Mobile clients do
// (github.com/falsidge/ruo and its descendants): the message is
//
//	date + "\n" + method + "\n" + host.lower() + "\n" + path + "\n" + urllib.parse.urlencode(data)
//
// with data a dict in insertion order and the date from
// email.utils.format_datetime, of a naive UTC datetime ("-0000") in some
// clients and of an aware one ("+0000") in others. Some of the latter also
// put "host" into the signed dict without sending it.
const pythonClients = `
import datetime, email.utils, json, sys, urllib.parse
inp = json.load(sys.stdin)
host, akey, urgid = inp["host"], inp["akey"], inp["urgid"]
naive = datetime.datetime(1970, 1, 1) + datetime.timedelta(seconds=inp["ts"])
aware = naive.replace(tzinfo=datetime.timezone.utc)
def message(date, method, path, data):
    return date + "\n" + method + "\n" + host.lower() + "\n" + path + "\n" + urllib.parse.urlencode(data)
common = {"akey": akey, "fips_status": "1", "hsm_status": "true", "pkpush": "rsa-sha512"}
answer = {"akey": akey, "answer": "approve", "fips_status": "1", "hsm_status": "true", "pkpush": "rsa-sha512"}
register = {"akey": akey, "token": "fcm:APA91b/x+y= z~*"}
out = []
for style, dt, with_host in (("naive date", naive, False), ("aware date, host signed", aware, True)):
    date = email.utils.format_datetime(dt)
    for method, path, data in (("GET", "/push/v2/device/transactions", common),
                               ("POST", "/push/v2/device/transactions/" + urgid, answer),
                               ("POST", "/push/v2/device/registration", register)):
        signed = dict(data, host=host) if with_host else data
        out.append({"name": style + " " + method + " " + path, "date": date, "method": method, "path": path,
                    "message": message(date, method, path, signed), "send": urllib.parse.urlencode(data)})
json.dump(out, sys.stdout)
`

type pythonRequest struct {
	Name, Date, Method, Path, Message, Send string
}

// pythonRequests runs pythonClients, or, without python3, builds the same
// strings in Go following the Python code line by line.
func pythonRequests(t *testing.T, ts int64, akey, urgid string) []pythonRequest {
	t.Helper()
	in, _ := json.Marshal(map[string]any{"ts": ts, "host": apptest.APIHost, "akey": akey, "urgid": urgid})
	if py, err := exec.LookPath("python3"); err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, py, "-I", "-c", pythonClients)
		cmd.Stdin = bytes.NewReader(in)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("python3: %v", err)
		}
		var reqs []pythonRequest
		if err := json.Unmarshal(out, &reqs); err != nil {
			t.Fatal(err)
		}
		return reqs
	}
	t.Log("python3 not in PATH: using the Go transcription of the Python clients")
	enc := func(pairs ...string) string {
		var parts []string
		for i := 0; i < len(pairs); i += 2 {
			parts = append(parts, url.QueryEscape(pairs[i])+"="+url.QueryEscape(pairs[i+1]))
		}
		return strings.Join(parts, "&")
	}
	tm := time.Unix(ts, 0).UTC()
	var reqs []pythonRequest
	for _, style := range []struct {
		name, date string
		host       bool
	}{
		{"naive date", tm.Format("Mon, 02 Jan 2006 15:04:05") + " -0000", false},
		{"aware date, host signed", tm.Format("Mon, 02 Jan 2006 15:04:05") + " +0000", true},
	} {
		for _, c := range []struct {
			method, path string
			data         []string
		}{
			{"GET", "/push/v2/device/transactions", []string{"akey", akey, "fips_status", "1", "hsm_status", "true", "pkpush", "rsa-sha512"}},
			{"POST", "/push/v2/device/transactions/" + urgid, []string{"akey", akey, "answer", "approve", "fips_status", "1", "hsm_status", "true", "pkpush", "rsa-sha512"}},
			{"POST", "/push/v2/device/registration", []string{"akey", akey, "token", "fcm:APA91b/x+y= z~*"}},
		} {
			signed := c.data
			if style.host {
				signed = append(append([]string{}, c.data...), "host", apptest.APIHost)
			}
			reqs = append(reqs, pythonRequest{Name: style.name + " " + c.method + " " + c.path, Date: style.date, Method: c.method, Path: c.path,
				Message: style.date + "\n" + c.method + "\n" + strings.ToLower(apptest.APIHost) + "\n" + c.path + "\n" + enc(signed...),
				Send:    enc(c.data...)})
		}
	}
	return reqs
}

// TestPythonClientSignaturesVerify: requests signed exactly the way the
// public Python clients sign verify, including the variant that signs a
// "host" field it does not send. The message bytes come from Python; only
// the RSA step is done in Go, since it needs the key.
func TestPythonClientSignaturesVerify(t *testing.T) {
	f := newFixture(t)
	p := f.activate(f.start("admin@acme.example").Code, key(0))
	reqs := pythonRequests(t, f.Clock.Now().Unix(), p.AKey, "URGID")
	if len(reqs) != 6 {
		t.Fatalf("%d requests", len(reqs))
	}
	for _, r := range reqs {
		if r.Method == "POST" && strings.Contains(r.Path, "/transactions/") {
			// Each answer needs its own push; the path names it.
			tx := f.push(p, "")
			r.Path = strings.Replace(r.Path, "URGID", tx.PushID, 1)
			r.Message = strings.Replace(r.Message, "URGID", tx.PushID, 1)
		}
		if !strings.Contains(r.Name, "host signed") {
			params, _ := url.ParseQuery(r.Send)
			if want := devicesig.Canonical(r.Date, r.Method, apptest.APIHost, r.Path, params); want != r.Message {
				t.Fatalf("%s: Python signs %q, devicesig.Canonical gives %q", r.Name, r.Message, want)
			}
		}
		digest := sha512.Sum512([]byte(r.Message))
		sig, err := rsa.SignPKCS1v15(nil, p.key, crypto.SHA512, digest[:])
		if err != nil {
			t.Fatal(err)
		}
		auth := "Basic " + base64.StdEncoding.EncodeToString([]byte(p.PKey+":"+base64.StdEncoding.EncodeToString(sig)))
		req := apptest.Request{Method: r.Method, Path: r.Path, Headers: map[string]string{
			"Authorization": auth, "x-duo-date": r.Date, "host": apptest.APIHost, "txId": "whatever"}}
		if r.Method == "GET" {
			req.Query = r.Send
		} else {
			req.Body = r.Send
			req.Headers["Content-Type"] = "application/x-www-form-urlencoded"
		}
		if resp := f.call(req); resp.Status != 200 {
			t.Errorf("%s: %d %s\nmessage %q", r.Name, resp.Status, resp.Body, r.Message)
		}
	}
	if c := f.credential(p.PKey); c.PushToken != "fcm:APA91b/x+y= z~*" {
		t.Fatalf("push token %q", c.PushToken)
	}
}
