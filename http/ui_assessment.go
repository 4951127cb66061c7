package http

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"medsec"
)

// orgCatalogs are the catalogs assessed for the organisation, in display order.
var orgCatalogs = []string{"cn-nhc-2022-measures", "jp-mhlw-6.0-system-operation", "hospital-incident-plan"}

// allCatalogs are every catalog, the TW baseline (assessed per asset) first.
var allCatalogs = append([]string{"tw-mohw-medical-baseline"}, orgCatalogs...)

// controlsPageSize is how many controls a page of a controls page lists.
const controlsPageSize = 25

// controlsData is the page listing the controls that apply to a subject with their
// assessments and an assessment form each.
type controlsData struct {
	Asset     *medsec.AssetControls
	CatalogID string
	Catalogs  []string
	// Controls are every control that applies; Groups the page's part of those the filter
	// keeps, by domain.
	Controls []medsec.ApplicableControl
	Groups   []controlGroup
	Filter   controlsFilter
	Pager    pager
	// Levels and Domains are the filter's choices.
	Levels  []medsec.Level
	Domains []string
	// DomainsEn are the English names of Domains, one for one.
	DomainsEn []string
	Settings  medsec.ComplianceSettings
	// Voluntary counts the encouraged or recommended items among Controls.
	Voluntary int
	// NetworkRows are the graded networks of the settings form, then blank rows to add.
	NetworkRows []medsec.GradedNetwork
	Statuses    []medsec.AssessmentStatus
	// ReportStatuses adds not-assessed, for the counts.
	ReportStatuses []medsec.AssessmentStatus
	Patterns       []string
	Action         string
	// Counts by status of the listed controls.
	Counts map[medsec.AssessmentStatus]int
}

// controlGroup is one collapsible group of a controls page: the controls of one domain.
type controlGroup struct {
	Domain, DomainEn string
	Controls         []medsec.ApplicableControl
}

// controlsFilter narrows a controls page; Control is the control to show open, on its page.
type controlsFilter struct {
	Level   medsec.Level
	Status  medsec.AssessmentStatus
	Domain  string
	Control string
}

// setControls fills the page's filter choices, groups and pager from every applicable
// control and the request's level, status, domain, page and control.
func (d *controlsData) setControls(r *http.Request, controls []medsec.ApplicableControl) {
	q := r.URL.Query()
	d.Controls, d.Counts, d.Levels = controls, countStatuses(controls), medsec.Levels
	d.Filter = controlsFilter{Level: medsec.Level(q.Get("level")), Status: medsec.AssessmentStatus(q.Get("status")), Domain: q.Get("domain"), Control: q.Get("control")}
	if d.Filter.Control == "" {
		d.Filter.Control = r.PostFormValue("control_id") // a form sent back with its error
	}
	var kept []medsec.ApplicableControl
	focus := -1
	for _, c := range controls {
		if !slices.Contains(d.Domains, c.Domain) {
			d.Domains = append(d.Domains, c.Domain)
			d.DomainsEn = append(d.DomainsEn, c.DomainEn)
		}
		f := d.Filter
		if f.Level != "" && c.Level != f.Level || f.Status != "" && c.Status != f.Status || f.Domain != "" && c.Domain != f.Domain {
			continue
		}
		if c.ControlID == f.Control {
			focus = len(kept)
		}
		kept = append(kept, c)
	}
	d.Pager = newPager(r, len(kept), controlsPageSize)
	if focus >= 0 && r.URL.Query().Get("page") == "" {
		d.Pager = d.Pager.at(focus/controlsPageSize+1, controlsPageSize)
	}
	for _, c := range pageOf(d.Pager, kept) {
		if n := len(d.Groups); n == 0 || d.Groups[n-1].Domain != c.Domain {
			d.Groups = append(d.Groups, controlGroup{Domain: c.Domain, DomainEn: c.DomainEn})
		}
		g := &d.Groups[len(d.Groups)-1]
		g.Controls = append(g.Controls, c)
	}
}

func countStatuses(cs []medsec.ApplicableControl) map[medsec.AssessmentStatus]int {
	m := map[medsec.AssessmentStatus]int{}
	for _, c := range cs {
		m[c.Status]++
	}
	return m
}

