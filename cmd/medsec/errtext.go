package main

import (
	"errors"
	"strings"

	"medsec"
	"medsec/i18n"
)

// errorText is what the command line prints of err in lang. An application error
// (*medsec.Error) reads as its message — in lang through its translation key, else in
// English — in place of its Go form "medsec error: code=… message=…"; a validation error's
// problems read in lang as on the web pages (i18n.Bundle.FieldError) after their file, line
// and field (the field name as the command line and the input spell it); the context
// before them ("report gap: ") stays. Other errors read as they are.
func errorText(b *i18n.Bundle, lang string, err error) string {
	text := err.Error()
	var e *medsec.Error
	if errors.As(err, &e) {
		msg := e.Message
		if lang != i18n.Languages[0] && e.Key != "" && b.Has(e.Key) {
			msg = b.T(lang, e.Key, e.Args...)
		}
		return strings.Replace(text, e.Error(), msg, 1)
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
