package http

import (
	"cmp"
	"net/http"
	"strconv"
	"strings"

	"medsec"
)

// conduitFormData is the conduit create/edit form.
type conduitFormData struct {
	Conduit   *medsec.Conduit
	Site      string
	Zones     []*medsec.Zone
	Protocols []string
	Controls  []medsec.ConduitControl
	Invalid   map[string]bool
}

// Has reports whether the conduit applies the control mechanism.
func (d *conduitFormData) Has(c medsec.ConduitControl) bool {
	for _, x := range d.Conduit.Controls {
		if x == c {
			return true
		}
	}
	return false
}

func (s *Server) conduitForm(w http.ResponseWriter, r *http.Request, status int, c *medsec.Conduit, err error) error {
	zones, ferr := s.Zones.FindZones(r.Context(), c.SiteID)
	if ferr != nil {
		return ferr
	}
	d := &conduitFormData{Conduit: c, Zones: zones, Protocols: medsec.ConduitProtocols, Controls: medsec.ConduitControls, Invalid: map[string]bool{}}
	if sites, err := s.Org.FindSites(r.Context()); err == nil {
		d.Site = siteChoice{Sites: sites, SiteID: c.SiteID}.Name()
	}
	title := "conduit.new"
	if c.ID != 0 {
		title = "conduit.edit"
	}
	p := s.newPage(r, title)
	p.Data = d
	if err := s.zoneFormError(p, err, d.Invalid); err != nil {
		return err
	}
	s.render(w, r, status, "conduit_form", p)
	return nil
}

// conduitFromForm reads a conduit from the submitted form.
func conduitFromForm(r *http.Request) *medsec.Conduit {
	c := &medsec.Conduit{Name: r.PostFormValue("name"), Protocol: r.PostFormValue("protocol"), Ports: r.PostFormValue("ports"),
		App: r.PostFormValue("app"), Sources: zoneListField(r, "sources"), Destinations: zoneListField(r, "destinations"),
		Description: r.PostFormValue("description")}
	c.SiteID, _ = strconv.ParseInt(r.PostFormValue("site"), 10, 64)
	c.FromZoneID, _ = strconv.ParseInt(r.PostFormValue("from_zone"), 10, 64)
	c.ToZoneID, _ = strconv.ParseInt(r.PostFormValue("to_zone"), 10, 64)
	for _, m := range r.PostForm["controls"] {
		c.Controls = append(c.Controls, medsec.ConduitControl(strings.TrimSpace(m)))
	}
	return c
}

func (s *Server) uiConduitNew(w http.ResponseWriter, r *http.Request) error {
	ch, err := s.chooseSite(r)
	if err != nil {
		return err
	}
	// A proposal from the zones page comes prefilled in the query.
	q := r.URL.Query()
	c := &medsec.Conduit{SiteID: ch.SiteID, Protocol: cmp.Or(q.Get("protocol"), "tcp"), FromZoneID: queryInt64(r, "from"), ToZoneID: queryInt64(r, "to"),
		Ports: q.Get("ports"), App: q.Get("app"), Sources: strings.Fields(q.Get("sources")), Destinations: strings.Fields(q.Get("destinations"))}
	c.Normalize()
	return s.conduitForm(w, r, http.StatusOK, c, nil)
}

func (s *Server) uiConduitCreate(w http.ResponseWriter, r *http.Request) error {
	r.ParseForm()
	c := conduitFromForm(r)
	if err := s.Zones.CreateConduit(r.Context(), c); err != nil {
		return s.conduitForm(w, r, errorStatus(err), c, err)
	}
	flash(w, "conduit.created")
	http.Redirect(w, r, "/zones?site="+strconv.FormatInt(c.SiteID, 10), http.StatusSeeOther)
	return nil
}

func (s *Server) uiConduitEdit(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	c, err := s.Zones.FindConduitByID(r.Context(), id)
	if err != nil {
		return err
	}
	return s.conduitForm(w, r, http.StatusOK, c, nil)
}

func (s *Server) uiConduitUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	before, err := s.Zones.FindConduitByID(r.Context(), id)
	if err != nil {
		return err
	}
	r.ParseForm()
	c := conduitFromForm(r)
	c.ID, c.SiteID = id, before.SiteID
	if err := s.Zones.UpdateConduit(r.Context(), c); err != nil {
		return s.conduitForm(w, r, errorStatus(err), c, err)
	}
	flash(w, "conduit.saved")
	http.Redirect(w, r, "/zones?site="+strconv.FormatInt(c.SiteID, 10), http.StatusSeeOther)
	return nil
}

func (s *Server) uiConduitDelete(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	c, err := s.Zones.FindConduitByID(r.Context(), id)
	if err != nil {
		return err
	}
	if err := s.Zones.DeleteConduit(r.Context(), id); err != nil {
		return err
	}
	flash(w, "conduit.deleted")
	http.Redirect(w, r, "/zones?site="+strconv.FormatInt(c.SiteID, 10), http.StatusSeeOther)
	return nil
}
