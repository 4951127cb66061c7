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
)

// Error is an application error whose Message is safe to show to a user. Any other error
// is internal: users see "Internal error." and only the log gets its text.
type Error struct {
	Code    string
	Message string
	// Key and Args, when Key is set, let the UI translate the message.
	Key  string
	Args []any
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
