package phone

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"image"
	_ "image/png" // QR codes come as PNG
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"push-reactivation/shared/devicesig"
)

// Target is what an activation input names.
type Target struct {
	// Code is the activation code.
	Code string
	// Host is the API host requests are signed against.
	Host string
	// BaseURL is where the activation link pointed, when that is not
	// https://<Host> (an http:// link of a local stack); else "".
	BaseURL string
}

// ParseInput reads an activation input, in any of the forms a person has
// at hand:
//
//   - the path of a PNG file holding the QR code;
//   - the barcode, "<CODE>-<HOST_B64>", optionally prefixed "duo://" (the
//     landing page's "Open in Duo Mobile" link);
//   - the activation link, "https://<host>/activate/<CODE>";
//   - a link carrying the barcode in a value parameter (Duo's
//     "…/frame/qr?value=duo%3A%2F%2F…").
func ParseInput(input string) (Target, error) {
	input = strings.TrimSpace(input)
	if input == "" {
		return Target{}, errors.New("phone: empty activation input")
	}
	if st, err := os.Stat(input); err == nil && st.Mode().IsRegular() {
		b, err := os.ReadFile(input)
		if err != nil {
			return Target{}, fmt.Errorf("phone: %w", err)
		}
		text, err := DecodeQR(b)
		if err != nil {
			return Target{}, err
		}
		return ParseBarcode(text)
	}
	if u, err := url.Parse(input); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		if v := u.Query().Get("value"); v != "" {
			return ParseBarcode(v)
		}
		segs := strings.Split(strings.Trim(u.EscapedPath(), "/"), "/")
		if len(segs) != 2 || segs[0] != "activate" || segs[1] == "" {
			return Target{}, fmt.Errorf("phone: %s is not an activation link (https://host/activate/CODE)", u.Redacted())
		}
		code, err := url.PathUnescape(segs[1])
		if err != nil {
			return Target{}, fmt.Errorf("phone: activation link: %w", err)
		}
		host := strings.TrimSuffix(strings.ToLower(u.Host), ":443")
		t := Target{Code: code, Host: host}
		if base := u.Scheme + "://" + u.Host; base != "https://"+host {
			t.BaseURL = base
		}
		return t, nil
	}
	return ParseBarcode(input)
}

// ParseBarcode reads "<CODE>-<HOST_B64>" (DESIGN.md §4), with or without
// a "duo://" prefix; HOST_B64 is standard base64, padding optional.
func ParseBarcode(text string) (Target, error) {
	text = strings.TrimPrefix(strings.TrimSpace(text), "duo://")
	code, hostB64, ok := strings.Cut(text, "-")
	if !ok || code == "" || hostB64 == "" {
		return Target{}, errors.New("phone: not a barcode (CODE-HOSTB64)")
	}
	host, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(hostB64, "="))
	if err != nil || len(host) == 0 {
		return Target{}, errors.New("phone: barcode host is not base64")
	}
	return Target{Code: code, Host: strings.ToLower(string(host))}, nil
}

// DecodeQR returns the text of the QR code in a PNG image.
func DecodeQR(pngBytes []byte) (string, error) {
	img, _, err := image.Decode(bytes.NewReader(pngBytes))
	if err != nil {
		return "", fmt.Errorf("phone: not a PNG image: %w", err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		return "", fmt.Errorf("phone: read QR image: %w", err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
	if err != nil {
		// The emulator is handed the rendered PNG, not a camera frame, and
		// gozxing's finder-pattern search misses about 1 in 500 clean codes
		// that the pure-barcode path reads (apptest.DecodeQR says more).
		res, err = qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_PURE_BARCODE: true})
	}
	if err != nil {
		return "", fmt.Errorf("phone: no QR code found: %w", err)
	}
	return res.GetText(), nil
}

// activation is the service's answer to an activation.
type activation struct {
	AKey         string `json:"akey"`
	PKey         string `json:"pkey"`
	HOTPSecret   string `json:"hotp_secret"`
	CustomerName string `json:"customer_name"`
	Reactivated  bool   `json:"reactivated"`
}

// Activate redeems an activation input (see ParseInput) for a new
// credential: it posts the phone's public key and device fields, as Duo
// Mobile does, keeps the answer in the state file, then asks the service
// which admin the credential belongs to. Requests go to the WithBaseURL
// base, else the link's own scheme and host, else https://<host>.
func (p *Phone) Activate(ctx context.Context, input string) (Credential, error) {
	t, err := ParseInput(input)
	if err != nil {
		return Credential{}, err
	}
	return p.ActivateTarget(ctx, t)
}

// ActivateTarget is Activate for an input already parsed.
func (p *Phone) ActivateTarget(ctx context.Context, t Target) (Credential, error) {
	c := Credential{Host: t.Host, BaseURL: t.BaseURL}
	if p.baseURL != "" {
		c.BaseURL = p.baseURL
	}
	form := url.Values{
		"pkpush":            {"rsa-sha512"},
		"pubkey":            {devicesig.MarshalPublicKeyPEM(&p.key.PublicKey)},
		"platform":          {p.device.Platform},
		"model":             {p.device.Model},
		"app_version":       {p.device.AppVersion},
		"manufacturer":      {p.device.Manufacturer},
		"customer_protocol": {"1"},
		"jailbroken":        {"false"},
		"passcode_status":   {"true"},
		"language":          {"en"},
		"region":            {"US"},
	}
	var a activation
	if err := p.send(ctx, http.MethodPost, p.base(&c), "/push/v2/activation/"+url.PathEscape(t.Code), form, nil, &a); err != nil {
		return Credential{}, err
	}
	if a.PKey == "" || a.AKey == "" || a.HOTPSecret == "" {
		return Credential{}, errors.New("phone: activation answer lacks pkey, akey or hotp_secret")
	}
	c.PKey, c.AKey, c.HOTPSecret, c.CustomerName, c.ActivatedAt = a.PKey, a.AKey, a.HOTPSecret, a.CustomerName, p.now().UTC()
	if err := p.put(c); err != nil {
		return Credential{}, err
	}
	// Which admin this is: the activation answer does not say.
	if info, err := p.Info(ctx, c.PKey); err == nil {
		c.AdminEmail, c.AdminName = info.AdminEmail, info.AdminName
		if err := p.put(c); err != nil {
			return Credential{}, err
		}
	}
	return c, nil
}

func (p *Phone) put(c Credential) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.state.Credentials[c.PKey] = &c
	return p.save()
}
