package http

import (
	"bytes"
	"net/http"
	"strings"

	"medsec"
)

func assessmentFilter(r *http.Request) medsec.AssessmentFilter {
	q := r.URL.Query()
	return medsec.AssessmentFilter{CatalogID: q.Get("catalog"), ControlID: q.Get("control"), AssetID: queryInt64(r, "asset"),
		OrganisationOnly: q.Get("organisation") == "true"}
}

func (s *Server) apiAssessmentList(w http.ResponseWriter, r *http.Request) error {
	list, err := s.Assessments.FindAssessments(r.Context(), assessmentFilter(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": list, "total": len(list)})
	return nil
}

func (s *Server) apiAssessmentHistory(w http.ResponseWriter, r *http.Request) error {
	f := assessmentFilter(r)
	list, err := s.Assessments.AssessmentHistory(r.Context(), f.CatalogID, f.ControlID, f.AssetID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": list, "total": len(list)})
	return nil
}

func (s *Server) apiAssessmentCreate(w http.ResponseWriter, r *http.Request) error {
	var a medsec.Assessment
	if err := readJSON(r, &a); err != nil {
		return err
	}
	a.ID = 0
	if err := s.Assessments.Assess(r.Context(), &a); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, &a)
	return nil
}

// bulkAssessment is the body of a bulk assessment: one judgement for many assets.
type bulkAssessment struct {
	medsec.Assessment
	AssetIDs []int64 `json:"asset_ids"`
}

func (s *Server) apiAssessmentBulk(w http.ResponseWriter, r *http.Request) error {
	var b bulkAssessment
	if err := readJSON(r, &b); err != nil {
		return err
	}
	rows, err := s.Assessments.AssessBulk(r.Context(), b.Assessment, b.AssetIDs)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"items": rows, "total": len(rows)})
	return nil
}

// apiEvidenceUpload stores one file, sent as a multipart "file" field or as the raw body
// (its name in the "name" query parameter), and returns its description to name in an
// assessment.
func (s *Server) apiEvidenceUpload(w http.ResponseWriter, r *http.Request) error {
	var ev medsec.Evidence
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		f, fh, ferr := r.FormFile("file")
		if ferr != nil {
			return &medsec.Error{Code: medsec.EINVALID, Message: "No file was sent.", Key: "err.no_file"}
		}
		defer f.Close()
		if err := checkMultipart(r.MultipartForm); err != nil {
			return err
		}
		ev, err = s.Assessments.StoreEvidence(r.Context(), fh.Filename, f)
	} else {
		ev, err = s.Assessments.StoreEvidence(r.Context(), r.URL.Query().Get("name"), r.Body)
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, ev)
	return nil
}

func (s *Server) apiAssetControls(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	ac, err := s.Assessments.AssetControls(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ac)
	return nil
}

func (s *Server) apiOrganisationControls(w http.ResponseWriter, r *http.Request) error {
	list, err := s.Assessments.OrganisationControls(r.Context(), orgCatalogParam(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": list, "total": len(list)})
	return nil
}

func (s *Server) apiGapReport(w http.ResponseWriter, r *http.Request) error {
	f := gapFilter(r)
	if limit := queryInt64(r, "limit"); limit > 0 { // bounds checked against the spec
		f.Offset, f.Limit = int(queryInt64(r, "offset")), int(limit)
	}
	rep, err := s.Assessments.GapReport(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}

func (s *Server) apiObligationCalendar(w http.ResponseWriter, r *http.Request) error {
	tasks, err := s.Assessments.ObligationCalendar(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": tasks, "total": len(tasks)})
	return nil
}

func (s *Server) apiComplianceSettingsGet(w http.ResponseWriter, r *http.Request) error {
	set, err := s.Assessments.FindComplianceSettings(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, set)
	return nil
}

func (s *Server) apiComplianceSettingsUpdate(w http.ResponseWriter, r *http.Request) error {
	var set medsec.ComplianceSettings
	if err := readJSON(r, &set); err != nil {
		return err
	}
	if err := s.Assessments.UpdateComplianceSettings(r.Context(), set); err != nil {
		return err
	}
	// Answer with what was stored, as a GET reads it (MLPSLevel is derived from the
	// networks), not with the request echoed.
	stored, err := s.Assessments.FindComplianceSettings(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, stored)
	return nil
}

// exportOSCAL writes the current assessments the caller may see as an OSCAL
// assessment-results document; the UI and the API share it.
func (s *Server) exportOSCAL(w http.ResponseWriter, r *http.Request) error {
	list, err := s.Assessments.FindAssessments(r.Context(), medsec.AssessmentFilter{CatalogID: r.URL.Query().Get("catalog")})
	if err != nil {
		return err
	}
	doc := assessmentResults(list, s.now().UTC())
	var buf bytes.Buffer
	if err := writeOSCAL(&buf, doc); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", `attachment; filename="assessment-results.json"`)
	w.Write(buf.Bytes())
	return nil
}
