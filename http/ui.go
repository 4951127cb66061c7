package http

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/netip"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"medsec"
	"medsec/backup"
	"medsec/report"
)

// page is what every view gets: the language, the user, and the translation helpers.
type page struct {
	s     *Server
	Lang  string
	User  *medsec.User
	Title string
	// Flash is a translated notice shown once at the top of the page.
	Flash string
	// Error is a translated error shown at the top of the page.
	Error  string
	Errors []medsec.FieldError
	// ErrorsOfFields heads the problems' second column "Field" (a rule file's YAML key)
	// rather than "Column" (a sheet's column).
	ErrorsOfFields bool
	// FieldLabels names the page's form fields for the problems table: field name (as in a
	// medsec.FieldError) to the message key of its label on the page.
	FieldLabels map[string]string
	// FieldNames names fields already in the page's language (a risk review's "Risk 3
	// (DR-1): Due"), for fields whose label carries what they belong to; before FieldLabels.
	FieldNames map[string]string
	Path       string
	Data       any
	// ctx is the request's context, for reads the views make (the user's sites' zones).
	ctx  context.Context
	zone *time.Location
	// refNames are the names of sites, departments, vendors and people by ID (as text),
	// read once per page for the audit diff (auditRefNames).
	refNames map[string]map[string]string
	// siteZones are the IANA zones of the sites the user sees, by site ID, read once
	// (AtSite).
	siteZones map[int64]string
}

// timeZones are the zones offered for users and sites: the jurisdictions' and UTC.
var timeZones = []string{"Asia/Taipei", "Asia/Shanghai", "Asia/Tokyo", "UTC"}

// TimeZones lists the zones the forms offer.
func (p *page) TimeZones() []string { return timeZones }

// Jurisdictions lists the jurisdictions a site can be under.
func (p *page) Jurisdictions() []medsec.Jurisdiction { return medsec.Jurisdictions }

// Zone returns the time zone the page shows times in: the user's own, else that of the
// user's first site (by ID) that the user may see, else UTC.
func (p *page) Zone() *time.Location {
	if p.zone != nil {
		return p.zone
	}
	p.zone = time.UTC
	if p.User == nil {
		return p.zone
	}
	if p.User.TimeZone != "" {
		if loc, err := medsec.LoadZone("time_zone", p.User.TimeZone); err == nil {
			p.zone = loc
			return p.zone
		}
	}
	if p.ctx == nil || !p.User.Role.Can(medsec.PermInventoryRead) {
		return p.zone
	}
	sites, err := p.s.Org.FindSites(p.ctx)
	if err != nil || len(sites) == 0 {
		return p.zone
	}
	first := slices.MinFunc(sites, func(a, b *medsec.Site) int { return cmp.Compare(a.ID, b.ID) })
	if loc, err := medsec.LoadZone("time_zone", first.Zone()); err == nil {
		p.zone = loc
	}
	return p.zone
}

// Time writes an instant in the page's time zone with its offset, to the minute
// ("2026-11-30 20:15 +08:00"); the zero time is "".
func (p *page) Time(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(p.Zone()).Format("2006-01-02 15:04 -07:00")
}

// AtSite writes an instant in the time zone of the site with the ID, naming the zone
// ("2026-12-01 08:00 (Asia/Taipei)"): a finding's deadline, found time and fixes are the
// site's business hours, whoever reads them. A site the user does not see, or none, is
// shown in UTC, named so. The zero time is "".
func (p *page) AtSite(t time.Time, siteID int64) string {
	if p.siteZones == nil {
		p.siteZones = map[int64]string{}
		if p.ctx != nil && p.s != nil && p.s.Org != nil {
			if sites, err := p.s.Org.FindSites(p.ctx); err == nil {
				for _, st := range sites {
					p.siteZones[st.ID] = st.Zone()
				}
			}
		}
	}
	return medsec.ZonedTime(t, p.siteZones[siteID])
}

// TimeSec is Time to the second.
func (p *page) TimeSec(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(p.Zone()).Format("2006-01-02 15:04:05 -07:00")
}

