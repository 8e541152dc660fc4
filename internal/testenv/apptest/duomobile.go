package apptest

import (
	"net/http"

	"push-reactivation/shared/apigw"
	"push-reactivation/shared/demo"
	"push-reactivation/shared/device"
	"push-reactivation/shared/hotp"
	"push-reactivation/shared/login"
	"push-reactivation/shared/reactivation"
)

// DuoMobile is a phone activated through the real routes, with what it
// was handed: the credential id (pkey) and the HOTP secret.
type DuoMobile struct {
	PKey, HOTPSecret string
	Counter          uint64
}

// ActivateDuoMobile starts a self-service reactivation for the demo admin
// email and activates it through the device router, as a phone does.
func (e *Env) ActivateDuoMobile(email string) *DuoMobile {
	e.T.Helper()
	started := e.StartReactivation(reactivation.NewRouter(e.Deps.Logic()), e.SessionFor(email), SelfReactivationPath, nil)
	resp := e.Activate(device.NewRouter(e.Deps.Logic(), e.Mailer()), started.Code(), "Android", "Pixel 9")
	var a device.Activation
	resp.OK(e.T, &a)
	return &DuoMobile{PKey: a.PKey, HOTPSecret: a.HOTPSecret}
}

// LoginWithDuoMobile logs email in with its password and the phone's next
// Duo Mobile passcode through router (login.NewRouter, possibly with a
// Before step) and returns the answer of the verify step. The phone's
// counter moves on only when the answer is OK.
func (e *Env) LoginWithDuoMobile(router *apigw.Router, email string, phone *DuoMobile) *Response {
	e.T.Helper()
	var started login.Started
	resp := e.Call(router, Request{Method: http.MethodPost, Path: "/v1/login", JSON: map[string]string{"email": email, "password": demo.Password}})
	if resp.Status != http.StatusOK {
		return resp
	}
	resp.OK(e.T, &started)
	code := phone.Passcode()
	resp = e.Call(router, Request{Method: http.MethodPost, Path: "/v1/login/" + started.TxID + "/verify",
		JSON: map[string]string{"passcode": code}, Headers: map[string]string{login.LoginSecretHeader: started.LoginSecret}})
	if resp.Status == http.StatusOK {
		phone.Counter++
	}
	return resp
}

// Passcode is the phone's current Duo Mobile passcode (its counter moves
// on in LoginWithDuoMobile).
func (p *DuoMobile) Passcode() string { return hotp.Code([]byte(p.HOTPSecret), p.Counter, 6) }
