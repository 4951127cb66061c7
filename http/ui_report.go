package http

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"medsec"
	"medsec/report"
)

// reportUIRoutes registers the reports page [M12]: the generated reports of the caller's
// sites with their status, hashes and change since the previous one; the form that
// generates one; each site's schedule; and the download of a finished report.
func (s *Server) reportUIRoutes(mux *http.ServeMux) {
	mux.Handle("GET /reports", s.ui(medsec.PermReportRead, s.uiReportList))
	mux.Handle("POST /reports", s.ui(medsec.PermReportWrite, s.uiReportStart))
	mux.Handle("POST /reports/schedule", s.ui(medsec.PermReportAdmin, s.uiReportSchedule))
	mux.Handle("GET /reports/{id}/file", s.ui(medsec.PermReportRead, s.serveReportFile))
}

// reportListData is the reports page: the reports, the form (its values kept after a
// refusal), the sites and their schedules.
type reportListData struct {
	Reports   []*medsec.GeneratedReport
	Sites     []*medsec.Site
	Schedules []medsec.ReportSchedule
	SiteNames map[int64]string
	Names     []string
	Catalogs  []string
	Formats   []string
	Form      medsec.ReportRequest
	// Running is true while a report of the list is being generated: the page reloads.
	Running bool
	// Started is the report just started (highlighted).
	Started int64
}

// Short is the first 12 hex digits of a hash, as the list shows it (the whole one is its
// title and in the API).
func (d *reportListData) Short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

func (s *Server) renderReportList(w http.ResponseWriter, r *http.Request, status int, form *medsec.ReportRequest, formErr error) error {
	if s.Reports == nil {
		return errReportsOff()
	}
	d := &reportListData{Names: report.Names, Catalogs: report.Catalogs, Formats: []string{"pdf", "xlsx", "html"}}
	var err error
	if d.Reports, err = s.Reports.FindReports(r.Context(), medsec.ReportFilter{}); err != nil {
		return err
	}
	for _, rep := range d.Reports {
		d.Running = d.Running || rep.Status == medsec.ReportRunning
	}
	if d.Sites, err = s.Org.FindSites(r.Context()); err != nil {
		return err
	}
	if d.Schedules, err = s.Reports.ReportSchedules(r.Context()); err != nil {
		return err
	}
	d.SiteNames = map[int64]string{}
	for _, site := range d.Sites {
		d.SiteNames[site.ID] = site.Name
	}
	d.Started = queryInt64(r, "started")
	p := s.newPage(r, "reports.title")
	if form != nil {
		d.Form = *form
	} else {
		d.Form = medsec.ReportRequest{Name: report.SelfInspection, Period: strconv.Itoa(s.now().Year() - 1), Lang: p.Lang, Format: "pdf"}
		if u := p.User; u != nil && len(u.SiteIDs) > 0 {
			d.Form.SiteID = u.SiteIDs[0]
		}
	}
	p.Data = d
	p.FieldLabels = map[string]string{"name": "reports.name", "site_id": "field.site", "period": "report.period", "lang": "reports.lang",
		"format": "reports.format", "catalog": "report.catalog"}
	if err := p.showFormError(formErr); err != nil {
		return err
	}
	s.render(w, r, status, "reports", p)
	return nil
}

func (s *Server) uiReportList(w http.ResponseWriter, r *http.Request) error {
	return s.renderReportList(w, r, http.StatusOK, nil, nil)
}

// uiReportStart starts the report the form asks for and shows the list with it running.
func (s *Server) uiReportStart(w http.ResponseWriter, r *http.Request) error {
	if s.Reports == nil {
		return errReportsOff()
	}
	site, _ := strconv.ParseInt(r.PostFormValue("site_id"), 10, 64)
	req := medsec.ReportRequest{Name: r.PostFormValue("name"), SiteID: site, Period: strings.TrimSpace(r.PostFormValue("period")),
		Lang: r.PostFormValue("lang"), Format: r.PostFormValue("format"), Catalog: r.PostFormValue("catalog")}
	if req.Name != report.Gap {
		req.Catalog = "" // the form always has a catalog; only the gap report takes one
	}
	rep, err := s.Reports.StartReport(r.Context(), req)
	if err != nil {
		if status := errorStatus(err); status == http.StatusUnprocessableEntity || status == http.StatusNotFound {
			if medsec.ErrorCode(err) == medsec.ENOTFOUND { // a site outside the caller's scope: audited, told as a field
				if obj, site := medsec.DeniedObject(err); obj != "" {
					s.deniedAt(r, obj, site)
				}
				// Told as a field, with the request's other problems when it has any.
				var ve *medsec.ValidationError
				if !errors.As(err, &ve) {
					ve = &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "site_id", Key: "err.site_not_found", Message: "Site not found."}}}
				}
				err = ve
			}
			return s.renderReportList(w, r, http.StatusUnprocessableEntity, &req, err)
		}
		return err
	}
	flash(w, "reports.started")
	http.Redirect(w, r, "/reports?started="+strconv.FormatInt(rep.ID, 10), http.StatusSeeOther)
	return nil
}

func (s *Server) uiReportSchedule(w http.ResponseWriter, r *http.Request) error {
	if s.Reports == nil {
		return errReportsOff()
	}
	site, _ := strconv.ParseInt(r.PostFormValue("site_id"), 10, 64)
	err := s.Reports.SetReportSchedule(r.Context(), medsec.ReportSchedule{SiteID: site, Enabled: r.PostFormValue("enabled") == "on",
		Lang: r.PostFormValue("lang"), Format: r.PostFormValue("format")})
	if err != nil {
		if errorStatus(err) == http.StatusUnprocessableEntity {
			return s.renderReportList(w, r, http.StatusUnprocessableEntity, nil, err)
		}
		return err
	}
	flash(w, "reports.schedule_saved")
	http.Redirect(w, r, "/reports", http.StatusSeeOther)
	return nil
}
