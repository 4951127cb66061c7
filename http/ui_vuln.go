package http

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"medsec"
	"medsec/vuln"
)

// vulnListData is the findings page: the filter, a page of findings, the counts.
type vulnListData struct {
	Filter   medsec.FindingFilter
	Findings []*medsec.Finding
	Total    int
	Counts   medsec.FindingCounts
	States   []medsec.FindingState
	Now      time.Time
}

// findingData is one finding's page with its controls, ledger and the workflow's choices.
type findingData struct {
	Finding        *medsec.Finding
	Asset          *medsec.Asset
	Controls       []*medsec.CompensatingControl
	Fixes          []*medsec.FixEntry
	States         []medsec.FindingState
	Justifications []string
	Results        []medsec.FixResult
	Now            time.Time
	// NowLocal is Now in the finding's site's time zone, as the fix form's datetime-local
	// field takes it; Zone names that zone.
	NowLocal, Zone string
	// Rescore is the environmental re-scoring's guide (suggested answers, history);
	// Rubric the questions' answers, by question.
	Rescore *medsec.RescoreGuide
	Rubric  rubricChoices
}

// rubricChoices are the answers of each question of the re-scoring rubric.
type rubricChoices struct {
	Reach, Harm, ClinicalUse, PatientData []string
}

// advisoryData is an advisory's page: what it says and the hospital's devices it names.
type advisoryData struct {
	Advisory *vuln.Advisory
	Findings []*medsec.Finding
}

func (s *Server) vulnUIRoutes(mux *http.ServeMux) {
	read, write := medsec.PermInventoryRead, medsec.PermInventoryWrite
	mux.Handle("GET /vulnerabilities", s.ui(read, s.uiFindingList))
	mux.Handle("POST /vulnerabilities/import", s.ui(write, s.uiFeedImport))
	mux.Handle("GET /vulnerabilities/ledger", s.ui(read, s.uiFixLedger))
	mux.Handle("GET /vulnerabilities/policy", s.ui(read, s.uiPolicyList))
	mux.Handle("POST /vulnerabilities/policy", s.ui(medsec.PermSiteAdmin, s.uiPolicySet))
	mux.Handle("GET /vulnerabilities/ledger/export", s.ui(read, s.exportFixLedger))
	mux.Handle("GET /vulnerabilities/{id}", s.ui(read, s.uiFindingShow))
	mux.Handle("POST /vulnerabilities/{id}/analysis", s.ui(write, s.uiFindingAnalyze))
	mux.Handle("POST /vulnerabilities/{id}/controls", s.ui(write, s.uiFindingControl))
	mux.Handle("POST /vulnerabilities/{id}/fixes", s.ui(write, s.uiFindingFix))
	mux.Handle("POST /vulnerabilities/{id}/permission", s.ui(write, s.uiFindingPermission))
	mux.Handle("POST /vulnerabilities/{id}/rescore", s.ui(write, s.uiFindingRescore))
	mux.Handle("GET /advisories", s.ui(read, s.uiAdvisoryList))
	mux.Handle("GET /advisories/{ref}", s.ui(read, s.uiAdvisoryShow))
	mux.Handle("GET /advisories/{ref}/vex", s.ui(read, s.apiAdvisoryVEX))
}

func (s *Server) renderFindingList(w http.ResponseWriter, r *http.Request, status int, formErr error) error {
	v, err := s.vulns()
	if err != nil {
		return err
	}
	filter, err := findingFilter(r)
	if err != nil {
		return err
	}
	d := &vulnListData{Filter: filter, States: medsec.FindingStates, Now: s.now().UTC()}
	if d.Filter.Limit == 0 {
		d.Filter.Limit = 200
	}
	if d.Findings, d.Total, err = v.FindFindings(r.Context(), d.Filter); err != nil {
		return err
	}
	if d.Counts, err = v.CountFindings(r.Context()); err != nil {
		return err
	}
	p := s.newPage(r, "vuln.title")
	p.Data = d
	if err := p.showFormError(formErr); err != nil {
		return err
	}
	s.render(w, r, status, "vuln_list", p)
	return nil
}

func (s *Server) uiFindingList(w http.ResponseWriter, r *http.Request) error {
	return s.renderFindingList(w, r, http.StatusOK, nil)
}