// Carriage says, in the page's language, which 附表一 targets the asset carries and why,
// or who carries them for it, linking the boundary hosts that do [000 四, 五(二)].
func (p *page) Carriage(ac *medsec.AssetControls) template.HTML {
	if ac == nil || ac.Carriage == "" {
		return ""
	}
	var links []string
	for _, r := range ac.CarriedBy {
		links = append(links, fmt.Sprintf(`<a href="/assets/%d/controls" class="carrier">%s</a>`, r.ID, template.HTMLEscapeString(r.Name)))
	}
	key := "carriage." + ac.Carriage
	switch ac.Carriage {
	case medsec.CarriedByBoundaryHost:
		const lan, hosts = "@@LAN@@", "@@HOSTS@@"
		msg := template.HTMLEscapeString(p.T(key, lan, hosts))
		msg = strings.Replace(msg, lan, template.HTMLEscapeString(ac.LocalLAN), 1)
		return template.HTML(strings.Replace(msg, hosts, strings.Join(links, ", "), 1))
	case medsec.CarriedNoBoundaryHost:
		where := ac.LocalLAN
		if where == "" {
			where = p.T("carriage.no_zone")
		}
		return template.HTML(template.HTMLEscapeString(p.T(key, where)))
	}
	return template.HTML(template.HTMLEscapeString(p.T(key)))
}

// AssetCompliance returns what the TW baseline asks of the asset for the asset page, nil
// when it cannot be computed (the cause is logged).
func (p *page) AssetCompliance(a *medsec.Asset) *medsec.AssetControls {
	if p.s.Assessments == nil || p.User == nil {
		return nil
	}
	ac, err := p.s.Assessments.AssetControls(medsec.NewContextWithUser(context.Background(), p.User), a.ID)
	if err != nil {
		p.s.logger.Error("asset compliance section", "asset", a.ID, "err", err)
		return nil
	}
	return ac
}

// Failing returns the check results that fail.
func (p *page) Failing(rs []medsec.CheckResult) []medsec.CheckResult {
	var out []medsec.CheckResult
	for _, r := range rs {
		if r.Outcome == medsec.CheckFail {
			out = append(out, r)
		}
	}
	return out
}

func (s *Server) uiAssetControls(w http.ResponseWriter, r *http.Request) error {
	return s.renderAssetControls(w, r, http.StatusOK, nil)
}

func (s *Server) renderAssetControls(w http.ResponseWriter, r *http.Request, status int, formErr error) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	ac, err := s.Assessments.AssetControls(r.Context(), id)
	if err != nil {
		return err
	}
	p := s.newPage(r, "controls.title")
	p.Title = ac.Asset.Name + " · " + p.T("controls.title")
	d := &controlsData{Asset: ac, CatalogID: "tw-mohw-medical-baseline", Statuses: medsec.AssessmentStatuses, ReportStatuses: medsec.ReportStatuses,
		Action: "/assets/" + strconv.FormatInt(id, 10) + "/controls"}
	d.setControls(r, ac.Controls)
	p.Data = d
	if err := setFormError(p, formErr); err != nil {
		return err
	}
	s.render(w, r, status, "assessment_controls", p)
	return nil
}

// setFormError shows a validation or application error on the page; any other error is
// returned to become an error page.
func setFormError(p *page, err error) error {
	if err == nil {
		return nil
	}
	var ve *medsec.ValidationError
	var e *medsec.Error
	switch {
	case errors.As(err, &ve):
		p.Error, p.Errors = p.T("err.invalid_form"), ve.Errors
	case errors.As(err, &e) && e.Code == medsec.EINVALID && e.Key != "":
		p.Error = p.T(e.Key)
	default:
		return err
	}
	return nil
}

