package http

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strconv"

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
		switch part.FormName() {
		case "site_id":
			b, _ := io.ReadAll(io.LimitReader(part, 32))
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
}

func (s *Server) uiDiscoveryShow(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	run, err := s.Discovery.FindDiscoveryRunByID(r.Context(), id)
	if err != nil {
		return err
	}
	var res capture.StoredResult
	if err := json.Unmarshal(run.Result, &res); err != nil {
		return fmt.Errorf("discovery run %d: %w", id, err)
	}
	d := &discoveryShowData{Run: run, Result: res.Result, Stocktake: res.Stocktake}
	for _, f := range res.Result.Flows {
		if f.App != "" && len(d.Identified) < 500 {
			d.Identified = append(d.Identified, f)
		}
	}
	p := s.newPage(r, "discovery.run_title")
	p.Data = d
	s.render(w, r, http.StatusOK, "discovery_show", p)
	return nil
}