// uiFeedImport imports the uploaded feed files (multipart field "files").
func (s *Server) uiFeedImport(w http.ResponseWriter, r *http.Request) error {
	v, err := s.vulns()
	if err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, 4*maxFeedUpload)
	if err := r.ParseMultipartForm(32 << 20); err != nil {
		return s.renderFindingList(w, r, http.StatusUnprocessableEntity, &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "files", Key: "err.required", Message: "is required"}}})
	}
	var files []namedFile
	for _, fh := range r.MultipartForm.File["files"] {
		f, err := fh.Open()
		if err != nil {
			return err
		}
		data, err := io.ReadAll(io.LimitReader(f, maxFeedUpload+1))
		f.Close()
		if err != nil {
			return err
		}
		files = append(files, namedFile{fh.Filename, data})
	}
	if len(files) == 0 {
		return s.renderFindingList(w, r, http.StatusUnprocessableEntity, &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "files", Key: "err.required", Message: "is required"}}})
	}
	if _, err := importFeeds(r.Context(), v, files); err != nil {
		return s.renderFindingList(w, r, errorStatus(err), err)
	}
	flash(w, "vuln.imported")
	http.Redirect(w, r, "/vulnerabilities", http.StatusSeeOther)
	return nil
}

func (s *Server) renderFinding(w http.ResponseWriter, r *http.Request, status int, id int64, formErr error) error {
	v, err := s.vulns()
	if err != nil {
		return err
	}
	ctx := r.Context()
	d := &findingData{States: medsec.FindingStates, Justifications: medsec.Justifications, Results: medsec.FixResults, Now: s.now().UTC(),
		Rubric: rubricChoices{Reach: vuln.ReachAnswers, Harm: vuln.HarmAnswers, ClinicalUse: vuln.ClinicalUseAnswers, PatientData: vuln.PatientDataAnswers}}
	if d.Finding, err = v.FindFinding(ctx, id); err != nil {
		return err
	}
	if d.Asset, err = s.Assets.FindAssetByID(ctx, d.Finding.AssetID); err != nil {
		return err
	}
	// The fix form takes the site's local time, as the page shows it.
	loc, zone := s.siteZone(ctx, d.Finding.SiteID)
	d.NowLocal, d.Zone = d.Now.In(loc).Format("2006-01-02T15:04"), zone
	if d.Controls, err = v.FindControls(ctx, id); err != nil {
		return err
	}
	if d.Fixes, err = v.FindFixEntries(ctx, id); err != nil {
		return err
	}
	if d.Rescore, err = v.RescoreGuide(ctx, id); err != nil {
		return err
	}
	p := s.newPage(r, "vuln.finding")
	p.Title = d.Finding.CVE + " · " + d.Finding.AssetName
	p.Data = d
	if err := p.showFormError(formErr); err != nil {
		return err
	}
	s.render(w, r, status, "vuln_show", p)
	return nil
}

func (s *Server) uiFindingShow(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	return s.renderFinding(w, r, http.StatusOK, id, nil)
}

