package http

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"medsec"
)

func (s *Server) uiLogin(w http.ResponseWriter, r *http.Request) {
	p := s.newPage(r, "login.title")
	p.Data = map[string]string{"Next": safeNext(r.URL.Query().Get("next"))}
	s.render(w, r, http.StatusOK, "login", p)
}

// safeNext keeps a redirect after login or a language switch on this site. It accepts only
// an absolute path of printable ASCII: browsers drop tabs and newlines inside URLs and read a
// backslash as a slash (WHATWG URL §4.4), so "/\t/host", "/\n/host" and "/\\host" are
// "//host", another origin. Anything else, including a path whose decoded form starts with
// "//" or "/\", gives the home page.
func safeNext(next string) string {
	const home = "/"
	if !strings.HasPrefix(next, "/") {
		return home
	}
	for i := 0; i < len(next); i++ {
		if c := next[i]; c <= ' ' || c >= 0x7f || c == '\\' {
			return home
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return home
	}
	if p := u.Path; !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.ContainsAny(p, "\\\t\r\n") {
		return home
	}
	return next
}

func (s *Server) uiLoginPost(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<16)
	ctx := medsec.NewContextWithRemoteAddr(r.Context(), clientIP(r))
	r = r.WithContext(ctx)
	p := s.newPage(r, "login.title")
	next := safeNext(r.FormValue("next"))
	p.Data = map[string]string{"Next": next, "Username": r.FormValue("username")}
	if !s.limiter.allow(clientIP(r), s.now()) {
		p.Error = p.T("err.rate_limited")
		s.render(w, r, http.StatusTooManyRequests, "login", p)
		return
	}
	u, err := s.Users.Authenticate(ctx, r.FormValue("username"), r.FormValue("password"), r.FormValue("code"))
	if err != nil {
		var e *medsec.Error
		if !errors.As(err, &e) || e.Code != medsec.EUNAUTHORIZED {
			s.uiError(w, r, err)
			return
		}
		p.Error = p.T(e.Key)
		p.Data = map[string]string{"Next": next, "Username": r.FormValue("username"), "NeedCode": boolString(e.Key == medsec.KeyTOTPRequired)}
		s.render(w, r, http.StatusUnauthorized, "login", p)
		return
	}
	token, err := s.Users.CreateSession(ctx, u.ID)
	if err != nil {
		s.uiError(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true, Secure: s.secureCookies,
		SameSite: http.SameSiteLaxMode, MaxAge: int((12 * time.Hour).Seconds())})
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return ""
}

func (s *Server) uiLogout(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := s.Users.DeleteSession(r.Context(), c.Value); err != nil {
			return err
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.secureCookies, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

// uiLanguage switches the UI language: stored for a logged-in user, and in a cookie.
func (s *Server) uiLanguage(w http.ResponseWriter, r *http.Request) {
	lang := s.i18n.Match(r.FormValue("lang"))
	http.SetCookie(w, &http.Cookie{Name: "medsec_lang", Value: lang, Path: "/", MaxAge: 365 * 24 * 3600, HttpOnly: true, Secure: s.secureCookies, SameSite: http.SameSiteLaxMode})
	if u := s.authenticate(r); u != nil {
		if err := s.Users.SetLanguage(withUser(r, u).Context(), lang); err != nil {
			s.uiError(w, r, err)
			return
		}
	}
	http.Redirect(w, r, safeNext(r.FormValue("next")), http.StatusSeeOther)
}
