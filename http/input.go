package http

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"medsec"
)

// Text input is checked in one place for every route, before any handler runs
// (security review F13: a NUL in a query parameter, a form field or a JSON string gave a
// 500 on PostgreSQL and was stored as is by SQLite):
//
//   - inputGuard checks every query parameter (names and values) and every field of a
//     URL-encoded form, and the well-known parameters' form (limit, offset, ids, dates);
//   - readJSON checks every string, and every object key, of a JSON body;
//   - checkMultipart checks the field values and file names of a multipart form, where a
//     handler parses one.
//
// Refused are the characters medsec.BadRune refuses; tab and line breaks are allowed in
// form and JSON values (text areas) and refused in query parameters. Each refusal is a
// *medsec.ValidationError naming the parameter or field, shown as 422. The domain's
// Validate methods then refuse tabs and line breaks in single-line fields.

// maxFormBody bounds a URL-encoded form body, in bytes (Go's own default for forms).
const maxFormBody = 10 << 20

// idParams are query parameters that hold the ID of a record: a positive integer.
var idParams = []string{"site", "site_id", "department", "vendor", "asset", "object_id", "parent", "from", "to", "zone", "conduit", "run"}

// dateParams are query parameters that hold a date, YYYY-MM-DD.
var dateParams = []string{"since", "until"}

// inputGuard refuses a request whose query string or URL-encoded form holds a character
// medsec does not store, or whose well-known parameters are malformed, with a 422 naming
// the parameter; the API gets JSON, the UI an error page.
func (s *Server) inputGuard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := checkRequestInput(w, r); err != nil {
			if strings.HasPrefix(r.URL.Path, "/api/") {
				// Said in the token user's language when there is no Accept-Language.
				if u := s.authenticate(r); u != nil {
					r = withUser(r, u)
				}
				s.apiError(w, r, err)
			} else {
				s.uiInputRefused(w, r, err)
			}
			return
		}
		next.ServeHTTP(w, r)
	})
}

// formLabelRoutes name, per page that posts a form, the labels of its fields (field name
// to message key), so that a form refused here, before its handler runs, names each field
// as the page does. The longest matching path prefix wins.
var formLabelRoutes = map[string]map[string]string{
	"/incidents":            incidentListLabels,
	"/incidents/calendar":   incidentListLabels,
	"/incidents/from-alert": incidentListLabels,
	"/incidents/":           incidentShowLabels,
	"/organisation/":        orgLabels,
	"/assets/bulk":          assetBulkLabels,
}

// formLabelsFor returns the field labels of the form posted to path (nil for none).
func formLabelsFor(path string) map[string]string {
	if labels, ok := formLabelRoutes[path]; ok {
		return labels
	}
	best := ""
	for prefix := range formLabelRoutes {
		if strings.HasSuffix(prefix, "/") && strings.HasPrefix(path, prefix) && len(prefix) > len(best) {
			best = prefix
		}
	}
	return formLabelRoutes[best]
}

// uiInputRefused shows a request refused by inputGuard (a NUL or another control
// character in a form field or query parameter) on the error page, as the signed-in
// user reads pages: in their language, with the menu, each problem naming the field by
// its label on the page that sent it (else by the common label of a field of that name)
// and saying in that language what is wrong, with the character's code point (U+0000);
// titled "The form was not sent", saying that nothing was saved.
func (s *Server) uiInputRefused(w http.ResponseWriter, r *http.Request, err error) {
	if r.Header.Get("Authorization") == "" {
		if u := s.authenticate(r); u != nil {
			r = withUser(r, u)
		}
	}
	var ve *medsec.ValidationError
	if !errors.As(err, &ve) {
		s.uiError(w, r, err)
		return
	}
	p := s.newPage(r, "err.form_refused_title")
	p.FieldLabels = formLabelsFor(r.URL.Path)
	p.ErrorsOfFields = true
	p.Error, p.Errors = p.T("err.form_refused"), ve.Errors
	s.render(w, r, http.StatusUnprocessableEntity, "error", p)
}

// rawBodyPaths are the routes that read their body as a file (JSON lines, an advisory
// feed) whatever its Content-Type: curl's default form type must not make the form
// parser eat the body (records silently dropped) or echo it as a parameter name.
var rawBodyPaths = map[string]bool{
	"/api/v1/logs/ingest":       true,
	"/api/v1/advisories/import": true,
}

// checkRequestInput checks the query string and, for a URL-encoded body, the form.
func checkRequestInput(w http.ResponseWriter, r *http.Request) error {
	var errs []medsec.FieldError
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		errs = append(errs, medsec.FieldError{Field: "query", Key: "err.bad_char", Message: "is not a valid query string"})
	}
	errs = append(errs, checkValues(q, false)...)
	errs = append(errs, checkParams(q)...)
	if len(errs) == 0 && (r.Method == http.MethodPost || r.Method == http.MethodPut || r.Method == http.MethodPatch) &&
		strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") && !rawBodyPaths[r.URL.Path] {
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
		if err := r.ParseForm(); err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				return medsec.ErrorWithKey(medsec.ETOOLARGE, "err.form_too_large", "The form is larger than the %d MiB a form may have.", maxFormBody>>20)
			}
			errs = append(errs, medsec.FieldError{Field: "form", Key: "err.bad_char", Message: "is not a readable form"})
		} else {
			errs = append(errs, checkValues(r.PostForm, true)...)
		}
	}
	if len(errs) > 0 {
		return &medsec.ValidationError{Errors: errs}
	}
	return nil
}

