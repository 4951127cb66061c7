package http

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"medsec"
	"medsec/account"
)

// accountUIRoutes registers the account inventory pages [M6]: the accounts of the
// clinical systems with their findings and imports, the staff roster, and the access
// reviews with their decisions, sign-off and export.
func (s *Server) accountUIRoutes(mux *http.ServeMux) {
	mux.Handle("GET /accounts", s.ui(medsec.PermAccountRead, s.uiAccountList))
	mux.Handle("POST /accounts/import", s.ui(medsec.PermAccountWrite, s.uiAccountImport))
	mux.Handle("POST /accounts/import-directory", s.ui(medsec.PermAccountWrite, s.uiAccountImportDirectory))
	mux.Handle("GET /accounts/roster", s.ui(medsec.PermAccountRead, s.uiRoster))
	mux.Handle("POST /accounts/roster", s.ui(medsec.PermAccountWrite, s.uiRosterImport))
	mux.Handle("GET /accounts/reviews", s.ui(medsec.PermAccountRead, s.uiAccessReviewList))
	mux.Handle("POST /accounts/reviews", s.ui(medsec.PermAccountWrite, s.uiAccessReviewOpen))
	mux.Handle("GET /accounts/reviews/{id}", s.ui(medsec.PermAccountRead, s.uiAccessReviewShow))
	mux.Handle("POST /accounts/reviews/{id}", s.ui(medsec.PermAccountWrite, s.uiAccessReviewDecide))
	mux.Handle("POST /accounts/reviews/{id}/sign", s.ui(medsec.PermAccountWrite, s.uiAccessReviewSign))
	mux.Handle("GET /accounts/reviews/{id}/export", s.ui(medsec.PermAccountRead, s.uiAccessReviewExport))
}

// accountListData is the accounts page: the accounts of one system or all, their
// findings, and the systems to choose from.
type accountListData struct {
	AssetID int64
	// SystemID is the clinical system chosen (0: none); Systems the systems to choose
	// from (SystemsOn: the server keeps them).
	SystemID  int64
	Systems   []*medsec.ClinicalSystem
	SystemsOn bool
	Accounts  []*medsec.Account
	Findings  []medsec.AccountFinding
	// ByAccount holds each account's findings, for the table.
	ByAccount map[int64][]medsec.AccountFinding
	Assets    []*medsec.Asset
	Types     []medsec.AccountType
	// Uses are the emergency-account uses whose password change is not confirmed
	// (EmergencyOn: the server keeps them).
	Uses        []*medsec.EmergencyUse
	EmergencyOn bool
}

// accountAssets returns the active assets the caller sees, by name, for the system
// choosers.
func (s *Server) accountAssets(r *http.Request) ([]*medsec.Asset, error) {
	as, _, err := s.Assets.FindAssets(r.Context(), medsec.AssetFilter{Status: medsec.StatusActive, Sort: "name", Limit: 5000})
	return as, err
}

func (s *Server) renderAccountList(w http.ResponseWriter, r *http.Request, status int, formErr error) error {
	return s.renderAccountListFlash(w, r, status, formErr, "")
}

// renderAccountListFlash renders the accounts page with a message at its top ("" for
// none).
func (s *Server) renderAccountListFlash(w http.ResponseWriter, r *http.Request, status int, formErr error, flashText string) error {
	if s.Accounts == nil {
		return errAccountsOff()
	}
	d := &accountListData{AssetID: queryInt64(r, "asset_id"), SystemID: queryInt64(r, "system_id"), ByAccount: map[int64][]medsec.AccountFinding{}, Types: medsec.AccountTypes}
	f := medsec.AccountFilter{AssetID: d.AssetID, SystemID: d.SystemID, Type: medsec.AccountType(r.URL.Query().Get("type"))}
	var err error
	if s.Systems != nil {
		d.SystemsOn = true
		if d.Systems, err = s.Systems.FindClinicalSystems(r.Context(), medsec.ClinicalSystemFilter{}); err != nil {
			return err
		}
	}
	if d.Accounts, err = s.Accounts.FindAccounts(r.Context(), f); err != nil {
		return err
	}
	if d.Findings, err = s.Accounts.AccountFindings(r.Context(), f, 0); err != nil {
		return err
	}
	for _, x := range d.Findings {
		d.ByAccount[x.AccountID] = append(d.ByAccount[x.AccountID], x)
	}
	if d.Assets, err = s.accountAssets(r); err != nil {
		return err
	}
	if s.EmergencyUses != nil {
		d.EmergencyOn = true
		if d.Uses, err = s.EmergencyUses.FindEmergencyUses(r.Context(), medsec.EmergencyUseFilter{AssetID: d.AssetID, Open: true}); err != nil {
			return err
		}
	}
	p := s.newPage(r, "accounts.title")
	p.Data = d
	if flashText != "" {
		p.Flash = flashText
	}
	if err := p.showFormError(formErr); err != nil {
		return err
	}
	s.render(w, r, status, "accounts", p)
	return nil
}

