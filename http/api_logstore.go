package http

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"medsec"
)

// logStoreAPIRoutes are the routes of the sealed log store (issue 12): search, export of a
// verification bundle, the seal's state and public key, and verification. Each needs
// log:read; the service limits them to the caller's sites and audits each call.
func logStoreAPIRoutes(s *Server) []apiRoute {
	return []apiRoute{
		{Method: "GET", Path: "/api/v1/logs/search", Perm: medsec.PermLogRead, Handler: s.apiLogSearch},
		{Method: "GET", Path: "/api/v1/logs/export", Perm: medsec.PermLogRead, Handler: s.apiLogExport},
		{Method: "GET", Path: "/api/v1/logs/seal", Perm: medsec.PermLogRead, Handler: s.apiLogSeal},
		{Method: "POST", Path: "/api/v1/logs/verify", Perm: medsec.PermLogRead, Handler: s.apiLogVerify},
		{Method: "GET", Path: "/api/v1/logs/retention", Perm: medsec.PermLogRead, Handler: s.apiLogRetention},
		{Method: "PUT", Path: "/api/v1/logs/retention/{class}", Perm: medsec.PermLogAdmin, Handler: s.apiLogRetentionSet},
		{Method: "GET", Path: "/api/v1/logs/alerts", Perm: medsec.PermLogRead, Handler: s.apiLogAlerts},
		{Method: "GET", Path: "/api/v1/logs/alert-thresholds", Perm: medsec.PermLogRead, Handler: s.apiLogAlertThresholds},
		{Method: "PUT", Path: "/api/v1/logs/alert-thresholds/{class}", Perm: medsec.PermLogAdmin, Handler: s.apiLogAlertThresholdSet},
		{Method: "GET", Path: "/api/v1/logs/verifications", Perm: medsec.PermLogRead, Handler: s.apiLogVerifications},
	}
}

// errLogsOff is the answer when the server runs without a log store.
func errLogsOff() error {
	return &medsec.Error{Code: medsec.ENOTFOUND, Message: "This server keeps no logs.", Key: "err.logs_off"}
}

// logQuery reads start, end (RFC 3339, a minute "2006-01-02T15:04" or a date; default the
// last 24 hours), q and limit. An end written to the minute or as a date includes that
// minute or day.
func (s *Server) logQuery(r *http.Request) (medsec.LogQuery, error) {
	now := s.now()
	q := medsec.LogQuery{From: now.Add(-24 * time.Hour), To: now, Query: r.URL.Query().Get("q"), Limit: 100}
	var errs []medsec.FieldError
	for _, f := range []struct {
		name string
		dst  *time.Time
	}{{"start", &q.From}, {"end", &q.To}} {
		v := r.URL.Query().Get(f.name)
		if v == "" {
			continue
		}
		// A time written to the minute or a date names the whole minute or day: an end
		// "10:05" includes 10:05:30 (the end is excluded, so it moves to 10:06).
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			if t, err = time.Parse("2006-01-02T15:04", v); err == nil && f.name == "end" {
				t = t.Add(time.Minute)
			} else if err != nil {
				if t, err = time.Parse("2006-01-02", v); err == nil && f.name == "end" {
					t = t.AddDate(0, 0, 1)
				}
			}
		}
		if err != nil {
			errs = append(errs, medsec.FieldError{Field: f.name, Key: "err.bad_time", Message: fmt.Sprintf("%q is not a time (RFC 3339 or YYYY-MM-DD)", v)})
			continue
		}
		*f.dst = t.UTC()
	}
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := medsec.PageLimit(queryInt(r, "limit", -1), 100)
		if err != nil {
			return q, err
		}
		q.Limit = n
	}
	if len(errs) > 0 {
		return q, &medsec.ValidationError{Errors: errs}
	}
	return q, nil
}

func (s *Server) apiLogSearch(w http.ResponseWriter, r *http.Request) error {
	if s.Logs == nil {
		return errLogsOff()
	}
	q, err := s.logQuery(r)
	if err != nil {
		return err
	}
	res, err := s.Logs.SearchLogs(r.Context(), q)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (s *Server) apiLogExport(w http.ResponseWriter, r *http.Request) error {
	if s.Logs == nil {
		return errLogsOff()
	}
	q, err := s.logQuery(r)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="medsec-logs-%s.json"`, q.From.Format("20060102T1504")))
	return s.Logs.ExportLogs(r.Context(), q.From, q.To, w)
}

func (s *Server) apiLogSeal(w http.ResponseWriter, r *http.Request) error {
	if s.Logs == nil {
		return errLogsOff()
	}
	st, err := s.Logs.LogSeal(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}

func (s *Server) apiLogVerify(w http.ResponseWriter, r *http.Request) error {
	if s.Logs == nil {
		return errLogsOff()
	}
	rep, err := s.Logs.VerifyLogs(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}

func (s *Server) apiLogRetention(w http.ResponseWriter, r *http.Request) error {
	if s.LogRetention == nil {
		return errLogsOff()
	}
	rs, err := s.LogRetention.LogRetentions(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": rs, "store_days": medsec.StoreRetentionDays(rs)})
	return nil
}

func (s *Server) apiLogRetentionSet(w http.ResponseWriter, r *http.Request) error {
	if s.LogRetention == nil {
		return errLogsOff()
	}
	var in medsec.LogRetention
	if err := readJSON(r, &in); err != nil {
		return err
	}
	in.Class = r.PathValue("class")
	if err := s.LogRetention.SetLogRetention(r.Context(), in); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, in)
	return nil
}

// apiLogAlerts lists log alerts, newest first: ?active=true keeps the open ones,
// ?site_id=N one site's (with the whole store's).
func (s *Server) apiLogAlerts(w http.ResponseWriter, r *http.Request) error {
	if s.LogAlerts == nil {
		return errLogsOff()
	}
	f := medsec.LogAlertFilter{Active: r.URL.Query().Get("active") == "true"}
	if v := r.URL.Query().Get("site_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "site_id", Key: "err.not_a_number", Value: v, Message: "must be a site id"}}}
		}
		f.SiteID = id
	}
	as, err := s.LogAlerts.FindLogAlerts(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": as})
	return nil
}

func (s *Server) apiLogAlertThresholds(w http.ResponseWriter, r *http.Request) error {
	if s.LogAlerts == nil {
		return errLogsOff()
	}
	ts, err := s.LogAlerts.LogAlertThresholds(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": ts})
	return nil
}

func (s *Server) apiLogAlertThresholdSet(w http.ResponseWriter, r *http.Request) error {
	if s.LogAlerts == nil {
		return errLogsOff()
	}
	var in medsec.LogAlertThreshold
	if err := readJSON(r, &in); err != nil {
		return err
	}
	in.Class = r.PathValue("class")
	if err := s.LogAlerts.SetLogAlertThreshold(r.Context(), in); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, in)
	return nil
}

func (s *Server) apiLogVerifications(w http.ResponseWriter, r *http.Request) error {
	if s.LogAlerts == nil {
		return errLogsOff()
	}
	vs, err := s.LogAlerts.LogVerifications(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": vs})
	return nil
}
