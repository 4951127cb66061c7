package http

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"image/png"
	"net/http"

	"github.com/pquerna/otp"

	"medsec"
)

// accountData is the user's own account page.
type accountData struct {
	NewToken string
	// Notify is the notification preferences section (ui_notify.go).
	Notify *notifyPrefsView
}

func (s *Server) uiAccount(w http.ResponseWriter, r *http.Request) error {
	p := s.newPage(r, "account.title")
	p.Data = &accountData{Notify: s.notifyPrefs(r)}
	s.render(w, r, http.StatusOK, "account", p)
	return nil
}

// totpData is the two-factor enrolment page: the secret as text and as a QR code.
type totpData struct {
	Secret string
	URL    string
	// QR is the otpauth:// URL as a PNG QR code in a data: URL. It is typed template.URL
	// because html/template replaces any data: URL in a src attribute with "#ZgotmplZ"; the
	// value is built here from our own PNG, never from input.
	QR template.URL
}

// renderTOTP shows the enrolment page with the user's pending secret (the same one on every
// showing until enrolment, so a wrong code does not invalidate what was scanned).
func (s *Server) renderTOTP(w http.ResponseWriter, r *http.Request, status int, errKey string) error {
	p := s.newPage(r, "totp.title")
	if errKey != "" {
		p.Error = p.T(errKey)
	}
	if p.User.TOTPEnabled {
		s.render(w, r, status, "totp", p)
		return nil
	}
	secret, url, err := s.Users.BeginTOTP(r.Context())
	if err != nil {
		return err
	}
	d := &totpData{Secret: secret, URL: url}
	key, err := otp.NewKeyFromURL(url)
	if err != nil {
		return fmt.Errorf("totp qr code: %w", err)
	}
	img, err := key.Image(200, 200)
	if err != nil {
		return fmt.Errorf("totp qr code: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return fmt.Errorf("totp qr code: %w", err)
	}
	d.QR = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()))
	p.Data = d
	s.render(w, r, status, "totp", p)
	return nil
}

func (s *Server) uiTOTP(w http.ResponseWriter, r *http.Request) error {
	return s.renderTOTP(w, r, http.StatusOK, "")
}

func (s *Server) uiTOTPPost(w http.ResponseWriter, r *http.Request) error {
	if err := s.Users.EnableTOTP(r.Context(), r.PostFormValue("code")); err != nil {
		var e *medsec.Error
		if !errors.As(err, &e) || e.Code != medsec.EINVALID {
			return err
		}
		return s.renderTOTP(w, r, http.StatusUnprocessableEntity, e.Key)
	}
	flash(w, "totp.enabled")
	http.Redirect(w, r, "/account", http.StatusSeeOther)
	return nil
}

func (s *Server) uiPasswordPost(w http.ResponseWriter, r *http.Request) error {
	u := medsec.UserFromContext(r.Context())
	if _, err := s.Users.Authenticate(r.Context(), u.Username, r.PostFormValue("current"), r.PostFormValue("code")); err != nil {
		p := s.newPage(r, "account.title")
		p.Error = p.T("account.wrong_password")
		p.Data = &accountData{Notify: s.notifyPrefs(r)}
		s.render(w, r, http.StatusUnprocessableEntity, "account", p)
		return nil
	}
	if err := s.Users.SetPassword(r.Context(), u.ID, r.PostFormValue("password")); err != nil {
		var ve *medsec.ValidationError
		if !errors.As(err, &ve) {
			return err
		}
		p := s.newPage(r, "account.title")
		p.Error, p.Errors = p.T("err.invalid_form"), ve.Errors
		p.Data = &accountData{Notify: s.notifyPrefs(r)}
		s.render(w, r, http.StatusUnprocessableEntity, "account", p)
		return nil
	}
	flash(w, "account.password_changed")
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

func (s *Server) uiTokenCreate(w http.ResponseWriter, r *http.Request) error {
	u := medsec.UserFromContext(r.Context())
	name := r.PostFormValue("name")
	if name == "" {
		name = "api"
	}
	token, err := s.Users.CreateAPIToken(r.Context(), u.ID, name)
	if err != nil {
		return err
	}
	p := s.newPage(r, "account.title")
	p.Data = &accountData{NewToken: token, Notify: s.notifyPrefs(r)}
	s.render(w, r, http.StatusOK, "account", p)
	return nil
}
