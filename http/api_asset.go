package http

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"medsec"
	"medsec/assetio"
	"medsec/i18n"
)

// assetFilter reads a list filter from the query string; the UI and the API share it.
func assetFilter(r *http.Request, defaultLimit int) medsec.AssetFilter {
	return assetFilterOf(r.URL.Query(), defaultLimit)
}

// assetFilterOf reads a list filter from query parameters (site, department, vendor, kind,
// status, q, support, sort, offset, limit); a bulk change reads the list's filter this way.
func assetFilterOf(q url.Values, defaultLimit int) medsec.AssetFilter {
	num := func(name string) int64 {
		v, _ := strconv.ParseInt(q.Get(name), 10, 64)
		return max(v, 0)
	}
	f := medsec.AssetFilter{
		SiteID:       num("site"),
		DepartmentID: num("department"),
		VendorID:     num("vendor"),
		Kind:         medsec.AssetKind(q.Get("kind")),
		Status:       medsec.AssetStatus(q.Get("status")),
		Query:        strings.TrimSpace(q.Get("q")),
		SupportEnded: q.Get("support") == "ended",
		Sort:         q.Get("sort"),
		Offset:       int(num("offset")),
		Limit:        int(num("limit")),
	}
	if q.Get("limit") == "" {
		f.Limit = defaultLimit
	}
	if f.Limit == 0 || f.Limit > 1000 {
		f.Limit = defaultLimit
	}
	return f
}

func (s *Server) apiAssetList(w http.ResponseWriter, r *http.Request) error {
	f := assetFilter(r, 100)
	assets, total, err := s.Assets.FindAssets(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list[*medsec.Asset]{Items: assets, Total: total, Offset: f.Offset, Limit: f.Limit})
	return nil
}

func (s *Server) apiAssetGet(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	a, err := s.Assets.FindAssetByID(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

func (s *Server) apiAssetCreate(w http.ResponseWriter, r *http.Request) error {
	var a medsec.Asset
	if err := readJSON(r, &a); err != nil {
		return err
	}
	a.ID = 0
	if err := s.Assets.CreateAsset(r.Context(), &a); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, &a)
	return nil
}

func (s *Server) apiAssetUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	var a medsec.Asset
	if err := readJSON(r, &a); err != nil {
		return err
	}
	a.ID = id
	if err := s.Assets.UpdateAsset(r.Context(), &a); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, &a)
	return nil
}

