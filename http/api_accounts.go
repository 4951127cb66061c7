package http

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"

	"medsec"
	"medsec/account"
)

// accountAPIRoutes are the routes of the account inventory, the staff roster and access
// reviews [M6]: reading needs account:read, imports and review work account:write; the
// service limits each to the assets of the caller's sites (no vendor holds either
// permission) and audits every change.
func accountAPIRoutes(s *Server) []apiRoute {
	return []apiRoute{
		{Method: "GET", Path: "/api/v1/accounts", Perm: medsec.PermAccountRead, Handler: s.apiAccountList},
		{Method: "GET", Path: "/api/v1/accounts/findings", Perm: medsec.PermAccountRead, Handler: s.apiAccountFindings},
		{Method: "POST", Path: "/api/v1/assets/{id}/accounts/import", Perm: medsec.PermAccountWrite, Handler: s.apiAccountImport},
		{Method: "POST", Path: "/api/v1/assets/{id}/accounts/import-directory", Perm: medsec.PermAccountWrite, Handler: s.apiAccountImportDirectory},
		{Method: "POST", Path: "/api/v1/systems/{id}/accounts/import", Perm: medsec.PermAccountWrite, Handler: s.apiSystemAccountImport},
		{Method: "POST", Path: "/api/v1/systems/{id}/accounts/import-directory", Perm: medsec.PermAccountWrite, Handler: s.apiSystemAccountImportDirectory},
		{Method: "GET", Path: "/api/v1/roster", Perm: medsec.PermAccountRead, Handler: s.apiRosterList},
		{Method: "POST", Path: "/api/v1/roster/import", Perm: medsec.PermAccountWrite, Handler: s.apiRosterImport},
		{Method: "GET", Path: "/api/v1/access-reviews", Perm: medsec.PermAccountRead, Handler: s.apiAccessReviewList},
		{Method: "POST", Path: "/api/v1/assets/{id}/access-reviews", Perm: medsec.PermAccountWrite, Handler: s.apiAccessReviewOpen},
		{Method: "POST", Path: "/api/v1/systems/{id}/access-reviews", Perm: medsec.PermAccountWrite, Handler: s.apiSystemAccessReviewOpen},
		{Method: "GET", Path: "/api/v1/access-reviews/{id}", Perm: medsec.PermAccountRead, Handler: s.apiAccessReviewGet},
		{Method: "PUT", Path: "/api/v1/access-reviews/{id}/decisions", Perm: medsec.PermAccountWrite, Handler: s.apiAccessReviewDecide},
		{Method: "POST", Path: "/api/v1/access-reviews/{id}/sign", Perm: medsec.PermAccountWrite, Handler: s.apiAccessReviewSign},
		{Method: "GET", Path: "/api/v1/access-reviews/{id}/export", Perm: medsec.PermAccountRead, Handler: s.apiAccessReviewExport},
	}
}

// errAccountsOff is the answer when the server runs without the account inventory.
func errAccountsOff() error {
	return &medsec.Error{Code: medsec.ENOTFOUND, Message: "This server keeps no account inventory."}
}

// accountFilter reads asset_id, system_id, site_id, type and removed from the query.
func accountFilter(r *http.Request) medsec.AccountFilter {
	q := r.URL.Query()
	return medsec.AccountFilter{AssetID: queryInt64(r, "asset_id"), SystemID: queryInt64(r, "system_id"), SiteID: queryInt64(r, "site_id"),
		Type: medsec.AccountType(q.Get("type")), Removed: q.Get("removed") == "true"}
}

func (s *Server) apiAccountList(w http.ResponseWriter, r *http.Request) error {
	if s.Accounts == nil {
		return errAccountsOff()
	}
	as, err := s.Accounts.FindAccounts(r.Context(), accountFilter(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list[*medsec.Account]{Items: as, Total: len(as), Limit: len(as)})
	return nil
}

func (s *Server) apiAccountFindings(w http.ResponseWriter, r *http.Request) error {
	if s.Accounts == nil {
		return errAccountsOff()
	}
	days := 0
	if v := r.URL.Query().Get("unused_days"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 3650 {
			return &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "unused_days", Key: "err.bad_number", Value: v, Message: "must be 1 to 3650 days"}}}
		}
		days = n
	}
	fs, err := s.Accounts.AccountFindings(r.Context(), accountFilter(r), days)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list[medsec.AccountFinding]{Items: fs, Total: len(fs), Limit: len(fs)})
	return nil
}

// readAccountFile reads an uploaded account list: LDIF by its name (.ldif), else CSV or
// XLSX.
func readAccountFile(name string, data []byte) medsec.AccountImport {
	if strings.EqualFold(filepath.Ext(name), ".ldif") {
		return account.ReadLDIF(data, name)
	}
	return account.ReadAccounts(data, name)
}

// accountHolder sets the asset (the path's id under /assets) or the clinical system (under
// /systems) whose account list an import is.
type accountHolder func(imp *medsec.AccountImport, id int64)

func assetHolder(imp *medsec.AccountImport, id int64)  { imp.AssetID = id }
func systemHolder(imp *medsec.AccountImport, id int64) { imp.SystemID = id }

func (s *Server) apiAccountImport(w http.ResponseWriter, r *http.Request) error {
	return s.apiAccountImportInto(w, r, assetHolder)
}