// TimeMilli is Time to the millisecond, for packet times.
func (p *page) TimeMilli(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(p.Zone()).Format("2006-01-02 15:04:05.000 -07:00")
}

// Now is the server clock's time, for views that show it.
func (p *page) Now() time.Time { return p.s.now() }

// Day writes the calendar day of an instant in the page's time zone.
func (p *page) Day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(p.Zone()).Format(time.DateOnly)
}

// T translates key into the page's language.
func (p *page) T(key string, args ...any) string { return p.s.i18n.T(p.Lang, key, args...) }

// Bytes writes a byte count as the reports do (report.FormatBytes): below 1 KiB the count
// with the word for bytes in the page's language ("924 bytes", "924 バイト"), else in
// binary units ("1.2 TiB").
func (p *page) Bytes(n int64) string { return report.FormatBytes(n, p.T) }

// TArgs is T for a message whose arguments come as a list of texts, as a record keeps them
// (a backup finding's DetailKey and DetailArgs); templates cannot spread a slice.
func (p *page) TArgs(key string, args []string) string {
	a := make([]any, len(args))
	for i, v := range args {
		a[i] = v
	}
	return p.s.i18n.T(p.Lang, key, a...)
}

// Actor names who did something as a reader knows them: medsec itself ("system": the
// scheduler, the demo, a command on the server) in the page's language (actor.system),
// else the person's display name, else the login (bt16: the Reports page showed logins
// and an untranslated "system").
func (p *page) Actor(username, displayName string) string {
	if username == medsec.SystemUser.Username {
		return p.T("actor.system")
	}
	if displayName != "" {
		return displayName
	}
	return username
}

// BackupDetail is a backup finding's detail in the page's language, each date-time it
// carries (backup.DetailTime, in UTC) written in the time zone of the finding's site
// (AtSite), as the backup record report writes it (bt16 M3).
func (p *page) BackupDetail(f medsec.BackupFinding) string {
	a := make([]any, len(f.DetailArgs))
	for i, v := range f.DetailArgs {
		a[i] = v
		if t, err := time.Parse(backup.DetailTime, v); err == nil {
			a[i] = p.AtSite(t, f.SiteID)
		}
	}
	return p.s.i18n.T(p.Lang, f.DetailKey, a...)
}

// DomainName names catalog id's control domain in the page's language (medsec.DomainKey),
// or as the catalog prints it when there is no message for it; the controls' own texts
// stay in the catalog's language.
func (p *page) DomainName(catalogID, name, nameEn string) string {
	if nameEn == "" {
		return name
	}
	key := medsec.DomainKey(catalogID, nameEn)
	if t := p.s.i18n.T(p.Lang, key); t != key {
		return t
	}
	return name
}

// Enum translates one value of an enumeration, e.g. Enum "kind" "pacs".
func (p *page) Enum(group string, value any) string {
	v := fmt.Sprint(value)
	if v == "" {
		return ""
	}
	return p.s.i18n.T(p.Lang, group+"."+v)
}

// Addr writes a flow's address, or "another host" for the address a vendor user's scope
// hides (the zero address; see docs/SECURITY.md).
func (p *page) Addr(a netip.Addr) string {
	if !a.IsValid() {
		return p.T("flows.hidden_host")
	}
	return a.String()
}

// Can reports whether the page's user holds a permission.
func (p *page) Can(perm string) bool {
	return p.User != nil && p.User.Role.Can(medsec.Permission(perm))
}

// CanChangeModels reports whether the page's user may change device models, their SBOMs
// and MDS2 profiles: inventory:write and not limited to some sites or a vendor (the rule
// of sqlstore's scope, medsec.User.SeesEveryAsset).
func (p *page) CanChangeModels() bool {
	return p.Can(string(medsec.PermInventoryWrite)) && p.User.SeesEveryAsset()
}

// Static returns the checksum URL of a static file.
func (p *page) Static(name string) string { return p.s.staticURL(name) }

// FieldError says what is wrong with a field in the page's language (see
// Server.fieldErrorText).
func (p *page) FieldError(fe medsec.FieldError) string { return p.s.fieldErrorText(p.Lang, fe) }