func (s *Server) uiAccountList(w http.ResponseWriter, r *http.Request) error {
	return s.renderAccountList(w, r, http.StatusOK, nil)
}

// uiAccountImport imports the uploaded account list of the chosen system.
func (s *Server) uiAccountImport(w http.ResponseWriter, r *http.Request) error {
	if s.Accounts == nil {
		return errAccountsOff()
	}
	name, data, err := uploadedFile(r)
	if err != nil {
		return s.renderAccountList(w, r, errorStatus(err), err)
	}
	imp := readAccountFile(name, data)
	imp.AssetID, imp.SystemID = formHolder(r)
	return s.finishAccountImport(w, r, imp)
}

// formHolder reads the asset (asset_id) or the clinical system (system_id) an account
// form names; the service refuses neither or both.
func formHolder(r *http.Request) (assetID, systemID int64) {
	assetID, _ = strconv.ParseInt(r.PostFormValue("asset_id"), 10, 64)
	systemID, _ = strconv.ParseInt(r.PostFormValue("system_id"), 10, 64)
	return assetID, systemID
}

func (s *Server) finishAccountImport(w http.ResponseWriter, r *http.Request, imp medsec.AccountImport) error {
	res, err := s.Accounts.ImportAccounts(r.Context(), imp)
	if err != nil {
		if medsec.ErrorCode(err) == medsec.ENOTFOUND {
			err = &medsec.Error{Code: medsec.EINVALID, Message: "Choose the system the accounts are of.", Key: "accounts.choose_system"}
		}
		return s.renderAccountList(w, r, errorStatus(err), err)
	}
	r.URL.RawQuery = fmt.Sprintf("asset_id=%d", imp.AssetID)
	if imp.SystemID != 0 {
		r.URL.RawQuery = fmt.Sprintf("system_id=%d", imp.SystemID)
	}
	p := s.newPage(r, "accounts.title")
	return s.renderAccountListFlash(w, r, http.StatusOK, nil, p.T("accounts.imported", res.Created, res.Updated, res.Unchanged, res.Removed, res.Linked))
}

// uiAccountImportDirectory imports the chosen system's accounts from the directory.
func (s *Server) uiAccountImportDirectory(w http.ResponseWriter, r *http.Request) error {
	if s.Accounts == nil {
		return errAccountsOff()
	}
	imp, err := s.Accounts.ReadDirectoryAccounts(r.Context(), strings.TrimSpace(r.PostFormValue("base")), strings.TrimSpace(r.PostFormValue("filter")))
	if err != nil {
		return s.renderAccountList(w, r, errorStatus(err), err)
	}
	imp.AssetID, imp.SystemID = formHolder(r)
	return s.finishAccountImport(w, r, imp)
}

// rosterData is the roster page.
type rosterData struct {
	Staff []medsec.StaffMember
}

func (s *Server) renderRoster(w http.ResponseWriter, r *http.Request, status int, formErr error) error {
	return s.renderRosterFlash(w, r, status, formErr, "")
}

func (s *Server) renderRosterFlash(w http.ResponseWriter, r *http.Request, status int, formErr error, flashText string) error {
	if s.Accounts == nil {
		return errAccountsOff()
	}
	staff, err := s.Accounts.FindStaff(r.Context())
	if err != nil {
		return err
	}
	p := s.newPage(r, "accounts.roster_title")
	p.Data = &rosterData{Staff: staff}
	if flashText != "" {
		p.Flash = flashText
	}
	if err := p.showFormError(formErr); err != nil {
		return err
	}
	s.render(w, r, status, "account_roster", p)
	return nil
}

func (s *Server) uiRoster(w http.ResponseWriter, r *http.Request) error {
	return s.renderRoster(w, r, http.StatusOK, nil)
}

func (s *Server) uiRosterImport(w http.ResponseWriter, r *http.Request) error {
	if s.Accounts == nil {
		return errAccountsOff()
	}
	name, data, err := uploadedFile(r)
	if err != nil {
		return s.renderRoster(w, r, errorStatus(err), err)
	}
	res, err := s.Accounts.ImportRoster(r.Context(), account.ReadRoster(data, name))
	if err != nil {
		if medsec.ErrorCode(err) == medsec.EFORBIDDEN {
			return err
		}
		return s.renderRoster(w, r, errorStatus(err), err)
	}
	p := s.newPage(r, "accounts.roster_title")
	return s.renderRosterFlash(w, r, http.StatusOK, nil, p.T("accounts.roster_imported", res.Created, res.Updated, res.Unchanged))
}

// accessReviewListData is the reviews page.
type accessReviewListData struct {
	Reviews []*medsec.AccessReview
	Assets  []*medsec.Asset
	// Systems are the clinical systems to open a campaign of (SystemsOn: the server keeps them).
	Systems   []*medsec.ClinicalSystem
	SystemsOn bool
	Status    string
}

