package http

import (
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"medsec"
)

// logSearchData is the log search page: the form's values, the result and the histogram
// as JSON for the chart (the table under it holds the same numbers).
type logSearchData struct {
	From, To, Query string
	Result          *medsec.LogSearchResult
	ChartJSON       template.JS
	ExportQuery     string
}

// uiLogSearch shows the log search page [issue 12]: records received in a time range that
// match a LogsQL filter, newest first, with a histogram over the range.
func (s *Server) uiLogSearch(w http.ResponseWriter, r *http.Request) error {
	if s.Logs == nil {
		return errLogsOff()
	}
	p := s.newPage(r, "logstore.search_title")
	q, err := s.logQuery(r)
	d := &logSearchData{From: q.From.Format("2006-01-02T15:04"), To: q.To.Format("2006-01-02T15:04"), Query: q.Query}
	if end := r.URL.Query().Get("end"); err == nil && len(end) == len("2006-01-02T15:04") {
		d.To = end // as the user wrote it: the search includes that minute
	}
	p.Data = d
	if err == nil && r.URL.Query().Has("start") {
		d.Result, err = s.Logs.SearchLogs(r.Context(), q)
	}
	if err != nil {
		if err := p.showFormError(err); err != nil {
			return err
		}
		s.render(w, r, http.StatusUnprocessableEntity, "logs_search", p)
		return nil
	}
	if d.Result != nil {
		type chart struct {
			Labels []string `json:"labels"`
			Counts []int64  `json:"counts"`
			Name   string   `json:"name"`
		}
		c := chart{Name: p.T("logstore.records")}
		layout := "01-02 15:04"
		if d.Result.StepSeconds < 60 {
			layout = "15:04:05"
		}
		for _, b := range d.Result.Histogram {
			c.Labels = append(c.Labels, b.Start.Format(layout))
			c.Counts = append(c.Counts, b.Count)
		}
		js, _ := json.Marshal(c)
		d.ChartJSON = template.JS(js)
		d.ExportQuery = url.Values{"start": {q.From.Format(time.RFC3339)}, "end": {q.To.Format(time.RFC3339)}}.Encode()
	}
	s.render(w, r, http.StatusOK, "logs_search", p)
	return nil
}

// logSealData is the seal page: each site log's newest checkpoint, the public key, and a
// verification report after the user asked for one.
type logSealData struct {
	Seal   *medsec.LogSealStatus
	Report *medsec.LogVerifyReport
	Sites  map[int64]string
	// Verifications are the latest seal verification of each site (nil: no alert
	// service), Verified whether any was recorded.
	Verifications []medsec.LogVerification
	Verified      bool
	// Used, Free and PerDay are the capacity's sizes, written for people (GB, MB).
	Used, Free, PerDay string
}

// byteSize writes a size in bytes with a binary unit (KiB, MiB, GiB, TiB).
func byteSize(n int64) string {
	f, units := float64(n), []string{"B", "KiB", "MiB", "GiB", "TiB"}
	i := 0
	for f >= 1024 && i < len(units)-1 {
		f /= 1024
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%d B", n)
	}
	return fmt.Sprintf("%.1f %s", f, units[i])
}

// uiLogSeal shows the seal of the logs: the public key and the newest signed checkpoint
// of each site log.
func (s *Server) uiLogSeal(w http.ResponseWriter, r *http.Request) error {
	return s.renderLogSeal(w, r, nil)
}

// uiLogVerify verifies the store and shows the report on the seal page.
func (s *Server) uiLogVerify(w http.ResponseWriter, r *http.Request) error {
	if s.Logs == nil {
		return errLogsOff()
	}
	rep, err := s.Logs.VerifyLogs(r.Context())
	if err != nil {
		return err
	}
	return s.renderLogSeal(w, r, rep)
}

// uiLogRetentionSet sets one class's retention from the seal page's form.
func (s *Server) uiLogRetentionSet(w http.ResponseWriter, r *http.Request) error {
	if s.LogRetention == nil {
		return errLogsOff()
	}
	days, err := strconv.Atoi(r.PostFormValue("days"))
	if err != nil {
		days = 0 // refused by Validate, naming the field
	}
	if err := s.LogRetention.SetLogRetention(r.Context(), medsec.LogRetention{Class: r.PostFormValue("class"), Days: days}); err != nil {
		if fe := s.renderLogSealStatus(w, r, nil, err); fe != nil {
			return fe
		}
		return nil
	}
	flash(w, "logstore.retention_saved")
	http.Redirect(w, r, "/logs/seal", http.StatusSeeOther)
	return nil
}

func (s *Server) renderLogSeal(w http.ResponseWriter, r *http.Request, rep *medsec.LogVerifyReport) error {
	return s.renderLogSealStatus(w, r, rep, nil)
}

func (s *Server) renderLogSealStatus(w http.ResponseWriter, r *http.Request, rep *medsec.LogVerifyReport, formErr error) error {
	if s.Logs == nil {
		return errLogsOff()
	}
	st, err := s.Logs.LogSeal(r.Context())
	if err != nil {
		return err
	}
	d := &logSealData{Seal: st, Report: rep, Sites: map[int64]string{},
		Used: byteSize(st.Capacity.UsedBytes), Free: byteSize(st.Capacity.FreeBytes), PerDay: byteSize(st.Capacity.BytesPerDay)}
	if s.Org != nil {
		if sites, err := s.Org.FindSites(r.Context()); err == nil {
			for _, site := range sites {
				d.Sites[site.ID] = site.Name
			}
		}
	}
	if s.LogAlerts != nil {
		if d.Verifications, err = s.LogAlerts.LogVerifications(r.Context()); err != nil {
			return err
		}
		d.Verified = len(d.Verifications) > 0
	}
	p := s.newPage(r, "logstore.seal_title")
	p.Data = d
	if err := p.showFormError(formErr); err != nil {
		return err
	}
	status := http.StatusOK
	if formErr != nil {
		status = errorStatus(formErr)
	}
	s.render(w, r, status, "logs_seal", p)
	return nil
}

// logStoreUIRoutes registers the log search and seal pages.
func (s *Server) logStoreUIRoutes(mux *http.ServeMux) {
	mux.Handle("GET /logs", s.ui(medsec.PermLogRead, s.uiLogSearch))
	mux.Handle("GET /logs/export", s.ui(medsec.PermLogRead, s.apiLogExport))
	mux.Handle("GET /logs/seal", s.ui(medsec.PermLogRead, s.uiLogSeal))
	mux.Handle("POST /logs/verify", s.ui(medsec.PermLogRead, s.uiLogVerify))
	mux.Handle("POST /logs/retention", s.ui(medsec.PermLogAdmin, s.uiLogRetentionSet))
}
