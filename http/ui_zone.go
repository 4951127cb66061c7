package http

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"medsec"
)

// siteChoice is the site a zone page shows, picked from the sites the user may see.
type siteChoice struct {
	Sites  []*medsec.Site
	SiteID int64
}

// Name returns the chosen site's name.
func (c siteChoice) Name() string {
	for _, s := range c.Sites {
		if s.ID == c.SiteID {
			return s.Name
		}
	}
	return ""
}

// chooseSite reads the "site" parameter; without one it picks the user's first site.
func (s *Server) chooseSite(r *http.Request) (siteChoice, error) {
	sites, err := s.Org.FindSites(r.Context())
	if err != nil {
		return siteChoice{}, err
	}
	c := siteChoice{Sites: sites}
	id, _ := strconv.ParseInt(r.FormValue("site"), 10, 64)
	for _, site := range sites {
		if site.ID == id {
			c.SiteID = id
		}
	}
	if c.SiteID == 0 && id != 0 {
		return c, medsec.NotInScope("Site not found.", "err.site_not_found", fmt.Sprintf("site %d", id), id)
	}
	if c.SiteID == 0 && len(sites) > 0 {
		c.SiteID = sites[0].ID
	}
	if c.SiteID == 0 {
		return c, &medsec.Error{Code: medsec.ENOTFOUND, Message: "There is no site yet.", Key: "err.no_site"}
	}
	return c, nil
}

// Finding translates a zone finding with its parameters.
func (p *page) Finding(f medsec.ZoneFinding) string {
	return p.withParams("finding."+f.Code, f.Params)
}

// Review translates a conduit review's reason with its parameters.
func (p *page) Review(r medsec.ClassReason) string { return p.withParams("review."+r.Code, r.Params) }

// Reason translates a class-proposal reason with its parameters.
func (p *page) Reason(r medsec.ClassReason) string { return p.withParams("reason."+r.Code, r.Params) }

// withParams translates key and replaces each {name} by its parameter.
func (p *page) withParams(key string, params map[string]string) string {
	msg := p.T(key)
	for k, v := range params {
		if k == "side" {
			v = p.T("side." + v)
		}
		msg = strings.ReplaceAll(msg, "{"+k+"}", v)
	}
	return msg
}

// SLName writes a security level: "SL3", or "—" when unknown.
func (p *page) SLName(sl int) string {
	if sl < 0 {
		return "—"
	}
	return "SL" + strconv.Itoa(sl)
}

// zoneListData is the zones page.
type zoneListData struct {
	siteChoice
	Analysis   *medsec.ZoneAnalysis
	Violations []medsec.FlowViolation
	More       int
	// Proposals are the least-privilege rules no conduit covers yet; Broader the conduits
	// wider than the flows need.
	Proposals []medsec.ProposedConduit
	Broader   []medsec.ConduitReview
}

// NewConduitURL is the conduit form prefilled with a proposed rule.
func (d *zoneListData) NewConduitURL(r medsec.ProposedConduit) string {
	q := url.Values{"site": {strconv.FormatInt(d.SiteID, 10)}, "from": {strconv.FormatInt(r.FromZoneID, 10)}, "to": {strconv.FormatInt(r.ToZoneID, 10)},
		"protocol": {r.Protocol}, "app": {r.App}, "sources": {strings.Join(r.Sources, "\n")}, "destinations": {strings.Join(r.Destinations, "\n")}}
	if r.Port != 0 {
		q.Set("ports", strconv.Itoa(r.Port))
	}
	return "/conduits/new?" + q.Encode()
}

