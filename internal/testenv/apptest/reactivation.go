package apptest

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"image/png"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	zxqr "github.com/makiuchi-d/gozxing/qrcode"

	"push-reactivation/shared/apigw"
	"push-reactivation/shared/devicesig"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/dynamo"
	"push-reactivation/shared/secret"
)

// Helpers for the reactivation flows that several functions' tests walk
// through: start a reactivation, redeem its code, check the answers.

// ExpectFail checks that resp is a FAIL envelope with this HTTP status and
// Duo code, and returns the envelope.
func ExpectFail(t testing.TB, resp *Response, status, code int) apigw.FailEnvelope {
	t.Helper()
	if resp.Status != status {
		t.Fatalf("status %d, want %d: %s", resp.Status, status, resp.Body)
	}
	f := resp.Fail(t)
	if f.Code != code {
		t.Fatalf("code %d, want %d: %s", f.Code, code, resp.Body)
	}
	return f
}

// Started is the answer to a reactivation POST, self-service or an
// Owner's (DESIGN.md §4).
type Started struct {
	ReactivationID string    `json:"reactivation_id"`
	Status         string    `json:"status"`
	Barcode        string    `json:"barcode"`
	BarcodePNG     string    `json:"barcode_png"`
	ActivationURL  string    `json:"activation_url"`
	ExpiresAt      time.Time `json:"expires_at"`
}

// Code is the activation code inside the barcode.
func (s Started) Code() string { c, _, _ := strings.Cut(s.Barcode, "-"); return c }

// SelfReactivationPath is the Edit Profile route that starts a
// reactivation of the caller's own Duo Push.
const SelfReactivationPath = "/v1/profile/duo-push/reactivation"

// OwnerReactivationPath is an Owner's route to reactivate adminID.
func OwnerReactivationPath(adminID string) string {
	return "/v1/admins/" + adminID + "/duo-push/reactivation"
}

// StartReactivation POSTs body (nil for {}) to path, one of the routes
// that start a reactivation, through router with token's session, and
// expects 201.
func (e *Env) StartReactivation(router *apigw.Router, token, path string, body any) Started {
	e.T.Helper()
	if body == nil {
		body = map[string]any{}
	}
	resp := e.Call(router, Request{Method: "POST", Path: path, Token: token, JSON: body})
	if resp.Status != 201 {
		e.T.Fatalf("start reactivation at %s: %d %s", path, resp.Status, resp.Body)
	}
	var s Started
	resp.OK(e.T, &s)
	return s
}

// Principal is a fresh principal of admin a, acting in its home account and
// authenticated now, for calling services without a route.
func (e *Env) Principal(a *domain.Admin) *domain.Principal {
	now := e.Clock.Now()
	return &domain.Principal{Admin: *a, Session: domain.Session{AdminID: a.ID, HomeAccountID: a.AccountID, ActingAccountID: a.AccountID,
		Factor: domain.FactorSMS, AuthenticatedAt: now, LastSeenAt: now, AbsoluteExpiresAt: now.Add(domain.SessionAbsoluteTimeout)}}
}

// Redeem binds a new credential credID (of the given platform and model)
// with code at store level, the way the device API's activation does, and
// returns the target the code resolved to.
func (e *Env) Redeem(code, credID, platform, model string) (*dynamo.ActivationTarget, error) {
	target, err := e.Deps.Store.GetActivationTarget(e.Ctx, secret.Hash(code))
	if err != nil {
		return nil, err
	}
	return target, e.RedeemTarget(target, credID, platform, model)
}

// RedeemTarget is Redeem of a target already resolved, for tests that race
// a redeem against another change.
func (e *Env) RedeemTarget(target *dynamo.ActivationTarget, credID, platform, model string) error {
	now := e.Clock.Now()
	return e.Deps.Store.Redeem(e.Ctx, dynamo.Redemption{
		Target: target,
		Credential: domain.Credential{ID: credID, AKey: "A" + credID, AdminID: target.Admin.ID, AccountID: target.Admin.AccountID,
			Platform: platform, Model: model, Status: domain.CredentialActive, CreatedAt: now, ActivatedAt: now,
			ReactivationID: target.Reactivation.ID},
		Audit: domain.AuditEvent{ID: credID, Time: now, AccountID: target.Admin.AccountID, TargetID: target.Admin.ID,
			Action: domain.ActionReactivationActivate, Outcome: domain.OutcomeSuccess},
	})
}

// deviceKey is the phone key of Activate. One key serves every test: RSA
// key generation is slow under the race detector, and several admins may
// share a phone anyway.
var deviceKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

// Activate redeems code through the device router's activation endpoint
// (POST /push/v2/activation/{code}), the way a phone does.
func (e *Env) Activate(device *apigw.Router, code, platform, model string) *Response {
	e.T.Helper()
	form := url.Values{"pkpush": {"rsa-sha512"}, "pubkey": {devicesig.MarshalPublicKeyPEM(&deviceKey().PublicKey)},
		"platform": {platform}, "model": {model}, "app_version": {"4.80.0"}}
	return e.Call(device, Request{Method: "POST", Path: "/push/v2/activation/" + code, Body: form.Encode(),
		Headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}})
}

// DecodeQR reads a PNG QR code with an independent decoder (gozxing, a port
// of ZXing) and returns its text and the image's width in pixels, failing
// the test if it is not one.
func DecodeQR(t testing.TB, pngBytes []byte) (text string, width int) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(pngBytes))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := zxqr.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		// gozxing's finder-pattern detector misses about 1 in 500 of the
		// clean, unscaled codes qrpng renders (no camera noise involved:
		// 2 of 1500 random barcodes, every one of them read by the pure
		// path), which made tests decoding a random code flaky. A
		// rendered PNG is exactly what PURE_BARCODE describes, so read it
		// that way before calling the image unreadable.
		res, err = zxqr.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_PURE_BARCODE: true})
	}
	if err != nil {
		t.Fatalf("not a readable QR code: %v", err)
	}
	return res.GetText(), img.Bounds().Dx()
}
