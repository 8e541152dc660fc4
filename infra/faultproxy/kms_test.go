package faultproxy_test

import (
	"push-reactivation/internal/testenv/apptest"
	"push-reactivation/shared/login"
)

// kmsSteps are the steps that call KMS (docs/security/kms.md), besides
// device/redeem (a new credential's data key): a Duo Mobile passcode
// checked by a function whose data key cache is cold, and the first
// request of a function that unwraps the sealed code hash key. Only KMS
// faults are injected here: DynamoDB's are login/verify's and
// login/password's.
func kmsSteps() []step {
	return []step{
		// The same request as login/verify (and login/password below), so
		// the same allowances when DynamoDB fails mid-step.
		{name: "login/verify-duo-mobile", uses: []string{kms}, ok: 200, reservesTry: true,
			prepare: func(r *rig) *flow {
				f := &flow{phone: r.ActivateDuoMobile(adminEmail), tx: r.startLogin()}
				r.ColdKMS()
				return f
			},
			call: func(r *rig, f *flow) *apptest.Response {
				return r.loginCall(f.tx, "/verify", map[string]string{"passcode": f.phone.Passcode()})
			}},
		{name: "login/cold-start-hash-key", uses: []string{kms}, ok: 200, reservesThrottle: true,
			prepare: func(r *rig) *flow {
				d := *r.Deps
				_, ready := r.SealedCodeHashKey(&d)
				return &flow{router: login.NewRouter(d.Logic(), r.Phone()).Before(ready)}
			},
			call: func(r *rig, f *flow) *apptest.Response {
				return r.Call(f.router, apptest.Request{Method: "POST", Path: "/v1/login",
					JSON: map[string]string{"email": adminEmail, "password": "demo-password-1"}})
			}},
	}
}
