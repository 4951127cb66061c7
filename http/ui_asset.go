package http

import (
	"errors"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"medsec"
	"medsec/assetio"
)

// assetListData is the asset list page, with the choices of its bulk-change form.
type assetListData struct {
	Assets      []*medsec.Asset
	Total       int
	Filter      medsec.AssetFilter
	Query       url.Values
	Sites       []*medsec.Site
	Departments []*medsec.Department
	Vendors     []*medsec.Vendor
	Kinds       []medsec.AssetKind
	Prev, Next  int
	HasPrev     bool
	HasNext     bool
	First, Last int
	// Bulk holds the bulk-change form's choices; nil for a user who may not change assets.
	Bulk *assetBulkChoices
	// Checked are the assets ticked in a refused bulk change, ticked again.
	Checked map[int64]bool
}

// assetBulkChoices are the values the bulk-change form offers.
type assetBulkChoices struct {
	Actions []medsec.AssetBulkAction
	People  []*medsec.Person
	Zones   []*medsec.Zone
	Levels  []medsec.Level
	Classes []medsec.DeviceClass
	// SiteNames names the sites in use, for the department and zone lists.
	SiteNames map[int64]string
	// Change is the refused change, shown again.
	Change medsec.AssetBulkChange
}

func (s *Server) uiAssetList(w http.ResponseWriter, r *http.Request) error {
	d, err := s.assetList(r, r.URL.Query())
	if err != nil {
		return err
	}
	p := s.newPage(r, "assets.title")
	p.Data = d
	s.render(w, r, http.StatusOK, "asset_list", p)
	return nil
}