// assessmentFromForm reads an assessment form (multipart, with evidence files) and stores
// the uploaded files in the evidence store.
func (s *Server) assessmentFromForm(r *http.Request) (*medsec.Assessment, error) {
	if err := r.ParseMultipartForm(32 << 20); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		return nil, medsec.ErrorWithKey(medsec.EINVALID, "err.form_unreadable", "The form could not be read.")
	}
	if err := checkMultipart(r.MultipartForm); err != nil {
		return nil, err
	}
	a := &medsec.Assessment{
		CatalogID:    r.FormValue("catalog_id"),
		ControlID:    r.FormValue("control_id"),
		Status:       medsec.AssessmentStatus(r.FormValue("status")),
		Reason:       r.FormValue("reason"),
		Compensating: r.FormValue("compensating"),
		Notes:        r.FormValue("notes"),
		Links:        strings.Split(strings.ReplaceAll(r.FormValue("links"), "\r", ""), "\n"),
	}
	var errs []medsec.FieldError
	var err error
	if a.NextReview, err = medsec.ParseDate(strings.TrimSpace(r.FormValue("next_review"))); err != nil {
		errs = append(errs, medsec.FieldError{Field: "next_review", Key: "err.bad_date", Message: err.Error()})
	}
	if a.AssessedOn, err = medsec.ParseDate(strings.TrimSpace(r.FormValue("assessed_on"))); err != nil {
		errs = append(errs, medsec.FieldError{Field: "assessed_on", Key: "err.bad_date", Message: err.Error()})
	}
	if len(errs) > 0 {
		return nil, &medsec.ValidationError{Errors: errs}
	}
	if r.MultipartForm != nil {
		for _, fh := range r.MultipartForm.File["evidence"] {
			if fh.Filename == "" && fh.Size == 0 {
				continue
			}
			f, err := fh.Open()
			if err != nil {
				return nil, err
			}
			ev, err := s.Assessments.StoreEvidence(r.Context(), fh.Filename, f)
			f.Close()
			if err != nil {
				return nil, err
			}
			a.Evidence = append(a.Evidence, ev)
		}
	}
	return a, nil
}

func (s *Server) uiAssetAssess(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	a, err := s.assessmentFromForm(r)
	if err == nil {
		a.CatalogID, a.AssetID = "tw-mohw-medical-baseline", id
		err = s.Assessments.Assess(r.Context(), a)
	}
	if err != nil {
		return s.renderAssetControls(w, r, errorStatus(err), err)
	}
	flash(w, "assessment.saved")
	http.Redirect(w, r, "/assets/"+strconv.FormatInt(id, 10)+"/controls?control="+url.QueryEscape(a.ControlID)+"#"+url.PathEscape(a.ControlID), http.StatusSeeOther)
	return nil
}

func orgCatalogParam(r *http.Request) string {
	if c := r.FormValue("catalog"); slices.Contains(orgCatalogs, c) {
		return c
	}
	return orgCatalogs[0]
}

func (s *Server) uiOrgControls(w http.ResponseWriter, r *http.Request) error {
	return s.renderOrgControls(w, r, http.StatusOK, orgCatalogParam(r), nil)
}

func (s *Server) renderOrgControls(w http.ResponseWriter, r *http.Request, status int, catalogID string, formErr error) error {
	controls, err := s.Assessments.OrganisationControls(r.Context(), catalogID)
	if err != nil {
		return err
	}
	set, err := s.Assessments.FindComplianceSettings(r.Context())
	if err != nil {
		return err
	}
	p := s.newPage(r, "org_controls.title")
	d := &controlsData{CatalogID: catalogID, Catalogs: orgCatalogs, Settings: set, Statuses: medsec.AssessmentStatuses, ReportStatuses: medsec.ReportStatuses,
		Patterns: []string{"I", "II", "III", "IV"}, Action: "/compliance/organisation?catalog=" + url.QueryEscape(catalogID),
		NetworkRows: append(slices.Clone(set.Networks), make([]medsec.GradedNetwork, 3)...)}
	d.setControls(r, controls)
	for _, c := range controls {
		if c.Voluntary {
			d.Voluntary++
		}
	}
	p.Data = d
	if err := setFormError(p, formErr); err != nil {
		return err
	}
	s.render(w, r, status, "assessment_controls", p)
	return nil
}

