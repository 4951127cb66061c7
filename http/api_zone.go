package http

import (
	"bytes"
	"net/http"

	"medsec"
)

// zoneAPIRoutes are the REST endpoints of the zone model: zones, conduits, flows, asset
// placement and levels, class decisions and CRL reviews.
func zoneAPIRoutes(s *Server) []apiRoute {
	read, write := medsec.PermInventoryRead, medsec.PermInventoryWrite
	return []apiRoute{
		{Method: "GET", Path: "/api/v1/zones", Perm: read, Handler: s.apiZoneList},
		{Method: "POST", Path: "/api/v1/zones", Perm: write, Handler: s.apiZoneCreate},
		{Method: "GET", Path: "/api/v1/zones/analysis", Perm: read, Handler: s.apiZoneAnalysis},
		{Method: "GET", Path: "/api/v1/zones/diagram", Perm: read, Handler: s.apiZoneDiagram},
		{Method: "GET", Path: "/api/v1/zones/firewall", Perm: read, Handler: s.apiZoneFirewall},
		{Method: "GET", Path: "/api/v1/zones/proposals", Perm: read, Handler: s.apiZoneProposals},
		{Method: "GET", Path: "/api/v1/zones/{id}", Perm: read, Handler: s.apiZoneGet},
		{Method: "PUT", Path: "/api/v1/zones/{id}", Perm: write, Handler: s.apiZoneUpdate},
		{Method: "DELETE", Path: "/api/v1/zones/{id}", Perm: write, Handler: s.apiZoneDelete},
		{Method: "GET", Path: "/api/v1/conduits", Perm: read, Handler: s.apiConduitList},
		{Method: "POST", Path: "/api/v1/conduits", Perm: write, Handler: s.apiConduitCreate},
		{Method: "GET", Path: "/api/v1/conduits/{id}", Perm: read, Handler: s.apiConduitGet},
		{Method: "PUT", Path: "/api/v1/conduits/{id}", Perm: write, Handler: s.apiConduitUpdate},
		{Method: "DELETE", Path: "/api/v1/conduits/{id}", Perm: write, Handler: s.apiConduitDelete},
		{Method: "GET", Path: "/api/v1/flows", Perm: read, Handler: s.apiFlowList},
		{Method: "POST", Path: "/api/v1/flows/import", Perm: write, Handler: s.apiFlowImport},
		{Method: "GET", Path: "/api/v1/assets/{id}/zone", Perm: read, Handler: s.apiAssetZone},
		{Method: "PUT", Path: "/api/v1/assets/{id}/zone", Perm: write, Handler: s.apiAssetPlace},
		{Method: "GET", Path: "/api/v1/assets/{id}/class", Perm: read, Handler: s.apiClassGet},
		{Method: "POST", Path: "/api/v1/assets/{id}/class", Perm: write, Handler: s.apiClassDecide},
		{Method: "POST", Path: "/api/v1/assets/{id}/class/propose", Perm: write, Handler: s.apiClassPropose},
		{Method: "GET", Path: "/api/v1/assets/{id}/crl", Perm: read, Handler: s.apiCRLList},
		{Method: "POST", Path: "/api/v1/assets/{id}/crl", Perm: write, Handler: s.apiCRLCreate},
		{Method: "GET", Path: "/api/v1/crl/missing", Perm: read, Handler: s.apiCRLMissing},
	}
}

func (s *Server) apiZoneList(w http.ResponseWriter, r *http.Request) error {
	site, err := requiredSiteParam(r)
	if err != nil {
		return err
	}
	zones, err := s.Zones.FindZones(r.Context(), site)
	if err != nil {
		return err
	}
	if zones == nil {
		zones = []*medsec.Zone{}
	}
	writeJSON(w, http.StatusOK, list[*medsec.Zone]{Items: zones, Total: len(zones), Limit: len(zones)})
	return nil
}

