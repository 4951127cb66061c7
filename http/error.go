package http

import (
	"errors"
	"net/http"
	"strings"

	"medsec"
)

// Errors are shown to people in their language, on pages and in API responses alike:
// errorText says an error's message and fieldErrorText one invalid field's problem. The
// machine-readable parts (code, key, field, value, enum, allowed) stay as they are, so
// that programs branch on them whatever the language.

// codeKeys are the messages of errors that carry no key of their own, by code: a
// translated sentence saying what kind of failure it is, shown in place of the English
// detail in languages other than English.
var codeKeys = map[string]string{
	medsec.ECONFLICT:     "err.code.conflict",
	medsec.EINVALID:      "err.code.invalid",
	medsec.ENOTFOUND:     "err.code.not_found",
	medsec.EUNAUTHORIZED: "err.code.unauthorized",
	medsec.EFORBIDDEN:    "err.forbidden",
	medsec.EINTERNAL:     "err.internal",
	medsec.EUNAVAILABLE:  "err.code.unavailable",
	medsec.ETOOLARGE:     "err.code.too_large",
}

// apiLang is the language of an API response: the request's Accept-Language, else the
// user's own setting, else English.
func (s *Server) apiLang(r *http.Request) string {
	if h := r.Header.Get("Accept-Language"); h != "" {
		return s.i18n.Match(h)
	}
	if u := medsec.UserFromContext(r.Context()); u != nil && u.Language != "" {
		return s.i18n.Match(u.Language)
	}
	return "en"
}

// errorText says err in lang: an application error's own message key when the locales
// have it, else (in English) its English message, else the sentence of its code; a
// validation error says that fields are invalid; any other error is the internal one.
func (s *Server) errorText(lang string, err error) string {
	var e *medsec.Error
	var ve *medsec.ValidationError
	switch {
	case errors.As(err, &ve):
		return s.i18n.T(lang, "err.api_invalid")
	case errors.As(err, &e):
		if e.Code == medsec.EINTERNAL {
			return s.i18n.T(lang, "err.internal")
		}
		if e.Key != "" && s.i18n.Has(e.Key) {
			return s.i18n.T(lang, e.Key, e.Args...)
		}
		if lang == "en" && e.Message != "" {
			return e.Message
		}
		if key, ok := codeKeys[e.Code]; ok {
			return s.i18n.T(lang, key)
		}
	}
	return s.i18n.T(lang, "err.internal")
}

// fieldErrorText says what is wrong with a field in lang (i18n.Bundle.FieldError).
func (s *Server) fieldErrorText(lang string, fe medsec.FieldError) string {
	return s.i18n.FieldError(lang, fe)
}

// apiFieldErrors are invalid fields as the API answers them: each FieldError's own
// fields, with Message in the response's language.
func (s *Server) apiFieldErrors(lang string, errs []medsec.FieldError) []medsec.FieldError {
	out := make([]medsec.FieldError, len(errs))
	for i, fe := range errs {
		fe.Message = s.fieldErrorText(lang, fe)
		out[i] = fe
	}
	return out
}

// crossOriginDenied answers a state-changing request that cross-origin protection refused
// (a form posted from another site's page): status 403, under /api/ as the API's JSON error
// and elsewhere as the "Not allowed" page, saying why in the user's language (the session's
// or token's user when there is one, for their language setting), with key
// err.cross_origin. The refusal is audited as every other denial.
func (s *Server) crossOriginDenied(w http.ResponseWriter, r *http.Request) {
	if u := s.authenticate(r); u != nil {
		r = withUser(r, u)
	}
	err := medsec.ErrorWithKey(medsec.EFORBIDDEN, "err.cross_origin",
		"The request came from another site's page, so it was refused. Open the page in medsec itself and send it again.")
	if r.URL.Path == "/api" || strings.HasPrefix(r.URL.Path, "/api/") {
		s.apiError(w, r, err)
		return
	}
	s.uiError(w, r, err)
}