// checkValues checks the names and values of query or form parameters, in name order.
func checkValues(values map[string][]string, multiline bool) []medsec.FieldError {
	names := make([]string, 0, len(values))
	for k := range values {
		names = append(names, k)
	}
	slices.Sort(names)
	var errs []medsec.FieldError
	for _, k := range names {
		if fe := medsec.CheckText(fieldName(k), k, false); fe != nil {
			fe.Message = "the parameter name " + fe.Message
			errs = append(errs, *fe)
			continue
		}
		for _, v := range values[k] {
			if fe := medsec.CheckText(k, v, multiline); fe != nil {
				errs = append(errs, *fe)
				break
			}
		}
	}
	return errs
}

// fieldName is a parameter name safe to put in an error: invalid UTF-8 and control
// characters replaced.
func fieldName(k string) string {
	return strings.Map(func(r rune) rune {
		if r == utf8.RuneError || r < 0x20 || (r >= 0x7F && r < 0xA0) {
			return '?'
		}
		return r
	}, strings.ToValidUTF8(k, "?"))
}

// checkParams checks the form of the well-known query parameters: limit is 1 to
// medsec.MaxPageSize, offset and year whole numbers, IDs positive whole numbers (site_id
// too: was read as 0, every site, when not a number), dates YYYY-MM-DD,
// sort a field lists can be sorted by. An empty value means "not given".
func checkParams(q map[string][]string) []medsec.FieldError {
	var errs []medsec.FieldError
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[len(v)-1]
		}
		return ""
	}
	if v := get("limit"); v != "" {
		if n, err := strconv.Atoi(v); err != nil || n < 1 || n > medsec.MaxPageSize {
			errs = append(errs, medsec.FieldError{Field: "limit", Key: "err.bad_limit", Message: fmt.Sprintf("must be a whole number between 1 and %d", medsec.MaxPageSize)})
		}
	}
	if v := get("offset"); v != "" {
		if n, err := strconv.Atoi(v); err != nil || n < 0 {
			errs = append(errs, medsec.FieldError{Field: "offset", Key: "err.bad_number", Message: "must be a whole number, 0 or more"})
		}
	}
	if v := get("year"); v != "" {
		if n, err := strconv.Atoi(v); err != nil || n < 0 {
			errs = append(errs, medsec.FieldError{Field: "year", Key: "err.bad_number", Message: "must be a whole number, 0 or more"})
		}
	}
	for _, k := range idParams {
		if v := get(k); v != "" {
			if n, err := strconv.ParseInt(v, 10, 64); err != nil || n < 1 {
				errs = append(errs, medsec.FieldError{Field: k, Key: "err.bad_id", Message: "must be the number of a record (a whole number, 1 or more)"})
			}
		}
	}
	for _, k := range dateParams {
		if v := get(k); v != "" {
			if _, err := time.Parse(time.DateOnly, v); err != nil {
				errs = append(errs, medsec.FieldError{Field: k, Key: "err.bad_date", Message: "is not a date (YYYY-MM-DD)"})
			}
		}
	}
	if v := get("sort"); v != "" && !slices.Contains(medsec.AssetSortFields, strings.TrimPrefix(v, "-")) {
		errs = append(errs, medsec.FieldError{Field: "sort", Key: "err.unknown_value",
			Message: fmt.Sprintf("unknown sort field (want one of %s, optionally with a leading -)", strings.Join(medsec.AssetSortFields, ", "))})
	}
	return errs
}

// readJSON decodes the request body into v, refusing unknown fields, a body larger than
// medsec.MaxJSONBody, and any string or key holding a character medsec does not store
// (named by its path, e.g. "ips[3]").
func readJSON(r *http.Request, v any) error {
	data, err := io.ReadAll(io.LimitReader(r.Body, medsec.MaxJSONBody+1))
	if err != nil {
		return medsec.ErrorWithKey(medsec.EINVALID, "err.body_unreadable", "The request body could not be read.")
	}
	if len(data) > medsec.MaxJSONBody {
		return &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "body", Key: "err.body_too_large",
			Message: fmt.Sprintf("is larger than %d MiB", medsec.MaxJSONBody>>20)}}}
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return medsec.ErrorWithKey(medsec.EINVALID, "err.body_empty", "The request body is empty.")
	}
	if fe := checkJSONText(data); fe != nil {
		return &medsec.ValidationError{Errors: []medsec.FieldError{*fe}}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if fe := valueError(data, v); fe != nil {
			return &medsec.ValidationError{Errors: []medsec.FieldError{*fe}}
		}
		return jsonError(err)
	}
	// One object and nothing after it but space (bt16: `{...} {...}` was taken as its first
	// object, the rest dropped unsaid).
	if _, err := dec.Token(); err != io.EOF {
		return &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "body", Key: "err.body_trailing",
			Message: "holds more after the JSON object: send one object and nothing after it"}}}
	}
	return nil
}