func (s *Server) uiZoneList(w http.ResponseWriter, r *http.Request) error {
	c, err := s.chooseSite(r)
	if err != nil {
		return err
	}
	an, err := s.Zones.Analyze(r.Context(), c.SiteID)
	if err != nil {
		return err
	}
	d := &zoneListData{siteChoice: c, Analysis: an, Violations: an.Violations}
	lp, err := s.Zones.ProposeConduits(r.Context(), c.SiteID)
	if err != nil {
		return err
	}
	for _, rule := range lp.Rules {
		if rule.CoveredBy == 0 {
			d.Proposals = append(d.Proposals, rule)
		}
	}
	for _, cr := range lp.Conduits {
		if cr.Broader {
			d.Broader = append(d.Broader, cr)
		}
	}
	if len(d.Violations) > 200 {
		d.Violations, d.More = d.Violations[:200], len(d.Violations)-200
	}
	p := s.newPage(r, "zones.title")
	p.Data = d
	s.render(w, r, http.StatusOK, "zone_list", p)
	return nil
}

// zoneShowData is a zone's page.
type zoneShowData struct {
	Zone       *medsec.Zone
	Status     medsec.ZoneStatus
	Parent     *medsec.Zone
	Assets     []medsec.ZonePlacement
	Names      map[int64]string
	Conduits   []*medsec.Conduit
	Findings   []medsec.ZoneFinding
	Violations []medsec.FlowViolation
}

func (s *Server) uiZoneShow(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	z, err := s.Zones.FindZoneByID(r.Context(), id)
	if err != nil {
		return err
	}
	an, err := s.Zones.Analyze(r.Context(), z.SiteID)
	if err != nil {
		return err
	}
	d := &zoneShowData{Zone: z, Names: an.AssetNames}
	for _, st := range an.Zones {
		if st.Zone.ID == z.ID {
			d.Status = st
		}
		if st.Zone.ID == z.ParentID {
			d.Parent = st.Zone
		}
	}
	for _, pl := range an.Placements {
		if pl.ZoneID == z.ID {
			d.Assets = append(d.Assets, pl)
		}
	}
	for _, c := range an.Conduits {
		if c.FromZoneID == z.ID || c.ToZoneID == z.ID {
			d.Conduits = append(d.Conduits, c)
		}
	}
	for _, f := range an.Findings {
		if f.ZoneID == z.ID {
			d.Findings = append(d.Findings, f)
		}
	}
	for _, v := range an.Violations {
		if v.SrcZoneID == z.ID || v.DstZoneID == z.ID {
			d.Violations = append(d.Violations, v)
		}
	}
	p := s.newPage(r, "zone.title")
	p.Title = z.Name
	p.Data = d
	s.render(w, r, http.StatusOK, "zone_show", p)
	return nil
}

// zoneFormData is the zone create/edit form.
type zoneFormData struct {
	Zone    *medsec.Zone
	Site    string
	Parents []*medsec.Zone
	Kinds   []medsec.ZoneKind
	Levels  []int
	Invalid map[string]bool
	// Text forms of the lists, as typed.
	Ranges, VLANs, SSIDs string
}

// RatingIs reports whether a rating dimension ("c", "i", "a", "l") has the value v; -1
// matches an unset rating.
func (d *zoneFormData) RatingIs(dim string, v int) bool {
	r := d.Zone.Ratings
	if r == nil {
		return v == -1
	}
	return map[string]int{"c": r.C, "i": r.I, "a": r.A, "l": r.L}[dim] == v
}

// SLIs reports whether the set SL is v; -1 matches an unset SL.
func (d *zoneFormData) SLIs(v int) bool {
	if d.Zone.SL == nil {
		return v == -1
	}
	return *d.Zone.SL == v
}

