package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"medsec"
	"medsec/logstore"
)

// LogReviewService implements medsec.LogReviewService on the log_reviews and
// log_review_schedules tables, running review queries on the sealed log store.
type LogReviewService struct {
	db    *DB
	store *logstore.Store
}

var _ medsec.LogReviewService = (*LogReviewService)(nil)

// NewLogReviewService returns the review service of db; store runs the queries (nil: a
// server without a log store, where queries cannot run).
func NewLogReviewService(db *DB, store *logstore.Store) *LogReviewService {
	return &LogReviewService{db: db, store: store}
}

const logReviewColumns = `r.id, r.site_id, r.period_start, r.period_end, r.due, r.reviewer_id, r.reviewed_at, r.findings,
	r.queries_json, r.signed_by, r.signed_at, r.created_at, COALESCE(ru.display_name, ru.username, ''), COALESCE(su.display_name, su.username, ''),
	COALESCE(st.time_zone, ''), COALESCE(sj.jurisdiction, '` + string(DefaultJurisdiction) + `')`

const logReviewFrom = ` FROM log_reviews r LEFT JOIN users ru ON ru.id = r.reviewer_id LEFT JOIN users su ON su.id = r.signed_by
	LEFT JOIN sites st ON st.id = r.site_id LEFT JOIN incident_site_settings sj ON sj.site_id = r.site_id`

func logReviewNotFound() error {
	return &medsec.Error{Code: medsec.ENOTFOUND, Message: "Log review not found.", Key: "err.log_review_not_found"}
}

func scanLogReview(scan func(dest ...any) error, now time.Time) (*medsec.LogReview, error) {
	var r medsec.LogReview
	var reviewer, signer sql.NullInt64
	var reviewed, signed sql.NullTime
	var queries string
	var site medsec.Site
	if err := scan(&r.ID, &r.SiteID, &r.PeriodStart, &r.PeriodEnd, &r.Due, &reviewer, &reviewed, &r.Findings, &queries,
		&signer, &signed, &r.CreatedAt, &r.ReviewerName, &r.SignedByName, &site.TimeZone, &site.Jurisdiction); err != nil {
		return nil, err
	}
	// The period's bounds are local midnights of the site: read them in its zone.
	r.TimeZone = site.Zone()
	loc := (&medsec.LogReviewSchedule{TimeZone: r.TimeZone}).Location()
	r.PeriodStart, r.PeriodEnd, r.Due, r.CreatedAt = r.PeriodStart.In(loc), r.PeriodEnd.In(loc), r.Due.In(loc), r.CreatedAt.UTC()
	r.ReviewerID, r.SignedBy = reviewer.Int64, signer.Int64
	if reviewed.Valid {
		r.ReviewedAt = reviewed.Time.UTC()
	}
	r.Status = medsec.LogReviewOpen
	if signed.Valid {
		r.Status, r.SignedAt = medsec.LogReviewSigned, signed.Time.UTC()
	}
	r.Overdue = r.Status == medsec.LogReviewOpen && now.After(r.Due)
	if err := fromJSON(queries, &r.Queries); err != nil {
		return nil, err
	}
	if r.Queries == nil {
		r.Queries = []medsec.LogReviewQuery{}
	}
	return &r, nil
}