// valueError names the top-level field of a JSON object whose value its type refused
// for a reason the decoder does not tie to a field (a date or time that does not parse:
// the error of medsec.Date's or time.Time's UnmarshalJSON carries no field name): each
// member is decoded alone into a fresh value of v's type, and the first that fails is
// the field. Dates get err.bad_date, times err.bad_time, anything else err.wrong_type;
// nil when no single member fails (the problem is elsewhere).
func valueError(data []byte, v any) *medsec.FieldError {
	t := reflect.TypeOf(v)
	if t == nil || t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		return nil
	}
	var members map[string]json.RawMessage
	if json.Unmarshal(data, &members) != nil {
		return nil
	}
	keys := make([]string, 0, len(members))
	for k := range members {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		one, _ := json.Marshal(map[string]json.RawMessage{k: members[k]})
		err := json.Unmarshal(one, reflect.New(t.Elem()).Interface())
		if err == nil {
			continue
		}
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return nil // jsonError names it
		}
		value := strings.Trim(string(members[k]), `"`)
		var pe *time.ParseError
		switch {
		case errors.As(err, &pe):
			// encoding/json reads a time.Time as RFC 3339 only: a date alone is refused.
			return &medsec.FieldError{Field: fieldName(k), Key: "err.bad_timestamp", Message: "is not a time (RFC 3339, such as 2026-12-01T08:30:00+08:00)", Value: value}
		case strings.Contains(err.Error(), "is not a date"):
			return &medsec.FieldError{Field: fieldName(k), Key: "err.bad_date", Message: "is not a date (YYYY-MM-DD)", Value: value}
		}
		return &medsec.FieldError{Field: fieldName(k), Key: "err.wrong_type", Message: "has the wrong type", Value: value}
	}
	return nil
}

// checkJSONText walks the tokens of a JSON document and returns a FieldError for the first
// string or key that holds a character medsec.BadRune refuses (tab and line breaks
// allowed), or is not valid UTF-8 in the raw text (which encoding/json would silently
// replace). Syntax errors are left to the decoder.
func checkJSONText(data []byte) *medsec.FieldError {
	dec := json.NewDecoder(bytes.NewReader(data))
	type frame struct {
		key     string
		index   int
		inArray bool
		wantKey bool
	}
	var stack []frame
	path := func() string {
		var b strings.Builder
		for _, f := range stack {
			if f.inArray {
				fmt.Fprintf(&b, "[%d]", f.index)
			} else if f.key != "" {
				if b.Len() > 0 {
					b.WriteByte('.')
				}
				b.WriteString(fieldName(f.key))
			}
		}
		if b.Len() == 0 {
			return "body"
		}
		return b.String()
	}
	// after a value, move the enclosing container on.
	advance := func() {
		if n := len(stack); n > 0 {
			if stack[n-1].inArray {
				stack[n-1].index++
			} else {
				stack[n-1].wantKey = true
			}
		}
	}
	var prev int64
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil // io.EOF, or a syntax error the decoder will report
		}
		raw := data[prev:dec.InputOffset()]
		prev = dec.InputOffset()
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				stack = append(stack, frame{wantKey: true})
			case '[':
				stack = append(stack, frame{inArray: true})
			default:
				stack = stack[:len(stack)-1]
				advance()
			}
			continue
		case string:
			isKey := len(stack) > 0 && !stack[len(stack)-1].inArray && stack[len(stack)-1].wantKey
			if isKey {
				stack[len(stack)-1].key, stack[len(stack)-1].wantKey = t, false
			}
			field := path()
			if !utf8.Valid(raw) {
				return &medsec.FieldError{Field: field, Key: "err.bad_char", Message: "is not valid UTF-8 text"}
			}
			if fe := medsec.CheckText(field, t, true); fe != nil {
				return fe
			}
			if isKey {
				continue
			}
		}
		advance()
	}
}

// checkMultipart checks the field names, values and file names of a parsed multipart
// form (r.MultipartForm), as inputGuard checks a URL-encoded one.
func checkMultipart(form *multipart.Form) error {
	if form == nil {
		return nil
	}
	errs := checkValues(form.Value, true)
	for k, files := range form.File {
		for _, fh := range files {
			if fe := checkUploadName(k, fh.Filename); fe != nil {
				errs = append(errs, *fe)
			}
		}
	}
	if len(errs) > 0 {
		return &medsec.ValidationError{Errors: errs}
	}
	return nil
}

// checkUploadName checks the field name and file name of one uploaded part: characters,
// and a file name of at most medsec.MaxLineLength characters.
func checkUploadName(field, filename string) *medsec.FieldError {
	if fe := medsec.CheckText(fieldName(field), field, false); fe != nil {
		return fe
	}
	if fe := medsec.CheckText(fieldName(field), filename, false); fe != nil {
		return fe
	}
	return medsec.CheckLength(fieldName(field), filename, medsec.MaxLineLength)
}