func (s *Server) zoneForm(w http.ResponseWriter, r *http.Request, status int, z *medsec.Zone, err error) error {
	zones, ferr := s.Zones.FindZones(r.Context(), z.SiteID)
	if ferr != nil {
		return ferr
	}
	d := &zoneFormData{Zone: z, Kinds: medsec.ZoneKinds, Levels: []int{0, 1, 2, 3, 4}, Invalid: map[string]bool{},
		Ranges: strings.Join(z.Ranges, "\n"), SSIDs: strings.Join(z.SSIDs, "\n")}
	var vl []string
	for _, v := range z.VLANs {
		vl = append(vl, strconv.Itoa(v))
	}
	d.VLANs = strings.Join(vl, ", ")
	for _, o := range zones {
		if o.ID != z.ID {
			d.Parents = append(d.Parents, o)
		}
	}
	if sites, err := s.Org.FindSites(r.Context()); err == nil {
		d.Site = siteChoice{Sites: sites, SiteID: z.SiteID}.Name()
	}
	title := "zone.new"
	if z.ID != 0 {
		title = "zone.edit"
	}
	p := s.newPage(r, title)
	p.Data = d
	if err := s.zoneFormError(p, err, d.Invalid); err != nil {
		return err
	}
	s.render(w, r, status, "zone_form", p)
	return nil
}

// zoneFormError puts a validation or application error on a form page; any other error is
// returned for the error page.
func (s *Server) zoneFormError(p *page, err error, invalid map[string]bool) error {
	if err == nil {
		return nil
	}
	var ve *medsec.ValidationError
	var e *medsec.Error
	switch {
	case errors.As(err, &ve):
		p.Error = p.T("err.invalid_form")
		p.Errors = ve.Errors
		for _, fe := range ve.Errors {
			invalid[fe.Field] = true
		}
	case errors.As(err, &e) && e.Code != medsec.EINTERNAL && e.Key != "":
		p.Error = p.T(e.Key, e.Args...)
	default:
		return err
	}
	return nil
}

// zoneListField splits a form field on commas, semicolons and line breaks.
func zoneListField(r *http.Request, name string) []string {
	return strings.FieldsFunc(r.PostFormValue(name), func(c rune) bool { return c == ',' || c == ';' || c == '\n' || c == '\r' })
}

// zoneOptInt reads an optional number 0-4 from a form field; "" is nil.
func zoneOptInt(r *http.Request, name string, errs *[]medsec.FieldError) *int {
	v := strings.TrimSpace(r.PostFormValue(name))
	if v == "" {
		return nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		*errs = append(*errs, medsec.FieldError{Field: name, Key: "err.not_a_number", Message: "is not a number"})
		return nil
	}
	return &n
}

// zoneFromForm reads a zone from the submitted form.
func zoneFromForm(r *http.Request) (*medsec.Zone, []medsec.FieldError) {
	var errs []medsec.FieldError
	z := &medsec.Zone{Name: r.PostFormValue("name"), Kind: medsec.ZoneKind(r.PostFormValue("kind")),
		Ranges: zoneListField(r, "ranges"), SSIDs: strings.Split(strings.ReplaceAll(r.PostFormValue("ssids"), "\r", ""), "\n"),
		Description: r.PostFormValue("description")}
	z.SiteID, _ = strconv.ParseInt(r.PostFormValue("site"), 10, 64)
	z.ParentID, _ = strconv.ParseInt(r.PostFormValue("parent"), 10, 64)
	for _, v := range zoneListField(r, "vlans") {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			errs = append(errs, medsec.FieldError{Field: "vlans", Key: "err.bad_vlan", Message: strconv.Quote(v) + " is not a VLAN number"})
			continue
		}
		z.VLANs = append(z.VLANs, n)
	}
	z.SL = zoneOptInt(r, "sl", &errs)
	c, i, a, l := zoneOptInt(r, "rating_c", &errs), zoneOptInt(r, "rating_i", &errs), zoneOptInt(r, "rating_a", &errs), zoneOptInt(r, "rating_l", &errs)
	if c != nil || i != nil || a != nil || l != nil {
		val := func(p *int) int {
			if p == nil {
				return 0
			}
			return *p
		}
		z.Ratings = &medsec.ZoneRatings{C: val(c), I: val(i), A: val(a), L: val(l)}
	}
	return z, errs
}

