package account

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/boombuler/barcode/qr"

	"github.com/yangguang-cdpf/yangguang/internal/auth"
	"github.com/yangguang-cdpf/yangguang/internal/web"
)

// Two factors: the code page after the password, the enrolment page (with
// the secret as a QR code and as text), recovery codes, and the security
// administrator's reset for a lost phone.

func (h *Handler) twoFactorRoutes(rt *web.Router) {
	rt.Page("GET /login/2fa", auth.PermSignedIn, h.secondFactorForm)
	rt.Page("POST /login/2fa", auth.PermSignedIn, h.secondFactor)
	rt.Page("GET /account/2fa", auth.PermSignedIn, h.twoFactorPage)
	rt.Page("POST /account/2fa/enable", auth.PermSignedIn, h.enableTwoFactor)
	rt.Page("POST /account/2fa/recovery", auth.PermSignedIn, h.newRecoveryCodes)
	rt.Page("POST /account/2fa/disable", auth.PermSignedIn, h.disableTwoFactor)
	rt.Page("POST /admin/security/{id}/reset-2fa", auth.PermSecurityManage, h.resetTwoFactor)
}

func (h *Handler) secondFactorForm(w http.ResponseWriter, r *http.Request) {
	p := auth.From(r.Context())
	next := web.LocalPath(r.URL.Query().Get("next"), "/")
	if !p.SecondFactorPending {
		web.Redirect(w, r, next)
		return
	}
	web.Render(w, r, pages, "second_factor", web.Page{Title: "twofactor.verify_title", Data: map[string]string{"Next": next}})
}

func (h *Handler) secondFactor(w http.ResponseWriter, r *http.Request) {
	p := auth.From(r.Context())
	next := web.LocalPath(r.PostFormValue("next"), "/")
	if !p.SecondFactorPending {
		web.Redirect(w, r, next)
		return
	}
	page := web.Page{Title: "twofactor.verify_title", Data: map[string]string{"Next": next}, Status: http.StatusUnauthorized}
	code := strings.TrimSpace(r.PostFormValue("code"))
	if code == "" {
		page.Errors.Add(0, "twofactor.code", "validate.required")
		page.Status = http.StatusUnprocessableEntity
		web.Render(w, r, pages, "second_factor", page)
		return
	}
	err := h.Auth.VerifySecondFactor(r.Context(), p, code, web.ClientIP(r))
	switch {
	case err == nil:
		if p.MustChangePassword {
			next = "/account/password"
		}
		web.Redirect(w, r, next)
		return
	case errors.Is(err, auth.ErrLocked):
		web.ClearSession(w, r)
		page.Errors.Add(0, "", "account.error.locked", int(h.Auth.Policy().LockFor.Minutes()))
	case errors.Is(err, auth.ErrBadCode):
		page.Errors.Add(0, "twofactor.code", "twofactor.error.bad_code")
	default:
		web.ServerError(w, r, err)
		return
	}
	web.Render(w, r, pages, "second_factor", page)
}

// twoFactorData is what the enrolment page shows.
type twoFactorData struct {
	Enabled    bool
	Required   bool // an administrator: may not switch it off
	Secret     string
	SecretText string // the secret in groups of four, for typing
	QR         qrCode
	Left       int      // recovery codes unused
	Codes      []string // fresh recovery codes, shown once
}

// qrCode is a QR code drawn as one SVG path of dark modules.
type qrCode struct {
	Size int
	Path string
}

func drawQR(text string) (qrCode, error) {
	code, err := qr.Encode(text, qr.M, qr.Auto)
	if err != nil {
		return qrCode{}, err
	}
	b := code.Bounds()
	var d strings.Builder
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if r, _, _, _ := code.At(x, y).RGBA(); r == 0 {
				// Quiet zone of 4 modules around the code.
				d.WriteString("M" + strconv.Itoa(x+4) + " " + strconv.Itoa(y+4) + "h1v1h-1z")
			}
		}
	}
	return qrCode{Size: b.Dx() + 8, Path: d.String()}, nil
}

