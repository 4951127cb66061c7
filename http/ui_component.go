package http

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strconv"

	"medsec"
)

// componentUIRoutes registers the pages of device models, SBOMs, MDS2 profiles and
// scanner reports.
func (s *Server) componentUIRoutes(mux *http.ServeMux) {
	read, write := medsec.PermInventoryRead, medsec.PermInventoryWrite
	mux.Handle("GET /models", s.ui(read, s.uiModelList))
	mux.Handle("POST /models", s.ui(write, s.uiModelCreate))
	mux.Handle("GET /models/{id}", s.ui(read, s.uiModelShow))
	mux.Handle("POST /models/{id}/sbom", s.ui(write, s.uiModelSBOM))
	mux.Handle("POST /models/{id}/mds2", s.ui(write, s.uiModelMDS2))
	mux.Handle("POST /assets/{id}/sbom", s.ui(write, s.uiAssetSBOM))
	mux.Handle("POST /sboms/{id}/delete", s.ui(write, s.uiSBOMDelete))
	mux.Handle("GET /scans", s.ui(read, s.uiScanList))
	mux.Handle("POST /scans", s.ui(write, s.uiScanImport))
	mux.Handle("GET /scans/schedule", s.ui(read, s.uiScanSchedule))
	mux.Handle("GET /scans/{id}", s.ui(read, s.uiScanShow))
}

// modelListData is the device models page.
type modelListData struct {
	Models  []*medsec.DeviceModel
	Vendors []*medsec.Vendor
}

func (s *Server) uiModelList(w http.ResponseWriter, r *http.Request) error {
	return s.renderModelList(w, r, http.StatusOK, nil)
}

func (s *Server) renderModelList(w http.ResponseWriter, r *http.Request, status int, formErr error) error {
	if s.Components == nil {
		return errNoComponents()
	}
	d := &modelListData{}
	var err error
	if d.Models, err = s.Components.FindDeviceModels(r.Context()); err != nil {
		return err
	}
	if d.Vendors, err = s.Org.FindVendors(r.Context()); err != nil {
		return err
	}
	p := s.newPage(r, "models.title")
	p.Data = d
	if formErr != nil && !s.formError(p, formErr) {
		return formErr
	}
	s.render(w, r, status, "model_list", p)
	return nil
}

// formError puts an input error on the page, translated, and reports whether it was one;
// any other error is the caller's to return.
func (s *Server) formError(p *page, err error) bool {
	var ve *medsec.ValidationError
	var e *medsec.Error
	switch {
	case errors.As(err, &ve):
		p.Error = p.T("upload.rejected", ve.Source, len(ve.Errors))
		if ve.Sheet != "" {
			p.Error = p.T("upload.rejected", ve.Source+" ("+ve.Sheet+")", len(ve.Errors))
		}
		p.Errors = ve.Errors
		return true
	case errors.As(err, &e) && (e.Code == medsec.EINVALID || e.Code == medsec.ENOTFOUND):
		if e.Key != "" {
			p.Error = p.T(e.Key, e.Args...)
		} else {
			p.Error = e.Message
		}
		return true
	}
	return false
}

func (s *Server) uiModelCreate(w http.ResponseWriter, r *http.Request) error {
	if s.Components == nil {
		return errNoComponents()
	}
	vendor := ""
	if id, _ := strconv.ParseInt(r.FormValue("vendor_id"), 10, 64); id != 0 {
		vendors, err := s.Org.FindVendors(r.Context())
		if err != nil {
			return err
		}
		for _, v := range vendors {
			if v.ID == id {
				vendor = v.Name
			}
		}
	}
	m, err := s.Components.EnsureDeviceModel(r.Context(), vendor, r.FormValue("model"))
	if err != nil {
		return s.renderModelList(w, r, http.StatusUnprocessableEntity, err)
	}
	http.Redirect(w, r, fmt.Sprintf("/models/%d", m.ID), http.StatusSeeOther)
	return nil
}

func (s *Server) uiModelShow(w http.ResponseWriter, r *http.Request) error {
	return s.renderModelShow(w, r, http.StatusOK, nil)
}

func (s *Server) renderModelShow(w http.ResponseWriter, r *http.Request, status int, formErr error) error {
	v, err := s.findModelView(r)
	if err != nil {
		return err
	}
	p := s.newPage(r, "models.title")
	p.Title = v.Model.VendorName + " " + v.Model.Name
	p.Data = v
	if formErr != nil && !s.formError(p, formErr) {
		return formErr
	}
	s.render(w, r, status, "model_show", p)
	return nil
}

func (s *Server) uiModelSBOM(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.importSBOM(r, medsec.ComponentTarget{ModelID: id}); err != nil {
		return s.renderModelShow(w, r, http.StatusUnprocessableEntity, err)
	}
	flash(w, "sbom.imported_flash")
	http.Redirect(w, r, fmt.Sprintf("/models/%d", id), http.StatusSeeOther)
	return nil
}

