// Package medsec holds the domain of medsec, the cybersecurity management system for a
// hospital's networked medical devices and medical information systems: its types, their
// validation and the services that adapters (sqlstore, http) implement or use.
package medsec

import (
	"errors"
	"fmt"
)

// Error codes, one per kind of failure a caller must handle differently.
const (
	ECONFLICT     = "conflict"
	EINTERNAL     = "internal"
	EINVALID      = "invalid"
	ENOTFOUND     = "not_found"
	EUNAUTHORIZED = "unauthorized"
	EFORBIDDEN    = "forbidden"
	// EUNAVAILABLE: the service cannot take the request now (a log store that fails);
	// the caller should retry later.
	EUNAVAILABLE = "unavailable"
	// ETOOLARGE: the request is larger than the server takes; the message names the limit
	// and the caller should send it in smaller parts.
	ETOOLARGE = "too_large"
)

// Error is an application error whose Message is safe to show to a user. Any other error
// is internal: users see "Internal error." and only the log gets its text.
type Error struct {
	Code    string
	Message string
	// Key and Args, when Key is set, let the UI translate the message.
	Key  string
	Args []any
	// Denied, when set, says that the object exists but lies outside the caller's sites or
	// vendor. The caller is told only Code and Message (ENOTFOUND, as for a missing object,
	// so that it learns nothing of the object); the server writes a permission denial with
	// this text to the audit trail.
	Denied string
	// DeniedSiteID is the site of the hidden object (0 for none); the denial is recorded
	// there, so that only users who may see that site read it in the audit trail.
	DeniedSiteID int64
}

// NotInScope returns the error for an object that exists outside the caller's sites or
// vendor: ENOTFOUND with the message (and translation key) of a missing object, marked
// Denied with what was asked for ("asset 37") and the object's site, so that the attempt
// is audited where it belongs.
func NotInScope(message, key, object string, siteID int64) *Error {
	return &Error{Code: ENOTFOUND, Message: message, Key: key, Denied: object + " is outside the user's sites or vendor", DeniedSiteID: siteID}
}

// DeniedObject returns the Denied text and site of an application error that hides an
// object outside the caller's scope, or "" and 0.
func DeniedObject(err error) (string, int64) {
	var e *Error
	if errors.As(err, &e) {
		return e.Denied, e.DeniedSiteID
	}
	return "", 0
}

// Error implements the error interface.
func (e *Error) Error() string {
	return fmt.Sprintf("medsec error: code=%s message=%s", e.Code, e.Message)
}

// ErrorCode returns the code of an application error (EINVALID for a *ValidationError),
// or EINTERNAL for any other error.
func ErrorCode(err error) string {
	var e *Error
	var ve *ValidationError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	case errors.As(err, &ve):
		return EINVALID
	}
	return EINTERNAL
}

// ErrorMessage returns the user-safe message of an application error, or "Internal error."
// for any other error.
func ErrorMessage(err error) string {
	var e *Error
	var ve *ValidationError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Message
	case errors.As(err, &ve):
		return "Invalid input."
	}
	return "Internal error."
}

// Errorf returns an application error with the given code and formatted message.
func Errorf(code string, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorWithKey returns an application error that a user interface or API client reads in
// its own language: Message is format with args, in English; Key names the same message
// in the locales, formatted there with the same args (so the translations take the same
// verbs in the same order).
func ErrorWithKey(code, key, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Key: key, Args: args}
}