func (s *Server) renderAccessReviewList(w http.ResponseWriter, r *http.Request, status int, formErr error) error {
	if s.Accounts == nil {
		return errAccountsOff()
	}
	d := &accessReviewListData{Status: r.URL.Query().Get("status")}
	if d.Status != medsec.AccessReviewOpen && d.Status != medsec.AccessReviewSigned {
		d.Status = ""
	}
	var err error
	if d.Reviews, err = s.Accounts.FindAccessReviews(r.Context(), medsec.AccessReviewFilter{Status: d.Status}); err != nil {
		return err
	}
	if d.Assets, err = s.accountAssets(r); err != nil {
		return err
	}
	if s.Systems != nil {
		d.SystemsOn = true
		if d.Systems, err = s.Systems.FindClinicalSystems(r.Context(), medsec.ClinicalSystemFilter{}); err != nil {
			return err
		}
	}
	p := s.newPage(r, "accounts.reviews_title")
	p.Data = d
	if err := p.showFormError(formErr); err != nil {
		return err
	}
	s.render(w, r, status, "access_reviews", p)
	return nil
}

func (s *Server) uiAccessReviewList(w http.ResponseWriter, r *http.Request) error {
	return s.renderAccessReviewList(w, r, http.StatusOK, nil)
}

func (s *Server) uiAccessReviewOpen(w http.ResponseWriter, r *http.Request) error {
	if s.Accounts == nil {
		return errAccountsOff()
	}
	var rv *medsec.AccessReview
	var err error
	if asset, system := formHolder(r); system != 0 && asset == 0 {
		rv, err = s.Accounts.OpenSystemAccessReview(r.Context(), system)
	} else {
		rv, err = s.Accounts.OpenAccessReview(r.Context(), asset)
	}
	if err != nil {
		if medsec.ErrorCode(err) == medsec.ENOTFOUND {
			err = &medsec.Error{Code: medsec.EINVALID, Message: "Choose the system the accounts are of.", Key: "accounts.choose_system"}
		}
		return s.renderAccessReviewList(w, r, errorStatus(err), err)
	}
	flash(w, "accounts.review_opened")
	http.Redirect(w, r, fmt.Sprintf("/accounts/reviews/%d", rv.ID), http.StatusSeeOther)
	return nil
}

// accessReviewData is one review's page; Decisions holds what a refused form said, by
// account.
type accessReviewData struct {
	Review    *medsec.AccessReview
	Decisions map[int64]medsec.AccessReviewDecision
}

func (s *Server) renderAccessReview(w http.ResponseWriter, r *http.Request, status int, decisions map[int64]medsec.AccessReviewDecision, formErr error) error {
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
	if decisions == nil {
		decisions = map[int64]medsec.AccessReviewDecision{}
		for _, it := range rv.Items {
			decisions[it.AccountID] = medsec.AccessReviewDecision{AccountID: it.AccountID, Decision: it.Decision, Reason: it.Reason}
		}
	}
	p := s.newPage(r, "accounts.review_title")
	p.Data = &accessReviewData{Review: rv, Decisions: decisions}
	if err := p.showFormError(formErr); err != nil {
		return err
	}
	s.render(w, r, status, "access_review", p)
	return nil
}

func (s *Server) uiAccessReviewShow(w http.ResponseWriter, r *http.Request) error {
	return s.renderAccessReview(w, r, http.StatusOK, nil, nil)
}

// uiAccessReviewDecide records the form's decisions: decision_ID and reason_ID for each
// account ID of the review (account_ID lists them).
func (s *Server) uiAccessReviewDecide(w http.ResponseWriter, r *http.Request) error {
	if s.Accounts == nil {
		return errAccountsOff()
	}
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return medsec.Errorf(medsec.EINVALID, "The form could not be read.")
	}
	var ds []medsec.AccessReviewDecision
	given := map[int64]medsec.AccessReviewDecision{}
	for _, v := range r.PostForm["account"] {
		aid, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			continue
		}
		d := medsec.AccessReviewDecision{AccountID: aid, Decision: r.PostFormValue(fmt.Sprintf("decision_%d", aid)), Reason: strings.TrimSpace(r.PostFormValue(fmt.Sprintf("reason_%d", aid)))}
		ds = append(ds, d)
		given[aid] = d
	}
	if _, err := s.Accounts.DecideAccessReview(r.Context(), id, ds); err != nil {
		return s.renderAccessReview(w, r, errorStatus(err), given, err)
	}
	flash(w, "accounts.review_saved")
	http.Redirect(w, r, fmt.Sprintf("/accounts/reviews/%d", id), http.StatusSeeOther)
	return nil
}

func (s *Server) uiAccessReviewSign(w http.ResponseWriter, r *http.Request) error {
	if s.Accounts == nil {
		return errAccountsOff()
	}
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.Accounts.SignAccessReview(r.Context(), id); err != nil {
		return s.renderAccessReview(w, r, errorStatus(err), nil, err)
	}
	flash(w, "accounts.review_signed")
	http.Redirect(w, r, fmt.Sprintf("/accounts/reviews/%d", id), http.StatusSeeOther)
	return nil
}

func (s *Server) uiAccessReviewExport(w http.ResponseWriter, r *http.Request) error {
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