func (s *Server) uiZoneNew(w http.ResponseWriter, r *http.Request) error {
	c, err := s.chooseSite(r)
	if err != nil {
		return err
	}
	z := &medsec.Zone{SiteID: c.SiteID, Kind: medsec.ZoneOT}
	if pid := queryInt64(r, "parent"); pid != 0 {
		z.ParentID = pid
	}
	z.Normalize()
	return s.zoneForm(w, r, http.StatusOK, z, nil)
}

func (s *Server) uiZoneCreate(w http.ResponseWriter, r *http.Request) error {
	r.ParseForm()
	z, errs := zoneFromForm(r)
	if len(errs) > 0 {
		return s.zoneForm(w, r, http.StatusUnprocessableEntity, z, &medsec.ValidationError{Errors: errs})
	}
	if err := s.Zones.CreateZone(r.Context(), z); err != nil {
		return s.zoneForm(w, r, errorStatus(err), z, err)
	}
	flash(w, "zone.created")
	http.Redirect(w, r, "/zones/"+strconv.FormatInt(z.ID, 10), http.StatusSeeOther)
	return nil
}

func (s *Server) uiZoneEdit(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	z, err := s.Zones.FindZoneByID(r.Context(), id)
	if err != nil {
		return err
	}
	return s.zoneForm(w, r, http.StatusOK, z, nil)
}

func (s *Server) uiZoneUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	before, err := s.Zones.FindZoneByID(r.Context(), id)
	if err != nil {
		return err
	}
	r.ParseForm()
	z, errs := zoneFromForm(r)
	z.ID, z.SiteID = id, before.SiteID
	if len(errs) > 0 {
		return s.zoneForm(w, r, http.StatusUnprocessableEntity, z, &medsec.ValidationError{Errors: errs})
	}
	if err := s.Zones.UpdateZone(r.Context(), z); err != nil {
		return s.zoneForm(w, r, errorStatus(err), z, err)
	}
	flash(w, "zone.saved")
	http.Redirect(w, r, "/zones/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

func (s *Server) uiZoneDelete(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	z, err := s.Zones.FindZoneByID(r.Context(), id)
	if err != nil {
		return err
	}
	if err := s.Zones.DeleteZone(r.Context(), id); err != nil {
		return err
	}
	flash(w, "zone.deleted")
	http.Redirect(w, r, "/zones?site="+strconv.FormatInt(z.SiteID, 10), http.StatusSeeOther)
	return nil
}

// diagramLabels are the diagram's words in the page's language.
func (p *page) diagramLabels(site string) medsec.DiagramLabels {
	l := medsec.DiagramLabels{Title: p.T("diagram.title_of", site), Unclassified: p.T("diagram.unclassified"), More: p.T("diagram.more"),
		Violations: p.T("diagram.violations"), LegendConduit: p.T("diagram.legend_conduit"), LegendViolation: p.T("diagram.legend_violation"),
		Unplaced: p.T("diagram.unplaced"), Conduits: p.T("diagram.conduits"), Kinds: map[medsec.ZoneKind]string{}, Classes: map[medsec.DeviceClass]string{}}
	for _, k := range medsec.ZoneKinds {
		l.Kinds[k] = p.Enum("zonekind", k)
	}
	for _, c := range medsec.DeviceClasses {
		l.Classes[c] = p.Enum("class", c)
	}
	return l
}

// zoneDiagramData is the diagram page: the SVG drawn by the zone model, inline, and the
// zone it is limited to (0: the whole site).
type zoneDiagramData struct {
	siteChoice
	Zone int64
	SVG  template.HTML
}

// diagramView reads the optional zone parameter of a diagram request (a positive zone ID)
// and links each zone of a collapsed diagram to base with site and zone.
func diagramView(r *http.Request, base string, siteID int64) (medsec.DiagramView, error) {
	v := medsec.DiagramView{ZoneLink: fmt.Sprintf("%s?site=%d&zone={id}", base, siteID)}
	if q := r.URL.Query().Get("zone"); q != "" {
		id, err := strconv.ParseInt(q, 10, 64)
		if err != nil || id <= 0 {
			return v, &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "zone", Key: "err.not_a_number", Message: "is not a number"}}}
		}
		v.Zone = id
	}
	return v, nil
}

