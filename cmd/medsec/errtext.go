package main

import (
	"errors"
	"strings"

	"medsec"
	"medsec/i18n"
	"medsec/vuln"
)

// errorText is what the command line prints of err in lang. An application error
// (*medsec.Error) reads as its message — in lang through its translation key, else in
// English — in place of its Go form "medsec error: code=… message=…"; a validation error's
// problems read in lang as on the web pages (i18n.Bundle.FieldError) after their file, line
// and field (the field name as the command line and the input spell it); the context
// before them ("report gap: ") stays. Other errors read as they are.
func errorText(b *i18n.Bundle, lang string, err error) string {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		// errors.Join: each error in lang, one a line (medsec cvss's bad vectors).
		var parts []string
		for _, e := range j.Unwrap() {
			parts = append(parts, errorText(b, lang, e))
		}
		return strings.Join(parts, "\n")
	}
	text := err.Error()
	var ce *cliError
	if errors.As(err, &ce) {
		if lang == i18n.Languages[0] || !b.Has(ce.key) {
			return text
		}
		return strings.Replace(text, ce.msg, b.T(lang, ce.key, ce.args...), 1)
	}
	var e *medsec.Error
	if errors.As(err, &e) {
		msg := e.Message
		if lang != i18n.Languages[0] && e.Key != "" && b.Has(e.Key) {
			msg = b.T(lang, e.Key, e.Args...)
		}
		if !strings.Contains(text, e.Error()) {
			// Wrapped by withContext: the text carries the message, not the Go form.
			return strings.Replace(text, e.Message, msg, 1)
		}
		return strings.Replace(text, e.Error(), msg, 1)
	}
	var vec *vuln.VectorError
	if errors.As(err, &vec) && lang != i18n.Languages[0] && vec.Key != "" && b.Has(vec.Key) {
		// A bad CVSS vector (bt11g M6): the vector, the metric and the reason in lang.
		args := make([]any, len(vec.Args))
		for i, a := range vec.Args {
			args[i] = a
		}
		reason := b.T(lang, vec.Key, args...)
		msg := b.T(lang, "cvss.err.vector", vec.Vector, reason)
		if vec.Metric != "" {
			msg = b.T(lang, "cvss.err.vector_metric", vec.Vector, vec.Metric, reason)
		}
		return strings.Replace(text, vec.Error(), msg, 1)
	}
	var ie *vuln.InputError
	if errors.As(err, &ie) && lang != i18n.Languages[0] {
		// A refused feed file (bt11g M6): file, JSON path or line, and the rule, in lang.
		reason := ie.Reason
		if ie.Key != "" && b.Has(ie.Key) {
			args := make([]any, len(ie.Args))
			for i, a := range ie.Args {
				args[i] = a
			}
			reason = b.T(lang, ie.Key, args...)
			if ie.More > 0 {
				reason = b.T(lang, "csaf.schema.more", reason, ie.More)
			}
		}
		where := ie.Where
		if where == "" {
			where = "/"
		}
		return strings.Replace(text, ie.Error(), b.T(lang, "err.bad_feed_at", ie.File, where, reason), 1)
	}
	var ve *medsec.ValidationError
	if errors.As(err, &ve) {
		tr := *ve
		tr.Errors = make([]medsec.FieldError, len(ve.Errors))
		for i, fe := range ve.Errors {
			fe.Message = b.FieldError(lang, fe)
			tr.Errors[i] = fe
		}
		return strings.Replace(text, ve.Error(), tr.Error(), 1)
	}
	return text
}

// cliError is a command's own error (a usage mistake) with its translation key: Error is
// the English text, errorText says it in the user's language.
type cliError struct {
	msg, key string
	args     []any
}

// Error implements error.
func (e *cliError) Error() string { return e.msg }

// usageError is a cliError whose English text is the key's message.
func usageError(key, msg string, args ...any) error { return &cliError{msg: msg, key: key, args: args} }

// contextError is an error after the command's context ("vex export"): Error reads as the
// operator should read it (describe), while the error itself stays inside for errorText
// to translate.
type contextError struct {
	context string
	err     error
}

// withContext wraps err after context; context "" adds nothing before it.
func withContext(context string, err error) error { return &contextError{context: context, err: err} }

// Error implements error.
func (e *contextError) Error() string {
	if e.context == "" {
		return describe(e.err)
	}
	return e.context + ": " + describe(e.err)
}

// Unwrap returns the wrapped error.
func (e *contextError) Unwrap() error { return e.err }
