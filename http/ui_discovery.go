package http

import (
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"path/filepath"
	"strconv"
	"strings"

	"medsec"
	"medsec/capture"
)

// discoveryListData is the discovery page: past runs and the upload form.
type discoveryListData struct {
	Runs  []*medsec.DiscoveryRun
	Sites []*medsec.Site
}

func (s *Server) uiDiscoveryList(w http.ResponseWriter, r *http.Request) error {
	return s.renderDiscoveryList(w, r, http.StatusOK, nil)
}

func (s *Server) renderDiscoveryList(w http.ResponseWriter, r *http.Request, status int, formErr error) error {
	d := &discoveryListData{}
	var err error
	if d.Runs, err = s.Discovery.FindDiscoveryRuns(r.Context()); err != nil {
		return err
	}
	if d.Sites, err = s.Org.FindSites(r.Context()); err != nil {
		return err
	}
	p := s.newPage(r, "discovery.title")
	p.Data = d
	if err := p.showFormError(formErr); err != nil {
		return err
	}
	s.render(w, r, status, "discovery_list", p)
	return nil
}

// uiDiscoveryCreate streams an uploaded capture into the analyzer: the form sends the
// site before the file, so the file never has to be held in memory.
func (s *Server) uiDiscoveryCreate(w http.ResponseWriter, r *http.Request) error {
	mr, err := r.MultipartReader()
	if err != nil {
		return s.renderDiscoveryList(w, r, http.StatusUnprocessableEntity, &medsec.Error{Code: medsec.EINVALID, Message: "Choose a capture file.", Key: "discovery.no_file"})
	}
	var siteID int64
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		} else if err != nil {
			return s.renderDiscoveryList(w, r, http.StatusUnprocessableEntity, &medsec.Error{Code: medsec.EINVALID, Message: "The upload was interrupted.", Key: "discovery.no_file"})
		}
		if fe := checkUploadName(part.FormName(), part.FileName()); fe != nil {
			return s.renderDiscoveryList(w, r, http.StatusUnprocessableEntity, &medsec.ValidationError{Errors: []medsec.FieldError{*fe}})
		}
		switch part.FormName() {
		case "site_id":
			b, _ := io.ReadAll(io.LimitReader(part, 32))
			if fe := medsec.CheckText("site_id", string(b), false); fe != nil {
				return s.renderDiscoveryList(w, r, http.StatusUnprocessableEntity, &medsec.ValidationError{Errors: []medsec.FieldError{*fe}})
			}
			siteID, _ = strconv.ParseInt(string(b), 10, 64)
		case "file":
			if part.FileName() == "" {
				continue
			}
			run, err := s.discover(r, siteID, filepath.Base(part.FileName()), part)
			if err != nil {
				return s.renderDiscoveryList(w, r, errorStatus(err), err)
			}
			http.Redirect(w, r, fmt.Sprintf("/discovery/%d", run.ID), http.StatusSeeOther)
			return nil
		}
	}
	return s.renderDiscoveryList(w, r, http.StatusUnprocessableEntity, &medsec.Error{Code: medsec.EINVALID, Message: "Choose a capture file.", Key: "discovery.no_file"})
}

// discoveryShowData is one run's page.
type discoveryShowData struct {
	Run        *medsec.DiscoveryRun
	Result     *capture.Result
	Stocktake  capture.Stocktake
	Identified []capture.Flow
	// Matched are the inventory assets seen, with the identity their hosts showed and
	// what of it still differs from the inventory now.
	Matched []matchedView
	// New are the hosts not in the inventory, each with the asset it would become.
	New []newHostView
	// Departments of the run's site and the asset kinds, for adding a host.
	Departments []*medsec.Department
	Kinds       []medsec.AssetKind
}

// matchedView is one inventory asset the run saw.
type matchedView struct {
	capture.StocktakeMatch
	// Identity lists the facts its hosts showed.
	Identity []capture.Fact
	// Current lists the disagreements with the inventory as it is now (accepted
	// values drop out); AssetID is set when the asset can still be updated.
	Current []capture.Disagreement
	AssetID int64
}

// newHostView is one host the run saw that the inventory did not have.
type newHostView struct {
	capture.Host
	// Proposed is the asset it would become; Added is the asset of the site that now
	// has its address, if one was added since.
	Proposed medsec.Asset
	Added    *medsec.Asset
}

func (s *Server) uiDiscoveryShow(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	return s.renderDiscoveryShow(w, r, id, http.StatusOK, nil)
}

