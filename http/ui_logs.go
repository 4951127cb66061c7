package http

import (
	"net/http"
	"strconv"

	"medsec"
	"medsec/logs"
	"medsec/notify"
)

// logSourcesData is the log sources page: every source of the caller's sites with its
// health, and the form to register one.
type logSourcesData struct {
	Sources []logSourceView
	Sites   []*medsec.Site
	// SiteNames names the sites by ID.
	SiteNames map[int64]string
	// Minimum lists the items of the minimum content, in order, for the missing column.
	Minimum []string
	// Listeners are the syslog listeners' counters; nil when none runs.
	Listeners *logs.ListenerCounts
	// Token is a token just issued, shown once.
	Token     string
	TokenName string
	// Alerts are the open log alerts and the latest resolved ones, their text rendered in
	// the reader's language; Thresholds the alarm limits per class (nil: no alert service).
	Alerts     []logAlertView
	Thresholds []medsec.LogAlertThreshold
}

// logAlertView is a log alert with its text in the reader's language.
type logAlertView struct {
	*medsec.LogAlert
	Text string
}

func (s *Server) logUIRoutes(mux *http.ServeMux) {
	mux.Handle("GET /logs/sources", s.ui(medsec.PermLogRead, s.uiLogSources))
	mux.Handle("POST /logs/sources", s.ui(medsec.PermLogAdmin, s.uiLogSourceCreate))
	mux.Handle("POST /logs/alert-thresholds", s.ui(medsec.PermLogAdmin, s.uiLogAlertThresholdSet))
	s.sensorUIRoutes(mux)
}

// logAlertViews renders the alerts' texts: "logalert.KEY" with the arguments, those that
// are message keys (a problem kind, a cause) translated first.
func (s *Server) logAlertViews(p *page, as []*medsec.LogAlert) []logAlertView {
	out := make([]logAlertView, len(as))
	for i, a := range as {
		args := make([]any, len(a.Args))
		for j, x := range notify.LogAlertArgs(a) {
			if x.Key != "" {
				args[j] = p.T(x.Key)
			} else {
				args[j] = x.Text
			}
		}
		out[i] = logAlertView{LogAlert: a, Text: p.T("logalert."+a.Key, args...)}
	}
	return out
}

// uiLogAlertThresholdSet sets one class's alarm limits from the log sources page's form
// (minutes of silence, seconds of skew).
func (s *Server) uiLogAlertThresholdSet(w http.ResponseWriter, r *http.Request) error {
	if s.LogAlerts == nil {
		return errLogsOff()
	}
	t := medsec.LogAlertThreshold{Class: r.PostFormValue("class")}
	if m, err := strconv.ParseInt(r.PostFormValue("silent_after_minutes"), 10, 64); err == nil {
		t.SilentAfter = m * 60
	}
	t.MaxSkew, _ = strconv.ParseInt(r.PostFormValue("max_skew_seconds"), 10, 64) // 0 is refused naming the field
	if err := s.LogAlerts.SetLogAlertThreshold(r.Context(), t); err != nil {
		return s.renderLogSources(w, r, errorStatus(err), &logSourcesData{}, err)
	}
	flash(w, "logalert.thresholds_saved")
	http.Redirect(w, r, "/logs/sources", http.StatusSeeOther)
	return nil
}

func (s *Server) renderLogSources(w http.ResponseWriter, r *http.Request, status int, d *logSourcesData, formErr error) error {
	ctx := r.Context()
	srcs, err := s.LogSources.FindLogSources(ctx, medsec.LogSourceFilter{})
	if err != nil {
		return err
	}
	d.Sources, d.Minimum = s.logSourceViews(ctx, srcs), logs.MinimumFields
	if s.LogListeners != nil {
		c := s.LogListeners()
		d.Listeners = &c
	}
	if d.Sites, err = s.Org.FindSites(ctx); err != nil {
		return err
	}
	d.SiteNames = map[int64]string{}
	for _, site := range d.Sites {
		d.SiteNames[site.ID] = site.Name
	}
	p := s.newPage(r, "logsources.title")
	p.Data = d
	if s.LogAlerts != nil {
		as, err := s.LogAlerts.FindLogAlerts(ctx, medsec.LogAlertFilter{Limit: 30})
		if err != nil {
			return err
		}
		d.Alerts = s.logAlertViews(p, as)
		if d.Thresholds, err = s.LogAlerts.LogAlertThresholds(ctx); err != nil {
			return err
		}
	}
	if err := p.showFormError(formErr); err != nil {
		return err
	}
	s.render(w, r, status, "log_sources", p)
	return nil
}

func (s *Server) uiLogSources(w http.ResponseWriter, r *http.Request) error {
	return s.renderLogSources(w, r, http.StatusOK, &logSourcesData{}, nil)
}

func (s *Server) uiLogSourceCreate(w http.ResponseWriter, r *http.Request) error {
	site, _ := strconv.ParseInt(r.PostFormValue("site_id"), 10, 64)
	interval, _ := strconv.ParseInt(r.PostFormValue("expected_interval_minutes"), 10, 64)
	src := &medsec.LogSource{SiteID: site, Name: r.PostFormValue("name"), Address: r.PostFormValue("address"),
		Transport: r.PostFormValue("transport"), ExpectedInterval: interval * 60}
	token, err := s.LogSources.CreateLogSource(r.Context(), src, r.PostFormValue("with_token") == "on")
	if err != nil {
		return s.renderLogSources(w, r, errorStatus(err), &logSourcesData{}, err)
	}
	if token == "" {
		flash(w, "logsources.saved")
		http.Redirect(w, r, "/logs/sources", http.StatusSeeOther)
		return nil
	}
	// The token is shown on this response only; it is stored as a hash.
	w.Header().Set("Cache-Control", "no-store")
	return s.renderLogSources(w, r, http.StatusCreated, &logSourcesData{Token: token, TokenName: src.Name}, nil)
}