// FindLogReviews implements medsec.LogReviewService.
func (s *LogReviewService) FindLogReviews(ctx context.Context, f medsec.LogReviewFilter) ([]*medsec.LogReview, error) {
	sc, err := authorize(ctx, medsec.PermLogRead)
	if err != nil {
		return nil, err
	}
	now := s.db.Now().UTC()
	where, args := sc.siteCond("r.site_id")
	if where == "" {
		where = "1 = 1"
	}
	if f.SiteID != 0 {
		if !sc.seesSite(f.SiteID) {
			return nil, medsec.NotInScope("Site not found.", "err.site_not_found", fmt.Sprintf("site %d", f.SiteID), f.SiteID)
		}
		where, args = where+" AND r.site_id = ?", append(args, f.SiteID)
	}
	switch f.Status {
	case "":
	case medsec.LogReviewOpen:
		where += " AND r.signed_at IS NULL"
	case medsec.LogReviewSigned:
		where += " AND r.signed_at IS NOT NULL"
	default:
		return nil, &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "status", Key: "err.log_review_status", Value: f.Status, Message: "must be open or signed"}}}
	}
	if f.Overdue {
		where, args = where+" AND r.signed_at IS NULL AND r.due < ?", append(args, now)
	}
	rows, err := s.db.read.QueryContext(ctx, s.db.dialect.rebind(`SELECT `+logReviewColumns+logReviewFrom+` WHERE `+where+` ORDER BY r.period_start DESC, r.site_id`), args...)
	if err != nil {
		return nil, fmt.Errorf("log reviews: %w", err)
	}
	defer rows.Close()
	out := []*medsec.LogReview{}
	for rows.Next() {
		r, err := scanLogReview(rows.Scan, now)
		if err != nil {
			return nil, fmt.Errorf("log reviews: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func (s *LogReviewService) find(ctx context.Context, q querier, sc scope, id int64) (*medsec.LogReview, error) {
	r, err := scanLogReview(q.QueryRowContext(ctx, s.db.dialect.rebind(`SELECT `+logReviewColumns+logReviewFrom+` WHERE r.id = ?`), id).Scan, s.db.Now().UTC())
	if errors.Is(err, sql.ErrNoRows) {
		return nil, logReviewNotFound()
	}
	if err != nil {
		return nil, fmt.Errorf("log review %d: %w", id, err)
	}
	if !sc.seesSite(r.SiteID) {
		return nil, medsec.NotInScope("Log review not found.", "err.log_review_not_found", fmt.Sprintf("log review %d", id), r.SiteID)
	}
	return r, nil
}

// FindLogReview implements medsec.LogReviewService.
func (s *LogReviewService) FindLogReview(ctx context.Context, id int64) (*medsec.LogReview, error) {
	sc, err := authorize(ctx, medsec.PermLogRead)
	if err != nil {
		return nil, err
	}
	return s.find(ctx, s.db.read, sc, id)
}

// run runs one query over the review's period in its site's log and returns what it
// returned: the count and ReviewDigest. i names the query in errors.
func (s *LogReviewService) run(ctx context.Context, r *medsec.LogReview, i int, q medsec.LogReviewQuery) (int64, string, error) {
	if s.store == nil {
		return 0, "", &medsec.Error{Code: medsec.ENOTFOUND, Message: "This server keeps no logs.", Key: "err.logs_off"}
	}
	field := fmt.Sprintf("queries.%d.query", i)
	res, err := s.store.Search(ctx, logstore.Query{From: r.PeriodStart, To: r.PeriodEnd, Sites: []int64{r.SiteID}, Filter: q.Query, Limit: medsec.MaxLogReviewRecords})
	var qe *logstore.QueryError
	if errors.As(err, &qe) {
		msg, key := qe.Message, "err.log_review_query"
		if qe.Key != "" {
			key = qe.Key
		}
		return 0, "", &medsec.ValidationError{Errors: []medsec.FieldError{{Field: field, Key: key, Value: q.Query, Message: msg}}}
	}
	if err != nil {
		return 0, "", fmt.Errorf("log review query %d: %w", i, err)
	}
	if res.Total > medsec.MaxLogReviewRecords {
		return 0, "", &medsec.ValidationError{Errors: []medsec.FieldError{{Field: field, Key: "err.log_review_too_many", Value: strconv.FormatInt(res.Total, 10),
			Message: fmt.Sprintf("returns %d records; a review query may return at most %d: narrow it", res.Total, medsec.MaxLogReviewRecords)}}}
	}
	hits := make([]medsec.LogHit, len(res.Hits))
	for k, h := range res.Hits {
		hits[k] = medsec.LogHit{SiteID: h.Site, Index: h.Index, Raw: h.Raw}
	}
	return res.Total, medsec.ReviewDigest(hits), nil
}

// UpdateLogReview implements medsec.LogReviewService.
func (s *LogReviewService) UpdateLogReview(ctx context.Context, id int64, u medsec.LogReviewUpdate) (*medsec.LogReview, error) {
	sc, err := authorize(ctx, medsec.PermLogReview)
	if err != nil {
		return nil, err
	}
	if err := u.Validate(); err != nil {
		return nil, err
	}
	before, err := s.find(ctx, s.db.read, sc, id)
	if err != nil {
		return nil, err
	}
	if before.Status == medsec.LogReviewSigned {
		return nil, errReviewSigned()
	}
	// The queries run outside the write transaction: a month of logs takes a while.
	ran := s.db.Now().UTC()
	queries := make([]medsec.LogReviewQuery, len(u.Queries))
	for i, q := range u.Queries {
		q.Records, q.SHA256, err = s.run(ctx, before, i, q)
		if err != nil {
			return nil, err
		}
		q.RanAt = ran
		queries[i] = q
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	res, err := tx.exec(ctx, `UPDATE log_reviews SET findings = ?, queries_json = ?, reviewer_id = ?, reviewed_at = ? WHERE id = ? AND signed_at IS NULL`,
		u.Findings, toJSON(queries), nullID(sc.user.ID), tx.now, id)
	if err != nil {
		return nil, fmt.Errorf("update log review: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, errReviewSigned()
	}
	after, err := s.find(ctx, tx, sc, id)
	if err != nil {
		return nil, err
	}
	if err := tx.auditChange(ctx, medsec.ActionLogReviewUpdate, "log_review", id, after.SiteID, before, after); err != nil {
		return nil, err
	}
	return after, tx.Commit()
}

func errReviewSigned() error {
	return &medsec.Error{Code: medsec.ECONFLICT, Message: "The review is signed off and cannot change.", Key: "err.log_review_signed"}
}

// SignLogReview implements medsec.LogReviewService.
func (s *LogReviewService) SignLogReview(ctx context.Context, id int64) (*medsec.LogReview, error) {
	sc, err := authorize(ctx, medsec.PermLogReview)
	if err != nil {
		return nil, err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	before, err := s.find(ctx, tx, sc, id)
	if err != nil {
		return nil, err
	}
	if before.Status == medsec.LogReviewSigned {
		return nil, errReviewSigned()
	}
	var errs []medsec.FieldError
	if before.Findings == "" {
		errs = append(errs, medsec.FieldError{Field: "findings", Key: "err.log_review_no_findings", Message: "write the findings (\"none\" is a finding) before signing off"})
	}
	if len(before.Queries) == 0 {
		errs = append(errs, medsec.FieldError{Field: "queries", Key: "err.log_review_no_queries", Message: "run at least one query before signing off"})
	}
	if len(errs) > 0 {
		return nil, &medsec.ValidationError{Errors: errs}
	}
	if _, err := tx.exec(ctx, `UPDATE log_reviews SET signed_by = ?, signed_at = ? WHERE id = ? AND signed_at IS NULL`, nullID(sc.user.ID), tx.now, id); err != nil {
		return nil, fmt.Errorf("sign log review: %w", err)
	}
	after, err := s.find(ctx, tx, sc, id)
	if err != nil {
		return nil, err
	}
	if err := tx.auditChange(ctx, medsec.ActionLogReviewSign, "log_review", id, after.SiteID, before, after); err != nil {
		return nil, err
	}
	return after, tx.Commit()
}

// CheckLogReview implements medsec.LogReviewService.
func (s *LogReviewService) CheckLogReview(ctx context.Context, id int64) ([]medsec.LogReviewCheck, error) {
	sc, err := authorize(ctx, medsec.PermLogRead)
	if err != nil {
		return nil, err
	}
	r, err := s.find(ctx, s.db.read, sc, id)
	if err != nil {
		return nil, err
	}
	out := make([]medsec.LogReviewCheck, len(r.Queries))
	same := 0
	for i, q := range r.Queries {
		n, sum, err := s.run(ctx, r, i, q)
		if err != nil {
			return nil, err
		}
		out[i] = medsec.LogReviewCheck{Query: q, Records: n, SHA256: sum, Same: sum == q.SHA256}
		if out[i].Same {
			same++
		}
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if err := tx.audit(ctx, &medsec.AuditEntry{Action: medsec.ActionLogReviewCheck, ObjectType: "log_review", ObjectID: id, SiteID: r.SiteID,
		Detail: fmt.Sprintf("re-ran %d queries: %d unchanged", len(out), same)}); err != nil {
		return nil, err
	}
	return out, tx.Commit()
}

// LogReviewSchedules implements medsec.LogReviewService.
func (s *LogReviewService) LogReviewSchedules(ctx context.Context) ([]medsec.LogReviewSchedule, error) {
	sc, err := authorize(ctx, medsec.PermLogRead)
	if err != nil {
		return nil, err
	}
	return s.schedules(ctx, s.db.read, sc)
}

func (s *LogReviewService) schedules(ctx context.Context, q querier, sc scope) ([]medsec.LogReviewSchedule, error) {
	where, args := sc.siteCond("s.id")
	if where == "" {
		where = "1 = 1"
	}
	rows, err := q.QueryContext(ctx, s.db.dialect.rebind(`SELECT s.id, COALESCE(l.cadence, ''), COALESCE(l.due_days, 0), l.site_id IS NOT NULL,
		s.time_zone, COALESCE(j.jurisdiction, '`+string(DefaultJurisdiction)+`')
		FROM sites s LEFT JOIN log_review_schedules l ON l.site_id = s.id LEFT JOIN incident_site_settings j ON j.site_id = s.id
		WHERE `+where+` ORDER BY s.id`), args...)
	if err != nil {
		return nil, fmt.Errorf("log review schedules: %w", err)
	}
	defer rows.Close()
	out := []medsec.LogReviewSchedule{}
	for rows.Next() {
		var ls medsec.LogReviewSchedule
		var set bool
		var site medsec.Site
		if err := rows.Scan(&ls.SiteID, &ls.Cadence, &ls.DueDays, &set, &site.TimeZone, &site.Jurisdiction); err != nil {
			return nil, fmt.Errorf("log review schedules: %w", err)
		}
		ls.TimeZone = site.Zone()
		if !set {
			ls.Cadence, ls.DueDays = medsec.DefaultLogReviewSchedule.Cadence, medsec.DefaultLogReviewSchedule.DueDays
		}
		out = append(out, ls)
	}
	return out, rows.Err()
}

// SetLogReviewSchedule implements medsec.LogReviewService.
func (s *LogReviewService) SetLogReviewSchedule(ctx context.Context, ls medsec.LogReviewSchedule) error {
	sc, err := authorize(ctx, medsec.PermLogAdmin)
	if err != nil {
		return err
	}
	if err := ls.Validate(); err != nil {
		return err
	}
	if !sc.seesSite(ls.SiteID) {
		return medsec.NotInScope("Site not found.", "err.site_not_found", fmt.Sprintf("site %d", ls.SiteID), ls.SiteID)
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	all, err := s.schedules(ctx, tx, sc)
	if err != nil {
		return err
	}
	var before *medsec.LogReviewSchedule
	for i := range all {
		if all[i].SiteID == ls.SiteID {
			before = &all[i]
		}
	}
	if before == nil {
		return &medsec.Error{Code: medsec.ENOTFOUND, Message: "Site not found.", Key: "err.site_not_found"}
	}
	ls.TimeZone = before.TimeZone // the site's, not the caller's
	if _, err := tx.exec(ctx, `DELETE FROM log_review_schedules WHERE site_id = ?`, ls.SiteID); err != nil {
		return fmt.Errorf("log review schedule: %w", err)
	}
	if _, err := tx.exec(ctx, `INSERT INTO log_review_schedules (site_id, cadence, due_days, updated_at) VALUES (?, ?, ?, ?)`,
		ls.SiteID, ls.Cadence, ls.DueDays, tx.now); err != nil {
		return fmt.Errorf("log review schedule: %w", err)
	}
	if err := tx.auditChange(ctx, medsec.ActionLogReviewSchedule, "site", ls.SiteID, ls.SiteID, before, ls); err != nil {
		return err
	}
	return tx.Commit()
}

// EnsureLogReviews implements medsec.LogReviewService.
func (s *LogReviewService) EnsureLogReviews(ctx context.Context, now time.Time) (int, error) {
	sc, err := authorize(ctx, medsec.PermLogAdmin)
	if err != nil {
		return 0, err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	all, err := s.schedules(ctx, tx, sc)
	if err != nil {
		return 0, err
	}
	created := 0
	for _, ls := range all {
		start, end := ls.LastPeriod(now)
		var n int
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM log_reviews WHERE site_id = ? AND period_start = ? AND period_end = ?`, ls.SiteID, start, end).Scan(&n); err != nil {
			return 0, fmt.Errorf("log reviews: %w", err)
		}
		if n > 0 {
			continue
		}
		due := end.AddDate(0, 0, ls.DueDays)
		id, err := tx.insert(ctx, `INSERT INTO log_reviews (site_id, period_start, period_end, due, created_at) VALUES (?, ?, ?, ?, ?)`,
			ls.SiteID, start, end, due, tx.now)
		if err != nil {
			return 0, fmt.Errorf("create log review: %w", err)
		}
		r := medsec.LogReview{ID: id, SiteID: ls.SiteID, PeriodStart: start, PeriodEnd: end, Due: due, Status: medsec.LogReviewOpen}
		if err := tx.auditChange(ctx, medsec.ActionLogReviewCreate, "log_review", id, ls.SiteID, nil, r); err != nil {
			return 0, err
		}
		created++
	}
	return created, tx.Commit()
}