// afterFindingPost redirects to the finding after a change, or shows the form's error.
func (s *Server) afterFindingPost(w http.ResponseWriter, r *http.Request, id int64, err error, key string) error {
	if err != nil {
		if code := medsec.ErrorCode(err); code == medsec.EINVALID || code == medsec.ECONFLICT {
			return s.renderFinding(w, r, errorStatus(err), id, err)
		}
		return err
	}
	flash(w, key)
	http.Redirect(w, r, "/vulnerabilities/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}

// uiFindingPost is a change of one finding from a form of its page (the shared
// findingAction start): do makes it, then afterFindingPost shows the page again with the
// form's error or sends the browser back to it with the flash key.
func (s *Server) uiFindingPost(w http.ResponseWriter, r *http.Request, key string, do func(ctx context.Context, v VulnService, id int64) error) error {
	return s.findingAction(r, func(v VulnService, id int64) error {
		return s.afterFindingPost(w, r, id, do(r.Context(), v, id), key)
	})
}

func (s *Server) uiFindingAnalyze(w http.ResponseWriter, r *http.Request) error {
	return s.uiFindingPost(w, r, "vuln.saved", func(ctx context.Context, v VulnService, id int64) error {
		version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
		a := medsec.FindingAnalysis{State: medsec.FindingState(r.PostFormValue("state")), Justification: r.PostFormValue("justification"),
			Detail: r.PostFormValue("detail"), Version: version}
		if a.State != medsec.FindingNotAffected {
			a.Justification = ""
		}
		_, err := v.AnalyzeFinding(ctx, id, a)
		return err
	})
}

func (s *Server) uiFindingControl(w http.ResponseWriter, r *http.Request) error {
	return s.uiFindingPost(w, r, "vuln.saved", func(ctx context.Context, v VulnService, id int64) error {
		review, _ := medsec.ParseDate(r.PostFormValue("review_on"))
		return v.AddCompensatingControl(ctx, &medsec.CompensatingControl{FindingID: id, Description: r.PostFormValue("description"), ReviewOn: review})
	})
}

// siteZone returns the time zone of the site with the ID and its IANA name; UTC when the
// caller does not see the site or its zone does not load.
func (s *Server) siteZone(ctx context.Context, siteID int64) (*time.Location, string) {
	if s.Org != nil {
		if sites, err := s.Org.FindSites(ctx); err == nil {
			for _, st := range sites {
				if st.ID == siteID {
					if loc, err := medsec.LoadZone("time_zone", st.Zone()); err == nil {
						return loc, st.Zone()
					}
				}
			}
		}
	}
	return time.UTC, "UTC"
}

func (s *Server) uiFindingFix(w http.ResponseWriter, r *http.Request) error {
	return s.uiFindingPost(w, r, "vuln.saved", func(ctx context.Context, v VulnService, id int64) error {
		// The form's time is the finding's site's local time (the page names the zone).
		loc := time.UTC
		if f, err := v.FindFinding(ctx, id); err == nil {
			loc, _ = s.siteZone(ctx, f.SiteID)
		}
		at, perr := time.ParseInLocation("2006-01-02T15:04", r.PostFormValue("at"), loc)
		if perr != nil {
			at = time.Time{}
		}
		retest, _ := medsec.ParseDate(r.PostFormValue("retest_on"))
		return v.AddFixEntry(ctx, &medsec.FixEntry{FindingID: id, At: at, Operator: r.PostFormValue("operator"), Action: r.PostFormValue("action"),
			Verification: r.PostFormValue("verification"), Result: medsec.FixResult(r.PostFormValue("result")), RetestOn: retest, RetestResult: r.PostFormValue("retest_result")})
	})
}

func (s *Server) uiFindingPermission(w http.ResponseWriter, r *http.Request) error {
	return s.findingAction(r, func(v VulnService, id int64) error {
		// The finding (and its asset) must be found before the form is read: a finding
		// outside the caller's scope is ENOTFOUND, not a form error.
		f, err := v.FindFinding(r.Context(), id)
		if err != nil {
			return err
		}
		said, _ := medsec.ParseDate(r.PostFormValue("said_on"))
		p := &medsec.PatchPermission{Allowed: r.PostFormValue("allowed") == "yes", SaidBy: r.PostFormValue("said_by"), SaidOn: said, Evidence: r.PostFormValue("evidence")}
		if r.PostFormValue("for") == "model" {
			a, err := s.Assets.FindAssetByID(r.Context(), f.AssetID)
			if err != nil {
				return err
			}
			p.VendorID, p.Model = a.VendorID, a.Model
		} else {
			p.AssetID = f.AssetID
		}
		return s.afterFindingPost(w, r, id, v.SetPatchPermission(r.Context(), p), "vuln.saved")
	})
}

// uiFindingRescore re-scores a finding from the rubric form: one select per question
// ("" not answered), explicit metrics as "MAC:H/MPR:L", and the reason.
func (s *Server) uiFindingRescore(w http.ResponseWriter, r *http.Request) error {
	return s.uiFindingPost(w, r, "vuln.rescored", func(ctx context.Context, v VulnService, id int64) error {
		in := medsec.FindingRescore{Reason: r.PostFormValue("reason"), Answers: medsec.RubricAnswers{Reach: r.PostFormValue("reach"),
			IntegrityHarm: r.PostFormValue("integrity_harm"), AvailabilityHarm: r.PostFormValue("availability_harm"),
			ClinicalUse: r.PostFormValue("clinical_use"), PatientData: r.PostFormValue("patient_data")}}
		metrics, err := vuln.ParseMetricList(r.PostFormValue("metrics"))
		if err != nil {
			return &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "metrics", Key: "err.bad_value", Message: err.Error(), Value: r.PostFormValue("metrics")}}}
		}
		in.Metrics = metrics
		_, err = v.RescoreFinding(ctx, id, in)
		return err
	})
}

// renderPolicies shows the sites' deadline policies with the plan's clauses, and a form
// per site for a site administrator.
func (s *Server) renderPolicies(w http.ResponseWriter, r *http.Request, status int, formErr error) error {
	v, err := s.vulns()
	if err != nil {
		return err
	}
	ps, err := v.FindDeadlinePolicies(r.Context())
	if err != nil {
		return err
	}
	p := s.newPage(r, "policy.title")
	p.Data = ps
	if err := p.showFormError(formErr); err != nil {
		return err
	}
	s.render(w, r, status, "vuln_policy", p)
	return nil
}

func (s *Server) uiPolicyList(w http.ResponseWriter, r *http.Request) error {
	return s.renderPolicies(w, r, http.StatusOK, nil)
}