// FieldLabel names a problem's field by its label on the page, in the page's language,
// else by the common label of a field of that name (message key field.<name>), or as the
// field is named in the input when neither exists.
func (p *page) FieldLabel(fe medsec.FieldError) string {
	if name, ok := p.FieldNames[fe.Field]; ok {
		return name
	}
	if key, ok := p.FieldLabels[fe.Field]; ok {
		return p.T(key)
	}
	if key := "field." + fe.Field; p.s.i18n.Has(key) {
		return p.T(key)
	}
	return fe.Field
}

// ErrorFiles reports whether a problem names a file inside the upload (a zip), so that
// the problems get a file column.
func (p *page) ErrorFiles() bool {
	for _, fe := range p.Errors {
		if fe.File != "" {
			return true
		}
	}
	return false
}

// ErrorLines reports whether a problem names a line of an input file, so that the
// problems get a line column (a form's problems have none).
func (p *page) ErrorLines() bool {
	for _, fe := range p.Errors {
		if fe.Line > 0 {
			return true
		}
	}
	return false
}

// Languages lists the UI languages with their own names.
func (p *page) Languages() [][2]string {
	return [][2]string{{"zh-TW", "繁體中文"}, {"zh-CN", "简体中文"}, {"ja", "日本語"}, {"en", "English"}}
}

// LangName is a UI language's own name ("日本語"), the code itself for another.
func (p *page) LangName(code string) string {
	for _, l := range p.Languages() {
		if l[0] == code {
			return l[1]
		}
	}
	return code
}