func (s *Server) uiModelMDS2(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.importMDS2(r, id); err != nil {
		return s.renderModelShow(w, r, http.StatusUnprocessableEntity, err)
	}
	flash(w, "mds2.imported")
	http.Redirect(w, r, fmt.Sprintf("/models/%d#mds2", id), http.StatusSeeOther)
	return nil
}

func (s *Server) uiAssetSBOM(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.importSBOM(r, medsec.ComponentTarget{AssetID: id}); err != nil {
		a, ferr := s.Assets.FindAssetByID(r.Context(), id)
		if ferr != nil {
			return ferr
		}
		p := s.newPage(r, "asset.title")
		p.Title, p.Data = a.Name, a
		if !s.formError(p, err) {
			return err
		}
		s.render(w, r, http.StatusUnprocessableEntity, "asset_show", p)
		return nil
	}
	flash(w, "sbom.imported_flash")
	http.Redirect(w, r, fmt.Sprintf("/assets/%d#components", id), http.StatusSeeOther)
	return nil
}

func (s *Server) uiSBOMDelete(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	if s.Components == nil {
		return errNoComponents()
	}
	if err := s.Components.DeleteSBOM(r.Context(), id); err != nil {
		return err
	}
	flash(w, "sbom.deleted")
	http.Redirect(w, r, safeNext(r.FormValue("next")), http.StatusSeeOther)
	return nil
}

// assetComponentsData is the asset page's components section.
type assetComponentsData struct {
	Asset      *medsec.Asset
	Components *medsec.AssetComponents
	Results    []medsec.ScanResult
}

// AssetComponentsSection renders the asset page's section of components (its own SBOMs and
// its model's) and scanner results, with the SBOM upload form.
func (p *page) AssetComponentsSection(a *medsec.Asset) template.HTML {
	s := p.s
	if s.Components == nil || p.User == nil {
		return ""
	}
	ctx := medsec.NewContextWithUser(context.Background(), p.User)
	d := &assetComponentsData{Asset: a}
	var err error
	if d.Components, err = s.Components.FindAssetComponents(ctx, a.ID); err == nil && s.Scans != nil {
		d.Results, err = s.Scans.FindAssetScanResults(ctx, a.ID)
	}
	if err != nil {
		s.logger.Error("asset components section", "asset", a.ID, "err", err)
		return ""
	}
	q := *p
	q.Data = d
	var buf bytes.Buffer
	if err := s.views["asset_components"].ExecuteTemplate(&buf, "content", &q); err != nil {
		s.logger.Error("render asset components section", "asset", a.ID, "err", err)
		return ""
	}
	return template.HTML(buf.String())
}

// scanListData is the scanner reports page.
type scanListData struct {
	Reports []*medsec.ScanReport
}

func (s *Server) uiScanList(w http.ResponseWriter, r *http.Request) error {
	return s.renderScanList(w, r, http.StatusOK, nil)
}

func (s *Server) renderScanList(w http.ResponseWriter, r *http.Request, status int, formErr error) error {
	if s.Scans == nil {
		return errNoComponents()
	}
	reports, err := s.Scans.FindScanReports(r.Context())
	if err != nil {
		return err
	}
	p := s.newPage(r, "scans.title")
	p.Data = &scanListData{Reports: reports}
	if formErr != nil && !s.formError(p, formErr) {
		return formErr
	}
	s.render(w, r, status, "scan_list", p)
	return nil
}

func (s *Server) uiScanImport(w http.ResponseWriter, r *http.Request) error {
	rep, err := s.importScan(r)
	if err != nil {
		return s.renderScanList(w, r, http.StatusUnprocessableEntity, err)
	}
	if rep.OutsideScope == 0 {
		flash(w, "scans.imported_flash")
	} else {
		// Hosts outside the importer's sites are told as a number, never named (issue 11).
		flashCount(w, "scans.imported_outside_flash", rep.OutsideScope)
	}
	if rep.Attached == 0 && rep.OutsideScope > 0 {
		// The report has no host the importer may see: its page would be not found.
		http.Redirect(w, r, "/scans", http.StatusSeeOther)
		return nil
	}
	http.Redirect(w, r, fmt.Sprintf("/scans/%d", rep.ID), http.StatusSeeOther)
	return nil
}

func (s *Server) uiScanShow(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	if s.Scans == nil {
		return errNoComponents()
	}
	rep, err := s.Scans.FindScanReport(r.Context(), id)
	if err != nil {
		return err
	}
	p := s.newPage(r, "scans.title")
	p.Title = rep.FileName
	p.Data = rep
	s.render(w, r, http.StatusOK, "scan_show", p)
	return nil
}
