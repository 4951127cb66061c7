package http

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"medsec"
	"medsec/backup"
)

// backupUIRoutes registers the pages of the backups of the clinical systems [M10]: the
// plans with their findings and the import of job results, and each plan with its jobs,
// restore tests and the form to record one.
func (s *Server) backupUIRoutes(mux *http.ServeMux) {
	mux.Handle("GET /backups", s.ui(medsec.PermBackupRead, s.uiBackupList))
	mux.Handle("POST /backups", s.ui(medsec.PermBackupWrite, s.uiBackupPlanCreate))
	mux.Handle("POST /backups/import", s.ui(medsec.PermBackupWrite, s.uiBackupRunImport))
	mux.Handle("GET /backups/{id}", s.ui(medsec.PermBackupRead, s.uiBackupPlanShow))
	mux.Handle("POST /backups/{id}", s.ui(medsec.PermBackupWrite, s.uiBackupPlanUpdate))
	mux.Handle("POST /backups/{id}/delete", s.ui(medsec.PermBackupWrite, s.uiBackupPlanDelete))
	mux.Handle("POST /backups/{id}/restore-tests", s.ui(medsec.PermBackupWrite, s.uiRestoreTestRecord))
}

// backupFieldLabels names the plan and restore-test forms' fields in problems.
var backupFieldLabels = map[string]string{"name": "backups.name", "job_name": "backups.job_name", "frequency_hours": "backups.frequency_hours",
	"generations": "backups.generations", "immutable_from": "backups.immutable_from", "restore_test_days": "backups.restore_test_days",
	"rto_hours": "backups.rto_hours", "rpo_hours": "backups.rpo_hours", "fallback": "backups.fallback", "notes": "backups.notes",
	"tested_at": "backups.tested_at", "what": "backups.what", "target": "backups.target", "duration_minutes": "backups.duration",
	"hash_match": "backups.hash_match", "result": "backups.result", "evidence": "backups.evidence"}

// backupFormCopies is how many copy rows the plan form offers.
const backupFormCopies = 4

// backupPlanView is a plan with what the 3-2-1 rule counts of it and its findings.
type backupPlanView struct {
	*medsec.BackupPlan
	Counts   backup.Counts
	Findings []medsec.BackupFinding
}

// ContinuityRTO is the tolerable outage in force for the plan: its own, else its
// clinical system's (BackupPlan.Continuity).
func (v backupPlanView) ContinuityRTO() int {
	rto, _, _ := v.Continuity()
	return rto
}

// holderFilter selects the plans of what p backs up: its clinical system or its asset.
func holderFilter(p *medsec.BackupPlan) medsec.BackupPlanFilter {
	if p.SystemID != 0 {
		return medsec.BackupPlanFilter{SystemID: p.SystemID}
	}
	return medsec.BackupPlanFilter{AssetID: p.AssetID}
}

// planSystems returns the clinical systems the caller may name in a new backup plan: none
// when the server keeps no systems or the caller may not read them.
func (s *Server) planSystems(r *http.Request) ([]*medsec.ClinicalSystem, error) {
	u := medsec.UserFromContext(r.Context())
	if s.Systems == nil || u == nil || !u.Role.Can(medsec.PermAccountRead) {
		return nil, nil
	}
	return s.Systems.FindClinicalSystems(r.Context(), medsec.ClinicalSystemFilter{})
}

// backupListData is the backups page.
type backupListData struct {
	AssetID  int64
	Plans    []backupPlanView
	Findings []medsec.BackupFinding
	Assets   []*medsec.Asset
	// Systems are the clinical systems a new plan may be of instead of an asset.
	Systems []*medsec.ClinicalSystem
	Media   []medsec.BackupMedium
	// Form is the new plan's form (what a refused form said), with blank copy rows;
	// Action is where it posts.
	Form   *medsec.BackupPlan
	Action string
}

