package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"medsec"
	"medsec/evidence"
	"medsec/i18n"
	"medsec/report"
)

var reportWriters = map[string]func(io.Writer, *report.Document) error{
	"pdf": report.WritePDF, "xlsx": report.WriteXLSX, "html": report.WriteHTML,
}

// ScheduledReports are the reports a site's schedule generates [002 第九条: the yearly
// self-inspection; 000 §7(二), 002 第二十一条: the yearly risk review, ready for the
// reviewers' sign-off; 002 第二十一条: the yearly data security risk assessment; 003
// §3.3.3 and §5.2.1: the incident and vulnerability ledgers, monthly; 003 §3.1.3, 004
// §12.2: the backup and restore-test record, monthly].
var ScheduledReports = []struct {
	Name   string
	Yearly bool
}{{report.SelfInspection, true}, {report.RiskReview, true}, {report.DataSecurity, true}, {report.VulnLedger, false}, {report.IncidentLedger, false}, {report.BackupRecord, false}}

// ReportService generates reports, keeps their files in the evidence store and lists them
// (medsec.ReportService). A report is built with the caller's context, so it holds only
// what the caller may see. Background generations run one at a time, each for at most
// Timeout.
type ReportService struct {
	db     *DB
	files  *evidence.Store
	src    report.Sources
	bundle *i18n.Bundle
	// Timeout bounds one background generation; 0 means 15 minutes.
	Timeout time.Duration
	// Logger, when set, records why a background generation failed (the report shows
	// only a message key).
	Logger *slog.Logger
	wg     sync.WaitGroup
	// startMu orders the starts: a report is recorded and queued under it, so the queue
	// holds the reports in the order of their request (their ids and times).
	startMu sync.Mutex
	// queue holds the background generations not yet begun, first asked first; working
	// says a worker is draining it (one at a time).
	mu      sync.Mutex
	queue   []func()
	working bool
}

// NewReportService returns the service over db, storing files in files and reading the
// reports' content from src, translated through bundle.
func NewReportService(db *DB, files *evidence.Store, src report.Sources, bundle *i18n.Bundle) *ReportService {
	return &ReportService{db: db, files: files, src: src, bundle: bundle}
}

// Wait returns when every background generation started so far has ended.
func (s *ReportService) Wait() { s.wg.Wait() }

// FailInterrupted marks the reports left running by a server that stopped as failed
// (err.report_interrupted); the server calls it at start.
func (s *ReportService) FailInterrupted(ctx context.Context) error {
	_, err := s.db.write.ExecContext(ctx, s.db.dialect.rebind(`UPDATE reports SET status = ?, error = ? WHERE status = ?`),
		medsec.ReportFailed, "err.report_interrupted", medsec.ReportRunning)
	if err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	return nil
}

// reportScope checks that the caller holds p for reports (a vendor holds none).
func reportScope(ctx context.Context, p medsec.Permission) (scope, error) {
	sc, err := authorize(ctx, p)
	if err != nil {
		return sc, err
	}
	if sc.user.Role == medsec.RoleVendor {
		return sc, medsec.ErrForbidden()
	}
	return sc, nil
}

// job is a checked request: what to build, how to render it and the row it becomes.
type job struct {
	p     report.Params
	write func(io.Writer, *report.Document) error
	r     *medsec.GeneratedReport
}

// FirstReportYear is the earliest year a report may cover: medsec's seeds and the
// hospitals' records start after it.
const FirstReportYear = report.FirstYear

// prepare checks req for the caller and answers every bad field at once (a
// *medsec.ValidationError, joined to the ENOTFOUND of a site out of scope): the name, language, format, catalog and period — a year or
// month from FirstReportYear to the current one in the report's time zone. A site outside
// the caller's scope is ENOTFOUND; a report of every site by a caller limited to some is
// EFORBIDDEN (its cover would say "all sites" while holding only theirs). The cover names
// every site the caller sees; the site's time zone is the report's (UTC for reports over
// sites in several zones).
func (s *ReportService) prepare(ctx context.Context, req medsec.ReportRequest) (*job, error) {
	return s.prepareAs(ctx, req, nil)
}