var viewFuncs = template.FuncMap{
	"join": strings.Join,
	"add":  func(a, b int) int { return a + b },
	"sub":  func(a, b int) int { return a - b },
	"query": func(base url.Values, kv ...any) string {
		q := url.Values{}
		for k, v := range base {
			q[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			q.Set(fmt.Sprint(kv[i]), fmt.Sprint(kv[i+1]))
		}
		return "?" + q.Encode()
	},
	"list": func(v ...any) []any { return v },
	// segment escapes a value for one path segment ("VDE-2024/001" → "VDE-2024%2F001"), so
	// an advisory ID with "/" links to its own page.
	"segment": url.PathEscape,
	// deref reads an optional count (nil is 0).
	"deref": func(p *int) int {
		if p == nil {
			return 0
		}
		return *p
	},
}

// parseViews parses each page template with the layout and the shared parts (files named
// _*.html, which are not pages), once, at start-up.
func (s *Server) parseViews() error {
	s.views = map[string]*template.Template{}
	names, err := fs.Glob(templatesFS, "templates/*.html")
	if err != nil {
		return err
	}
	for _, name := range names {
		base := path.Base(name)
		if base == "layout.html" || strings.HasPrefix(base, "_") {
			continue
		}
		t, err := template.New(base).Funcs(viewFuncs).ParseFS(templatesFS, "templates/layout.html", "templates/_*.html", name)
		if err != nil {
			return fmt.Errorf("parse view %s: %w", base, err)
		}
		s.views[strings.TrimSuffix(base, ".html")] = t
	}
	return nil
}

// newPage returns the page data for a request: its user and language.
func (s *Server) newPage(r *http.Request, title string) *page {
	u := medsec.UserFromContext(r.Context())
	p := &page{s: s, User: u, Path: r.URL.Path, ctx: r.Context()}
	pref := ""
	if c, err := r.Cookie("medsec_lang"); err == nil {
		pref = c.Value
	}
	if u != nil && u.Language != "" {
		pref = u.Language
	}
	p.Lang = s.i18n.Match(pref, r.Header.Get("Accept-Language"))
	p.Title = p.T(title)
	if c, err := r.Cookie("medsec_flash"); err == nil {
		key, count, counted := strings.Cut(c.Value, "|")
		if n, err := strconv.Atoi(count); counted && err == nil {
			p.Flash = p.T(key, n)
		} else {
			p.Flash = p.T(c.Value)
		}
	}
	return p
}

// render writes a view; a failed render is logged and shown as an internal error.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, view string, p *page) {
	var buf bytes.Buffer
	if err := s.views[view].ExecuteTemplate(&buf, "layout", p); err != nil {
		s.logger.Error("render view", "view", view, "err", err)
		http.Error(w, p.T("err.internal"), http.StatusInternalServerError)
		return
	}
	if p.Flash != "" {
		http.SetCookie(w, &http.Cookie{Name: "medsec_flash", Path: "/", MaxAge: -1})
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// showFormError puts an error the user can fix (invalid fields, a conflict, a refused
// value) at the top of the page and returns nil; any other error is returned for the error
// page.
func (p *page) showFormError(err error) error {
	var ve *medsec.ValidationError
	var e *medsec.Error
	switch {
	case err == nil:
	case errors.As(err, &ve):
		p.Error, p.Errors = p.T("err.invalid_form"), ve.Errors
	case errors.As(err, &e) && (e.Code == medsec.ECONFLICT || e.Code == medsec.EINVALID):
		p.Error = p.T(e.Key, e.Args...)
	default:
		return err
	}
	return nil
}

// flash sets a message key to show on the next page.
func flash(w http.ResponseWriter, key string) {
	http.SetCookie(w, &http.Cookie{Name: "medsec_flash", Value: key, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

// flashCount sets a message key to show on the next page with a number for its %d.
func flashCount(w http.ResponseWriter, key string, n int) {
	flash(w, key+"|"+strconv.Itoa(n))
}

// uiError shows an error page: a safe, translated message; the cause of internal errors
// goes to the log only.
func (s *Server) uiError(w http.ResponseWriter, r *http.Request, err error) {
	if s.clientGone(r, err) {
		return
	}
	status := errorStatus(err)
	if status == http.StatusUnauthorized {
		http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	p := s.newPage(r, "err.title")
	var e *medsec.Error
	var ve *medsec.ValidationError
	switch {
	case status == http.StatusForbidden:
		p.Title = p.T("err.forbidden_title")
		if errors.As(err, &e) && e.Key != "" && e.Key != "err.forbidden" && s.i18n.Has(e.Key) {
			p.Error = p.T(e.Key, e.Args...)
		} else if p.User != nil {
			p.Error = p.T("err.denied_role", p.Enum("role", p.User.Role))
		} else {
			p.Error = p.T("err.forbidden")
		}
	case status == http.StatusNotFound:
		p.Title = p.T("err.not_found_title")
		if errors.As(err, &e) && e.Key != "" && s.i18n.Has(e.Key) {
			p.Error = p.T(e.Key, e.Args...)
		} else {
			p.Error = p.T("err.not_found_page")
		}
	case errors.As(err, &ve):
		p.Error, p.Errors = p.T("err.invalid_form"), ve.Errors
	case status == http.StatusInternalServerError:
		s.logger.Error("ui request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		p.Error = p.T("err.internal")
	case errors.As(err, &e) && e.Key != "" && s.i18n.Has(e.Key):
		p.Error = p.T(e.Key, e.Args...)
	default:
		p.Error = medsec.ErrorMessage(err)
	}
	if status == http.StatusForbidden {
		s.denied(r, medsec.ErrorMessage(err))
	} else if obj, site := medsec.DeniedObject(err); obj != "" {
		s.deniedAt(r, obj, site) // shown "not found", audited as the denial it is
	}
	s.render(w, r, status, "error", p)
}

// deniedKeys says, per permission, what a role without it cannot do ("Your role, Auditor
// (read-only), may not change the inventory, assessments, zones or discovery.").
var deniedKeys = map[medsec.Permission]string{
	medsec.PermInventoryRead:  "err.denied.inventory_read",
	medsec.PermInventoryWrite: "err.denied.inventory_write",
	medsec.PermAuditRead:      "err.denied.audit_read",
	medsec.PermUserAdmin:      "err.denied.user_admin",
	medsec.PermSiteAdmin:      "err.denied.site_admin",
	medsec.PermIncidentRead:   "err.denied.incident_read",
	medsec.PermIncidentWrite:  "err.denied.incident_write",
	medsec.PermIncidentAdmin:  "err.denied.incident_admin",
	medsec.PermRuleRead:       "err.denied.rule_read",
}

// uiDenied answers a page the user's role does not allow: status 403, titled "Not allowed"
// in the user's language, with a sentence naming the role and what it cannot do, and a link
// home. The denial is audited as every other one.
func (s *Server) uiDenied(w http.ResponseWriter, r *http.Request, perm medsec.Permission) {
	err := medsec.ErrForbidden()
	s.denied(r, medsec.ErrorMessage(err))
	p := s.newPage(r, "err.forbidden_title")
	key, ok := deniedKeys[perm]
	if !ok {
		key = "err.denied_role"
	}
	p.Error = p.T(key, p.Enum("role", p.User.Role))
	s.render(w, r, http.StatusForbidden, "error", p)
}

// notFoundCatcher passes a response through unless the mux answers 404 or 405, which it
// swallows so that the caller can answer in its own words (the mux's Allow header stays).
type notFoundCatcher struct {
	http.ResponseWriter
	caught int
}

// WriteHeader implements http.ResponseWriter.
func (c *notFoundCatcher) WriteHeader(code int) {
	if code == http.StatusNotFound || code == http.StatusMethodNotAllowed {
		c.caught = code
		return
	}
	c.ResponseWriter.WriteHeader(code)
}

// Write implements http.ResponseWriter; the body of a swallowed answer is dropped.
func (c *notFoundCatcher) Write(b []byte) (int, error) {
	if c.caught != 0 {
		return len(b), nil
	}
	return c.ResponseWriter.Write(b)
}

// withNotFound answers requests that no route matches: under /api/ with the API's JSON
// error (code not_found), elsewhere with the layout's error page in the user's language,
// status 404. A known path with a method it does not take is 405 the same way (code
// method_not_allowed, the Allow header listing the methods it takes). Requests a route
// matches are the mux's as before.
func (s *Server) withNotFound(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		c := &notFoundCatcher{ResponseWriter: w}
		mux.ServeHTTP(c, r)
		if c.caught == 0 {
			return
		}
		api := r.URL.Path == "/api" || strings.HasPrefix(r.URL.Path, "/api/")
		if api || r.Header.Get("Authorization") == "" { // pages know only sessions
			if u := s.authenticate(r); u != nil {
				r = withUser(r, u)
			}
		}
		if c.caught == http.StatusMethodNotAllowed {
			s.methodNotAllowed(w, r, api)
			return
		}
		notFound := &medsec.Error{Code: medsec.ENOTFOUND, Message: "Not found.", Key: "err.not_found_page"}
		if api {
			s.apiError(w, r, notFound)
			return
		}
		s.uiError(w, r, notFound)
	})
}

// methodNotAllowed answers a known path asked with a method it does not take: 405, in the
// user's language, as JSON under /api/ and as the error page elsewhere.
func (s *Server) methodNotAllowed(w http.ResponseWriter, r *http.Request, api bool) {
	if api {
		lang := s.apiLang(r)
		writeJSON(w, http.StatusMethodNotAllowed, map[string]any{"error": s.i18n.T(lang, "err.method_not_allowed", r.Method),
			"code": "method_not_allowed", "key": "err.method_not_allowed", "lang": lang})
		return
	}
	p := s.newPage(r, "err.method_title")
	p.Error = p.T("err.method_not_allowed", r.Method)
	s.render(w, r, http.StatusMethodNotAllowed, "error", p)
}

// ui wraps a UI handler: it requires a logged-in user holding perm ("" for any user),
// sends users who must enrol TOTP to enrolment first, and renders errors.
func (s *Server) ui(perm medsec.Permission, h func(w http.ResponseWriter, r *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u := s.authenticate(r)
		if u == nil || r.Header.Get("Authorization") != "" {
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		r = withUser(r, u)
		// A password-only session where two-factor is mandatory may enrol and log out,
		// nothing else: not the account page, its tokens or its password form.
		if r.URL.Path != "/account/totp" && r.URL.Path != "/logout" {
			must, err := s.mustEnrolTOTP(r, u)
			if err != nil {
				s.uiError(w, r, err)
				return
			}
			if must {
				flash(w, "totp.required_notice")
				http.Redirect(w, r, "/account/totp", http.StatusSeeOther)
				return
			}
		}
		if perm != "" && !u.Role.Can(perm) {
			s.uiDenied(w, r, perm)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 256<<20)
		if err := h(w, r); err != nil {
			s.uiError(w, r, err)
		}
	})
}

// uiRoutes registers the web UI. One handler per page, in ui_*.go.
func (s *Server) uiRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /login", s.uiLogin)
	mux.HandleFunc("POST /login", s.uiLoginPost)
	mux.Handle("POST /logout", s.ui("", s.uiLogout))
	mux.Handle("GET /{$}", s.ui(medsec.PermInventoryRead, s.uiDashboard))
	mux.HandleFunc("POST /language", s.uiLanguage)

	mux.Handle("GET /search", s.ui(medsec.PermInventoryRead, s.uiSearch))
	mux.Handle("GET /assets", s.ui(medsec.PermInventoryRead, s.uiAssetList))
	mux.Handle("GET /assets/new", s.ui(medsec.PermInventoryWrite, s.uiAssetNew))
	mux.Handle("POST /assets", s.ui(medsec.PermInventoryWrite, s.uiAssetCreate))
	mux.Handle("GET /assets/import", s.ui(medsec.PermInventoryWrite, s.uiAssetImport))
	mux.Handle("POST /assets/import", s.ui(medsec.PermInventoryWrite, s.uiAssetImportPost))
	mux.Handle("GET /assets/import/template", s.ui(medsec.PermInventoryRead, s.assetTemplate))
	mux.Handle("GET /assets/export", s.ui(medsec.PermInventoryRead, s.exportAssets))
	mux.Handle("GET /assets/{id}", s.ui(medsec.PermInventoryRead, s.uiAssetShow))
	mux.Handle("GET /assets/{id}/edit", s.ui(medsec.PermInventoryWrite, s.uiAssetEdit))
	mux.Handle("POST /assets/{id}", s.ui(medsec.PermInventoryWrite, s.uiAssetUpdate))
	mux.Handle("POST /assets/{id}/retire", s.ui(medsec.PermInventoryWrite, s.uiAssetRetire))
	mux.Handle("POST /assets/bulk", s.ui(medsec.PermInventoryWrite, s.uiAssetBulk))

	mux.Handle("GET /discovery", s.ui(medsec.PermInventoryRead, s.uiDiscoveryList))
	mux.Handle("POST /discovery", s.ui(medsec.PermInventoryWrite, s.uiDiscoveryCreate))
	mux.Handle("GET /discovery/{id}", s.ui(medsec.PermInventoryRead, s.uiDiscoveryShow))
	mux.Handle("POST /discovery/{id}/accept", s.ui(medsec.PermInventoryWrite, s.uiDiscoveryAccept))
	mux.Handle("POST /discovery/{id}/assets", s.ui(medsec.PermInventoryWrite, s.uiDiscoveryAddAsset))

	s.zoneUIRoutes(mux)
	s.logUIRoutes(mux)
	s.componentUIRoutes(mux)
	s.incidentUIRoutes(mux)
	s.vulnUIRoutes(mux)
	s.aliasUIRoutes(mux)

	mux.Handle("GET /organisation", s.ui(medsec.PermInventoryRead, s.uiOrg))
	mux.Handle("POST /organisation/{what}", s.ui(medsec.PermInventoryWrite, s.uiOrgCreate))
	mux.Handle("GET /organisation/{what}/{id}/edit", s.ui(medsec.PermInventoryWrite, s.uiOrgEdit))
	mux.Handle("POST /organisation/{what}/{id}/edit", s.ui(medsec.PermInventoryWrite, s.uiOrgUpdate))
	mux.Handle("GET /organisation/{what}/{id}/delete", s.ui(medsec.PermInventoryWrite, s.uiOrgDeleteConfirm))
	mux.Handle("POST /organisation/{what}/{id}/delete", s.ui(medsec.PermInventoryWrite, s.uiOrgDelete))
	mux.Handle("POST /organisation/sites/{id}", s.ui(medsec.PermSiteAdmin, s.uiOrgSiteUpdate))
	mux.Handle("POST /organisation/sites/{id}/retire", s.ui(medsec.PermSiteAdmin, s.uiOrgSiteRetire))

	s.logStoreUIRoutes(mux)
	s.logReviewUIRoutes(mux)
	s.accountUIRoutes(mux)
	s.emergencyUIRoutes(mux)
	s.maintenanceUIRoutes(mux)
	s.backupUIRoutes(mux)
	s.systemUIRoutes(mux)
	s.governanceUIRoutes(mux)
	s.reportUIRoutes(mux)
	s.riskReviewUIRoutes(mux)

	mux.Handle("GET /audit", s.ui(medsec.PermAuditRead, s.uiAuditList))
	mux.Handle("GET /audit/export", s.ui(medsec.PermAuditRead, s.exportAudit))
	mux.Handle("GET /audit/{id}", s.ui(medsec.PermAuditRead, s.uiAuditShow))

	mux.Handle("GET /users", s.ui(medsec.PermUserAdmin, s.uiUserList))
	mux.Handle("POST /users", s.ui(medsec.PermUserAdmin, s.uiUserCreate))
	mux.Handle("POST /users/{id}", s.ui(medsec.PermUserAdmin, s.uiUserUpdate))
	mux.Handle("POST /settings", s.ui(medsec.PermUserAdmin, s.uiSettingsUpdate))
	mux.Handle("GET /users/directory", s.ui(medsec.PermUserAdmin, s.uiDirectory))
	mux.Handle("POST /users/directory", s.ui(medsec.PermUserAdmin, s.uiDirectorySettings))
	mux.Handle("POST /users/directory/lookup", s.ui(medsec.PermUserAdmin, s.uiDirectoryLookup))
	mux.Handle("POST /users/directory/mappings", s.ui(medsec.PermUserAdmin, s.uiDirectoryMappingAdd))
	mux.Handle("POST /users/directory/mappings/{n}/delete", s.ui(medsec.PermUserAdmin, s.uiDirectoryMappingDelete))
	mux.Handle("GET /notifications", s.ui(medsec.PermUserAdmin, s.uiNotify))
	mux.Handle("POST /notifications/settings", s.ui(medsec.PermUserAdmin, s.uiNotifySettings))
	mux.Handle("POST /notifications/test", s.ui(medsec.PermUserAdmin, s.uiNotifyTest))
	mux.Handle("POST /notifications/deliveries/{id}/withdraw", s.ui(medsec.PermUserAdmin, s.uiNoticeWithdraw))
	mux.Handle("POST /notifications/webhooks", s.ui(medsec.PermUserAdmin, s.uiWebhookCreate))
	mux.Handle("POST /notifications/webhooks/{id}", s.ui(medsec.PermUserAdmin, s.uiWebhookUpdate))
	mux.Handle("POST /notifications/webhooks/{id}/delete", s.ui(medsec.PermUserAdmin, s.uiWebhookDelete))
	mux.Handle("POST /notifications/webhooks/{id}/test", s.ui(medsec.PermUserAdmin, s.uiNotifyTest))

	mux.Handle("GET /account", s.ui("", s.uiAccount))
	mux.Handle("GET /account/totp", s.ui("", s.uiTOTP))
	mux.Handle("POST /account/totp", s.ui("", s.uiTOTPPost))
	mux.Handle("POST /account/password", s.ui("", s.uiPasswordPost))
	mux.Handle("POST /account/tokens", s.ui("", s.uiTokenCreate))
	mux.Handle("POST /account/tokens/{id}/revoke", s.ui("", s.uiTokenRevoke))
	mux.Handle("GET /users/{id}/tokens", s.ui(medsec.PermUserAdmin, s.uiUserTokens))
	mux.Handle("POST /users/{id}/tokens/{token}/revoke", s.ui(medsec.PermUserAdmin, s.uiUserTokenRevoke))
	mux.Handle("POST /account/notifications", s.ui("", s.uiNotifyPrefs))
	mux.Handle("POST /account/timezone", s.ui("", s.uiTimeZone))

	mux.Handle("GET /assets/{id}/controls", s.ui(medsec.PermInventoryRead, s.uiAssetControls))
	mux.Handle("POST /assets/{id}/controls", s.ui(medsec.PermInventoryWrite, s.uiAssetAssess))
	mux.Handle("GET /compliance", s.ui(medsec.PermInventoryRead, s.uiGapReport))
	mux.Handle("GET /compliance/export", s.ui(medsec.PermInventoryRead, s.exportGap))
	mux.Handle("GET /compliance/oscal", s.ui(medsec.PermInventoryRead, s.exportOSCAL))
	mux.Handle("GET /compliance/organisation", s.ui(medsec.PermInventoryRead, s.uiOrgControls))
	mux.Handle("POST /compliance/organisation", s.ui(medsec.PermInventoryWrite, s.uiOrgAssess))
	mux.Handle("POST /compliance/settings", s.ui(medsec.PermUserAdmin, s.uiComplianceSettings))
	mux.Handle("GET /compliance/bulk", s.ui(medsec.PermInventoryRead, s.uiBulkAssess))
	mux.Handle("POST /compliance/bulk", s.ui(medsec.PermInventoryWrite, s.uiBulkAssessPost))
	mux.Handle("GET /compliance/calendar", s.ui(medsec.PermInventoryRead, s.uiObligationCalendar))
	mux.Handle("GET /compliance/reviews", s.ui(medsec.PermInventoryRead, s.uiReviewsOverdue))
	mux.Handle("GET /evidence/{sha256}", s.ui(medsec.PermInventoryRead, s.serveEvidence))

	mux.Handle("GET /alerts", s.ui(medsec.PermAlertRead, s.uiAlertList))
	mux.Handle("GET /alerts/{id}", s.ui(medsec.PermAlertRead, s.uiAlertShow))
	mux.Handle("POST /alerts/{id}", s.ui(medsec.PermAlertWrite, s.uiAlertTriage))
	mux.Handle("GET /rules", s.ui(medsec.PermRuleRead, s.uiRuleList))
	mux.Handle("POST /rules/import", s.ui(medsec.PermRuleAdmin, s.uiRuleImport))
	mux.Handle("POST /rules/settings", s.ui(medsec.PermRuleAdmin, s.uiDetectionSettings))
	mux.Handle("GET /rules/{id}", s.ui(medsec.PermRuleRead, s.uiRuleShow))
	mux.Handle("POST /rules/{id}/test", s.ui(medsec.PermRuleAdmin, s.uiRuleShow))
	mux.Handle("POST /rules/{id}/sites/{site}", s.ui(medsec.PermRuleAdmin, s.uiRuleSite))
	mux.Handle("POST /rules/{id}/suppressions", s.ui(medsec.PermRuleAdmin, s.uiRuleSuppress))
	mux.Handle("POST /rules/{id}/suppressions/{sid}/expire", s.ui(medsec.PermRuleAdmin, s.uiSuppressionExpire))
}

// ScoreSource says where a finding's score came from, for the parenthesis after it
// (issue 11): the scanner's check, NVD's record, a CSAF advisory (named), a scanner's
// score stored as the CVE's before migration 0090, or "" when nothing scored it.
func (p *page) ScoreSource(f *medsec.Finding) string {
	switch f.ScoreSource {
	case medsec.ScoreFromScanner:
		return p.T("vuln.score_from_scanner", f.ScoreCheck)
	case medsec.ScoreFromAdvisory:
		switch f.ScoreOrigin {
		case medsec.ScoreOriginNVD:
			return p.T("vuln.score_from_nvd", f.ScoreRef)
		case medsec.ScoreOriginCSAF:
			return p.T("vuln.score_from_csaf", f.ScoreRef)
		case medsec.ScoreOriginScanner:
			return p.T("vuln.score_from_legacy_scanner")
		}
		return p.T("vuln.score_from_advisory")
	}
	return ""
}