// backupViews pairs plans with their counts and findings.
func backupViews(plans []*medsec.BackupPlan, fs []medsec.BackupFinding) []backupPlanView {
	out := make([]backupPlanView, len(plans))
	for i, p := range plans {
		out[i] = backupPlanView{BackupPlan: p, Counts: backup.Count(p)}
		for _, f := range fs {
			if f.PlanID == p.ID {
				out[i].Findings = append(out[i].Findings, f)
			}
		}
	}
	return out
}

// withBlankCopies returns the plan's copies padded with blank rows for the form.
func withBlankCopies(p *medsec.BackupPlan) *medsec.BackupPlan {
	q := *p
	q.Copies = append([]medsec.BackupCopy(nil), p.Copies...)
	for len(q.Copies) < backupFormCopies {
		q.Copies = append(q.Copies, medsec.BackupCopy{})
	}
	return &q
}

func (s *Server) renderBackupList(w http.ResponseWriter, r *http.Request, status int, form *medsec.BackupPlan, formErr error, flashText string) error {
	if s.Backups == nil {
		return errBackupsOff()
	}
	d := &backupListData{AssetID: queryInt64(r, "asset_id"), Media: medsec.BackupMedia, Action: "/backups"}
	f := medsec.BackupPlanFilter{AssetID: d.AssetID}
	plans, err := s.Backups.FindBackupPlans(r.Context(), f)
	if err != nil {
		return err
	}
	if d.Findings, err = s.Backups.BackupFindings(r.Context(), f); err != nil {
		return err
	}
	d.Plans = backupViews(plans, d.Findings)
	if d.Assets, err = s.accountAssets(r); err != nil {
		return err
	}
	if d.Systems, err = s.planSystems(r); err != nil {
		return err
	}
	if form == nil {
		form = &medsec.BackupPlan{AssetID: d.AssetID, FrequencyHours: 24, Generations: 7, ImmutableFrom: 3, RestoreTestDays: medsec.DefaultRestoreTestDays}
	}
	d.Form = withBlankCopies(form)
	p := s.newPage(r, "backups.title")
	p.Data, p.FieldLabels = d, backupFieldLabels
	if flashText != "" {
		p.Flash = flashText
	}
	if err := p.showFormError(formErr); err != nil {
		return err
	}
	s.render(w, r, status, "backups", p)
	return nil
}

func (s *Server) uiBackupList(w http.ResponseWriter, r *http.Request) error {
	return s.renderBackupList(w, r, http.StatusOK, nil, nil, "")
}

// readBackupPlanForm reads the plan form; numbers that are not numbers are field errors.
func readBackupPlanForm(r *http.Request) (*medsec.BackupPlan, []medsec.FieldError) {
	var errs []medsec.FieldError
	num := func(name string) int {
		v := strings.TrimSpace(r.PostFormValue(name))
		if v == "" {
			return 0
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			errs = append(errs, medsec.FieldError{Field: name, Key: "err.bad_number", Value: v, Message: "is not a whole number"})
		}
		return n
	}
	p := &medsec.BackupPlan{Name: r.PostFormValue("name"), JobName: r.PostFormValue("job_name"), FrequencyHours: num("frequency_hours"),
		Generations: num("generations"), ImmutableFrom: num("immutable_from"), RestoreTestDays: num("restore_test_days"), RTOHours: num("rto_hours"),
		RPOHours: num("rpo_hours"), Fallback: strings.TrimSpace(r.PostFormValue("fallback")), Notes: strings.TrimSpace(r.PostFormValue("notes")), Copies: []medsec.BackupCopy{}}
	p.AssetID, _ = strconv.ParseInt(r.PostFormValue("asset_id"), 10, 64)
	p.SystemID, _ = strconv.ParseInt(r.PostFormValue("system_id"), 10, 64)
	for i := 0; i < backupFormCopies; i++ {
		c := medsec.BackupCopy{Label: strings.TrimSpace(r.PostFormValue(fmt.Sprintf("copy_label_%d", i))), Medium: medsec.BackupMedium(r.PostFormValue(fmt.Sprintf("copy_medium_%d", i))),
			Offsite: r.PostFormValue(fmt.Sprintf("copy_offsite_%d", i)) != "", Offline: r.PostFormValue(fmt.Sprintf("copy_offline_%d", i)) != "",
			Immutable: r.PostFormValue(fmt.Sprintf("copy_immutable_%d", i)) != ""}
		if c.Label == "" && c.Medium == "" {
			continue
		}
		p.Copies = append(p.Copies, c)
	}
	return p, errs
}

