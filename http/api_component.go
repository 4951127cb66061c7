package http

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"

	"medsec"
	"medsec/mds2"
	"medsec/sbom"
	"medsec/scanreport"
)

// componentAPIRoutes are the routes of components, device models, SBOMs, MDS2 profiles and
// scanner reports.
func componentAPIRoutes(s *Server) []apiRoute {
	read, write := medsec.PermInventoryRead, medsec.PermInventoryWrite
	return []apiRoute{
		{Method: "GET", Path: "/api/v1/assets/{id}/components", Perm: read, Handler: s.apiAssetComponents},
		{Method: "POST", Path: "/api/v1/assets/{id}/sbom", Perm: write, Handler: s.apiAssetSBOM},
		{Method: "GET", Path: "/api/v1/assets/{id}/scan-results", Perm: read, Handler: s.apiAssetScanResults},
		{Method: "GET", Path: "/api/v1/models", Perm: read, Handler: s.apiModelList},
		{Method: "POST", Path: "/api/v1/models", Perm: write, Handler: s.apiModelCreate},
		{Method: "GET", Path: "/api/v1/models/{id}", Perm: read, Handler: s.apiModelGet},
		{Method: "POST", Path: "/api/v1/models/{id}/sbom", Perm: write, Handler: s.apiModelSBOM},
		{Method: "POST", Path: "/api/v1/models/{id}/mds2", Perm: write, Handler: s.apiModelMDS2},
		{Method: "DELETE", Path: "/api/v1/sboms/{id}", Perm: write, Handler: s.apiSBOMDelete},
		{Method: "GET", Path: "/api/v1/scans", Perm: read, Handler: s.apiScanList},
		{Method: "POST", Path: "/api/v1/scans", Perm: write, Handler: s.apiScanImport},
		{Method: "GET", Path: "/api/v1/scans/schedule", Perm: read, Handler: s.apiScanSchedule},
		{Method: "GET", Path: "/api/v1/scans/{id}", Perm: read, Handler: s.apiScanGet},
	}
}

// errNoComponents answers when the server runs without the component services.
func errNoComponents() error {
	return medsec.ErrorWithKey(medsec.ENOTFOUND, "err.code.not_found", "Not found.")
}

func (s *Server) apiAssetComponents(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	if s.Components == nil {
		return errNoComponents()
	}
	out, err := s.Components.FindAssetComponents(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// importSBOM reads an uploaded SBOM and stores it on the target.
func (s *Server) importSBOM(r *http.Request, target medsec.ComponentTarget) (*medsec.SBOM, error) {
	if s.Components == nil {
		return nil, errNoComponents()
	}
	name, data, err := uploadedFile(r)
	if err != nil {
		return nil, err
	}
	doc, err := sbom.Parse(name, data)
	if err != nil {
		return nil, err
	}
	return s.Components.ImportSBOM(r.Context(), doc.Import(target, name, data))
}

func (s *Server) apiAssetSBOM(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	sb, err := s.importSBOM(r, medsec.ComponentTarget{AssetID: id})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, sb)
	return nil
}

func (s *Server) apiAssetScanResults(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	if s.Scans == nil {
		return errNoComponents()
	}
	out, err := s.Scans.FindAssetScanResults(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list[medsec.ScanResult]{Items: out, Total: len(out), Limit: len(out)})
	return nil
}

func (s *Server) apiModelList(w http.ResponseWriter, r *http.Request) error {
	if s.Components == nil {
		return errNoComponents()
	}
	models, err := s.Components.FindDeviceModels(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list[*medsec.DeviceModel]{Items: models, Total: len(models), Limit: len(models)})
	return nil
}

// modelInput names a device model by its vendor's name and the model name.
type modelInput struct {
	Vendor string `json:"vendor"`
	Model  string `json:"model"`
}

func (s *Server) apiModelCreate(w http.ResponseWriter, r *http.Request) error {
	if s.Components == nil {
		return errNoComponents()
	}
	var in modelInput
	if err := readJSON(r, &in); err != nil {
		return err
	}
	m, err := s.Components.EnsureDeviceModel(r.Context(), in.Vendor, in.Model)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, m)
	return nil
}

