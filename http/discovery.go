package http

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"medsec"
	"medsec/capture"
)

// discover analyses a capture taken at a site, matches it against the site's inventory
// and stores the run. A capture that breaks off part-way is kept with what was read and
// where it stopped; a file that is no capture at all is an EINVALID error.
func (s *Server) discover(r *http.Request, siteID int64, name string, body io.Reader) (*medsec.DiscoveryRun, error) {
	ctx := r.Context()
	u, err := medsec.Authorize(ctx, medsec.PermInventoryWrite)
	if err != nil {
		return nil, err
	}
	if siteID == 0 || !u.CanSeeSite(siteID) {
		return nil, &medsec.Error{Code: medsec.EINVALID, Message: "Choose the site the capture comes from.", Key: "discovery.no_site"}
	}
	a := capture.NewAnalyzer(capture.Options{})
	if _, err := a.AnalyzeReader(name, body); err != nil {
		return nil, &medsec.Error{Code: medsec.EINVALID, Message: fmt.Sprintf("%s cannot be read as a capture: %v", name, err),
			Key: "discovery.bad_capture", Args: []any{name, err.Error()}}
	}
	assets, _, err := s.Assets.FindAssets(ctx, medsec.AssetFilter{SiteID: siteID, Status: medsec.StatusActive, Limit: 100000})
	if err != nil {
		return nil, err
	}
	run, err := capture.NewRun(siteID, a.Result(), assets)
	if err != nil {
		return nil, err
	}
	if err := s.Discovery.CreateDiscoveryRun(ctx, run); err != nil {
		return nil, err
	}
	return run, nil
}

func (s *Server) apiDiscoveryCreate(w http.ResponseWriter, r *http.Request) error {
	name := r.URL.Query().Get("name")
	if name == "" {
		name = "capture.pcap"
	}
	run, err := s.discover(r, queryInt64(r, "site"), name, r.Body)
	if err != nil {
		return err
	}
	run.Result = nil
	writeJSON(w, http.StatusCreated, run)
	return nil
}

func (s *Server) apiDiscoveryList(w http.ResponseWriter, r *http.Request) error {
	return writeAll(w, r, s.Discovery.FindDiscoveryRuns)
}

func (s *Server) apiDiscoveryGet(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	run, err := s.Discovery.FindDiscoveryRunByID(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, run)
	return nil
}

// runResult reads a run the caller may see (scope enforced by the service) and its
// stored result.
func (s *Server) runResult(ctx context.Context, runID int64) (*medsec.DiscoveryRun, *capture.StoredResult, error) {
	run, err := s.Discovery.FindDiscoveryRunByID(ctx, runID)
	if err != nil {
		return nil, nil, err
	}
	var res capture.StoredResult
	if err := json.Unmarshal(run.Result, &res); err != nil {
		return nil, nil, fmt.Errorf("discovery run %d: %w", runID, err)
	}
	if res.Result == nil {
		res.Result = &capture.Result{}
	}
	return run, &res, nil
}

// identityPick names one observed value to accept: a field (capture.Field*) and the
// value the traffic showed.
type identityPick struct {
	Field    string `json:"field"`
	Observed string `json:"observed"`
}

// acceptRequest is the body of POST /api/v1/discovery/{id}/accept.
type acceptRequest struct {
	AssetID int64 `json:"asset_id"`
	// Accept lists the values to take; empty takes every current disagreement.
	Accept []identityPick `json:"accept"`
}

