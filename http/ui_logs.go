package http

import (
	"net/http"
	"strconv"

	"medsec"
	"medsec/logs"
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
}

func (s *Server) logUIRoutes(mux *http.ServeMux) {
	mux.Handle("GET /logs/sources", s.ui(medsec.PermLogRead, s.uiLogSources))
	mux.Handle("POST /logs/sources", s.ui(medsec.PermLogAdmin, s.uiLogSourceCreate))
}

func (s *Server) renderLogSources(w http.ResponseWriter, r *http.Request, status int, d *logSourcesData, formErr error) error {
	ctx := r.Context()
	srcs, err := s.LogSources.FindLogSources(ctx, medsec.LogSourceFilter{})
	if err != nil {
		return err
	}
	d.Sources, d.Minimum = s.logSourceViews(srcs), logs.MinimumFields
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
