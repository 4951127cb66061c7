package http

import (
	"net/http"

	"medsec"
)

// sensorsData is the site sensors page: each sensor of the caller's sites with its health,
// lag and drops.
type sensorsData struct {
	Sensors []sensorView
	// SiteNames names the sites by ID.
	SiteNames map[int64]string
}

// uiSensors shows the site sensors page.
func (s *Server) uiSensors(w http.ResponseWriter, r *http.Request) error {
	views, err := s.sensorViews(r, 0)
	if err != nil {
		return err
	}
	sites, err := s.Org.FindSites(r.Context())
	if err != nil {
		return err
	}
	d := &sensorsData{Sensors: views, SiteNames: map[int64]string{}}
	for _, site := range sites {
		d.SiteNames[site.ID] = site.Name
	}
	p := s.newPage(r, "sensors.title")
	p.Data = d
	s.render(w, r, http.StatusOK, "sensors", p)
	return nil
}

// sensorUIRoutes registers the site sensors page.
func (s *Server) sensorUIRoutes(mux *http.ServeMux) {
	mux.Handle("GET /logs/sensors", s.ui(medsec.PermLogRead, s.uiSensors))
}