// acceptIdentity takes the identity a run observed for a matched asset into the
// inventory, in one audited update of the asset (scope and version checked by the asset
// service). Only values that still differ from the inventory can be taken.
func (s *Server) acceptIdentity(ctx context.Context, runID int64, req acceptRequest) (*medsec.Asset, error) {
	if _, err := medsec.Authorize(ctx, medsec.PermInventoryWrite); err != nil {
		return nil, err
	}
	_, res, err := s.runResult(ctx, runID)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(res.Stocktake.Matched, func(m capture.StocktakeMatch) bool { return m.Item.ID == strconv.FormatInt(req.AssetID, 10) })
	if i < 0 {
		return nil, &medsec.Error{Code: medsec.ENOTFOUND, Message: "This asset was not seen in this discovery run.", Key: "discovery.not_matched"}
	}
	a, err := s.Assets.FindAssetByID(ctx, req.AssetID)
	if err != nil {
		return nil, err
	}
	current := capture.Disagreements(res.Result, res.Stocktake.Matched[i].Hosts, capture.InventoryItems([]*medsec.Asset{a})[0])
	var chosen []capture.Disagreement
	for _, d := range current {
		if len(req.Accept) == 0 || slices.Contains(req.Accept, identityPick{Field: d.Field, Observed: d.Observed}) {
			chosen = append(chosen, d)
		}
	}
	for _, p := range req.Accept {
		if !slices.ContainsFunc(chosen, func(d capture.Disagreement) bool { return d.Field == p.Field && d.Observed == p.Observed }) {
			return nil, &medsec.Error{Code: medsec.EINVALID, Message: fmt.Sprintf("%s is not a value this run observed that differs from the inventory.", p.Observed),
				Key: "discovery.not_observed", Args: []any{p.Observed}}
		}
	}
	if len(chosen) == 0 {
		return nil, &medsec.Error{Code: medsec.EINVALID, Message: "The inventory already agrees with what this run observed.", Key: "discovery.nothing_to_accept"}
	}
	vendors, err := s.Org.FindVendors(ctx)
	if err != nil {
		return nil, err
	}
	if err := capture.ApplyIdentity(a, chosen, vendors); err != nil {
		return nil, err
	}
	if err := s.Assets.UpdateAsset(ctx, a); err != nil {
		return nil, err
	}
	return a, nil
}

// newAssetRequest is the body of POST /api/v1/discovery/{id}/assets: the address of a
// host the run saw that is not in the inventory, and what a person chooses for it.
type newAssetRequest struct {
	Address      string           `json:"address"`
	Name         string           `json:"name"`
	Kind         medsec.AssetKind `json:"kind"`
	DepartmentID int64            `json:"department_id"`
}

// addDiscoveredAsset creates the inventory asset for a host the run proposed as new: its
// site, address, MACs and identity from the run, the name, kind and department chosen.
// The asset service validates, checks scope and writes the audit row.
func (s *Server) addDiscoveredAsset(ctx context.Context, runID int64, req newAssetRequest) (*medsec.Asset, error) {
	if _, err := medsec.Authorize(ctx, medsec.PermInventoryWrite); err != nil {
		return nil, err
	}
	run, res, err := s.runResult(ctx, runID)
	if err != nil {
		return nil, err
	}
	addr, err := netip.ParseAddr(strings.TrimSpace(req.Address))
	i := slices.IndexFunc(res.Stocktake.ProposedNew, func(h capture.Host) bool { return err == nil && h.Address == addr })
	if i < 0 {
		return nil, &medsec.Error{Code: medsec.EINVALID, Message: fmt.Sprintf("%s is not among the hosts this run saw that are not in the inventory.", req.Address),
			Key: "discovery.not_new", Args: []any{req.Address}}
	}
	vendors, err := s.Org.FindVendors(ctx)
	if err != nil {
		return nil, err
	}
	a := capture.AssetFromHost(run.SiteID, res.Stocktake.ProposedNew[i], vendors)
	if name := strings.TrimSpace(req.Name); name != "" {
		a.Name = name
	}
	a.Kind, a.DepartmentID = req.Kind, req.DepartmentID
	if err := s.Assets.CreateAsset(ctx, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

func (s *Server) apiDiscoveryAccept(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	var req acceptRequest
	if err := readJSON(r, &req); err != nil {
		return err
	}
	a, err := s.acceptIdentity(r.Context(), id, req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

func (s *Server) apiDiscoveryAddAsset(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	var req newAssetRequest
	if err := readJSON(r, &req); err != nil {
		return err
	}
	a, err := s.addDiscoveredAsset(r.Context(), id, req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, a)
	return nil
}