// origin is who generates a report other than a signed-in user asking for it: the
// scheduler (scheduled), on behalf of the user who set the site's schedule (owner; "" for
// a schedule set before migration 0100 or by medsec itself), or "medsec report" run on
// the server (commandLine), which may name the hospital on the cover (organization).
type origin struct {
	scheduled    bool
	owner        string
	commandLine  bool
	organization string
}

// generatedBy names the report's origin in lang: the command line, or the scheduler
// (bt16: scheduled reports named the system user), on behalf of the schedule's owner by
// the owner's name.
func (s *ReportService) generatedBy(ctx context.Context, by *origin, lang string) string {
	if by.commandLine {
		return s.bundle.T(lang, "report.generated_by_cli")
	}
	if by.owner == "" || by.owner == medsec.SystemUser.Username {
		return s.bundle.T(lang, "report.generated_by_scheduler_alone")
	}
	return s.bundle.T(lang, "report.generated_by_scheduler", s.personName(ctx, by.owner, ""))
}

// personName is the name a report's cover gives the user of login username: the display
// name the users table holds (bt16d #5: the cover named the login), else known (the
// display name the caller's session carries), else the login itself.
func (s *ReportService) personName(ctx context.Context, username, known string) string {
	var name string
	err := s.db.read.QueryRowContext(ctx, s.db.dialect.rebind(`SELECT display_name FROM users WHERE username = ?`), username).Scan(&name)
	if err != nil && !errors.Is(err, sql.ErrNoRows) && s.Logger != nil {
		s.Logger.Warn("report: read the display name", "user", username, "err", err)
	}
	for _, n := range []string{name, known, username} {
		if n = strings.TrimSpace(n); n != "" {
			return n
		}
	}
	return username
}

