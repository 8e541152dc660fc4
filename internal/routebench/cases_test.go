package routebench_test

import (
	"net/http"
	"strings"
	"time"

	"push-reactivation/internal/testenv/apptest"
	"push-reactivation/shared/demo"
	"push-reactivation/shared/domain"
)

// routeCase is one measured request of a route: its right answer, and the
// state it needs. setup runs once before the case's calls; the next
// function it returns prepares one call and returns its request. Neither
// is timed or counted (like apptest.BenchEndpoint's prepare).
type routeCase struct {
	// name is the route key as template.yaml gives it ("GET
	// /v1/profile"), then, for a second case of the same route,
	// ":variant". As a sub-benchmark it reads GET_/v1/profile.
	name  string
	want  int
	setup func(f *fixture) (next func() apptest.Request)
}

// key is the route key of the case.
func (c routeCase) key() string { k, _, _ := strings.Cut(c.name, ":"); return k }

// fixed is a setup whose every call is req, made once by build.
func fixed(build func(f *fixture) apptest.Request) func(f *fixture) func() apptest.Request {
	return func(f *fixture) func() apptest.Request {
		req := build(f)
		return func() apptest.Request { return req }
	}
}

// authed is a request with a bearer session and an empty JSON body on
// methods that take one.
func authed(method, path, token string) apptest.Request {
	req := apptest.Request{Method: method, Path: path, Token: token}
	if method != "GET" && method != "HEAD" {
		req.JSON = map[string]any{}
	}
	return req
}

