package http

import (
	"net/http"
	"strconv"

	"medsec"
)

// classPageData is an asset's class proposal page.
type classPageData struct {
	Asset    *medsec.Asset
	Decision *medsec.ClassDecision
	Classes  []medsec.DeviceClass
	Invalid  map[string]bool
	Why      string
}

func (s *Server) classPage(w http.ResponseWriter, r *http.Request, status int, id int64, err error) error {
	a, ferr := s.Assets.FindAssetByID(r.Context(), id)
	if ferr != nil {
		return ferr
	}
	d := &classPageData{Asset: a, Classes: medsec.DeviceClasses, Invalid: map[string]bool{}, Why: r.PostFormValue("why")}
	d.Decision, ferr = s.Zones.FindClassDecision(r.Context(), id)
	if ferr != nil && medsec.ErrorCode(ferr) != medsec.ENOTFOUND {
		return ferr
	}
	p := s.newPage(r, "class.title")
	p.Title = p.T("class.title") + " · " + a.Name
	p.Data = d
	if err := s.zoneFormError(p, err, d.Invalid); err != nil {
		return err
	}
	s.render(w, r, status, "zone_class", p)
	return nil
}

func (s *Server) uiClassShow(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	return s.classPage(w, r, http.StatusOK, id, nil)
}

func (s *Server) uiClassPropose(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.Zones.ProposeClass(r.Context(), id); err != nil {
		return err
	}
	flash(w, "class.proposal_made")
	http.Redirect(w, r, "/assets/"+strconv.FormatInt(id, 10)+"/class", http.StatusSeeOther)
	return nil
}

// uiClassDecide confirms the proposal or overrides it with a reason.
func (s *Server) uiClassDecide(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	r.ParseForm()
	if _, err := s.Zones.DecideClass(r.Context(), id, medsec.DeviceClass(r.PostFormValue("class")), r.PostFormValue("why")); err != nil {
		if code := medsec.ErrorCode(err); code == medsec.EINVALID {
			return s.classPage(w, r, http.StatusUnprocessableEntity, id, err)
		}
		return err
	}
	flash(w, "class.decided")
	http.Redirect(w, r, "/assets/"+strconv.FormatInt(id, 10)+"/class", http.StatusSeeOther)
	return nil
}