// prepareAs is prepare; with by set, for the scheduler (the report names the scheduler on
// behalf of the schedule's owner, its row the owner, Scheduled set) or the command line
// (the report names it, and by.organization, when set, as the hospital).
func (s *ReportService) prepareAs(ctx context.Context, req medsec.ReportRequest, by *origin) (*job, error) {
	sc, err := reportScope(ctx, medsec.PermReportWrite)
	if err != nil {
		return nil, err
	}
	var problems []medsec.FieldError
	bad := func(field, key, msg string, args ...string) {
		problems = append(problems, medsec.FieldError{Field: field, Key: key, Message: msg, Args: args})
	}
	if !slices.Contains(report.Names, req.Name) {
		// The reports by the names a user types, each with its title (English here; the
		// other languages are said from Enum and Allowed the same way): bt16g M5, the
		// titles alone named nothing the API or the command line accepts.
		names := make([]string, len(report.Names))
		for i, n := range report.Names {
			names[i] = n + " (" + s.bundle.T("en", "report."+n) + ")"
		}
		problems = append(problems, medsec.FieldError{Field: "name", Key: "err.report_name", Value: req.Name,
			Message: "is not a report: want one of " + strings.Join(names, ", "), Enum: "report", Allowed: report.Names})
	}
	if !slices.Contains(i18n.Languages, req.Lang) {
		bad("lang", "err.report_lang", "must be one of zh-TW, zh-CN, ja, en")
	}
	write := reportWriters[req.Format]
	if write == nil {
		bad("format", "err.report_format", "must be pdf, xlsx or html")
	}
	if req.Name != report.Gap && req.Catalog != "" {
		// Only the gap report covers a catalog: one given for another report is a mistake
		// said, not dropped (bt16: the API took it and stored nothing of it).
		problems = append(problems, medsec.FieldError{Field: "catalog", Key: "err.report_catalog_not_gap", Value: req.Catalog,
			Message: "is only for the compliance gap report: leave it out for this report"})
	} else if req.Name == report.Gap && req.Catalog == "" {
		req.Catalog = report.Catalogs[0]
	}
	if req.Name == report.Gap && !slices.Contains(report.Catalogs, req.Catalog) {
		bad("catalog", "err.report_catalog", fmt.Sprintf("is not a catalog: want one of %v", report.Catalogs))
	}
	sites, err := s.src.Org.FindSites(ctx)
	if err != nil {
		return nil, err
	}
	p := report.Params{Name: req.Name, Lang: req.Lang, CatalogID: req.Catalog}
	zone := report.Zone(sites, req.SiteID)
	for _, site := range sites {
		if site.ID == req.SiteID {
			p.Site = site
		}
	}
	// A site outside the caller's scope is "not found" (and its denial audited); with the
	// other problems of the request, so that a form shows them all at once (bt16b: a
	// tampered site hid them).
	var notFound error
	if req.SiteID != 0 && (p.Site == nil || !sc.seesSite(req.SiteID)) {
		notFound = medsec.NotInScope("Site not found.", "err.site_not_found", fmt.Sprintf("site %d", req.SiteID), req.SiteID)
		p.Site = nil
	}
	p.Organization = report.Organization(sites, req.SiteID)
	loc, err := time.LoadLocation(zone)
	if err != nil {
		loc = time.UTC
	}
	now := s.db.Now().In(loc)
	if p.Period, err = report.ParsePeriod(req.Period, loc); err != nil {
		bad("period", "err.report_period", "must be a year (2026) or a month (2026-11)")
	} else if !report.PeriodInRange(p.Period, now) {
		bad("period", "err.report_period_range", fmt.Sprintf("must be a year or month from %d to %d (the current year)", FirstReportYear, now.Year()),
			strconv.Itoa(FirstReportYear), strconv.Itoa(now.Year()))
	} else if p.Period.IsMonth() && slices.Contains(report.Yearly, req.Name) {
		bad("period", "err.report_period_yearly", "this report covers a calendar year: give a year (2026), not a month")
	}
	switch {
	case notFound != nil && len(problems) > 0:
		problems = append([]medsec.FieldError{{Field: "site_id", Key: "err.site_not_found", Message: "Site not found."}}, problems...)
		return nil, errors.Join(notFound, &medsec.ValidationError{Errors: problems})
	case notFound != nil:
		return nil, notFound
	case len(problems) > 0:
		return nil, &medsec.ValidationError{Errors: problems}
	}
	if req.SiteID == 0 && len(sc.user.SiteIDs) > 0 {
		return nil, medsec.ErrorWithKey(medsec.EFORBIDDEN, "err.report_all_sites_scoped",
			"Your account covers only some sites: choose one of them. A report of all sites is for users who see every site.")
	}
	p.Now = now
	if by != nil {
		p.GeneratedBy = s.generatedBy(ctx, by, req.Lang)
	} else {
		p.GeneratedBy = s.personName(ctx, sc.user.Username, sc.user.DisplayName)
	}
	r := &medsec.GeneratedReport{Name: req.Name, SiteID: req.SiteID, Period: req.Period, Lang: req.Lang, Format: req.Format, Catalog: req.Catalog,
		Status: medsec.ReportRunning, GeneratedBy: sc.user.Username}
	if p.Site != nil {
		r.SiteName = p.Site.Name
	}
	if by != nil && by.scheduled {
		r.GeneratedBy, r.Scheduled = by.owner, true
	}
	if by != nil && by.organization != "" {
		p.Organization = by.organization
	}
	return &job{p: p, write: write, r: r}, nil
}

// render builds, renders and stores the report of j, filling in its hashes and size.
func (s *ReportService) render(ctx context.Context, j *job) error {
	d, err := report.Build(ctx, j.p, s.src, func(key string, args ...any) string { return s.bundle.T(j.p.Lang, key, args...) })
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := j.write(&buf, d); err != nil {
		return fmt.Errorf("render report %s: %w", j.p.Name, err)
	}
	sum, size, err := s.files.Put(&buf)
	if err != nil {
		return fmt.Errorf("store report %s: %w", j.p.Name, err)
	}
	j.r.SHA256, j.r.Size, j.r.ContentHash = sum, size, d.ContentHash()
	return nil
}