// renderDiscoveryShow shows a run, with formErr (a refused accept or add) at the top.
func (s *Server) renderDiscoveryShow(w http.ResponseWriter, r *http.Request, id int64, status int, formErr error) error {
	ctx := r.Context()
	run, res, err := s.runResult(ctx, id)
	if err != nil {
		return err
	}
	d := &discoveryShowData{Run: run, Result: res.Result, Stocktake: res.Stocktake, Kinds: medsec.AssetKinds}
	for _, f := range res.Result.Flows {
		if f.App != "" && len(d.Identified) < 500 {
			d.Identified = append(d.Identified, f)
		}
	}
	// The site's inventory as it is now: accepted values and added hosts drop out.
	assets, _, err := s.Assets.FindAssets(ctx, medsec.AssetFilter{SiteID: run.SiteID, Status: medsec.StatusActive, Limit: 100000})
	if err != nil {
		return err
	}
	byID := map[string]*medsec.Asset{}
	byIP := map[string]*medsec.Asset{}
	for _, a := range assets {
		byID[strconv.FormatInt(a.ID, 10)] = a
		for _, ip := range a.IPs {
			byIP[ip] = a
		}
	}
	facts := map[netip.Addr][]capture.Fact{}
	for _, h := range res.Result.Hosts {
		facts[h.Address] = h.Identity
	}
	for _, m := range res.Stocktake.Matched {
		v := matchedView{StocktakeMatch: m, Current: m.Disagreements}
		for _, h := range m.Hosts {
			v.Identity = append(v.Identity, facts[h]...)
		}
		if a := byID[m.Item.ID]; a != nil {
			v.AssetID = a.ID
			v.Current = capture.Disagreements(res.Result, m.Hosts, capture.InventoryItems([]*medsec.Asset{a})[0])
		}
		d.Matched = append(d.Matched, v)
	}
	vendors, err := s.Org.FindVendors(ctx)
	if err != nil {
		return err
	}
	for _, h := range res.Stocktake.ProposedNew {
		d.New = append(d.New, newHostView{Host: h, Proposed: capture.AssetFromHost(run.SiteID, h, vendors), Added: byIP[h.Address.String()]})
	}
	deps, err := s.Org.FindDepartments(ctx)
	if err != nil {
		return err
	}
	for _, dep := range deps {
		if dep.SiteID == run.SiteID {
			d.Departments = append(d.Departments, dep)
		}
	}
	p := s.newPage(r, "discovery.run_title")
	p.Data = d
	if err := p.showFormError(formErr); err != nil {
		return err
	}
	s.render(w, r, status, "discovery_show", p)
	return nil
}

// uiDiscoveryAccept takes the values ticked on the run page into the inventory.
func (s *Server) uiDiscoveryAccept(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	req := acceptRequest{}
	req.AssetID, _ = strconv.ParseInt(r.PostFormValue("asset_id"), 10, 64)
	for _, v := range r.PostForm["accept"] {
		field, observed, _ := strings.Cut(v, ":")
		req.Accept = append(req.Accept, identityPick{Field: field, Observed: observed})
	}
	if len(req.Accept) == 0 {
		return s.renderDiscoveryShow(w, r, id, http.StatusUnprocessableEntity,
			&medsec.Error{Code: medsec.EINVALID, Message: "Tick the values to accept.", Key: "discovery.tick_values"})
	}
	if _, err := s.acceptIdentity(r.Context(), id, req); err != nil {
		return s.renderDiscoveryShow(w, r, id, errorStatus(err), err)
	}
	flash(w, "discovery.accepted")
	http.Redirect(w, r, fmt.Sprintf("/discovery/%d", id), http.StatusSeeOther)
	return nil
}

// uiDiscoveryAddAsset adds a host of the run to the inventory.
func (s *Server) uiDiscoveryAddAsset(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	req := newAssetRequest{Address: r.PostFormValue("address"), Name: r.PostFormValue("name"), Kind: medsec.AssetKind(r.PostFormValue("kind"))}
	req.DepartmentID, _ = strconv.ParseInt(r.PostFormValue("department_id"), 10, 64)
	a, err := s.addDiscoveredAsset(r.Context(), id, req)
	if err != nil {
		return s.renderDiscoveryShow(w, r, id, errorStatus(err), err)
	}
	flash(w, "discovery.added")
	http.Redirect(w, r, fmt.Sprintf("/assets/%d", a.ID), http.StatusSeeOther)
	return nil
}
