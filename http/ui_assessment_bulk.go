package http

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"medsec"
)

// bulkRow is one asset offered for bulk assessment, with its current status.
type bulkRow struct {
	Asset  *medsec.Asset
	Status medsec.AssessmentStatus
}

// bulkData is the bulk assessment page: a class, a control of the TW baseline that
// applies to assets of that class, and those assets.
type bulkData struct {
	Classes  []medsec.DeviceClass
	Class    medsec.DeviceClass
	Controls []medsec.ApplicableControl
	Control  *medsec.ApplicableControl
	Rows     []bulkRow
	Statuses []medsec.AssessmentStatus
}

// bulkChoices finds the assets of a class the caller sees, the controls that apply to
// any of them, and for the chosen control the assets it applies to.
func (s *Server) bulkChoices(r *http.Request, class medsec.DeviceClass, controlID string) (*bulkData, error) {
	d := &bulkData{Classes: medsec.DeviceClasses, Class: class, Statuses: medsec.AssessmentStatuses}
	if !slices.Contains(medsec.DeviceClasses, class) {
		d.Class = ""
		return d, nil
	}
	assets, _, err := s.Assets.FindAssets(r.Context(), medsec.AssetFilter{Status: medsec.StatusActive, Limit: 100000})
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, a := range assets {
		if a.Class != class {
			continue
		}
		ac, err := s.Assessments.AssetControls(r.Context(), a.ID)
		if err != nil {
			return nil, err
		}
		for i := range ac.Controls {
			c := ac.Controls[i]
			if !seen[c.ControlID] {
				seen[c.ControlID] = true
				d.Controls = append(d.Controls, c)
			}
			if c.ControlID == controlID {
				d.Rows = append(d.Rows, bulkRow{Asset: a, Status: c.Status})
				if d.Control == nil {
					d.Control = &c
				}
			}
		}
	}
	return d, nil
}

func (s *Server) uiBulkAssess(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	d, err := s.bulkChoices(r, medsec.DeviceClass(q.Get("class")), q.Get("control"))
	if err != nil {
		return err
	}
	p := s.newPage(r, "bulk.title")
	p.Data = d
	s.render(w, r, http.StatusOK, "assessment_bulk", p)
	return nil
}

func (s *Server) uiBulkAssessPost(w http.ResponseWriter, r *http.Request) error {
	a, err := s.assessmentFromForm(r)
	var ids []int64
	if err == nil {
		for _, v := range r.Form["asset_id"] {
			if id, perr := strconv.ParseInt(v, 10, 64); perr == nil {
				ids = append(ids, id)
			}
		}
		a.CatalogID = "tw-mohw-medical-baseline"
		if len(ids) == 0 {
			err = &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "asset_id", Key: "bulk.none", Message: "choose at least one asset"}}}
		} else {
			_, err = s.Assessments.AssessBulk(r.Context(), *a, ids)
		}
	}
	class := r.FormValue("class")
	if err != nil {
		d, derr := s.bulkChoices(r, medsec.DeviceClass(class), r.FormValue("control_id"))
		if derr != nil {
			return derr
		}
		p := s.newPage(r, "bulk.title")
		p.Data = d
		if ferr := setFormError(p, err); ferr != nil {
			return ferr
		}
		s.render(w, r, errorStatus(err), "assessment_bulk", p)
		return nil
	}
	flash(w, "assessment.saved")
	http.Redirect(w, r, "/compliance/bulk?class="+url.QueryEscape(class)+"&control="+url.QueryEscape(a.ControlID), http.StatusSeeOther)
	return nil
}