func (s *Server) apiZoneCreate(w http.ResponseWriter, r *http.Request) error {
	var z medsec.Zone
	if err := readJSON(r, &z); err != nil {
		return err
	}
	if err := s.Zones.CreateZone(r.Context(), &z); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, &z)
	return nil
}

func (s *Server) apiZoneGet(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	z, err := s.Zones.FindZoneByID(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, z)
	return nil
}

func (s *Server) apiZoneUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	var z medsec.Zone
	if err := readJSON(r, &z); err != nil {
		return err
	}
	z.ID = id
	if err := s.Zones.UpdateZone(r.Context(), &z); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, &z)
	return nil
}

func (s *Server) apiZoneDelete(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	if err := s.Zones.DeleteZone(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) apiZoneAnalysis(w http.ResponseWriter, r *http.Request) error {
	site, err := requiredSiteParam(r)
	if err != nil {
		return err
	}
	an, err := s.Zones.Analyze(r.Context(), site)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, an)
	return nil
}

// apiZoneDiagram returns the site's network diagram as SVG, labelled in the language of
// the caller's Accept-Language header (or profile).
func (s *Server) apiZoneDiagram(w http.ResponseWriter, r *http.Request) error {
	site, err := requiredSiteParam(r)
	if err != nil {
		return err
	}
	name := ""
	if sites, err := s.Org.FindSites(r.Context()); err == nil {
		name = siteChoice{Sites: sites, SiteID: site}.Name()
	}
	view, err := diagramView(r, "/api/v1/zones/diagram", site)
	if err != nil {
		return err
	}
	p := s.newPage(r, "diagram.title")
	var buf bytes.Buffer
	if err := s.Zones.WriteDiagram(r.Context(), site, view, &buf, p.diagramLabels(name)); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	_, err = w.Write(buf.Bytes())
	return err
}

func (s *Server) apiZoneFirewall(w http.ResponseWriter, r *http.Request) error {
	site, err := requiredSiteParam(r)
	if err != nil {
		return err
	}
	return s.writeFirewall(w, r, site)
}

// placementBody is the body of PUT /assets/{id}/zone: the zone to place the asset in by
// hand, 0 for the computed placement.
type placementBody struct {
	ZoneID int64 `json:"zone_id"`
}

// assetZone is an asset's placement with its effective level.
type assetZone struct {
	Placement *medsec.ZonePlacement `json:"placement"`
	Level     *medsec.AssetLevel    `json:"level"`
}

func (s *Server) writeAssetZone(w http.ResponseWriter, r *http.Request, id int64) error {
	p, err := s.Zones.FindPlacement(r.Context(), id)
	if err != nil {
		return err
	}
	lv, err := s.Zones.EffectiveLevel(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, assetZone{Placement: p, Level: lv})
	return nil
}

func (s *Server) apiAssetZone(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	return s.writeAssetZone(w, r, id)
}

func (s *Server) apiAssetPlace(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	var b placementBody
	if err := readJSON(r, &b); err != nil {
		return err
	}
	if err := s.Zones.PlaceAsset(r.Context(), id, b.ZoneID); err != nil {
		return err
	}
	return s.writeAssetZone(w, r, id)
}

func (s *Server) apiClassGet(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	d, err := s.Zones.FindClassDecision(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

func (s *Server) apiClassPropose(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	d, err := s.Zones.ProposeClass(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

// classBody is the body of POST /assets/{id}/class: the class decided ("" confirms the
// proposal) and the reason, required for an override.
type classBody struct {
	Class medsec.DeviceClass `json:"class"`
	Why   string             `json:"why"`
}

func (s *Server) apiClassDecide(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	var b classBody
	if err := readJSON(r, &b); err != nil {
		return err
	}
	d, err := s.Zones.DecideClass(r.Context(), id, b.Class, b.Why)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

func (s *Server) apiZoneProposals(w http.ResponseWriter, r *http.Request) error {
	site, err := requiredSiteParam(r)
	if err != nil {
		return err
	}
	lp, err := s.Zones.ProposeConduits(r.Context(), site)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, lp)
	return nil
}
