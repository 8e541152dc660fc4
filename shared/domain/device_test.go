package domain

import (
	"strings"
	"testing"
	"time"
)

func TestActivationCodeWellFormed(t *testing.T) {
	for _, ok := range []string{"AbCdEfGhIjKlMnOpQrSt", "01234567890123456789", strings.Repeat("z", ActivationCodeLength)} {
		if !ActivationCodeWellFormed(ok) {
			t.Errorf("%q refused", ok)
		}
	}
	for _, bad := range []string{"", "AbCdEfGhIjKlMnOpQrS", "AbCdEfGhIjKlMnOpQrStU", "AbCdEfGhIjKlMnOpQr-t", "AbCdEfGhIjKlMnOpQrS\x00",
		"AbCdEfGhIjKlMnOpQré", "AbCdEfGhIjKlMnOpQrS/"} {
		if ActivationCodeWellFormed(bad) {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestPushAnswerable(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	tx := LoginTx{Status: LoginPending, PushID: "p", PushExpiresAt: now.Add(time.Minute), ExpiresAt: now.Add(time.Hour)}
	if !tx.PushAnswerable(now) {
		t.Fatal("fresh push not answerable")
	}
	for name, mut := range map[string]func(*LoginTx){
		"push lapsed":  func(x *LoginTx) { x.PushExpiresAt = now },
		"login lapsed": func(x *LoginTx) { x.ExpiresAt = now },
		"no push":      func(x *LoginTx) { x.PushID = "" },
		"answered":     func(x *LoginTx) { x.Status = LoginApproved },
		"completed":    func(x *LoginTx) { x.Status = LoginCompleted },
	} {
		x := tx
		mut(&x)
		if x.PushAnswerable(now) {
			t.Errorf("%s: answerable", name)
		}
	}
	if PushApprove.Status() != LoginApproved || PushDeny.Status() != LoginDenied {
		t.Fatal("answer statuses")
	}
}