func (s *Server) uiZoneDiagram(w http.ResponseWriter, r *http.Request) error {
	c, err := s.chooseSite(r)
	if err != nil {
		return err
	}
	view, err := diagramView(r, "/zones/diagram", c.SiteID)
	if err != nil {
		return err
	}
	p := s.newPage(r, "diagram.title")
	var buf bytes.Buffer
	if err := s.Zones.WriteDiagram(r.Context(), c.SiteID, view, &buf, p.diagramLabels(c.Name())); err != nil {
		return err
	}
	// The zone package escapes every name and label it writes; the document is well-formed
	// SVG, safe to inline. The XML declaration is dropped.
	svg := buf.String()
	if i := strings.Index(svg, "<svg"); i > 0 {
		svg = svg[i:]
	}
	p.Data = &zoneDiagramData{siteChoice: c, Zone: view.Zone, SVG: template.HTML(svg)}
	s.render(w, r, http.StatusOK, "zone_diagram", p)
	return nil
}

// uiZoneDiagramSVG downloads the diagram.
func (s *Server) uiZoneDiagramSVG(w http.ResponseWriter, r *http.Request) error {
	c, err := s.chooseSite(r)
	if err != nil {
		return err
	}
	view, err := diagramView(r, "/zones/diagram", c.SiteID)
	if err != nil {
		return err
	}
	p := s.newPage(r, "diagram.title")
	var buf bytes.Buffer
	if err := s.Zones.WriteDiagram(r.Context(), c.SiteID, view, &buf, p.diagramLabels(c.Name())); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Content-Disposition", `attachment; filename="network-diagram.svg"`)
	_, err = w.Write(buf.Bytes())
	return err
}

// uiZoneFirewall downloads the conduits as firewall rules (format nft or csv).
func (s *Server) uiZoneFirewall(w http.ResponseWriter, r *http.Request) error {
	c, err := s.chooseSite(r)
	if err != nil {
		return err
	}
	return s.writeFirewall(w, r, c.SiteID)
}

