package reactivation

import (
	"context"
	"encoding/base64"
	"time"

	"push-reactivation/shared/apigw"
	"push-reactivation/shared/deps"
	"push-reactivation/shared/domain"
	"push-reactivation/shared/profile"
)

// NewRouter is the router of ReactivationCodeFunction (DESIGN.md §4,
// reactivation-code rows, and §4.1): Edit Profile, Reactivate Duo Push,
// and reading, cancelling or showing a new QR code of a reactivation.
func NewRouter[S RouterStore](d *deps.Deps[S]) *apigw.Router {
	h := &handlers{svc: NewService(d), store: d.Store, clock: d.Clock}
	return apigw.NewRouter(d.Log, d.Sessions, d.Settings.PanelOrigin,
		apigw.Route{Key: "GET /v1/profile", Auth: true, Handler: h.profile},
		apigw.Route{Key: "POST /v1/profile/duo-push/reactivation", Auth: true, Handler: h.start},
		apigw.Route{Key: "GET /v1/reactivations/{id}", Auth: true, Handler: h.get},
		apigw.Route{Key: "DELETE /v1/reactivations/{id}", Auth: true, Handler: h.cancel},
		apigw.Route{Key: BarcodeRoute, Auth: true, Handler: h.barcode},
	).WithIdempotency(d.Idempotency)
}

// RouterStore is what the router of ReactivationCodeFunction needs: the
// service's store and what GET /v1/profile reads.
type RouterStore interface {
	Store
	ProfileStore
}

// ProfileStore is what GET /v1/profile reads.
type ProfileStore interface {
	profile.Store
}

type handlers struct {
	svc   *Service
	store ProfileStore
	clock domain.Clock
}

// profile answers the Edit Profile data of the caller, with the account
// the admin belongs to (the home account, even while acting in a child).
func (h *handlers) profile(ctx context.Context, r *apigw.Request) (*apigw.Response, error) {
	// nil: the home account is read with the rest of the view, in one
	// round trip after the session's.
	v, err := profile.Load(ctx, h.store, &r.Principal.Admin, nil, h.clock.Now())
	if err != nil {
		return nil, err
	}
	return apigw.OK(v), nil
}

// StartBody is the body of the reactivation POSTs, self-service and Owner.
type StartBody struct {
	ValidSecs *int `json:"valid_secs"`
}

func (h *handlers) start(ctx context.Context, r *apigw.Request) (*apigw.Response, error) {
	var body StartBody
	if err := r.DecodeJSON(&body); err != nil {
		return nil, err
	}
	st, err := h.svc.Start(ctx, StartRequest{Actor: r.Principal, Target: &r.Principal.Admin, ValidSecs: body.ValidSecs, IP: r.IP(), UserAgent: r.UserAgent()})
	if err != nil {
		return nil, err
	}
	return apigw.Created(st.View()), nil
}

func (h *handlers) get(ctx context.Context, r *apigw.Request) (*apigw.Response, error) {
	re, err := h.svc.Get(ctx, r.Principal, r.Param("id"))
	if err != nil {
		return nil, err
	}
	return h.view(ctx, re)
}

func (h *handlers) cancel(ctx context.Context, r *apigw.Request) (*apigw.Response, error) {
	re, err := h.svc.Cancel(ctx, r.Principal, r.Param("id"), r.IP(), r.UserAgent())
	if err != nil {
		return nil, err
	}
	return h.view(ctx, re)
}

// BarcodeRoute asks for a fresh QR code of a pending reactivation
// (DESIGN.md §4.1).
const BarcodeRoute = "POST /v1/reactivations/{id}/barcode"

// barcode answers a new QR code in the shape of the start call. The body
// is empty, {} or {valid_secs}, as for starting.
func (h *handlers) barcode(ctx context.Context, r *apigw.Request) (*apigw.Response, error) {
	var body StartBody
	if err := r.DecodeJSON(&body); err != nil {
		return nil, err
	}
	st, err := h.svc.NewBarcode(ctx, BarcodeRequest{Actor: r.Principal, ReactivationID: r.Param("id"), ValidSecs: body.ValidSecs,
		IP: r.IP(), UserAgent: r.UserAgent()})
	if err != nil {
		return nil, err
	}
	return apigw.Created(st.View()), nil
}

func (h *handlers) view(ctx context.Context, re *domain.Reactivation) (*apigw.Response, error) {
	cred, err := h.svc.Device(ctx, re)
	if err != nil {
		return nil, err
	}
	return apigw.OK(ViewOf(re, cred)), nil
}

// StartedView is the answer to a reactivation POST (DESIGN.md §4):
// barcode_png is the standard base64 of the PNG.
type StartedView struct {
	ReactivationID string                    `json:"reactivation_id"`
	Status         domain.ReactivationStatus `json:"status"`
	Barcode        string                    `json:"barcode"`
	BarcodePNG     string                    `json:"barcode_png"`
	ActivationURL  string                    `json:"activation_url"`
	ExpiresAt      time.Time                 `json:"expires_at"`
}

// View is the answer to a reactivation POST. expires_at is when the QR
// code shown lapses: for a new reactivation that is also its own expiry;
// for a new QR code (POST .../barcode) the reactivation may live longer,
// through its emailed link.
func (st *Started) View() StartedView {
	return StartedView{
		ReactivationID: st.Reactivation.ID, Status: st.Reactivation.Status, Barcode: st.Barcode,
		BarcodePNG: base64.StdEncoding.EncodeToString(st.PNG), ActivationURL: st.ActivationURL,
		ExpiresAt: st.Reactivation.QRExpiresAt.UTC(),
	}
}

// View is a reactivation as GET and DELETE /v1/reactivations/{id} show it.
type View struct {
	ReactivationID string                    `json:"reactivation_id"`
	AdminID        string                    `json:"admin_id"`
	Status         domain.ReactivationStatus `json:"status"`
	ExpiresAt      time.Time                 `json:"expires_at"`
	ActivatedAt    time.Time                 `json:"activated_at,omitzero"`
	// Device is the phone it activated, once activated.
	Device *profile.Device `json:"device,omitempty"`
}

// ViewOf shows a reactivation and, when it was activated, its device
// (cred may be nil).
func ViewOf(r *domain.Reactivation, cred *domain.Credential) View {
	v := View{ReactivationID: r.ID, AdminID: r.AdminID, Status: r.Status, ExpiresAt: r.ExpiresAt.UTC()}
	if !r.ActivatedAt.IsZero() {
		v.ActivatedAt = r.ActivatedAt.UTC()
	}
	if cred != nil {
		v.Device = profile.DeviceOf(cred)
	}
	return v
}
