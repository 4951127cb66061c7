package http

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"medsec"
)

// assetBulkLabels names the bulk-change form's fields in its problems.
var assetBulkLabels = map[string]string{
	"asset_ids": "bulk_asset.select_column", "action": "bulk_asset.action", "department_id": "field.department",
	"responsible_id": "field.responsible", "zone_id": "bulk_asset.zone", "zone": "bulk_asset.zone", "class": "field.class",
	"level": "field.level", "why": "bulk_asset.why",
}

// assetBulkChoices reads what the bulk-change form offers: people, and the zones of the
// sites the caller sees.
func (s *Server) assetBulkChoices(r *http.Request, sites []*medsec.Site) (*assetBulkChoices, error) {
	ctx := r.Context()
	c := &assetBulkChoices{Actions: medsec.AssetBulkActions, Levels: medsec.Levels, Classes: medsec.DeviceClasses, SiteNames: map[int64]string{}}
	var err error
	if c.People, err = s.Org.FindPeople(ctx); err != nil {
		return nil, err
	}
	for _, site := range sites {
		if !site.RetiredAt.IsZero() {
			continue
		}
		c.SiteNames[site.ID] = site.Name
		zones, err := s.Zones.FindZones(ctx, site.ID)
		if medsec.ErrorCode(err) == medsec.EFORBIDDEN || medsec.ErrorCode(err) == medsec.ENOTFOUND {
			continue
		} else if err != nil {
			return nil, err
		}
		c.Zones = append(c.Zones, zones...)
	}
	return c, nil
}

// bulkChangeFromForm reads a bulk change from the asset list's form: the ticked assets
// (asset_id), or with all=yes every asset the list's filter (field filter, the list's
// query string) selects; the action and its value.
func bulkChangeFromForm(r *http.Request) (medsec.AssetBulkChange, url.Values, []medsec.FieldError) {
	var errs []medsec.FieldError
	num := func(field string) int64 {
		v := strings.TrimSpace(r.PostFormValue(field))
		if v == "" {
			return 0
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			errs = append(errs, medsec.FieldError{Field: field, Key: "err.not_a_number", Value: v, Message: "is not a number"})
		}
		return n
	}
	filter, err := url.ParseQuery(r.PostFormValue("filter"))
	if err != nil {
		filter = url.Values{}
	}
	c := medsec.AssetBulkChange{Action: medsec.AssetBulkAction(r.PostFormValue("action")), DepartmentID: num("department_id"),
		ResponsibleID: num("responsible_id"), Level: medsec.Level(r.PostFormValue("level")), ZoneID: num("zone_id"),
		Class: medsec.DeviceClass(r.PostFormValue("class")), Why: r.PostFormValue("why")}
	if r.PostFormValue("all") == "yes" {
		f := assetFilterOf(filter, 0)
		if f.Status == "" && filter.Get("status") == "" {
			f.Status = medsec.StatusActive
		}
		c.Filter = &f
	} else {
		for _, v := range r.PostForm["asset_id"] {
			id, err := strconv.ParseInt(v, 10, 64)
			if err != nil || id <= 0 {
				errs = append(errs, medsec.FieldError{Field: "asset_ids", Key: "err.not_a_number", Value: v, Message: "is not an asset number"})
				continue
			}
			c.AssetIDs = append(c.AssetIDs, id)
		}
	}
	return c, filter, errs
}

// uiAssetBulk applies a bulk change from the asset list and shows the list again: with the
// count of assets changed, or with every problem (each naming its asset) and the same
// assets still ticked, nothing changed.
func (s *Server) uiAssetBulk(w http.ResponseWriter, r *http.Request) error {
	r.ParseForm()
	c, filter, errs := bulkChangeFromForm(r)
	var res medsec.AssetBulkResult
	var err error
	if len(errs) > 0 {
		err = &medsec.ValidationError{Errors: errs}
	} else {
		res, err = s.Assets.ChangeAssets(r.Context(), c)
	}
	d, lerr := s.assetList(r, filter)
	if lerr != nil {
		return lerr
	}
	p := s.newPage(r, "assets.title")
	p.Data = d
	if err == nil {
		p.Flash = p.T("bulk_asset.done", p.Enum("bulk_action", c.Action), res.Changed, res.Unchanged)
		s.render(w, r, http.StatusOK, "asset_list", p)
		return nil
	}
	// Scope and role refusals take the common path: the error page, and a denial in the
	// audit trail.
	var ve *medsec.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	p.Error = p.T("bulk_asset.refused")
	p.Errors = ve.Errors
	p.FieldLabels = assetBulkLabels
	d.Checked = map[int64]bool{}
	for _, id := range c.AssetIDs {
		d.Checked[id] = true
	}
	if d.Bulk != nil {
		d.Bulk.Change = c
	}
	s.render(w, r, errorStatus(err), "asset_list", p)
	return nil
}