// modelView is a device model with its SBOMs, components and MDS2 profile (nil if none).
type modelView struct {
	Model      *medsec.DeviceModel `json:"model"`
	SBOMs      []*medsec.SBOM      `json:"sboms"`
	Components []*medsec.Component `json:"components"`
	MDS2       *medsec.MDS2Profile `json:"mds2"`
}

func (s *Server) findModelView(r *http.Request) (*modelView, error) {
	id, err := parseID(r, "id")
	if err != nil {
		return nil, err
	}
	if s.Components == nil {
		return nil, errNoComponents()
	}
	m, comps, err := s.Components.FindDeviceModel(r.Context(), id)
	if err != nil {
		return nil, err
	}
	v := &modelView{Model: m, SBOMs: comps.SBOMs, Components: comps.Components}
	if v.MDS2, err = s.Components.FindMDS2(r.Context(), id); err != nil && medsec.ErrorCode(err) != medsec.ENOTFOUND {
		return nil, err
	}
	return v, nil
}

func (s *Server) apiModelGet(w http.ResponseWriter, r *http.Request) error {
	v, err := s.findModelView(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (s *Server) apiModelSBOM(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	sb, err := s.importSBOM(r, medsec.ComponentTarget{ModelID: id})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, sb)
	return nil
}

// importMDS2 reads an uploaded MDS2 form and stores it as the model's profile.
func (s *Server) importMDS2(r *http.Request, modelID int64) (*medsec.MDS2Profile, error) {
	if s.Components == nil {
		return nil, errNoComponents()
	}
	name, data, err := uploadedFile(r)
	if err != nil {
		return nil, err
	}
	form, err := mds2.Parse(name, data)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	return s.Components.ImportMDS2(r.Context(), medsec.ComponentTarget{ModelID: modelID}, form.Profile(modelID, name, hex.EncodeToString(sum[:])))
}

func (s *Server) apiModelMDS2(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	p, err := s.importMDS2(r, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, p)
	return nil
}

func (s *Server) apiSBOMDelete(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	if s.Components == nil {
		return errNoComponents()
	}
	if err := s.Components.DeleteSBOM(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) apiScanList(w http.ResponseWriter, r *http.Request) error {
	if s.Scans == nil {
		return errNoComponents()
	}
	out, err := s.Scans.FindScanReports(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list[*medsec.ScanReport]{Items: out, Total: len(out), Limit: len(out)})
	return nil
}

// importScan reads an uploaded scanner report and stores it, attached to the asset the
// "asset" field or query parameter names, else to the assets its hosts match.
func (s *Server) importScan(r *http.Request) (*medsec.ScanReport, error) {
	if s.Scans == nil {
		return nil, errNoComponents()
	}
	name, data, err := uploadedFile(r)
	if err != nil {
		return nil, err
	}
	var assetID int64
	if v := strings.TrimSpace(r.FormValue("asset")); v != "" {
		if assetID, err = strconv.ParseInt(v, 10, 64); err != nil || assetID < 1 {
			return nil, &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "asset", Key: "err.bad_id", Message: "is not the number of a record", Value: v}}}
		}
	}
	rep, err := scanreport.Parse(name, data)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	return s.Scans.ImportScan(r.Context(), rep.Import(assetID, name, hex.EncodeToString(sum[:])))
}

func (s *Server) apiScanImport(w http.ResponseWriter, r *http.Request) error {
	rep, err := s.importScan(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, rep)
	return nil
}

func (s *Server) apiScanGet(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	if s.Scans == nil {
		return errNoComponents()
	}
	rep, err := s.Scans.FindScanReport(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}