func (s *Server) apiSystemAccountImport(w http.ResponseWriter, r *http.Request) error {
	return s.apiAccountImportInto(w, r, systemHolder)
}

func (s *Server) apiAccountImportDirectory(w http.ResponseWriter, r *http.Request) error {
	return s.apiAccountImportDirectoryInto(w, r, assetHolder)
}

func (s *Server) apiSystemAccountImportDirectory(w http.ResponseWriter, r *http.Request) error {
	return s.apiAccountImportDirectoryInto(w, r, systemHolder)
}

func (s *Server) apiAccountImportInto(w http.ResponseWriter, r *http.Request, holder accountHolder) error {
	if s.Accounts == nil {
		return errAccountsOff()
	}
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	name, data, err := uploadedFile(r)
	if err != nil {
		return err
	}
	imp := readAccountFile(name, data)
	holder(&imp, id)
	res, err := s.Accounts.ImportAccounts(r.Context(), imp)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (s *Server) apiAccountImportDirectoryInto(w http.ResponseWriter, r *http.Request, holder accountHolder) error {
	if s.Accounts == nil {
		return errAccountsOff()
	}
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		Base   string `json:"base"`
		Filter string `json:"filter"`
	}
	if r.ContentLength != 0 {
		if err := readJSON(r, &in); err != nil {
			return err
		}
	}
	imp, err := s.Accounts.ReadDirectoryAccounts(r.Context(), in.Base, in.Filter)
	if err != nil {
		return err
	}
	holder(&imp, id)
	res, err := s.Accounts.ImportAccounts(r.Context(), imp)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (s *Server) apiRosterList(w http.ResponseWriter, r *http.Request) error {
	if s.Accounts == nil {
		return errAccountsOff()
	}
	staff, err := s.Accounts.FindStaff(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list[medsec.StaffMember]{Items: staff, Total: len(staff), Limit: len(staff)})
	return nil
}

func (s *Server) apiRosterImport(w http.ResponseWriter, r *http.Request) error {
	if s.Accounts == nil {
		return errAccountsOff()
	}
	name, data, err := uploadedFile(r)
	if err != nil {
		return err
	}
	res, err := s.Accounts.ImportRoster(r.Context(), account.ReadRoster(data, name))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (s *Server) apiAccessReviewList(w http.ResponseWriter, r *http.Request) error {
	if s.Accounts == nil {
		return errAccountsOff()
	}
	rs, err := s.Accounts.FindAccessReviews(r.Context(), medsec.AccessReviewFilter{AssetID: queryInt64(r, "asset_id"), SystemID: queryInt64(r, "system_id"), SiteID: queryInt64(r, "site_id"), Status: r.URL.Query().Get("status")})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list[*medsec.AccessReview]{Items: rs, Total: len(rs), Limit: len(rs)})
	return nil
}

func (s *Server) apiAccessReviewOpen(w http.ResponseWriter, r *http.Request) error {
	if s.Accounts == nil {
		return errAccountsOff()
	}
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	rv, err := s.Accounts.OpenAccessReview(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, rv)
	return nil
}

// apiSystemAccessReviewOpen opens the quarter's review of a clinical system's accounts,
// its reviewer the system's owner.
func (s *Server) apiSystemAccessReviewOpen(w http.ResponseWriter, r *http.Request) error {
	if s.Accounts == nil {
		return errAccountsOff()
	}
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	rv, err := s.Accounts.OpenSystemAccessReview(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, rv)
	return nil
}

func (s *Server) apiAccessReviewGet(w http.ResponseWriter, r *http.Request) error {
	if s.Accounts == nil {
		return errAccountsOff()
	}
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	rv, err := s.Accounts.FindAccessReview(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rv)
	return nil
}

func (s *Server) apiAccessReviewDecide(w http.ResponseWriter, r *http.Request) error {
	if s.Accounts == nil {
		return errAccountsOff()
	}
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		Decisions []medsec.AccessReviewDecision `json:"decisions"`
	}
	if err := readJSON(r, &in); err != nil {
		return err
	}
	rv, err := s.Accounts.DecideAccessReview(r.Context(), id, in.Decisions)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rv)
	return nil
}

func (s *Server) apiAccessReviewSign(w http.ResponseWriter, r *http.Request) error {
	if s.Accounts == nil {
		return errAccountsOff()
	}
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	rv, err := s.Accounts.SignAccessReview(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rv)
	return nil
}

// apiAccessReviewExport sends the access-review record as CSV (default) or XLSX
// (format=xlsx).
func (s *Server) apiAccessReviewExport(w http.ResponseWriter, r *http.Request) error {
	if s.Accounts == nil {
		return errAccountsOff()
	}
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	rv, err := s.Accounts.FindAccessReview(r.Context(), id)
	if err != nil {
		return err
	}
	return writeAccessReview(w, r.URL.Query().Get("format"), rv)
}

// writeAccessReview writes the review's record in format csv or xlsx.
func writeAccessReview(w http.ResponseWriter, format string, rv *medsec.AccessReview) error {
	name := fmt.Sprintf("access-review-%d", rv.ID)
	switch format {
	case "", "csv":
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
		return account.WriteReviewCSV(w, rv)
	case "xlsx":
		w.Header().Set("Content-Type", xlsxType)
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.xlsx"`)
		return account.WriteReviewXLSX(w, rv)
	}
	return &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "format", Key: "err.unknown_value", Value: format, Message: "must be csv or xlsx"}}}
}
