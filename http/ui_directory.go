package http

import (
	"errors"
	"net/http"
	"strconv"

	"medsec"
)

// directoryData is the directory login page: the settings, their group mappings and the
// result of an administrator's lookup of one login name.
type directoryData struct {
	Settings    medsec.DirectorySettings
	Sites       []*medsec.Site
	Vendors     []*medsec.Vendor
	Roles       []medsec.Role
	UserFilter  string
	GroupFilter string
	Lookup      *medsec.DirectoryLookup
	LookupName  string
}

func (s *Server) uiDirectory(w http.ResponseWriter, r *http.Request) error {
	return s.renderDirectory(w, r, http.StatusOK, nil, nil)
}

// renderDirectory shows the page; form, when set, replaces the stored settings (a form
// that failed validation is shown as typed).
func (s *Server) renderDirectory(w http.ResponseWriter, r *http.Request, status int, form *medsec.DirectorySettings, formErr error) error {
	if s.Directory == nil {
		return errNoDirectory()
	}
	ctx := r.Context()
	d := &directoryData{Roles: medsec.Roles, UserFilter: medsec.DefaultDirectoryUserFilter, GroupFilter: medsec.DefaultDirectoryGroupFilter}
	var err error
	if d.Settings, err = s.Directory.FindDirectorySettings(ctx); err != nil {
		return err
	}
	if form != nil {
		form.BindPasswordSet, form.Mappings = d.Settings.BindPasswordSet, d.Settings.Mappings
		d.Settings = *form
	}
	if d.Sites, err = s.Org.FindSites(ctx); err != nil {
		return err
	}
	if d.Vendors, err = s.Org.FindVendors(ctx); err != nil {
		return err
	}
	p := s.newPage(r, "directory.title")
	p.Data = d
	if d.LookupName = r.PostFormValue("lookup"); d.LookupName != "" && formErr == nil {
		d.Lookup, err = s.Directory.LookupDirectoryUser(ctx, d.LookupName)
		var e *medsec.Error
		if errors.As(err, &e) && (e.Code == medsec.ENOTFOUND || e.Code == medsec.EUNAVAILABLE || e.Code == medsec.EINVALID) {
			p.Error, status = p.T(e.Key, e.Args...), errorStatus(err)
		} else if err != nil {
			return err
		}
	}
	if err := p.showFormError(formErr); err != nil {
		return err
	}
	s.render(w, r, status, "directory", p)
	return nil
}

func (s *Server) uiDirectorySettings(w http.ResponseWriter, r *http.Request) error {
	if s.Directory == nil {
		return errNoDirectory()
	}
	current, err := s.Directory.FindDirectorySettings(r.Context())
	if err != nil {
		return err
	}
	set := medsec.DirectorySettings{Enabled: r.PostFormValue("enabled") == "on", URL: r.PostFormValue("url"), StartTLS: r.PostFormValue("start_tls") == "on",
		CAFile: r.PostFormValue("ca_file"), BindDN: r.PostFormValue("bind_dn"), BindPassword: r.PostFormValue("bind_password"),
		ClearBindPassword: r.PostFormValue("clear_bind_password") == "on", BaseDN: r.PostFormValue("base_dn"), UserFilter: r.PostFormValue("user_filter"),
		GroupBaseDN: r.PostFormValue("group_base_dn"), GroupFilter: r.PostFormValue("group_filter"), Mappings: current.Mappings}
	if err := s.Directory.UpdateDirectorySettings(r.Context(), set); err != nil {
		set.BindPassword = ""
		return s.renderDirectory(w, r, errorStatus(err), &set, err)
	}
	flash(w, "settings.saved")
	http.Redirect(w, r, "/users/directory", http.StatusSeeOther)
	return nil
}

// uiDirectoryMappingAdd appends a group mapping; uiDirectoryMappingDelete removes the
// mapping at its position ({n}, from 0). Both store the whole settings again, the bind
// password kept.
func (s *Server) uiDirectoryMappingAdd(w http.ResponseWriter, r *http.Request) error {
	return s.changeMappings(w, r, func(ms []medsec.DirectoryMapping) ([]medsec.DirectoryMapping, error) {
		r.ParseForm()
		u := userFromForm(r)
		return append(ms, medsec.DirectoryMapping{Group: r.PostFormValue("group"), Role: u.Role, SiteIDs: u.SiteIDs, VendorID: u.VendorID}), nil
	})
}

func (s *Server) uiDirectoryMappingDelete(w http.ResponseWriter, r *http.Request) error {
	return s.changeMappings(w, r, func(ms []medsec.DirectoryMapping) ([]medsec.DirectoryMapping, error) {
		n, err := strconv.Atoi(r.PathValue("n"))
		if err != nil || n < 0 || n >= len(ms) {
			return nil, medsec.ErrorWithKey(medsec.ENOTFOUND, "err.mapping_not_found", "No such mapping.")
		}
		return append(ms[:n:n], ms[n+1:]...), nil
	})
}

func (s *Server) changeMappings(w http.ResponseWriter, r *http.Request, change func([]medsec.DirectoryMapping) ([]medsec.DirectoryMapping, error)) error {
	if s.Directory == nil {
		return errNoDirectory()
	}
	set, err := s.Directory.FindDirectorySettings(r.Context())
	if err != nil {
		return err
	}
	if set.Mappings, err = change(set.Mappings); err != nil {
		return err
	}
	if err := s.Directory.UpdateDirectorySettings(r.Context(), set); err != nil {
		return s.renderDirectory(w, r, errorStatus(err), nil, err)
	}
	flash(w, "directory.mappings_saved")
	http.Redirect(w, r, "/users/directory#mappings", http.StatusSeeOther)
	return nil
}

func (s *Server) uiDirectoryLookup(w http.ResponseWriter, r *http.Request) error {
	return s.renderDirectory(w, r, http.StatusOK, nil, nil)
}