func (s *Server) uiOrgAssess(w http.ResponseWriter, r *http.Request) error {
	catalogID := orgCatalogParam(r)
	a, err := s.assessmentFromForm(r)
	if err == nil {
		a.CatalogID, a.AssetID = catalogID, medsec.Organisation
		err = s.Assessments.Assess(r.Context(), a)
	}
	if err != nil {
		return s.renderOrgControls(w, r, errorStatus(err), catalogID, err)
	}
	flash(w, "assessment.saved")
	next := "/compliance/organisation?catalog=" + url.QueryEscape(catalogID) + "&control=" + url.QueryEscape(a.ControlID) + "#" + url.PathEscape(a.ControlID)
	if r.FormValue("from") == "calendar" {
		next = "/compliance/calendar"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

func (s *Server) uiComplianceSettings(w http.ResponseWriter, r *http.Request) error {
	set := medsec.ComplianceSettings{JPPattern: r.FormValue("jp_pattern"), CIIOperator: r.FormValue("cii_operator") == "on", Networks: []medsec.GradedNetwork{}}
	// One row per graded network: net_name, net_level and net_people repeat in order; a
	// row left blank is skipped.
	names, levels, people := r.PostForm["net_name"], r.PostForm["net_level"], r.PostForm["net_people"]
	var errs []medsec.FieldError
	for i := range names {
		name, level, count := strings.TrimSpace(names[i]), "", ""
		if i < len(levels) {
			level = strings.TrimSpace(levels[i])
		}
		if i < len(people) {
			count = strings.NewReplacer(",", "", " ", "", "_", "").Replace(people[i])
		}
		if name == "" && (level == "" || level == "0") && count == "" {
			continue
		}
		n := medsec.GradedNetwork{Name: name}
		var err error
		if n.Level, err = strconv.Atoi(level); err != nil {
			errs = append(errs, medsec.FieldError{Line: i + 1, Field: "networks.level", Key: "err.not_a_number", Message: "is not a number"})
		}
		if count != "" {
			if n.People, err = strconv.ParseInt(count, 10, 64); err != nil {
				errs = append(errs, medsec.FieldError{Line: i + 1, Field: "networks.people", Key: "err.not_a_number", Message: "is not a whole number"})
			}
		}
		set.Networks = append(set.Networks, n)
	}
	err := error(nil)
	if len(errs) > 0 {
		err = &medsec.ValidationError{Errors: errs}
	} else {
		err = s.Assessments.UpdateComplianceSettings(r.Context(), set)
	}
	if err != nil {
		return s.renderOrgControls(w, r, errorStatus(err), orgCatalogParam(r), err)
	}
	flash(w, "compliance.settings_saved")
	http.Redirect(w, r, "/compliance/organisation?catalog="+url.QueryEscape(orgCatalogParam(r)), http.StatusSeeOther)
	return nil
}

func (s *Server) uiObligationCalendar(w http.ResponseWriter, r *http.Request) error {
	tasks, err := s.Assessments.ObligationCalendar(r.Context())
	if err != nil {
		return err
	}
	overdue := 0
	for _, t := range tasks {
		if t.Overdue {
			overdue++
		}
	}
	all := len(tasks)
	only := r.URL.Query().Get("overdue") == "1" // the dashboard's link: overdue tasks only
	if only {
		tasks = slices.DeleteFunc(tasks, func(t medsec.ObligationTask) bool { return !t.Overdue })
	}
	p := s.newPage(r, "calendar.title")
	p.Data = map[string]any{"Tasks": tasks, "Overdue": overdue, "All": all, "OnlyOverdue": only, "Statuses": medsec.AssessmentStatuses}
	s.render(w, r, http.StatusOK, "assessment_calendar", p)
	return nil
}

// serveEvidence sends an evidence file as a download; the UI and the API share it.
func (s *Server) serveEvidence(w http.ResponseWriter, r *http.Request) error {
	rc, ev, err := s.Assessments.OpenEvidence(r.Context(), r.PathValue("sha256"))
	if err != nil {
		return err
	}
	defer rc.Close()
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": ev.Name}))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Digest", "sha-256="+ev.SHA256)
	w.Header().Set("Cache-Control", "no-store") // each download is a step of the chain of custody
	_, err = io.Copy(w, rc)
	if err != nil {
		s.logger.Warn("send evidence", "sha256", ev.SHA256, "err", err)
	}
	return nil
}
