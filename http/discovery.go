package http

import (
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"strconv"

	"net/http"

	"medsec"
	"medsec/capture"
)

// discoveryResult is what a stored run's Result holds.
type discoveryResult struct {
	Result    *capture.Result   `json:"result"`
	Stocktake capture.Stocktake `json:"stocktake"`
}

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
	fi, err := a.AnalyzeReader(name, body)
	if err != nil {
		return nil, &medsec.Error{Code: medsec.EINVALID, Message: fmt.Sprintf("%s cannot be read as a capture: %v", name, err),
			Key: "discovery.bad_capture", Args: []any{name, err.Error()}}
	}
	res := a.Result()
	assets, _, err := s.Assets.FindAssets(ctx, medsec.AssetFilter{SiteID: siteID, Status: medsec.StatusActive, Limit: 100000})
	if err != nil {
		return nil, err
	}
	items := make([]capture.InventoryItem, 0, len(assets))
	for _, a := range assets {
		item := capture.InventoryItem{ID: strconv.FormatInt(a.ID, 10), Name: a.Name, MACs: a.MACs}
		for _, ip := range a.IPs {
			if addr, err := netip.ParseAddr(ip); err == nil {
				item.IPs = append(item.IPs, addr)
			}
		}
		items = append(items, item)
	}
	st := capture.Match(res, items)
	data, err := json.Marshal(discoveryResult{Result: res, Stocktake: st})
	if err != nil {
		return nil, fmt.Errorf("discover: %w", err)
	}
	run := &medsec.DiscoveryRun{SiteID: siteID, Source: name, SHA256: fi.SHA256, Size: fi.Size, Format: fi.Format, Packets: fi.Packets,
		Hosts: res.Summary.Hosts, Flows: res.Summary.Flows, Matched: len(st.Matched), ProposedNew: len(st.ProposedNew), NotSeen: len(st.NotSeen),
		Result: data}
	if fi.Error != "" {
		run.Error = fmt.Sprintf("stopped at byte %d: %s", fi.StoppedAt, fi.Error)
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