// cases are the requests of every route of template.yaml, each with a 2xx
// answer, in the order of DESIGN.md §4, §4.1 and §5. Where a route's cost
// depends on the state, the main case is the one the goal names
// (a pending reactivation replaced, a push listed) and variants measure
// the others. Each case has an environment of its own with the demo data
// (no admin has Duo Push until a case activates a phone), so what a case
// measures does not depend on the cases before it.
var cases = []routeCase{
	// fallback-login (FallbackLoginFunction).
	{name: "GET /v1/openapi.json", want: 200, setup: fixed(func(*fixture) apptest.Request {
		return apptest.Request{Method: "GET", Path: "/v1/openapi.json"}
	})},
	{name: "POST /v1/login", want: 200, setup: func(f *fixture) func() apptest.Request {
		return func() apptest.Request {
			f.Clock.Advance(time.Hour) // fresh password tries
			return apptest.Request{Method: "POST", Path: "/v1/login", JSON: map[string]string{"email": adminEmail, "password": demo.Password}}
		}
	}},
	{name: "POST /v1/login/{txid}/factor", want: 200, setup: func(f *fixture) func() apptest.Request {
		return func() apptest.Request {
			f.Clock.Advance(time.Hour) // fresh password tries and passcode sends
			return f.loginReq("POST", f.login(adminEmail).TxID, "/factor", map[string]string{"factor": string(domain.FactorSMS)})
		}
	}},
	{name: "POST /v1/login/{txid}/factor:push", want: 200, setup: func(f *fixture) func() apptest.Request {
		f.activate(adminEmail)
		return func() apptest.Request {
			f.Clock.Advance(time.Hour)
			return f.loginReq("POST", f.login(adminEmail).TxID, "/factor", map[string]string{"factor": string(domain.FactorPush)})
		}
	}},
	{name: "POST /v1/login/{txid}/verify", want: 200, setup: verifyByMessage(domain.FactorSMS)},
	{name: "POST /v1/login/{txid}/verify:voice", want: 200, setup: verifyByMessage(domain.FactorPhone)},
	{name: "POST /v1/login/{txid}/verify:duo_mobile", want: 200, setup: func(f *fixture) func() apptest.Request {
		p := f.activate(adminEmail)
		return func() apptest.Request {
			f.Clock.Advance(time.Hour)
			return f.loginReq("POST", f.login(adminEmail).TxID, "/verify", map[string]string{"passcode": p.hotp()})
		}
	}},
	// The poll of a push login, still pending (what the panel does most).
	{name: "GET /v1/login/{txid}", want: 200, setup: func(f *fixture) func() apptest.Request {
		p := f.activate(adminEmail)
		return func() apptest.Request {
			txid, _, _ := f.push(adminEmail, p)
			return f.loginReq("GET", txid, "", nil)
		}
	}},
	// The poll that picks up the session of an approved push.
	{name: "GET /v1/login/{txid}:approved", want: 200, setup: func(f *fixture) func() apptest.Request {
		p := f.activate(adminEmail)
		return func() apptest.Request {
			txid, urgid, verification := f.push(adminEmail, p)
			f.do("POST /push/v2/device/transactions/{urgid}", http.StatusOK, f.approve(p, urgid, verification))
			return f.loginReq("GET", txid, "", nil)
		}
	}},
	{name: "GET /v1/session", want: 200, setup: fixed(func(f *fixture) apptest.Request {
		return authed("GET", "/v1/session", f.fresh(adminEmail))
	})},
	// An MSP parent's Owner switching to its child account.
	{name: "PUT /v1/session/account", want: 200, setup: func(f *fixture) func() apptest.Request {
		return func() apptest.Request {
			req := authed("PUT", "/v1/session/account", f.fresh(mspEmail))
			req.JSON = map[string]string{"account_id": "umbrella-child"}
			return req
		}
	}},
	{name: "DELETE /v1/session", want: 200, setup: func(f *fixture) func() apptest.Request {
		return func() apptest.Request { return authed("DELETE", "/v1/session", f.fresh(adminEmail)) }
	}},
	{name: "POST /v1/session/reauth", want: 201, setup: func(f *fixture) func() apptest.Request {
		return func() apptest.Request { return authed("POST", "/v1/session/reauth", f.fresh(adminEmail)) }
	}},

	// reactivation-code (ReactivationCodeFunction).
	// Duo Push active, nothing pending.
	{name: "GET /v1/profile", want: 200, setup: fixed(func(f *fixture) apptest.Request {
		f.activate(adminEmail)
		return authed("GET", "/v1/profile", f.fresh(adminEmail))
	})},
	// Duo Push active, and a reactivation pending to show.
	{name: "GET /v1/profile:pending", want: 200, setup: fixed(func(f *fixture) apptest.Request {
		f.activate(adminEmail)
		_, token := f.start(adminEmail)
		return authed("GET", "/v1/profile", token)
	})},
	// Replacing a pending reactivation, as the goal counts it: each call
	// replaces the one before.
	{name: "POST /v1/profile/duo-push/reactivation", want: 201, setup: func(f *fixture) func() apptest.Request {
		f.start(adminEmail)
		return func() apptest.Request { return authed("POST", apptest.SelfReactivationPath, f.soon(adminEmail)) }
	}},
	// As the reference panel sends it, with an Idempotency-Key (DESIGN.md
	// §4.1): the claim before and the stored answer after.
	{name: "POST /v1/profile/duo-push/reactivation:idempotency_key", want: 201, setup: func(f *fixture) func() apptest.Request {
		f.start(adminEmail)
		var keys seq
		return func() apptest.Request {
			req := authed("POST", apptest.SelfReactivationPath, f.soon(adminEmail))
			req.Headers = map[string]string{"Idempotency-Key": keys.next("start")}
			return req
		}
	}},
	// With none pending.
	{name: "POST /v1/profile/duo-push/reactivation:first", want: 201, setup: func(f *fixture) func() apptest.Request {
		return func() apptest.Request {
			st, token := f.start(adminEmail)
			f.do("DELETE /v1/reactivations/{id}", http.StatusOK, authed("DELETE", "/v1/reactivations/"+st.ReactivationID, token))
			return authed("POST", apptest.SelfReactivationPath, token)
		}
	}},
	{name: "GET /v1/reactivations/{id}", want: 200, setup: fixed(func(f *fixture) apptest.Request {
		st, token := f.start(adminEmail)
		return authed("GET", "/v1/reactivations/"+st.ReactivationID, token)
	})},
	{name: "DELETE /v1/reactivations/{id}", want: 200, setup: func(f *fixture) func() apptest.Request {
		return func() apptest.Request {
			st, token := f.start(adminEmail)
			return authed("DELETE", "/v1/reactivations/"+st.ReactivationID, token)
		}
	}},
	{name: "POST /v1/reactivations/{id}/barcode", want: 201, setup: func(f *fixture) func() apptest.Request {
		return func() apptest.Request {
			st, token := f.start(adminEmail)
			return authed("POST", "/v1/reactivations/"+st.ReactivationID+"/barcode", token)
		}
	}},

	// owner-reactivation (OwnerReactivationFunction), the acme Owner.
	{name: "GET /v1/admins", want: 200, setup: fixed(func(f *fixture) apptest.Request {
		return authed("GET", "/v1/admins", f.fresh(ownerEmail))
	})},
	{name: "GET /v1/admins/{admin_id}", want: 200, setup: fixed(func(f *fixture) apptest.Request {
		f.activate(adminEmail)
		f.start(adminEmail) // a pending reactivation to show
		return authed("GET", "/v1/admins/"+adminID, f.SessionFor(ownerEmail))
	})},
	// Replacing the target's pending reactivation, with the notice email.
	{name: "POST /v1/admins/{admin_id}/duo-push/reactivation", want: 201, setup: func(f *fixture) func() apptest.Request {
		f.start(adminEmail)
		return func() apptest.Request {
			return authed("POST", apptest.OwnerReactivationPath(adminID), f.soon(ownerEmail))
		}
	}},
	// Clearing a real lockout: ten failed attempts before each call.
	{name: "POST /v1/admins/{admin_id}/reset-lockout", want: 200, setup: func(f *fixture) func() apptest.Request {
		return func() apptest.Request {
			f.FailAttempts(helpdeskID, 10)
			return authed("POST", "/v1/admins/"+helpdeskID+"/reset-lockout", f.fresh(ownerEmail))
		}
	}},
	{name: "GET /v1/admin-log", want: 200, setup: fixed(func(f *fixture) apptest.Request {
		f.start(adminEmail) // something to read
		return authed("GET", "/v1/admin-log", f.fresh(ownerEmail))
	})},

	// activation-email (ActivationEmailFunction): a new reactivation on a
	// new day each time (the limits per reactivation and per admin and
	// day); SES is aws-ses-v2-local.
	{name: "POST /v1/reactivations/{id}/email", want: 202, setup: func(f *fixture) func() apptest.Request {
		return func() apptest.Request {
			f.Clock.Advance(24 * time.Hour)
			st, token := f.start(adminEmail)
			return authed("POST", "/v1/reactivations/"+st.ReactivationID+"/email", token)
		}
	}},

	// device (DeviceFunction). Redeeming a fresh QR code (with the notice
	// email of the new phone).
	{name: "POST /push/v2/activation/{code}", want: 200, setup: func(f *fixture) func() apptest.Request {
		return func() apptest.Request { return activationReq(started(f.start(adminEmail)).Code()) }
	}},
	// A push listed, as the goal counts it.
	{name: "GET /push/v2/device/transactions", want: 200, setup: fixed(func(f *fixture) apptest.Request {
		p := f.activate(adminEmail)
		f.push(adminEmail, p)
		return f.signed(p, "GET", "/push/v2/device/transactions")
	})},
	{name: "GET /push/v2/device/transactions:idle", want: 200, setup: fixed(func(f *fixture) apptest.Request {
		return f.signed(f.activate(adminEmail), "GET", "/push/v2/device/transactions")
	})},
	{name: "POST /push/v2/device/transactions/{urgid}", want: 200, setup: func(f *fixture) func() apptest.Request {
		p := f.activate(adminEmail)
		return func() apptest.Request {
			_, urgid, verification := f.push(adminEmail, p)
			return f.approve(p, urgid, verification)
		}
	}},
	// A new push token each time.
	{name: "POST /push/v2/device/registration", want: 200, setup: func(f *fixture) func() apptest.Request {
		p := f.activate(adminEmail)
		var tokens seq
		return func() apptest.Request {
			return f.signed(p, "POST", "/push/v2/device/registration", "token", tokens.next("token"))
		}
	}},
	{name: "POST /push/v2/device/registration:same_token", want: 200, setup: fixed(func(f *fixture) apptest.Request {
		p := f.activate(adminEmail)
		req := f.signed(p, "POST", "/push/v2/device/registration", "token", "same")
		f.do("POST /push/v2/device/registration", http.StatusOK, req)
		return req
	})},
	{name: "GET /push/v2/device/info", want: 200, setup: fixed(func(f *fixture) apptest.Request {
		return f.signed(f.activate(adminEmail), "GET", "/push/v2/device/info")
	})},
	{name: "GET /activate/{code}", want: 200, setup: fixed(func(f *fixture) apptest.Request {
		return apptest.Request{Method: "GET", Path: "/activate/" + started(f.start(adminEmail)).Code()}
	})},
	{name: "HEAD /activate/{code}", want: 200, setup: fixed(func(f *fixture) apptest.Request {
		return apptest.Request{Method: "HEAD", Path: "/activate/" + started(f.start(adminEmail)).Code()}
	})},
}

// verifyByMessage is the verify step of a login whose passcode went by
// text (sms) or voice call (phone), read from the local SMS/voice
// endpoint.
func verifyByMessage(factor domain.Factor) func(f *fixture) func() apptest.Request {
	return func(f *fixture) func() apptest.Request {
		return func() apptest.Request {
			f.Clock.Advance(time.Hour)
			f.SMS.Reset()
			txid := f.login(adminEmail).TxID
			f.factor(txid, factor)
			return f.loginReq("POST", txid, "/verify", map[string]string{"passcode": f.passcode(adminPhone)})
		}
	}
}
