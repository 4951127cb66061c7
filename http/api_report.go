package http

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"

	"medsec"
)

// reportAPIRoutes are the routes of generated reports [M12]: reading needs report:read,
// generating report:write, the schedules report:admin; the service limits each to the
// caller's sites and audits generation and schedule changes.
func reportAPIRoutes(s *Server) []apiRoute {
	return []apiRoute{
		{Method: "GET", Path: "/api/v1/reports", Perm: medsec.PermReportRead, Handler: s.apiReportList},
		{Method: "POST", Path: "/api/v1/reports", Perm: medsec.PermReportWrite, Handler: s.apiReportStart},
		{Method: "GET", Path: "/api/v1/reports/{id}", Perm: medsec.PermReportRead, Handler: s.apiReportGet},
		{Method: "GET", Path: "/api/v1/reports/{id}/file", Perm: medsec.PermReportRead, Handler: s.serveReportFile},
		{Method: "GET", Path: "/api/v1/reports/schedules", Perm: medsec.PermReportRead, Handler: s.apiReportSchedules},
		{Method: "PUT", Path: "/api/v1/reports/schedules/{site_id}", Perm: medsec.PermReportAdmin, Handler: s.apiReportScheduleSet},
	}
}

// errReportsOff is the answer when the server keeps no reports.
func errReportsOff() error {
	return &medsec.Error{Code: medsec.ENOTFOUND, Message: "This server generates no reports.", Key: "err.reports_off"}
}

func (s *Server) apiReportList(w http.ResponseWriter, r *http.Request) error {
	if s.Reports == nil {
		return errReportsOff()
	}
	if err := onlyParams(r, "name", "site_id", "status", "limit"); err != nil {
		return err
	}
	q := r.URL.Query()
	rs, err := s.Reports.FindReports(r.Context(), medsec.ReportFilter{Name: q.Get("name"), SiteID: queryInt64(r, "site_id"), Status: q.Get("status"),
		Limit: queryInt(r, "limit", 0)})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list[*medsec.GeneratedReport]{Items: rs, Total: len(rs), Limit: len(rs)})
	return nil
}

// apiReportStart starts a report and answers 202 with it (status running) and its URL in
// Location; GET that URL until the status is done, then fetch its file.
func (s *Server) apiReportStart(w http.ResponseWriter, r *http.Request) error {
	if s.Reports == nil {
		return errReportsOff()
	}
	var in medsec.ReportRequest
	if err := readJSON(r, &in); err != nil {
		return err
	}
	rep, err := s.Reports.StartReport(r.Context(), in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/reports/%d", rep.ID))
	writeJSON(w, http.StatusAccepted, rep)
	return nil
}

func (s *Server) apiReportGet(w http.ResponseWriter, r *http.Request) error {
	if s.Reports == nil {
		return errReportsOff()
	}
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	rep, err := s.Reports.FindReport(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}

// unsafeName matches what a download's file name may not hold.
var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// reportFileName is a generated report's download name: ASCII letters, digits, dots and
// dashes only ("medsec-self-inspection-site3-2026-ja-12.pdf"), so that no header or file
// system reads it otherwise.
func reportFileName(rep *medsec.GeneratedReport) string {
	site := "all"
	if rep.SiteID != 0 {
		site = fmt.Sprintf("site%d", rep.SiteID)
	}
	name := fmt.Sprintf("medsec-%s-%s-%s-%s-%d", rep.Name, site, rep.Period, rep.Lang, rep.ID)
	if rep.Catalog != "" {
		name = fmt.Sprintf("medsec-%s-%s-%s-%s-%s-%d", rep.Name, rep.Catalog, site, rep.Period, rep.Lang, rep.ID)
	}
	return unsafeName.ReplaceAllString(name, "_") + "." + unsafeName.ReplaceAllString(rep.Format, "_")
}

// serveReportFile sends a finished report's file as an attachment with its media type
// and two hashes: X-Content-SHA256 (and the ETag) the SHA-256 of the bytes sent, read
// from the file before sending it, and X-Report-Content-Hash the hash of what the report
// says (report.Document.ContentHash, the same for a regeneration with the same content).
// A file whose bytes no longer have the SHA-256 recorded when it was generated is not
// sent (500, the cause logged): evidence that changed is not served under its hash.
// 409 while the report runs or after it failed.
func (s *Server) serveReportFile(w http.ResponseWriter, r *http.Request) error {
	if s.Reports == nil {
		return errReportsOff()
	}
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	rep, f, err := s.Reports.OpenReport(r.Context(), id)
	if err != nil {
		return err
	}
	defer f.Close()
	body, ok := f.(io.ReadSeeker)
	if !ok {
		return fmt.Errorf("report %d: file cannot be read twice", id)
	}
	h := sha256.New()
	size, err := io.Copy(h, body)
	if err != nil {
		return fmt.Errorf("report %d: hash file: %w", id, err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if sum != rep.SHA256 {
		return fmt.Errorf("report %d: file has SHA-256 %s, recorded %s", id, sum, rep.SHA256)
	}
	if _, err := body.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("report %d: rewind file: %w", id, err)
	}
	typ, ok := medsec.ReportFormats[rep.Format]
	if !ok {
		typ = "application/octet-stream"
	}
	hd := w.Header()
	hd.Set("Content-Type", typ)
	hd.Set("Content-Disposition", `attachment; filename="`+reportFileName(rep)+`"`)
	hd.Set("Content-Length", fmt.Sprint(size))
	hd.Set("ETag", `"`+sum+`"`)
	hd.Set("X-Content-SHA256", sum)
	hd.Set("X-Report-Content-Hash", rep.ContentHash)
	hd.Set("Cache-Control", "private, no-store")
	_, err = io.CopyN(w, body, size)
	return s.abortOnError(r, err)
}

func (s *Server) apiReportSchedules(w http.ResponseWriter, r *http.Request) error {
	if s.Reports == nil {
		return errReportsOff()
	}
	ss, err := s.Reports.ReportSchedules(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list[medsec.ReportSchedule]{Items: ss, Total: len(ss), Limit: len(ss)})
	return nil
}

func (s *Server) apiReportScheduleSet(w http.ResponseWriter, r *http.Request) error {
	if s.Reports == nil {
		return errReportsOff()
	}
	site, err := parseID(r, "site_id")
	if err != nil {
		return err
	}
	// enabled is required (OpenAPI ReportSchedule): a PUT without it is refused naming it,
	// as the other PUT handlers do, not taken as false (bt: a body of only lang and format
	// turned the schedule off).
	var body struct {
		medsec.ReportSchedule
		Enabled *bool `json:"enabled"`
	}
	if err := readJSON(r, &body); err != nil {
		return err
	}
	if body.Enabled == nil {
		return &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "enabled", Key: "err.required", Message: "is required"}}}
	}
	in := body.ReportSchedule
	in.Enabled = *body.Enabled
	in.SiteID = site
	if err := s.Reports.SetReportSchedule(r.Context(), in); err != nil {
		return err
	}
	ss, err := s.Reports.ReportSchedules(r.Context())
	if err != nil {
		return err
	}
	i := slices.IndexFunc(ss, func(x medsec.ReportSchedule) bool { return x.SiteID == site })
	if i < 0 {
		return medsec.Errorf(medsec.ENOTFOUND, "Site not found.")
	}
	writeJSON(w, http.StatusOK, ss[i])
	return nil
}
