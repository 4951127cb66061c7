package http

import (
	"fmt"
	"io"
	"net/http"

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
