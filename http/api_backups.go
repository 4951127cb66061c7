package http

import (
	"net/http"
	"time"

	"medsec"
	"medsec/backup"
)

// backupAPIRoutes are the routes of the backups of the clinical systems [M10]: reading
// needs backup:read, changes backup:write; the service limits each to the assets of the
// caller's sites (no vendor holds either permission) and audits every change.
func backupAPIRoutes(s *Server) []apiRoute {
	return []apiRoute{
		{Method: "GET", Path: "/api/v1/backup-plans", Perm: medsec.PermBackupRead, Handler: s.apiBackupPlanList},
		{Method: "POST", Path: "/api/v1/backup-plans", Perm: medsec.PermBackupWrite, Handler: s.apiBackupPlanCreate},
		{Method: "GET", Path: "/api/v1/backup-plans/{id}", Perm: medsec.PermBackupRead, Handler: s.apiBackupPlanGet},
		{Method: "PUT", Path: "/api/v1/backup-plans/{id}", Perm: medsec.PermBackupWrite, Handler: s.apiBackupPlanUpdate},
		{Method: "DELETE", Path: "/api/v1/backup-plans/{id}", Perm: medsec.PermBackupWrite, Handler: s.apiBackupPlanDelete},
		{Method: "GET", Path: "/api/v1/backup-plans/{id}/runs", Perm: medsec.PermBackupRead, Handler: s.apiBackupRunList},
		{Method: "POST", Path: "/api/v1/backup-plans/{id}/restore-tests", Perm: medsec.PermBackupWrite, Handler: s.apiRestoreTestRecord},
		{Method: "POST", Path: "/api/v1/backup-runs/import", Perm: medsec.PermBackupWrite, Handler: s.apiBackupRunImport},
		{Method: "GET", Path: "/api/v1/restore-tests", Perm: medsec.PermBackupRead, Handler: s.apiRestoreTestList},
		{Method: "GET", Path: "/api/v1/backup-findings", Perm: medsec.PermBackupRead, Handler: s.apiBackupFindings},
		{Method: "GET", Path: "/api/v1/backup-record", Perm: medsec.PermBackupRead, Handler: s.apiBackupRecord},
	}
}

// errBackupsOff is the answer when the server runs without the backup service.
func errBackupsOff() error {
	return &medsec.Error{Code: medsec.ENOTFOUND, Message: "This server keeps no backup plans."}
}

// backupFilter reads site_id, asset_id and system_id from the query.
func backupFilter(r *http.Request) medsec.BackupPlanFilter {
	return medsec.BackupPlanFilter{SiteID: queryInt64(r, "site_id"), AssetID: queryInt64(r, "asset_id"), SystemID: queryInt64(r, "system_id")}
}

func (s *Server) apiBackupPlanList(w http.ResponseWriter, r *http.Request) error {
	if s.Backups == nil {
		return errBackupsOff()
	}
	ps, err := s.Backups.FindBackupPlans(r.Context(), backupFilter(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list[*medsec.BackupPlan]{Items: ps, Total: len(ps), Limit: len(ps)})
	return nil
}

func (s *Server) apiBackupPlanCreate(w http.ResponseWriter, r *http.Request) error {
	if s.Backups == nil {
		return errBackupsOff()
	}
	var p medsec.BackupPlan
	if err := readJSON(r, &p); err != nil {
		return err
	}
	p.ID = 0
	if err := s.Backups.CreateBackupPlan(r.Context(), &p); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, &p)
	return nil
}

func (s *Server) apiBackupPlanGet(w http.ResponseWriter, r *http.Request) error {
	if s.Backups == nil {
		return errBackupsOff()
	}
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	p, err := s.Backups.FindBackupPlan(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (s *Server) apiBackupPlanUpdate(w http.ResponseWriter, r *http.Request) error {
	if s.Backups == nil {
		return errBackupsOff()
	}
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	var p medsec.BackupPlan
	if err := readJSON(r, &p); err != nil {
		return err
	}
	p.ID = id
	if err := s.Backups.UpdateBackupPlan(r.Context(), &p); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, &p)
	return nil
}

func (s *Server) apiBackupPlanDelete(w http.ResponseWriter, r *http.Request) error {
	if s.Backups == nil {
		return errBackupsOff()
	}
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	if err := s.Backups.DeleteBackupPlan(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) apiBackupRunList(w http.ResponseWriter, r *http.Request) error {
	if s.Backups == nil {
		return errBackupsOff()
	}
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	runs, err := s.Backups.FindBackupRuns(r.Context(), id, int(queryInt64(r, "limit")))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list[medsec.BackupRun]{Items: runs, Total: len(runs), Limit: len(runs)})
	return nil
}

func (s *Server) apiRestoreTestRecord(w http.ResponseWriter, r *http.Request) error {
	if s.Backups == nil {
		return errBackupsOff()
	}
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	var t medsec.RestoreTest
	if err := readJSON(r, &t); err != nil {
		return err
	}
	t.ID, t.PlanID = 0, id
	if err := s.Backups.RecordRestoreTest(r.Context(), &t); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, &t)
	return nil
}

func (s *Server) apiBackupRunImport(w http.ResponseWriter, r *http.Request) error {
	if s.Backups == nil {
		return errBackupsOff()
	}
	name, data, err := uploadedFile(r)
	if err != nil {
		return err
	}
	res, err := s.Backups.ImportBackupRuns(r.Context(), backup.ReadRuns(data, name))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (s *Server) apiRestoreTestList(w http.ResponseWriter, r *http.Request) error {
	if s.Backups == nil {
		return errBackupsOff()
	}
	ts, err := s.Backups.FindRestoreTests(r.Context(), backupFilter(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list[medsec.RestoreTest]{Items: ts, Total: len(ts), Limit: len(ts)})
	return nil
}

func (s *Server) apiBackupFindings(w http.ResponseWriter, r *http.Request) error {
	if s.Backups == nil {
		return errBackupsOff()
	}
	fs, err := s.Backups.BackupFindings(r.Context(), backupFilter(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list[medsec.BackupFinding]{Items: fs, Total: len(fs), Limit: len(fs)})
	return nil
}

// apiBackupRecord answers the backup and restore-test record of a period: since and until
// are dates (YYYY-MM-DD, until inclusive) or RFC 3339 times; the default is the last 30 days.
func (s *Server) apiBackupRecord(w http.ResponseWriter, r *http.Request) error {
	if s.Backups == nil {
		return errBackupsOff()
	}
	f := medsec.BackupRecordFilter{SiteID: queryInt64(r, "site_id")}
	var errs []medsec.FieldError
	for _, x := range []struct {
		name string
		dst  *time.Time
		day  time.Duration
	}{{"since", &f.From, 0}, {"until", &f.To, 24 * time.Hour}} {
		v := r.URL.Query().Get(x.name)
		if v == "" {
			continue
		}
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			*x.dst = t
		} else if d, err := time.Parse("2006-01-02", v); err == nil {
			*x.dst = d.Add(x.day)
		} else {
			errs = append(errs, medsec.FieldError{Field: x.name, Key: "err.bad_date", Value: v, Message: "is not a date (YYYY-MM-DD) or an RFC 3339 time"})
		}
	}
	if len(errs) > 0 {
		return &medsec.ValidationError{Errors: errs}
	}
	if f.To.IsZero() {
		f.To = s.now().UTC()
	}
	if f.From.IsZero() {
		f.From = f.To.AddDate(0, 0, -30)
	}
	rec, err := s.Backups.BackupRecord(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rec)
	return nil
}
