package http

import (
	"net/http"

	"medsec"
)

// sensorAPIRoutes are the routes of a hospital group's site sensors (issue 17).
func sensorAPIRoutes(s *Server) []apiRoute {
	return []apiRoute{
		{Method: "GET", Path: "/api/v1/sensors", Perm: medsec.PermLogRead, Handler: s.apiSensorList},
		{Method: "GET", Path: "/metrics", Perm: medsec.PermMetricsRead, Handler: s.apiMetrics},
	}
}

// sensorView is a sensor as the API and UI show it: the sensor, whether it has stopped
// reporting (medsec.SensorSilentAfter), and its state in one word: "ok", "silent",
// "disconnected" (it reports being cut off from the broker, spooling) or "dropping" (it
// has dropped records).
type sensorView struct {
	*medsec.Sensor
	Silent bool   `json:"silent"`
	State  string `json:"state"`
	// SpoolPercent is how full its spool is, 0 to 100.
	SpoolPercent float64 `json:"spool_percent"`
}

// errSensorsOff is the answer of the sensor routes on a server without the sensor service.
func errSensorsOff() error {
	return &medsec.Error{Code: medsec.ENOTFOUND, Message: "This server has no site sensors.", Key: "err.sensors_off"}
}

// sensorViews lists the sensors of the caller's scope (siteID 0: every site) as views.
func (s *Server) sensorViews(r *http.Request, siteID int64) ([]sensorView, error) {
	if s.Sensors == nil {
		return nil, errSensorsOff()
	}
	list, err := s.Sensors.FindSensors(r.Context(), medsec.SensorFilter{SiteID: siteID})
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := make([]sensorView, len(list))
	for i, x := range list {
		v := sensorView{Sensor: x, Silent: x.Silent(now), State: "ok"}
		if x.Health.SpoolLimit > 0 {
			v.SpoolPercent = 100 * float64(x.Health.SpoolBytes) / float64(x.Health.SpoolLimit)
		}
		switch {
		case v.Silent:
			v.State = "silent"
		case !x.Health.Connected:
			v.State = "disconnected"
		case x.Health.Dropped > 0:
			v.State = "dropping"
		}
		out[i] = v
	}
	return out, nil
}

func (s *Server) apiSensorList(w http.ResponseWriter, r *http.Request) error {
	views, err := s.sensorViews(r, int64(queryInt(r, "site_id", 0)))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list[sensorView]{Items: views, Total: len(views), Limit: len(views)})
	return nil
}
