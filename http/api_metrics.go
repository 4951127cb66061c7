package http

import (
	"net/http"

	"medsec"
)

// apiMetrics serves GET /metrics: the server's metrics in the Prometheus text exposition
// format 0.0.4 (Services.Metrics; docs/GROUPS.md, "Metrics"). The route needs
// medsec.PermMetricsRead (administrator, auditor) and a user not limited to sites, since
// the counters cover every site; Prometheus scrapes it with such a user's API token
// (authorization: credentials_file). 404 on a server that keeps no metrics.
func (s *Server) apiMetrics(w http.ResponseWriter, r *http.Request) error {
	if s.Metrics == nil {
		return medsec.ErrorWithKey(medsec.ENOTFOUND, "err.metrics_off", "This server keeps no metrics.")
	}
	if u := medsec.UserFromContext(r.Context()); u == nil || len(u.SiteIDs) > 0 {
		return medsec.ErrForbidden()
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	s.Metrics(w)
	return nil
}