func (s *Server) writeFirewall(w http.ResponseWriter, r *http.Request, siteID int64) error {
	format := medsec.FirewallFormat(r.URL.Query().Get("format"))
	if format == "" {
		format = medsec.FirewallNFT
	}
	var buf bytes.Buffer
	if err := s.Zones.WriteFirewall(r.Context(), siteID, format, &buf); err != nil {
		return err
	}
	if format == medsec.FirewallCSV {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="conduits.csv"`)
	} else {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="conduits.nft"`)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// uiAssetPlace places an asset in a zone by hand (zone 0: computed placement).
func (s *Server) uiAssetPlace(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	zoneID, _ := strconv.ParseInt(r.PostFormValue("zone"), 10, 64)
	if err := s.Zones.PlaceAsset(r.Context(), id, zoneID); err != nil {
		return err
	}
	flash(w, "zone.placed")
	http.Redirect(w, r, "/assets/"+strconv.FormatInt(id, 10)+"#zone", http.StatusSeeOther)
	return nil
}

// assetZoneData is the zone section of an asset's page.
type assetZoneData struct {
	Asset      *medsec.Asset
	Placement  *medsec.ZonePlacement
	Level      *medsec.AssetLevel
	Zones      []*medsec.Zone
	Violations []medsec.FlowViolation
	Decision   *medsec.ClassDecision
}

// AssetZoneSection renders the zone, level, violations and class of an asset for its page.
// It is empty when the zone model cannot be read; the cause is logged.
func (p *page) AssetZoneSection(a *medsec.Asset) template.HTML {
	s := p.s
	if s.Zones == nil || p.User == nil {
		return ""
	}
	ctx := medsec.NewContextWithUser(context.Background(), p.User)
	d := &assetZoneData{Asset: a}
	var err error
	if d.Placement, err = s.Zones.FindPlacement(ctx, a.ID); err == nil {
		d.Level, err = s.Zones.EffectiveLevel(ctx, a.ID)
	}
	if err == nil {
		d.Zones, err = s.Zones.FindZones(ctx, a.SiteID)
	}
	var an *medsec.ZoneAnalysis
	if err == nil {
		an, err = s.Zones.Analyze(ctx, a.SiteID)
	}
	if err != nil {
		s.logger.Error("asset zone section", "asset", a.ID, "err", err)
		return ""
	}
	for _, v := range an.Violations {
		if v.SrcAssetID == a.ID || v.DstAssetID == a.ID {
			d.Violations = append(d.Violations, v)
		}
	}
	d.Decision, _ = s.Zones.FindClassDecision(ctx, a.ID)
	q := *p
	q.Data = d
	var buf bytes.Buffer
	if err := s.views["zone_asset"].ExecuteTemplate(&buf, "content", &q); err != nil {
		s.logger.Error("render asset zone section", "asset", a.ID, "err", err)
		return ""
	}
	return template.HTML(buf.String())
}

// Indent writes the tree prefix of a zone at the given depth.
func (p *page) Indent(depth int) string {
	if depth <= 0 {
		return ""
	}
	return strings.Repeat("\u3000", depth-1) + "└ "
}

// zoneUIRoutes registers the pages of the zone model.
func (s *Server) zoneUIRoutes(mux *http.ServeMux) {
	read, write := medsec.PermInventoryRead, medsec.PermInventoryWrite
	mux.Handle("GET /zones", s.ui(read, s.uiZoneList))
	mux.Handle("GET /zones/new", s.ui(write, s.uiZoneNew))
	mux.Handle("POST /zones", s.ui(write, s.uiZoneCreate))
	mux.Handle("GET /zones/diagram", s.ui(read, s.uiZoneDiagram))
	mux.Handle("GET /zones/diagram.svg", s.ui(read, s.uiZoneDiagramSVG))
	mux.Handle("GET /zones/firewall", s.ui(read, s.uiZoneFirewall))
	mux.Handle("GET /zones/{id}", s.ui(read, s.uiZoneShow))
	mux.Handle("GET /zones/{id}/edit", s.ui(write, s.uiZoneEdit))
	mux.Handle("POST /zones/{id}", s.ui(write, s.uiZoneUpdate))
	mux.Handle("POST /zones/{id}/delete", s.ui(write, s.uiZoneDelete))
	mux.Handle("GET /conduits/new", s.ui(write, s.uiConduitNew))
	mux.Handle("POST /conduits", s.ui(write, s.uiConduitCreate))
	mux.Handle("GET /conduits/{id}/edit", s.ui(write, s.uiConduitEdit))
	mux.Handle("POST /conduits/{id}", s.ui(write, s.uiConduitUpdate))
	mux.Handle("POST /conduits/{id}/delete", s.ui(write, s.uiConduitDelete))
	mux.Handle("GET /flows/import", s.ui(write, s.uiFlowImport))
	mux.Handle("POST /flows/import", s.ui(write, s.uiFlowImportPost))
	mux.Handle("POST /assets/{id}/zone", s.ui(write, s.uiAssetPlace))
	mux.Handle("GET /assets/{id}/class", s.ui(read, s.uiClassShow))
	mux.Handle("POST /assets/{id}/class", s.ui(write, s.uiClassDecide))
	mux.Handle("POST /assets/{id}/class/propose", s.ui(write, s.uiClassPropose))
	mux.Handle("GET /assets/{id}/crl", s.ui(read, s.uiCRLShow))
	mux.Handle("POST /assets/{id}/crl", s.ui(write, s.uiCRLCreate))
	mux.Handle("GET /crl/missing", s.ui(read, s.uiCRLMissing))
}
