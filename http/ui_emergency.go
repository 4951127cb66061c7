package http

import (
	"fmt"
	"net/http"

	"medsec"
)

// emergencyUIRoutes registers the pages of emergency-account uses [004 §11 ①]: the list
// (open ones first on the accounts page too) and each use with its justification and the
// confirmation of the password change that closes it.
func (s *Server) emergencyUIRoutes(mux *http.ServeMux) {
	mux.Handle("GET /accounts/emergency", s.ui(medsec.PermAccountRead, s.uiEmergencyUseList))
	mux.Handle("GET /accounts/emergency/{id}", s.ui(medsec.PermAccountRead, s.uiEmergencyUseShow))
	mux.Handle("POST /accounts/emergency/{id}/justify", s.ui(medsec.PermAccountWrite, s.uiEmergencyUseJustify))
	mux.Handle("POST /accounts/emergency/{id}/reset", s.ui(medsec.PermAccountWrite, s.uiEmergencyUseReset))
}

// emergencyListData is the list page: every use, or the open ones.
type emergencyListData struct {
	Uses []*medsec.EmergencyUse
	Open bool
}

func (s *Server) uiEmergencyUseList(w http.ResponseWriter, r *http.Request) error {
	if s.EmergencyUses == nil {
		return errAccountsOff()
	}
	d := &emergencyListData{Open: r.URL.Query().Get("open") == "true"}
	var err error
	if d.Uses, err = s.EmergencyUses.FindEmergencyUses(r.Context(), medsec.EmergencyUseFilter{Open: d.Open, AssetID: queryInt64(r, "asset_id")}); err != nil {
		return err
	}
	p := s.newPage(r, "emergency.title")
	p.Data = d
	s.render(w, r, http.StatusOK, "emergency_uses", p)
	return nil
}

// emergencyUseData is one use's page with what a refused form said.
type emergencyUseData struct {
	Use           *medsec.EmergencyUse
	Justification string
	Note          string
}

func (s *Server) renderEmergencyUse(w http.ResponseWriter, r *http.Request, status int, in *emergencyUseData, formErr error) error {
	if s.EmergencyUses == nil {
		return errAccountsOff()
	}
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	u, err := s.EmergencyUses.FindEmergencyUse(r.Context(), id)
	if err != nil {
		return err
	}
	if in == nil {
		in = &emergencyUseData{Justification: u.Justification}
	}
	in.Use = u
	if in.Justification == "" {
		in.Justification = u.Justification
	}
	p := s.newPage(r, "emergency.use_title")
	p.Data = in
	if err := p.showFormError(formErr); err != nil {
		return err
	}
	s.render(w, r, status, "emergency_use", p)
	return nil
}

func (s *Server) uiEmergencyUseShow(w http.ResponseWriter, r *http.Request) error {
	return s.renderEmergencyUse(w, r, http.StatusOK, nil, nil)
}

func (s *Server) uiEmergencyUseJustify(w http.ResponseWriter, r *http.Request) error {
	if s.EmergencyUses == nil {
		return errAccountsOff()
	}
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	text := r.PostFormValue("justification")
	if _, err := s.EmergencyUses.JustifyEmergencyUse(r.Context(), id, text); err != nil {
		return s.renderEmergencyUse(w, r, errorStatus(err), &emergencyUseData{Justification: text}, err)
	}
	flash(w, "emergency.justified")
	http.Redirect(w, r, fmt.Sprintf("/accounts/emergency/%d", id), http.StatusSeeOther)
	return nil
}

func (s *Server) uiEmergencyUseReset(w http.ResponseWriter, r *http.Request) error {
	if s.EmergencyUses == nil {
		return errAccountsOff()
	}
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	note := r.PostFormValue("note")
	if _, err := s.EmergencyUses.ConfirmEmergencyReset(r.Context(), id, note); err != nil {
		return s.renderEmergencyUse(w, r, errorStatus(err), &emergencyUseData{Note: note}, err)
	}
	flash(w, "emergency.reset_confirmed")
	http.Redirect(w, r, fmt.Sprintf("/accounts/emergency/%d", id), http.StatusSeeOther)
	return nil
}