func (s *Server) apiAssetRetire(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	if err := s.Assets.RetireAsset(r.Context(), id); err != nil {
		return err
	}
	a, err := s.Assets.FindAssetByID(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

// apiAssetImport takes a CSV or XLSX file, as a multipart "file" field or as the raw body
// (Content-Type text/csv or the XLSX type), and imports it all or nothing.
func (s *Server) apiAssetImport(w http.ResponseWriter, r *http.Request) error {
	name, data, err := uploadedFile(r)
	if err != nil {
		return err
	}
	res, err := s.importAssets(r, name, data)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// uploadedFile returns the name and content of an upload: a multipart "file" field, or the
// whole body named by the "name" query parameter.
func uploadedFile(r *http.Request) (string, []byte, error) {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		f, hdr, err := r.FormFile("file")
		if err != nil {
			return "", nil, &medsec.Error{Code: medsec.EINVALID, Message: "Choose a file to import.", Key: "err.no_file"}
		}
		defer f.Close()
		if err := checkMultipart(r.MultipartForm); err != nil {
			return "", nil, err
		}
		data, err := io.ReadAll(f)
		if err != nil {
			return "", nil, medsec.ErrorWithKey(medsec.EINVALID, "err.upload_interrupted", "The upload was interrupted.")
		}
		return filepath.Base(hdr.Filename), data, nil
	}
	data, err := io.ReadAll(r.Body)
	if err != nil {
		return "", nil, medsec.ErrorWithKey(medsec.EINVALID, "err.upload_interrupted", "The upload was interrupted or is too large.")
	}
	name := r.URL.Query().Get("name")
	if name == "" {
		name = "upload.csv"
		if r.Header.Get("Content-Type") == xlsxType {
			name = "upload.xlsx"
		}
	}
	return filepath.Base(name), data, nil
}

// importAssets parses a CSV or XLSX file (chosen by its name) and imports its rows. For a
// workbook, the "sheet" form field or query parameter names the sheet to read; without it
// assetio.ParseXLSX chooses the visible inventory or active sheet. The reader's problems
// go to the store with the rows, so that one answer lists every problem, the store's
// (unknown site, department, vendor) included. "create_missing" (true, 1, on) creates
// unknown departments and vendors in the same import. The result and any problems name
// the sheet read.
func (s *Server) importAssets(r *http.Request, name string, data []byte) (medsec.ImportResult, error) {
	var inv *assetio.Inventory
	var err error
	switch strings.ToLower(filepath.Ext(name)) {
	case ".xlsx":
		inv, err = assetio.ParseXLSX(bytes.NewReader(data), name, strings.TrimSpace(r.FormValue("sheet")))
	case ".csv", ".txt":
		inv, err = assetio.ParseCSV(bytes.NewReader(data), name)
	default:
		return medsec.ImportResult{}, &medsec.Error{Code: medsec.EINVALID, Message: "Import a .csv or .xlsx file.", Key: "err.file_type"}
	}
	if err != nil {
		return medsec.ImportResult{}, &medsec.Error{Code: medsec.EINVALID, Message: fmt.Sprintf("%s cannot be read as a spreadsheet.", name), Key: "err.unreadable", Args: []any{name}}
	}
	return s.Assets.ImportAssets(r.Context(), medsec.AssetImport{Source: name, Sheet: inv.Sheet, Rows: inv.Rows, Headers: inv.Headers,
		Problems: inv.Problems, CreateMissing: formBool(r.FormValue("create_missing"))})
}

// formBool reads a checkbox or a boolean query parameter.
func formBool(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "true", "on", "yes":
		return true
	}
	return false
}

// exportAssets writes every asset the filter selects as CSV or XLSX (format=xlsx), for the
// UI and the API alike. Every row is written, however many (security review F15): the CSV
// is streamed as the rows are read; the XLSX is built row by row (excelize moves large
// sheets to a temporary file) and sent at the end. A failure once the CSV has begun ends
// the response without its final chunk, so the client sees a cut download, never a
// shorter file that looks whole.
func (s *Server) exportAssets(w http.ResponseWriter, r *http.Request) error {
	f := assetFilter(r, 100)
	ctx := r.Context()
	if r.URL.Query().Get("format") == "xlsx" {
		x, err := assetio.NewXLSXWriter()
		if err != nil {
			return err
		}
		defer x.Close()
		if err := s.Assets.EachAsset(ctx, f, x.Write); err != nil {
			return err
		}
		w.Header().Set("Content-Type", xlsxType)
		w.Header().Set("Content-Disposition", `attachment; filename="assets.xlsx"`)
		_, err = x.WriteTo(w)
		return s.abortOnError(r, err)
	}
	return s.streamExport(w, r, "text/csv; charset=utf-8", "assets.csv", func(out io.Writer) error {
		cw := assetio.NewCSVWriter(out)
		if err := s.Assets.EachAsset(ctx, f, cw.Write); err != nil {
			return err
		}
		return cw.Flush()
	})
}

// assetTemplate sends an empty inventory file to fill in and import, its headers in the
// "lang" parameter's language (else the requester's): CSV, or XLSX with drop-down lists of
// the accepted values. The UI and the API share it.
func (s *Server) assetTemplate(w http.ResponseWriter, r *http.Request) error {
	lang := r.URL.Query().Get("lang")
	if !slices.Contains(i18n.Languages, lang) {
		lang = s.newPage(r, "import.title").Lang
	}
	var buf bytes.Buffer
	name, typ := "assets-template-"+lang, "text/csv; charset=utf-8"
	switch r.URL.Query().Get("format") {
	case "xlsx":
		if err := assetio.Template(&buf, lang); err != nil {
			return err
		}
		name, typ = name+".xlsx", xlsxType
	default:
		if err := assetio.TemplateCSV(&buf, lang); err != nil {
			return err
		}
		name += ".csv"
	}
	w.Header().Set("Content-Type", typ)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Write(buf.Bytes())
	return nil
}

// apiAssetBulkBody is the body of POST /api/v1/assets/bulk: the change, and either
// asset_ids or a filter selecting the assets on every page.
type apiAssetBulkBody struct {
	medsec.AssetBulkChange
	Filter *apiAssetFilter `json:"filter,omitempty"`
}

// apiAssetFilter is an asset list filter in a JSON body, with the list's parameter names.
type apiAssetFilter struct {
	SiteID       int64  `json:"site_id,omitempty"`
	DepartmentID int64  `json:"department_id,omitempty"`
	VendorID     int64  `json:"vendor_id,omitempty"`
	Kind         string `json:"kind,omitempty"`
	Status       string `json:"status,omitempty"`
	Query        string `json:"q,omitempty"`
	SupportEnded bool   `json:"support_ended,omitempty"`
}

func (s *Server) apiAssetBulk(w http.ResponseWriter, r *http.Request) error {
	var b apiAssetBulkBody
	if err := readJSON(r, &b); err != nil {
		return err
	}
	c := b.AssetBulkChange
	if f := b.Filter; f != nil && len(c.AssetIDs) == 0 {
		c.Filter = &medsec.AssetFilter{SiteID: f.SiteID, DepartmentID: f.DepartmentID, VendorID: f.VendorID, Kind: medsec.AssetKind(f.Kind),
			Status: medsec.AssetStatus(f.Status), Query: strings.TrimSpace(f.Query), SupportEnded: f.SupportEnded}
	}
	res, err := s.Assets.ChangeAssets(r.Context(), c)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}