// finish records a rendered report as done: compared with the last finished report of
// the same parameters, inserted (id 0) or updated, and audited (report.generate).
func (s *ReportService) finish(ctx context.Context, r *medsec.GeneratedReport) error {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var last string
	var lastID int64
	err = tx.queryRow(ctx, `SELECT id, content_hash FROM reports WHERE name = ? AND period = ? AND lang = ? AND format = ? AND catalog = ?
		AND COALESCE(site_id, 0) = ? AND status = ? AND id <> ? ORDER BY id DESC LIMIT 1`,
		r.Name, r.Period, r.Lang, r.Format, r.Catalog, r.SiteID, medsec.ReportDone, r.ID).Scan(&lastID, &last)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		r.Change = medsec.ReportNew
	case err != nil:
		return fmt.Errorf("store report %s: %w", r.Name, err)
	case last == r.ContentHash:
		r.Change, r.PreviousID = medsec.ReportUnchanged, lastID
	default:
		r.Change, r.PreviousID = medsec.ReportChanged, lastID
	}
	r.Status, r.GeneratedAt = medsec.ReportDone, tx.now
	var prev any
	if r.PreviousID != 0 {
		prev = r.PreviousID
	}
	if r.ID == 0 {
		var site any
		if r.SiteID != 0 {
			site = r.SiteID
		}
		r.ID, err = tx.insert(ctx, `INSERT INTO reports (name, site_id, period, lang, format, catalog, sha256, content_hash, size, generated_by, generated_at,
			status, content_change, previous_id, scheduled) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.Name, site, r.Period, r.Lang, r.Format, r.Catalog, r.SHA256, r.ContentHash, r.Size, r.GeneratedBy, r.GeneratedAt,
			r.Status, r.Change, prev, boolInt(r.Scheduled))
	} else {
		_, err = tx.exec(ctx, `UPDATE reports SET sha256 = ?, content_hash = ?, size = ?, generated_at = ?, status = ?, content_change = ?, previous_id = ?
			WHERE id = ?`, r.SHA256, r.ContentHash, r.Size, r.GeneratedAt, r.Status, r.Change, prev, r.ID)
	}
	if err != nil {
		return fmt.Errorf("store report %s: %w", r.Name, err)
	}
	if err := tx.auditChange(ctx, "report.generate", "report", r.ID, r.SiteID, nil, r); err != nil {
		return err
	}
	return tx.Commit()
}

// Generate builds, renders and stores the report req asks for, records it and audits it
// (report.generate), returning when it is stored. Errors: EINVALID naming the field of a
// bad parameter; ENOTFOUND for a site the caller does not see; EFORBIDDEN for a caller
// without PermReportWrite.
func (s *ReportService) Generate(ctx context.Context, req medsec.ReportRequest) (*medsec.GeneratedReport, error) {
	return s.generate(ctx, req, nil)
}

// GenerateOnServer is Generate for "medsec report" run on the server: the same check,
// build, evidence file with its SHA-256, record and audit row (report.generate) as a
// report asked for on the page or the API (issue 16 M2: the command line wrote a file
// that medsec kept no trace of). The cover names the command line as its generator and
// organization, when not empty, as the hospital.
func (s *ReportService) GenerateOnServer(ctx context.Context, req medsec.ReportRequest, organization string) (*medsec.GeneratedReport, error) {
	return s.generate(ctx, req, &origin{commandLine: true, organization: organization})
}

// CheckReport checks req for the caller as Generate and StartReport do, without
// generating it: nil, or their errors (EINVALID naming every bad field, ENOTFOUND,
// EFORBIDDEN). The command line checks its flags with it before writing anything.
func (s *ReportService) CheckReport(ctx context.Context, req medsec.ReportRequest) error {
	_, err := s.prepare(ctx, req)
	return err
}

func (s *ReportService) generate(ctx context.Context, req medsec.ReportRequest, by *origin) (*medsec.GeneratedReport, error) {
	j, err := s.prepareAs(ctx, req, by)
	if err != nil {
		return nil, err
	}
	if err := s.render(ctx, j); err != nil {
		return nil, err
	}
	if err := s.finish(ctx, j.r); err != nil {
		return nil, err
	}
	return j.r, nil
}

// StartReport checks req, records the report as running and generates it in the
// background (one at a time, each for at most Timeout), with the caller's scope. It
// returns the running report at once; FindReport tells when it is done or failed.
func (s *ReportService) StartReport(ctx context.Context, req medsec.ReportRequest) (*medsec.GeneratedReport, error) {
	j, err := s.prepare(ctx, req)
	if err != nil {
		return nil, err
	}
	r := j.r
	s.startMu.Lock()
	defer s.startMu.Unlock()
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var site any
	if r.SiteID != 0 {
		site = r.SiteID
	}
	r.GeneratedAt = tx.now
	if r.ID, err = tx.insert(ctx, `INSERT INTO reports (name, site_id, period, lang, format, catalog, sha256, content_hash, size, generated_by, generated_at, status)
		VALUES (?, ?, ?, ?, ?, ?, '', '', 0, ?, ?, ?)`, r.Name, site, r.Period, r.Lang, r.Format, r.Catalog, r.GeneratedBy, r.GeneratedAt, r.Status); err != nil {
		return nil, fmt.Errorf("start report %s: %w", r.Name, err)
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	started := *r
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 15 * time.Minute
	}
	bg := context.WithoutCancel(ctx) // the caller's user and scope, not its request's end
	s.enqueue(func() {
		ctx, cancel := context.WithTimeout(bg, timeout)
		defer cancel()
		err := s.render(ctx, j)
		if err == nil {
			err = s.finish(ctx, j.r)
		}
		if err != nil {
			s.fail(bg, j.r, err)
		}
	})
	return &started, nil
}

// enqueue adds a background generation to the queue, which one worker runs in the
// order asked (bt16b: goroutines racing for one slot ran queued reports out of order).
func (s *ReportService) enqueue(run func()) {
	s.wg.Add(1)
	s.mu.Lock()
	s.queue = append(s.queue, run)
	if s.working {
		s.mu.Unlock()
		return
	}
	s.working = true
	s.mu.Unlock()
	go func() {
		for {
			s.mu.Lock()
			if len(s.queue) == 0 {
				s.working = false
				s.mu.Unlock()
				return
			}
			next := s.queue[0]
			s.queue = s.queue[1:]
			s.mu.Unlock()
			next()
			s.wg.Done()
		}
	}()
}

// fail marks a background report failed with a message key the page translates: the
// error's own for errors a user can act on, else err.report_failed (the cause is logged).
func (s *ReportService) fail(ctx context.Context, r *medsec.GeneratedReport, err error) {
	key := "err.report_failed"
	var e *medsec.Error
	if errors.As(err, &e) && e.Key != "" && e.Code != medsec.EINTERNAL {
		key = e.Key
	} else if errors.Is(err, context.DeadlineExceeded) {
		key = "err.report_timeout"
	}
	if s.Logger != nil {
		s.Logger.Error("report generation failed", "report", r.ID, "name", r.Name, "err", err)
	}
	if _, err := s.db.write.ExecContext(ctx, s.db.dialect.rebind(`UPDATE reports SET status = ?, error = ? WHERE id = ?`), medsec.ReportFailed, key, r.ID); err != nil && s.Logger != nil {
		s.Logger.Error("report generation failed: mark", "report", r.ID, "err", err)
	}
}

// reportCond keeps the reports the scope sees: those of its sites, and those of every
// site only for a user limited to no site.
func reportCond(sc scope) (string, []any) {
	cond, args := sc.siteCond("r.site_id")
	if cond == "" {
		return "1 = 1", nil
	}
	return cond, args
}

const reportColumns = `r.id, r.name, COALESCE(r.site_id, 0), COALESCE(s.name, ''), r.period, r.lang, r.format, r.catalog, r.status, r.error,
	r.sha256, r.content_hash, r.size, r.content_change, COALESCE(r.previous_id, 0), r.scheduled, r.generated_by, COALESCE(u.display_name, ''), r.generated_at
	FROM reports r LEFT JOIN sites s ON s.id = r.site_id LEFT JOIN users u ON u.username = r.generated_by`

func scanReport(scan func(...any) error) (*medsec.GeneratedReport, error) {
	r := &medsec.GeneratedReport{}
	var scheduled int
	err := scan(&r.ID, &r.Name, &r.SiteID, &r.SiteName, &r.Period, &r.Lang, &r.Format, &r.Catalog, &r.Status, &r.Error, &r.SHA256, &r.ContentHash,
		&r.Size, &r.Change, &r.PreviousID, &scheduled, &r.GeneratedBy, &r.GeneratedByName, &r.GeneratedAt)
	r.Scheduled = scheduled == 1
	return r, err
}

// FindReports returns the generated reports the caller may see that f selects, newest
// first.
func (s *ReportService) FindReports(ctx context.Context, f medsec.ReportFilter) ([]*medsec.GeneratedReport, error) {
	sc, err := reportScope(ctx, medsec.PermReportRead)
	if err != nil {
		return nil, err
	}
	cond, args := reportCond(sc)
	if f.Name != "" {
		cond += " AND r.name = ?"
		args = append(args, f.Name)
	}
	if f.SiteID != 0 {
		cond += " AND r.site_id = ?"
		args = append(args, f.SiteID)
	}
	if f.Status != "" {
		cond += " AND r.status = ?"
		args = append(args, f.Status)
	}
	if f.Limit <= 0 {
		f.Limit = 500
	}
	f.Limit = min(f.Limit, medsec.MaxPageSize)
	rows, err := s.db.read.QueryContext(ctx, s.db.dialect.rebind(`SELECT `+reportColumns+` WHERE `+cond+` ORDER BY r.generated_at DESC, r.id DESC LIMIT `+fmt.Sprint(f.Limit)), args...)
	if err != nil {
		return nil, fmt.Errorf("find reports: %w", err)
	}
	defer rows.Close()
	out := []*medsec.GeneratedReport{}
	for rows.Next() {
		r, err := scanReport(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("find reports: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// FindReport returns one generated report the caller may see: ENOTFOUND for one that does
// not exist or lies outside the caller's sites (a report of every site is seen only by
// users limited to no site).
func (s *ReportService) FindReport(ctx context.Context, id int64) (*medsec.GeneratedReport, error) {
	sc, err := reportScope(ctx, medsec.PermReportRead)
	if err != nil {
		return nil, err
	}
	r, err := scanReport(s.db.read.QueryRowContext(ctx, s.db.dialect.rebind(`SELECT `+reportColumns+` WHERE r.id = ?`), id).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &medsec.Error{Code: medsec.ENOTFOUND, Message: "Report not found.", Key: "err.report_not_found"}
	} else if err != nil {
		return nil, fmt.Errorf("find report %d: %w", id, err)
	}
	if (r.SiteID == 0 && len(sc.user.SiteIDs) != 0) || (r.SiteID != 0 && !sc.seesSite(r.SiteID)) {
		return nil, medsec.NotInScope("Report not found.", "err.report_not_found", fmt.Sprintf("report %d", id), r.SiteID)
	}
	return r, nil
}

// OpenReport returns a finished report the caller may see and its file, which the caller
// closes. ENOTFOUND as FindReport; ECONFLICT for a report running or failed.
func (s *ReportService) OpenReport(ctx context.Context, id int64) (*medsec.GeneratedReport, io.ReadCloser, error) {
	r, err := s.FindReport(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if r.Status != medsec.ReportDone {
		return nil, nil, &medsec.Error{Code: medsec.ECONFLICT, Message: "The report is not ready.", Key: "err.report_not_ready"}
	}
	f, err := s.files.Open(r.SHA256)
	if err != nil {
		return nil, nil, fmt.Errorf("open report %d: %w", id, err)
	}
	return r, f, nil
}

// siteLanguage is the language a site's scheduled reports default to: its jurisdiction's.
func siteLanguage(j medsec.Jurisdiction) string {
	switch j {
	case medsec.JurisdictionCN:
		return "zh-CN"
	case medsec.JurisdictionJP:
		return "ja"
	}
	return "zh-TW"
}

// ReportSchedules returns the schedule of every site the caller sees, by site: its own,
// or off in the site's language and PDF.
func (s *ReportService) ReportSchedules(ctx context.Context) ([]medsec.ReportSchedule, error) {
	if _, err := reportScope(ctx, medsec.PermReportRead); err != nil {
		return nil, err
	}
	sites, err := s.src.Org.FindSites(ctx)
	if err != nil {
		return nil, err
	}
	set := map[int64]medsec.ReportSchedule{}
	rows, err := s.db.read.QueryContext(ctx, `SELECT site_id, enabled, lang, format FROM report_schedules`)
	if err != nil {
		return nil, fmt.Errorf("report schedules: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var rs medsec.ReportSchedule
		var on int
		if err := rows.Scan(&rs.SiteID, &on, &rs.Lang, &rs.Format); err != nil {
			return nil, fmt.Errorf("report schedules: %w", err)
		}
		rs.Enabled = on == 1
		set[rs.SiteID] = rs
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("report schedules: %w", err)
	}
	out := make([]medsec.ReportSchedule, 0, len(sites))
	for _, site := range sites {
		rs, ok := set[site.ID]
		if !ok {
			rs = medsec.ReportSchedule{SiteID: site.ID, Lang: siteLanguage(site.Jurisdiction), Format: "pdf"}
		}
		out = append(out, rs)
	}
	return out, nil
}

// SetReportSchedule sets a site's schedule: PermReportAdmin, the site in the caller's
// scope (else ENOTFOUND), a known language and format (else EINVALID naming the field).
// Audited (report.schedule) with before and after.
func (s *ReportService) SetReportSchedule(ctx context.Context, rs medsec.ReportSchedule) error {
	// Scope before role: a site the user does not see is not found whatever the user may
	// do (bt16), then PermReportAdmin.
	sc, err := reportScope(ctx, medsec.PermReportRead)
	if err != nil {
		return err
	}
	if !sc.seesSite(rs.SiteID) {
		return medsec.NotInScope("Site not found.", "err.site_not_found", fmt.Sprintf("site %d", rs.SiteID), rs.SiteID)
	}
	if !sc.user.Role.Can(medsec.PermReportAdmin) {
		return medsec.ErrForbidden()
	}
	var errs []medsec.FieldError
	if !slices.Contains(i18n.Languages, rs.Lang) {
		errs = append(errs, medsec.FieldError{Field: "lang", Key: "err.report_lang", Value: rs.Lang, Message: "must be one of zh-TW, zh-CN, ja, en"})
	}
	if reportWriters[rs.Format] == nil {
		errs = append(errs, medsec.FieldError{Field: "format", Key: "err.report_format", Value: rs.Format, Message: "must be pdf, xlsx or html"})
	}
	if len(errs) > 0 {
		return &medsec.ValidationError{Errors: errs}
	}
	all, err := s.ReportSchedules(ctx)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(all, func(x medsec.ReportSchedule) bool { return x.SiteID == rs.SiteID })
	if i < 0 || !sc.seesSite(rs.SiteID) {
		return medsec.NotInScope("Site not found.", "err.site_not_found", fmt.Sprintf("site %d", rs.SiteID), rs.SiteID)
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.exec(ctx, `INSERT INTO report_schedules (site_id, enabled, lang, format, set_by) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (site_id) DO UPDATE SET enabled = excluded.enabled, lang = excluded.lang, format = excluded.format, set_by = excluded.set_by`,
		rs.SiteID, boolInt(rs.Enabled), rs.Lang, rs.Format, sc.user.Username); err != nil {
		return fmt.Errorf("set report schedule: %w", err)
	}
	if err := tx.auditChange(ctx, "report.schedule", "site", rs.SiteID, rs.SiteID, all[i], rs); err != nil {
		return err
	}
	return tx.Commit()
}

// scheduledPeriods are the periods whose scheduled reports are due at now in loc: the
// last whole year and the last whole month.
func scheduledPeriods(now time.Time, loc *time.Location) (year, month string) {
	local := now.In(loc)
	first := time.Date(local.Year(), local.Month(), 1, 0, 0, 0, 0, loc)
	return fmt.Sprint(local.Year() - 1), first.AddDate(0, -1, 0).Format("2006-01")
}

// EnsureScheduledReports generates, for each site whose schedule is on, the reports of
// ScheduledReports for the last whole year or month at now (in the site's time zone) that
// have no finished scheduled report yet, and returns every finished scheduled report of
// those periods, new or not. Needs PermReportAdmin (the scheduler acts as SystemUser).
// A report names as its generator the scheduler on behalf of the user who set the
// schedule, in the report's language; its row holds that user (Scheduled set).
// A report that fails is returned as an error after the others were tried.
func (s *ReportService) EnsureScheduledReports(ctx context.Context, now time.Time) ([]*medsec.GeneratedReport, error) {
	if _, err := reportScope(ctx, medsec.PermReportAdmin); err != nil {
		return nil, err
	}
	schedules, err := s.ReportSchedules(ctx)
	if err != nil {
		return nil, err
	}
	sites, err := s.src.Org.FindSites(ctx)
	if err != nil {
		return nil, err
	}
	zones := map[int64]string{}
	for _, site := range sites {
		zones[site.ID] = site.Zone()
	}
	owners, err := s.scheduleOwners(ctx)
	if err != nil {
		return nil, err
	}
	var out []*medsec.GeneratedReport
	var errs []error
	for _, rs := range schedules {
		if !rs.Enabled {
			continue
		}
		loc, err := time.LoadLocation(zones[rs.SiteID])
		if err != nil {
			loc = time.UTC
		}
		year, month := scheduledPeriods(now, loc)
		for _, sr := range ScheduledReports {
			period := month
			if sr.Yearly {
				period = year
			}
			have, err := s.FindReports(ctx, medsec.ReportFilter{Name: sr.Name, SiteID: rs.SiteID, Status: medsec.ReportDone})
			if err != nil {
				return out, err
			}
			i := slices.IndexFunc(have, func(r *medsec.GeneratedReport) bool {
				return r.Scheduled && r.Period == period && r.Lang == rs.Lang && r.Format == rs.Format
			})
			if i >= 0 {
				out = append(out, have[i])
				continue
			}
			r, err := s.generate(ctx, medsec.ReportRequest{Name: sr.Name, SiteID: rs.SiteID, Period: period, Lang: rs.Lang, Format: rs.Format}, &origin{scheduled: true, owner: owners[rs.SiteID]})
			if err != nil {
				errs = append(errs, fmt.Errorf("scheduled report %s of site %d for %s: %w", sr.Name, rs.SiteID, period, err))
				continue
			}
			out = append(out, r)
		}
	}
	return out, errors.Join(errs...)
}

// scheduleOwners returns who set each site's schedule (migration 0100), by site.
func (s *ReportService) scheduleOwners(ctx context.Context) (map[int64]string, error) {
	rows, err := s.db.read.QueryContext(ctx, `SELECT site_id, set_by FROM report_schedules`)
	if err != nil {
		return nil, fmt.Errorf("report schedules: %w", err)
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var by string
		if err := rows.Scan(&id, &by); err != nil {
			return nil, fmt.Errorf("report schedules: %w", err)
		}
		out[id] = by
	}
	return out, rows.Err()
}

var _ medsec.ReportService = (*ReportService)(nil)