func (s *Server) uiBackupPlanCreate(w http.ResponseWriter, r *http.Request) error {
	if s.Backups == nil {
		return errBackupsOff()
	}
	p, errs := readBackupPlanForm(r)
	var err error
	if len(errs) > 0 {
		err = &medsec.ValidationError{Errors: errs}
	} else if err = s.Backups.CreateBackupPlan(r.Context(), p); medsec.ErrorCode(err) == medsec.ENOTFOUND {
		err = &medsec.Error{Code: medsec.EINVALID, Message: "Choose the system the plan is of.", Key: "backups.choose_system"}
	}
	if err != nil {
		return s.renderBackupList(w, r, errorStatus(err), p, err, "")
	}
	flash(w, "backups.plan_saved")
	http.Redirect(w, r, fmt.Sprintf("/backups/%d", p.ID), http.StatusSeeOther)
	return nil
}

// uiBackupRunImport imports an uploaded export of job results.
func (s *Server) uiBackupRunImport(w http.ResponseWriter, r *http.Request) error {
	if s.Backups == nil {
		return errBackupsOff()
	}
	name, data, err := uploadedFile(r)
	if err != nil {
		return s.renderBackupList(w, r, errorStatus(err), nil, err, "")
	}
	res, err := s.Backups.ImportBackupRuns(r.Context(), backup.ReadRuns(data, name))
	if err != nil {
		return s.renderBackupList(w, r, errorStatus(err), nil, err, "")
	}
	p := s.newPage(r, "backups.title")
	msg := p.T("backups.imported", res.Recorded, res.Duplicate, res.Unmatched)
	if len(res.Jobs) > 0 {
		msg += " " + p.T("backups.unmatched_jobs", strings.Join(res.Jobs, ", "))
	}
	return s.renderBackupList(w, r, http.StatusOK, nil, nil, msg)
}

// backupPlanData is one plan's page.
type backupPlanData struct {
	Plan  backupPlanView
	Runs  []medsec.BackupRun
	Tests []medsec.RestoreTest
	Media []medsec.BackupMedium
	// Form is the edit form; Test the restore-test form (what a refused form said).
	Form *medsec.BackupPlan
	Test *medsec.RestoreTest
	// Action is where the edit form posts; Assets and Systems are nil (a plan keeps its
	// asset or system).
	Action  string
	Assets  []*medsec.Asset
	Systems []*medsec.ClinicalSystem
	// Now is the form's default test time, in the page's time zone as the input shows it.
	Now time.Time
}

func (s *Server) renderBackupPlan(w http.ResponseWriter, r *http.Request, status int, form *medsec.BackupPlan, test *medsec.RestoreTest, formErr error) error {
	if s.Backups == nil {
		return errBackupsOff()
	}
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	plan, err := s.Backups.FindBackupPlan(r.Context(), id)
	if err != nil {
		return err
	}
	fs, err := s.Backups.BackupFindings(r.Context(), holderFilter(plan))
	if err != nil {
		return err
	}
	d := &backupPlanData{Plan: backupViews([]*medsec.BackupPlan{plan}, fs)[0], Media: medsec.BackupMedia, Now: s.now().UTC(), Action: fmt.Sprintf("/backups/%d", id)}
	if d.Runs, err = s.Backups.FindBackupRuns(r.Context(), id, 50); err != nil {
		return err
	}
	tests, err := s.Backups.FindRestoreTests(r.Context(), holderFilter(plan))
	if err != nil {
		return err
	}
	for _, t := range tests {
		if t.PlanID == id {
			d.Tests = append(d.Tests, t)
		}
	}
	if form == nil {
		form = plan
	}
	d.Form = withBlankCopies(form)
	if test == nil {
		test = &medsec.RestoreTest{TestedAt: d.Now, HashMatch: medsec.Yes, Result: medsec.RestorePass}
	}
	d.Test = test
	p := s.newPage(r, "backups.plan_title")
	p.Title = plan.Holder() + " — " + plan.Name
	p.Data, p.FieldLabels = d, backupFieldLabels
	if err := p.showFormError(formErr); err != nil {
		return err
	}
	s.render(w, r, status, "backup_plan", p)
	return nil
}

