package http

import (
	"net/http"
	"strconv"

	"medsec"
)

// userListData is the user administration page.
type userListData struct {
	Users    []*medsec.User
	Sites    []*medsec.Site
	Vendors  []*medsec.Vendor
	Roles    []medsec.Role
	Settings medsec.Settings
}

func (s *Server) uiUserList(w http.ResponseWriter, r *http.Request) error {
	return s.renderUsers(w, r, http.StatusOK, nil)
}

func (s *Server) renderUsers(w http.ResponseWriter, r *http.Request, status int, formErr error) error {
	ctx := r.Context()
	d := &userListData{Roles: medsec.Roles}
	var err error
	if d.Users, err = s.Users.FindUsers(ctx); err != nil {
		return err
	}
	if d.Sites, err = s.Org.FindSites(ctx); err != nil {
		return err
	}
	if d.Vendors, err = s.Org.FindVendors(ctx); err != nil {
		return err
	}
	if d.Settings, err = s.Users.FindSettings(ctx); err != nil {
		return err
	}
	p := s.newPage(r, "users.title")
	p.Data = d
	if err := p.showFormError(formErr); err != nil {
		return err
	}
	s.render(w, r, status, "user_list", p)
	return nil
}

// userFromForm reads a user's role and access from a form.
func userFromForm(r *http.Request) *medsec.User {
	u := &medsec.User{Username: r.PostFormValue("username"), DisplayName: r.PostFormValue("display_name"),
		Role: medsec.Role(r.PostFormValue("role")), Disabled: r.PostFormValue("disabled") == "on"}
	u.VendorID, _ = strconv.ParseInt(r.PostFormValue("vendor_id"), 10, 64)
	u.SiteIDs = []int64{}
	for _, v := range r.PostForm["site_ids"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			u.SiteIDs = append(u.SiteIDs, id)
		}
	}
	return u
}

func (s *Server) uiUserCreate(w http.ResponseWriter, r *http.Request) error {
	r.ParseForm()
	u := userFromForm(r)
	if err := s.Users.CreateUser(r.Context(), u, r.PostFormValue("password")); err != nil {
		return s.renderUsers(w, r, errorStatus(err), err)
	}
	flash(w, "users.created")
	http.Redirect(w, r, "/users", http.StatusSeeOther)
	return nil
}

func (s *Server) uiUserUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	r.ParseForm()
	u := userFromForm(r)
	u.ID = id
	if err := s.Users.UpdateUser(r.Context(), u, r.PostFormValue("password")); err != nil {
		return s.renderUsers(w, r, errorStatus(err), err)
	}
	flash(w, "users.saved")
	http.Redirect(w, r, "/users", http.StatusSeeOther)
	return nil
}

func (s *Server) uiSettingsUpdate(w http.ResponseWriter, r *http.Request) error {
	set := medsec.Settings{RequireTOTP: r.PostFormValue("require_totp") == "on"}
	if err := s.Users.UpdateSettings(r.Context(), set); err != nil {
		return err
	}
	flash(w, "settings.saved")
	http.Redirect(w, r, "/users", http.StatusSeeOther)
	return nil
}
