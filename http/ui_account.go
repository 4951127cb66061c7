package http

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"image/png"
	"net/http"
	"strconv"
	"time"

	"github.com/pquerna/otp"

	"medsec"
)

// accountData is the user's own account page.
type accountData struct {
	NewToken string
	// Tokens are the user's live API tokens.
	Tokens []*medsec.APIToken
	// Notify is the notification preferences section (ui_notify.go).
	Notify *notifyPrefsView
}

func (s *Server) uiAccount(w http.ResponseWriter, r *http.Request) error {
	return s.renderAccount(w, r, http.StatusOK, "", nil)
}

// renderAccount shows the account page, with a token just made or an error to fix.
func (s *Server) renderAccount(w http.ResponseWriter, r *http.Request, status int, newToken string, formErr error) error {
	tokens, err := s.Users.FindAPITokens(r.Context(), medsec.UserFromContext(r.Context()).ID)
	if err != nil {
		return err
	}
	p := s.newPage(r, "account.title")
	p.Data = &accountData{NewToken: newToken, Tokens: tokens, Notify: s.notifyPrefs(r)}
	if err := p.showFormError(formErr); err != nil {
		return err
	}
	s.render(w, r, status, "account", p)
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
	days, _ := strconv.Atoi(r.PostFormValue("expires_in_days"))
	token, _, err := s.Users.IssueAPIToken(r.Context(), u.ID, r.PostFormValue("name"), time.Duration(days)*24*time.Hour)
	if err != nil {
		return s.renderAccount(w, r, errorStatus(err), "", err)
	}
	return s.renderAccount(w, r, http.StatusOK, token, nil)
}

func (s *Server) uiTokenRevoke(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	if err := s.Users.DeleteAPIToken(r.Context(), id); err != nil {
		return err
	}
	flash(w, "account.token_revoked")
	http.Redirect(w, r, "/account", http.StatusSeeOther)
	return nil
}

// userTokensData is an admin's view of a user's API tokens.
type userTokensData struct {
	User   *medsec.User
	Tokens []*medsec.APIToken
	// Base is where the revoke forms post: Base/{token id}/revoke.
	Base string
}

func (s *Server) uiUserTokens(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	u, err := s.Users.FindUserByID(r.Context(), id)
	if err != nil {
		return err
	}
	tokens, err := s.Users.FindAPITokens(r.Context(), id)
	if err != nil {
		return err
	}
	p := s.newPage(r, "users.tokens")
	p.Title = p.T("users.tokens") + ": " + u.Username
	p.Data = &userTokensData{User: u, Tokens: tokens, Base: fmt.Sprintf("/users/%d/tokens", id)}
	s.render(w, r, http.StatusOK, "user_tokens", p)
	return nil
}

func (s *Server) uiUserTokenRevoke(w http.ResponseWriter, r *http.Request) error {
	userID, err := parseID(r, "id")
	if err != nil {
		return err
	}
	id, err := parseID(r, "token")
	if err != nil {
		return err
	}
	if err := s.Users.DeleteAPIToken(r.Context(), id); err != nil {
		return err
	}
	flash(w, "account.token_revoked")
	http.Redirect(w, r, fmt.Sprintf("/users/%d/tokens", userID), http.StatusSeeOther)
	return nil
}

// uiTimeZone stores the user's time zone ("" for the sites') and returns to the account
// page; an unknown zone is shown there as an error.
func (s *Server) uiTimeZone(w http.ResponseWriter, r *http.Request) error {
	if err := s.Users.SetTimeZone(r.Context(), r.PostFormValue("time_zone")); err != nil {
		return err
	}
	flash(w, "account.time_zone_saved")
	http.Redirect(w, r, "/account#time-zone", http.StatusSeeOther)
	return nil
}