func (s *Server) uiBackupPlanShow(w http.ResponseWriter, r *http.Request) error {
	return s.renderBackupPlan(w, r, http.StatusOK, nil, nil, nil)
}

func (s *Server) uiBackupPlanUpdate(w http.ResponseWriter, r *http.Request) error {
	if s.Backups == nil {
		return errBackupsOff()
	}
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	p, errs := readBackupPlanForm(r)
	p.ID = id
	if len(errs) > 0 {
		err = &medsec.ValidationError{Errors: errs}
	} else {
		err = s.Backups.UpdateBackupPlan(r.Context(), p)
	}
	if err != nil {
		return s.renderBackupPlan(w, r, errorStatus(err), p, nil, err)
	}
	flash(w, "backups.plan_saved")
	http.Redirect(w, r, fmt.Sprintf("/backups/%d", id), http.StatusSeeOther)
	return nil
}

func (s *Server) uiBackupPlanDelete(w http.ResponseWriter, r *http.Request) error {
	if s.Backups == nil {
		return errBackupsOff()
	}
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	if err := s.Backups.DeleteBackupPlan(r.Context(), id); err != nil {
		return s.renderBackupPlan(w, r, errorStatus(err), nil, nil, err)
	}
	flash(w, "backups.plan_deleted")
	http.Redirect(w, r, "/backups", http.StatusSeeOther)
	return nil
}

// uiRestoreTestRecord records the restore-test form: tested_at as the datetime-local input
// writes it (UTC), duration in minutes.
func (s *Server) uiRestoreTestRecord(w http.ResponseWriter, r *http.Request) error {
	if s.Backups == nil {
		return errBackupsOff()
	}
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	t := &medsec.RestoreTest{PlanID: id, What: r.PostFormValue("what"), Target: r.PostFormValue("target"), HashMatch: medsec.Tristate(r.PostFormValue("hash_match")),
		Result: r.PostFormValue("result"), Evidence: strings.TrimSpace(r.PostFormValue("evidence")), Notes: strings.TrimSpace(r.PostFormValue("notes"))}
	var errs []medsec.FieldError
	if v := r.PostFormValue("tested_at"); v != "" {
		if tm, err := time.Parse("2006-01-02T15:04", v); err == nil {
			t.TestedAt = tm.UTC()
		} else {
			errs = append(errs, medsec.FieldError{Field: "tested_at", Key: "err.bad_date", Value: v, Message: "is not a date and time"})
		}
	}
	if v := strings.TrimSpace(r.PostFormValue("duration_minutes")); v != "" {
		if n, err := strconv.Atoi(v); err == nil {
			t.DurationMinutes = n
		} else {
			errs = append(errs, medsec.FieldError{Field: "duration_minutes", Key: "err.bad_number", Value: v, Message: "is not a whole number"})
		}
	}
	if len(errs) > 0 {
		err = &medsec.ValidationError{Errors: errs}
	} else {
		err = s.Backups.RecordRestoreTest(r.Context(), t)
	}
	if err != nil {
		return s.renderBackupPlan(w, r, errorStatus(err), nil, t, err)
	}
	flash(w, "backups.test_recorded")
	http.Redirect(w, r, fmt.Sprintf("/backups/%d", id), http.StatusSeeOther)
	return nil
}