// assetList reads the asset list page for the filter in q: active assets unless q asks for
// a status.
func (s *Server) assetList(r *http.Request, q url.Values) (*assetListData, error) {
	ctx := r.Context()
	f := assetFilterOf(q, 50)
	if f.Limit > 1000 {
		f.Limit = 50
	}
	if f.Status == "" && q.Get("status") == "" {
		f.Status = medsec.StatusActive
	}
	assets, total, err := s.Assets.FindAssets(ctx, f)
	if err != nil {
		return nil, err
	}
	sites, err := s.Org.FindSites(ctx)
	if err != nil {
		return nil, err
	}
	depts, err := s.Org.FindDepartments(ctx)
	if err != nil {
		return nil, err
	}
	vendors, err := s.Org.FindVendors(ctx)
	if err != nil {
		return nil, err
	}
	q = cloneValues(q)
	q.Del("offset")
	d := &assetListData{Assets: assets, Total: total, Filter: f, Query: q, Sites: sites, Departments: depts, Vendors: vendors, Kinds: medsec.AssetKinds,
		Prev: max(f.Offset-f.Limit, 0), Next: f.Offset + f.Limit, HasPrev: f.Offset > 0, HasNext: f.Offset+f.Limit < total,
		First: min(f.Offset+1, total), Last: f.Offset + len(assets)}
	if u := medsec.UserFromContext(ctx); u != nil && u.Role.Can(medsec.PermInventoryWrite) {
		if d.Bulk, err = s.assetBulkChoices(r, sites); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// cloneValues copies query parameters, so that a page can change its copy.
func cloneValues(q url.Values) url.Values {
	out := make(url.Values, len(q))
	for k, v := range q {
		out[k] = append([]string(nil), v...)
	}
	return out
}

func (s *Server) uiAssetShow(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	a, err := s.Assets.FindAssetByID(r.Context(), id)
	if err != nil {
		return err
	}
	p := s.newPage(r, "asset.title")
	p.Title = a.Name
	p.Data = a
	s.render(w, r, http.StatusOK, "asset_show", p)
	return nil
}

// assetFormData is the asset create/edit form with its choices.
type assetFormData struct {
	Asset       *medsec.Asset
	Sites       []*medsec.Site
	Departments []*medsec.Department
	Vendors     []*medsec.Vendor
	People      []*medsec.Person
	Enums       map[string][]string
	Invalid     map[string]bool
}

// Has reports whether the asset has the connectivity value.
func (d *assetFormData) Has(c string) bool {
	for _, x := range d.Asset.Connectivity {
		if string(x) == c {
			return true
		}
	}
	return false
}

func (s *Server) assetForm(w http.ResponseWriter, r *http.Request, status int, a *medsec.Asset, err error) error {
	ctx := r.Context()
	d := &assetFormData{Asset: a, Invalid: map[string]bool{}, Enums: map[string][]string{
		"kind": medsec.StringsOf(medsec.AssetKinds), "connectivity": medsec.StringsOf(medsec.Connectivities), "data_class": medsec.StringsOf(medsec.DataClasses),
		"tristate": medsec.StringsOf(medsec.Tristates), "cred": medsec.StringsOf(medsec.CredentialStatuses), "level": append([]string{""}, medsec.StringsOf(medsec.Levels)...),
		"class": medsec.StringsOf(medsec.DeviceClasses),
	}}
	var ferr error
	if d.Sites, ferr = s.Org.FindSites(ctx); ferr != nil {
		return ferr
	}
	if d.Departments, ferr = s.Org.FindDepartments(ctx); ferr != nil {
		return ferr
	}
	if d.Vendors, ferr = s.Org.FindVendors(ctx); ferr != nil {
		return ferr
	}
	if d.People, ferr = s.Org.FindPeople(ctx); ferr != nil {
		return ferr
	}
	title := "asset.new"
	if a.ID != 0 {
		title = "asset.edit"
	}
	p := s.newPage(r, title)
	p.Data = d
	var ve *medsec.ValidationError
	if errors.As(err, &ve) {
		p.Error = p.T("err.invalid_form")
		p.Errors = ve.Errors
		for _, fe := range ve.Errors {
			d.Invalid[fe.Field] = true
		}
	} else if err != nil {
		var e *medsec.Error
		if !errors.As(err, &e) {
			return err
		}
		p.Error = p.T(e.Key)
	}
	s.render(w, r, status, "asset_form", p)
	return nil
}

// uiAssetNew shows the form of a new asset, its name and addresses filled from the query
// (name, ips) when given: the scan report page links a host no asset matched here, and the
// host's findings attach once the asset is stored with its address or name.
func (s *Server) uiAssetNew(w http.ResponseWriter, r *http.Request) error {
	a := &medsec.Asset{}
	q := r.URL.Query()
	if name := strings.TrimSpace(q.Get("name")); name != "" && len(name) <= 200 {
		a.Name = name
	}
	for _, ip := range strings.Fields(strings.ReplaceAll(q.Get("ips"), ",", " ")) {
		if addr, err := netip.ParseAddr(ip); err == nil {
			a.IPs = append(a.IPs, addr.Unmap().String())
		}
	}
	a.Normalize()
	return s.assetForm(w, r, http.StatusOK, a, nil)
}

func (s *Server) uiAssetEdit(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	a, err := s.Assets.FindAssetByID(r.Context(), id)
	if err != nil {
		return err
	}
	return s.assetForm(w, r, http.StatusOK, a, nil)
}

// assetFromForm reads an asset from the submitted form. Fields that fail to parse become
// validation errors, reported with the others.
func assetFromForm(r *http.Request) (*medsec.Asset, []medsec.FieldError) {
	var errs []medsec.FieldError
	num := func(field string) int64 {
		v := strings.TrimSpace(r.PostFormValue(field))
		if v == "" {
			return 0
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			errs = append(errs, medsec.FieldError{Field: field, Key: "err.not_a_number", Message: "is not a number"})
		}
		return n
	}
	a := &medsec.Asset{
		ID: num("id"), SiteID: num("site_id"), DepartmentID: num("department_id"), Name: r.PostFormValue("name"),
		Kind: medsec.AssetKind(r.PostFormValue("kind")), VendorID: num("vendor_id"), Model: r.PostFormValue("model"),
		Serial: r.PostFormValue("serial"), Software: r.PostFormValue("software_version"), Firmware: r.PostFormValue("firmware_version"), FirmwareCPE: r.PostFormValue("firmware_cpe"), HardwareCPE: r.PostFormValue("hardware_cpe"), PURL: r.PostFormValue("purl"),
		IPs: strings.Fields(strings.ReplaceAll(r.PostFormValue("ips"), ",", " ")), MACs: strings.Fields(strings.ReplaceAll(r.PostFormValue("macs"), ",", " ")),
		AETitles: strings.Split(r.PostFormValue("ae_titles"), ","),
		VLAN:     int(num("vlan")), SSID: r.PostFormValue("ssid"), Location: r.PostFormValue("location"), ResponsibleID: num("responsible_id"),
		VendorContact: r.PostFormValue("vendor_contact"), DataClass: medsec.DataClass(r.PostFormValue("data_class")),
		PatientRecords: num("patient_records"), RemoteMaintenance: r.PostFormValue("remote_maintenance"),
		PatchingPermitted: medsec.Tristate(r.PostFormValue("patching_permitted")), DefaultCreds: medsec.CredentialStatus(r.PostFormValue("default_credentials")),
		Class: medsec.DeviceClass(r.PostFormValue("class")), Level: medsec.Level(r.PostFormValue("level")), Notes: r.PostFormValue("notes"), Status: medsec.AssetStatus(r.PostFormValue("status")), Version: num("version"),
	}
	for _, c := range r.PostForm["connectivity"] {
		a.Connectivity = append(a.Connectivity, medsec.Connectivity(c))
	}
	eos, err := medsec.ParseDate(strings.TrimSpace(r.PostFormValue("end_of_support")))
	if err != nil {
		errs = append(errs, medsec.FieldError{Field: "end_of_support", Key: "err.bad_date", Message: err.Error()})
	}
	a.EndOfSupport = eos
	return a, errs
}

func (s *Server) uiAssetCreate(w http.ResponseWriter, r *http.Request) error {
	r.ParseForm()
	a, errs := assetFromForm(r)
	a.ID = 0
	if len(errs) > 0 {
		return s.assetForm(w, r, http.StatusUnprocessableEntity, a, &medsec.ValidationError{Errors: errs})
	}
	if err := s.Assets.CreateAsset(r.Context(), a); err != nil {
		return s.formOrError(w, r, a, err)
	}
	flash(w, "asset.created")
	http.Redirect(w, r, "/assets/"+strconv.FormatInt(a.ID, 10), http.StatusSeeOther)
	return nil
}

// formOrError shows the form again for errors the user can fix, else the error page.
func (s *Server) formOrError(w http.ResponseWriter, r *http.Request, a *medsec.Asset, err error) error {
	switch medsec.ErrorCode(err) {
	case medsec.EINVALID, medsec.ECONFLICT:
		return s.assetForm(w, r, errorStatus(err), a, err)
	}
	if _, ok := err.(*medsec.ValidationError); ok {
		return s.assetForm(w, r, http.StatusUnprocessableEntity, a, err)
	}
	return err
}

func (s *Server) uiAssetUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	r.ParseForm()
	a, errs := assetFromForm(r)
	a.ID = id
	if len(errs) > 0 {
		return s.assetForm(w, r, http.StatusUnprocessableEntity, a, &medsec.ValidationError{Errors: errs})
	}
	if err := s.Assets.UpdateAsset(r.Context(), a); err != nil {
		return s.formOrError(w, r, a, err)
	}
	flash(w, "asset.saved")
	http.Redirect(w, r, "/assets/"+strconv.FormatInt(a.ID, 10), http.StatusSeeOther)
	return nil
}

func (s *Server) uiAssetRetire(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	if err := s.Assets.RetireAsset(r.Context(), id); err != nil {
		return err
	}
	flash(w, "asset.retired")
	http.Redirect(w, r, "/assets/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

// importData is the import page: the result of an import, and the file's columns with
// their headers in the page's language.
type importData struct {
	Result  *medsec.ImportResult
	Columns []assetio.ColumnHelp
	// Languages are the template languages, each with its own name.
	Languages [][2]string
}

func (s *Server) uiAssetImport(w http.ResponseWriter, r *http.Request) error {
	p := s.newPage(r, "import.title")
	p.Data = &importData{Columns: assetio.Columns(p.Lang), Languages: p.Languages()}
	s.render(w, r, http.StatusOK, "asset_import", p)
	return nil
}

// uiAssetImportPost imports an uploaded file. The page's script posts it with a progress
// bar and shows the returned page; without script the form posts normally.
func (s *Server) uiAssetImportPost(w http.ResponseWriter, r *http.Request) error {
	p := s.newPage(r, "import.title")
	name, data, err := uploadedFile(r)
	var res medsec.ImportResult
	if err == nil {
		res, err = s.importAssets(r, name, data)
	}
	// label names the file, and the sheet read from a workbook.
	label := name
	if res.Sheet != "" {
		label = p.T("import.source_sheet", name, res.Sheet)
	}
	if err == nil {
		p.Flash = p.T("import.done", label, res.Created, res.Updated, res.Unchanged)
		if len(res.NewDepartments) > 0 {
			p.Flash += " " + p.T("import.new_departments", strings.Join(res.NewDepartments, "、"))
		}
		if len(res.NewVendors) > 0 {
			p.Flash += " " + p.T("import.new_vendors", strings.Join(res.NewVendors, "、"))
		}
		p.Data = &importData{Result: &res, Columns: assetio.Columns(p.Lang), Languages: p.Languages()}
		s.render(w, r, http.StatusOK, "asset_import", p)
		return nil
	}
	var ve *medsec.ValidationError
	var e *medsec.Error
	switch {
	case errors.As(err, &ve):
		p.Error = p.T("import.rejected", label, len(ve.Errors))
		p.Errors = ve.Errors
	case errors.As(err, &e) && e.Code == medsec.EINVALID:
		p.Error = p.T(e.Key, e.Args...)
	default:
		return err
	}
	p.Data = &importData{Columns: assetio.Columns(p.Lang), Languages: p.Languages()}
	s.render(w, r, http.StatusUnprocessableEntity, "asset_import", p)
	return nil
}