func groups(s string) string {
	var b strings.Builder
	for i, c := range s {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func (h *Handler) twoFactorPage(w http.ResponseWriter, r *http.Request) {
	h.renderTwoFactor(w, r, web.Page{}, nil)
}

func (h *Handler) renderTwoFactor(w http.ResponseWriter, r *http.Request, page web.Page, codes []string) {
	p := auth.From(r.Context())
	ctx := r.Context()
	u, err := auth.GetUser(ctx, h.Auth.DB, p.ID)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	d := twoFactorData{Enabled: u.TwoFactor, Required: h.Auth.Policy().AdminTwoFactor && u.Role.Admin(), Codes: codes}
	if u.TwoFactor {
		if d.Left, err = h.Auth.RecoveryCodesLeft(ctx, u.ID); err != nil {
			web.ServerError(w, r, err)
			return
		}
	} else {
		en, ok, err := h.Auth.PendingTwoFactor(ctx, u.ID)
		if err == nil && !ok {
			en, err = h.Auth.BeginTwoFactor(ctx, u.ID)
		}
		if err != nil {
			web.ServerError(w, r, err)
			return
		}
		if d.QR, err = drawQR(en.URI); err != nil {
			web.ServerError(w, r, err)
			return
		}
		d.Secret, d.SecretText = en.Secret, groups(en.Secret)
	}
	page.Title, page.Data = "twofactor.title", d
	web.Render(w, r, pages, "two_factor", page)
}

func (h *Handler) enableTwoFactor(w http.ResponseWriter, r *http.Request) {
	p := auth.From(r.Context())
	codes, err := h.Auth.EnableTwoFactor(r.Context(), p.ID, r.PostFormValue("code"))
	var page web.Page
	switch {
	case err == nil:
		page.Flash = "flash.twofactor_enabled"
		h.renderTwoFactor(w, r, page, codes)
		return
	case errors.Is(err, auth.ErrBadCode), errors.Is(err, auth.ErrNoEnrolment):
		page.Errors.Add(0, "twofactor.code", "twofactor.error.bad_code")
		page.Status = http.StatusUnprocessableEntity
		h.renderTwoFactor(w, r, page, nil)
	default:
		web.ServerError(w, r, err)
	}
}

func (h *Handler) newRecoveryCodes(w http.ResponseWriter, r *http.Request) {
	codes, err := h.Auth.NewRecoveryCodes(r.Context(), auth.From(r.Context()).ID)
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	h.renderTwoFactor(w, r, web.Page{Flash: "flash.recovery_codes"}, codes)
}

func (h *Handler) disableTwoFactor(w http.ResponseWriter, r *http.Request) {
	err := h.Auth.DisableTwoFactor(r.Context(), auth.From(r.Context()).ID, false)
	if errors.Is(err, auth.ErrAdminNeeds2FA) {
		page := web.Page{Status: http.StatusForbidden}
		page.Errors.Add(0, "", "twofactor.error.admin_keeps")
		h.renderTwoFactor(w, r, page, nil)
		return
	}
	if err != nil {
		web.ServerError(w, r, err)
		return
	}
	web.Redirect(w, r, "/account/2fa?ok=flash.twofactor_disabled")
}

// resetTwoFactor is the security administrator's answer to a lost phone:
// the account's second factor is switched off (an administrator enrols
// again at the next sign-in).
func (h *Handler) resetTwoFactor(w http.ResponseWriter, r *http.Request) {
	u, ok := h.userInScope(w, r)
	if !ok {
		return
	}
	if err := h.Auth.DisableTwoFactor(r.Context(), u.ID, true); err != nil {
		web.ServerError(w, r, err)
		return
	}
	web.Redirect(w, r, "/admin/security?ok=flash.twofactor_reset")
}
