package medsec

import (
	"fmt"
	"unicode/utf8"
)

// Bounds on what one request may hold. They keep a single record small enough to read,
// list, audit and export quickly (security review F14: one asset with 9.5 million IP
// addresses made every read of it, and the audit trail, take seconds). Each is stated in
// the error that enforces it and in the OpenAPI document.
const (
	// MaxPageSize is the largest page a list call returns (its limit parameter).
	MaxPageSize = 1000
	// MaxAssetAddresses bounds an asset's IP addresses, MAC addresses and DICOM AE titles,
	// each list on its own.
	MaxAssetAddresses = 64
	// MaxZoneRanges bounds a zone's address ranges.
	MaxZoneRanges = 256
	// MaxZoneVLANs bounds a zone's VLANs, and MaxZoneSSIDs its Wi-Fi SSIDs.
	MaxZoneVLANs = 256
	MaxZoneSSIDs = 64
	// MaxConduitAddresses bounds a conduit's source and destination whitelists, each.
	MaxConduitAddresses = 256
	// MaxConduitPorts bounds the length, in characters, of a conduit's port list.
	MaxConduitPorts = 1000
	// MaxListItems bounds any other list field: connectivity, controls, site limits.
	MaxListItems = 1000
	// MaxAssessmentLinks bounds an assessment's links, and MaxEvidenceItems its evidence
	// citations (security retest N4: 1000 links of 7000 characters made one list page 37 MB).
	MaxAssessmentLinks = 50
	MaxEvidenceItems   = 100
	// MaxNameLength bounds a record's name, in characters.
	MaxNameLength = 200
	// MaxLineLength bounds every other single-line text field (model, serial, location,
	// contact, address, list entry), in characters.
	MaxLineLength = 500
	// MaxLinkLength bounds one link (URL), in characters.
	MaxLinkLength = 2048
	// MaxBulkAssets bounds the assets of one bulk assessment.
	MaxBulkAssets = 10000
	// MaxTextLength bounds a free-text field (notes, descriptions, reasons), in characters.
	MaxTextLength = 4000
	// MaxJSONBody bounds a JSON request body, in bytes. Far above any valid record, far
	// below what would cost the server real memory to decode.
	MaxJSONBody = 8 << 20
)

// PageLimit returns the page size a list call uses for the limit asked: def for 0, the
// limit itself for 1 to MaxPageSize, and EINVALID for anything else.
func PageLimit(limit, def int) (int, error) {
	switch {
	case limit == 0:
		return def, nil
	case limit < 0 || limit > MaxPageSize:
		return 0, &ValidationError{Errors: []FieldError{{Field: "limit", Key: "err.bad_limit",
			Message: fmt.Sprintf("must be between 1 and %d", MaxPageSize)}}}
	}
	return limit, nil
}

// BadRune returns the first character of s that medsec does not store, and true; or 0 and
// false when s is clean. Refused are: invalid UTF-8 (returned as utf8.RuneError), the C0
// controls (U+0000–U+001F) except tab, line feed and carriage return when multiline, DEL
// and the C1 controls (U+007F–U+009F), the non-characters U+FFFE and U+FFFF, and the
// bidirectional embedding, override and isolate controls (U+202A–U+202E, U+2066–U+2069),
// which make a title read differently from what it holds ("Trojan Source"). NUL in
// particular is refused: PostgreSQL cannot store it in text at all, and SQLite would keep
// it and cut the value short in most tools.
func BadRune(s string, multiline bool) (rune, bool) {
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if (b < 0x20 && !(multiline && (b == '\t' || b == '\n' || b == '\r'))) || b == 0x7F {
				return rune(b), true
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || (r >= 0x80 && r < 0xA0) || r == 0xFFFE || r == 0xFFFF || isBidiControl(r) {
			return r, true
		}
		i += size
	}
	return 0, false
}

// CheckText returns an err.bad_char FieldError for field when value holds a character
// BadRune refuses, naming the character by its code point (Value "U+0000"), or saying that
// the text is not UTF-8 (no Value); otherwise nil. Single-line fields (names, codes,
// addresses) pass multiline false, which refuses tab and line breaks too.
func CheckText(field, value string, multiline bool) *FieldError {
	r, bad := BadRune(value, multiline)
	if !bad {
		return nil
	}
	if r == utf8.RuneError {
		return &FieldError{Field: field, Key: "err.bad_char", Message: "is not valid UTF-8 text"}
	}
	return &FieldError{Field: field, Key: "err.bad_char", Message: fmt.Sprintf("contains the character %U, which is not allowed", r), Value: fmt.Sprintf("%U", r)}
}

// CheckLength returns an err.too_long FieldError for field when value has more than max
// characters (runes, not bytes), naming the bound; otherwise nil. Every text field of every
// record is bounded through it.
func CheckLength(field, value string, max int) *FieldError {
	if utf8.RuneCountInString(value) <= max {
		return nil
	}
	return &FieldError{Field: field, Key: "err.too_long", Message: fmt.Sprintf("is longer than %d characters", max)}
}

// textChecks collects the FieldErrors of a record's text fields and list bounds; Validate
// methods use it so that every record refuses the same characters with the same words.
type textChecks struct{ errs []FieldError }

// line checks single-line fields: their characters and that each is at most
// MaxLineLength characters long.
func (c *textChecks) line(field string, values ...string) {
	c.lineMax(field, MaxLineLength, values...)
}

// lineMax checks single-line fields with a bound of its own: max characters each. It
// reports at most one error per field.
func (c *textChecks) lineMax(field string, max int, values ...string) {
	for _, v := range values {
		fe := CheckText(field, v, false)
		if fe == nil {
			fe = CheckLength(field, v, max)
		}
		if fe != nil {
			c.errs = append(c.errs, *fe)
			return
		}
	}
}

// text checks a multi-line free-text field and its length.
func (c *textChecks) text(field, value string) {
	if fe := CheckText(field, value, true); fe != nil {
		c.errs = append(c.errs, *fe)
	} else if fe := CheckLength(field, value, MaxTextLength); fe != nil {
		c.errs = append(c.errs, *fe)
	}
}

// count checks that a list field has at most max entries.
func (c *textChecks) count(field string, n, max int) {
	if n > max {
		c.errs = append(c.errs, FieldError{Field: field, Key: "err.too_many",
			Message: fmt.Sprintf("has %d entries; at most %d are allowed", n, max)})
	}
}