func (s *Server) uiPolicySet(w http.ResponseWriter, r *http.Request) error {
	v, err := s.vulns()
	if err != nil {
		return err
	}
	// The site is a form field: "/vulnerabilities/policy/{id}" would collide with the
	// findings' "/vulnerabilities/{id}/..." routes.
	id, err := strconv.ParseInt(r.PostFormValue("site_id"), 10, 64)
	if err != nil || id <= 0 {
		return medsec.ErrorWithKey(medsec.ENOTFOUND, "err.site_not_found", "Site not found.")
	}
	p := &medsec.DeadlinePolicy{SiteID: id}
	var bad []medsec.FieldError
	for _, f := range []struct {
		name string
		to   *int
	}{{"high_hours", &p.HighHours}, {"medium_hours", &p.MediumHours}, {"low_hours", &p.LowHours}, {"terminal_high_hours", &p.TerminalHighHours}, {"kev_hours", &p.KEVHours}} {
		text := strings.TrimSpace(r.PostFormValue(f.name))
		if text == "" {
			continue
		}
		n, err := strconv.Atoi(text)
		if err != nil {
			bad = append(bad, medsec.FieldError{Field: f.name, Key: "err.bad_number", Message: "is not a whole number", Value: text})
		}
		*f.to = n
	}
	if len(bad) > 0 {
		err = &medsec.ValidationError{Errors: bad}
	} else {
		err = v.SetDeadlinePolicy(r.Context(), p)
	}
	if err != nil {
		if medsec.ErrorCode(err) == medsec.EINVALID {
			return s.renderPolicies(w, r, errorStatus(err), err)
		}
		return err
	}
	flash(w, "policy.saved")
	http.Redirect(w, r, "/vulnerabilities/policy", http.StatusSeeOther)
	return nil
}

func (s *Server) uiFixLedger(w http.ResponseWriter, r *http.Request) error {
	es, err := s.fixLedger(r)
	if err != nil {
		return err
	}
	p := s.newPage(r, "ledger.title")
	p.Data = es
	s.render(w, r, http.StatusOK, "fix_ledger", p)
	return nil
}

func (s *Server) uiAdvisoryList(w http.ResponseWriter, r *http.Request) error {
	v, err := s.vulns()
	if err != nil {
		return err
	}
	as, err := v.FindAdvisories(r.Context())
	if err != nil {
		return err
	}
	p := s.newPage(r, "advisory.title")
	p.Data = as
	s.render(w, r, http.StatusOK, "advisory_list", p)
	return nil
}

func (s *Server) uiAdvisoryShow(w http.ResponseWriter, r *http.Request) error {
	v, err := s.vulns()
	if err != nil {
		return err
	}
	a, fs, err := v.FindAdvisory(r.Context(), r.PathValue("ref"))
	if err != nil {
		return err
	}
	p := s.newPage(r, "advisory.title")
	p.Title = a.ID
	p.Data = &advisoryData{Advisory: a, Findings: fs}
	s.render(w, r, http.StatusOK, "advisory_show", p)
	return nil
}

// AssetFindings returns the asset's findings for its page, or nil when the server has no
// vulnerability service.
func (p *page) AssetFindings(a *medsec.Asset) []*medsec.Finding {
	if p.s.Vulns == nil || p.User == nil {
		return nil
	}
	fs, _, err := p.s.Vulns.FindFindings(medsec.NewContextWithUser(context.Background(), p.User), medsec.FindingFilter{AssetID: a.ID, Limit: medsec.MaxPageSize})
	if err != nil {
		p.s.logger.Error("asset vulnerabilities section", "asset", a.ID, "err", err)
		return nil
	}
	return fs
}

// whyView is a finding's why as a page says it: its identifiers, rule and version tests
// in the reader's language.
type whyView struct{ Identifiers, Rule, Tests string }

// Why says a finding's why (medsec.MatchWhy) in the page's language; a finding matched
// before reasons were stored as data shows its English text until it is matched again.
// DeadlineBasis says in the reader's language the fix window a deadline applied and
// where it came from (the site's policy or the plan's clause).
func (p *page) DeadlineBasis(b medsec.DeadlineBasis) string { return p.T(b.Key(), b.Args()...) }

// RescoreBasis is DeadlineBasis of a re-scoring's deadline, its window counted from the
// finding's found time as the re-scoring computed it.
func (p *page) RescoreBasis(r *medsec.Rescore, f *medsec.Finding) string {
	return p.DeadlineBasis(vuln.Basis(vuln.Rule(r.DeadlineRule), r.Due.Sub(f.FoundAt)))
}

// NoteWhy says in the page's language why a manufacturer's statement (a finding's
// medsec.VendorNote) was matched to the device.
func (p *page) NoteWhy(w *medsec.MatchWhy) whyView {
	sep := "；"
	if p.Lang == "en" {
		sep = "; "
	}
	i, r, t := w.Text(p.T, sep)
	return whyView{i, r, t}
}

func (p *page) Why(f *medsec.Finding) whyView {
	if f.Why == nil {
		return whyView{f.Identifier, f.Rule, f.VersionTest}
	}
	sep := "；"
	if p.Lang == "en" {
		sep = "; "
	}
	i, r, t := f.Why.Text(p.T, sep)
	return whyView{i, r, t}
}
