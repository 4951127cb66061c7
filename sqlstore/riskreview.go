package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"medsec"
	"medsec/i18n"
	"medsec/report"
)

// RiskReviewService implements medsec.RiskReviewService: the yearly risk reviews, their
// decisions and signatures (migration 0078). A revision starts with the risks the
// risk-review report finds (report.RiskItems, read with the caller's scope).
type RiskReviewService struct {
	db     *DB
	src    report.Sources
	bundle *i18n.Bundle
}

// NewRiskReviewService returns the service over db; src is what the risk-review report
// reads to list the risks a new revision decides on, bundle its translations.
func NewRiskReviewService(db *DB, src report.Sources, bundle *i18n.Bundle) *RiskReviewService {
	return &RiskReviewService{db: db, src: src, bundle: bundle}
}

func errRiskReviewNotFound() error {
	return &medsec.Error{Code: medsec.ENOTFOUND, Message: "Risk review not found.", Key: "err.risk_review_not_found"}
}

func errRiskReviewSigned() error {
	return &medsec.Error{Code: medsec.ECONFLICT, Message: "The risk review is signed and cannot change; start a new revision.", Key: "err.risk_review_signed"}
}

const riskReviewColumns = `r.id, r.site_id, s.name, r.year, r.revision, COALESCE(r.officer_id, 0), r.officer_name, r.officer_signed_at,
	COALESCE(r.leader_id, 0), r.leader_name, r.leader_title, r.leader_signed_at, r.created_by, r.created_at`

const riskReviewFrom = ` FROM risk_reviews r JOIN sites s ON s.id = r.site_id`

func scanRiskReview(scan func(dest ...any) error) (*medsec.RiskReview, error) {
	var r medsec.RiskReview
	var officer, leader sql.NullTime
	if err := scan(&r.ID, &r.SiteID, &r.SiteName, &r.Year, &r.Revision, &r.OfficerID, &r.OfficerName, &officer,
		&r.LeaderID, &r.LeaderName, &r.LeaderTitle, &leader, &r.CreatedBy, &r.CreatedAt); err != nil {
		return nil, err
	}
	r.CreatedAt = r.CreatedAt.UTC()
	if officer.Valid {
		r.OfficerSignedAt = officer.Time.UTC()
	}
	if leader.Valid {
		r.LeaderSignedAt = leader.Time.UTC()
	}
	r.Status = medsec.RiskReviewDraft
	if officer.Valid && leader.Valid {
		r.Status = medsec.RiskReviewSigned
	}
	r.Items = []medsec.RiskItem{}
	return &r, nil
}

// FindRiskReviews implements medsec.RiskReviewService.
func (s *RiskReviewService) FindRiskReviews(ctx context.Context, f medsec.RiskReviewFilter) ([]*medsec.RiskReview, error) {
	return s.findAll(ctx, s.db.read, f)
}

// findAll reads the reviews f selects in the caller's scope with their items in two
// queries, however many reviews there are: the reviews, then the items of all of them
// (selected by the same conditions), ordered by review and seq.
func (s *RiskReviewService) findAll(ctx context.Context, q querier, f medsec.RiskReviewFilter) ([]*medsec.RiskReview, error) {
	sc, err := authorize(ctx, medsec.PermReportRead)
	if err != nil {
		return nil, err
	}
	where, args, err := sc.siteWhere("r.site_id", f.SiteID)
	if err != nil {
		return nil, err
	}
	if f.Year != 0 {
		where += " AND r.year = ?"
		args = append(args, f.Year)
	}
	rows, err := q.QueryContext(ctx, s.db.dialect.rebind(`SELECT `+riskReviewColumns+riskReviewFrom+` WHERE `+where+
		` ORDER BY r.year DESC, r.revision DESC, r.id DESC`), args...)
	if err != nil {
		return nil, fmt.Errorf("risk reviews: %w", err)
	}
	out, err := scanAll(rows, "risk reviews", scanRiskReview)
	if err != nil || len(out) == 0 {
		return out, err
	}
	byID := make(map[int64]*medsec.RiskReview, len(out))
	for _, r := range out {
		byID[r.ID] = r
	}
	rows, err = q.QueryContext(ctx, s.db.dialect.rebind(`SELECT i.review_id, `+riskItemColumns+` FROM risk_review_items i JOIN risk_reviews r ON r.id = i.review_id
		WHERE `+where+` ORDER BY i.review_id, i.seq`), args...)
	if err != nil {
		return nil, fmt.Errorf("risk review items: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		it, err := scanRiskItem(func(dest ...any) error { return rows.Scan(append([]any{&id}, dest...)...) })
		if err != nil {
			return nil, fmt.Errorf("risk review items: %w", err)
		}
		if r := byID[id]; r != nil {
			r.Items = append(r.Items, it)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("risk review items: %w", err)
	}
	return out, nil
}

// FindRiskReview implements medsec.RiskReviewService.
func (s *RiskReviewService) FindRiskReview(ctx context.Context, id int64) (*medsec.RiskReview, error) {
	sc, err := authorize(ctx, medsec.PermReportRead)
	if err != nil {
		return nil, err
	}
	return s.find(ctx, s.db.read, sc, id)
}

func (s *RiskReviewService) find(ctx context.Context, q querier, sc scope, id int64) (*medsec.RiskReview, error) {
	r, err := scanRiskReview(q.QueryRowContext(ctx, s.db.dialect.rebind(`SELECT `+riskReviewColumns+riskReviewFrom+` WHERE r.id = ?`), id).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errRiskReviewNotFound()
	}
	if err != nil {
		return nil, fmt.Errorf("risk review %d: %w", id, err)
	}
	if !sc.seesSite(r.SiteID) {
		return nil, medsec.NotInScope("Risk review not found.", "err.risk_review_not_found", fmt.Sprintf("risk review %d", id), r.SiteID)
	}
	if r.Items, err = s.items(ctx, q, id); err != nil {
		return nil, err
	}
	return r, nil
}

// riskItemColumns are the columns of a risk review item that scanRiskItem reads.
const riskItemColumns = `i.seq, i.kind, i.ref, i.subject, i.subject_msg, i.why, i.record, i.decision, i.reason, i.owner, i.due, i.decided_by, i.decided_at`

func scanRiskItem(scan func(dest ...any) error) (medsec.RiskItem, error) {
	var it medsec.RiskItem
	var due, subject, why string
	var decided sql.NullTime
	if err := scan(&it.Seq, &it.Kind, &it.Ref, &it.Subject, &subject, &why, &it.Record, &it.Decision, &it.Reason, &it.Owner, &due, &it.DecidedBy, &decided); err != nil {
		return it, err
	}
	it.SubjectMsg, it.Why = decodeMsg(subject), decodeMsg(why)
	it.Due, _ = medsec.ParseDate(due)
	if decided.Valid {
		it.DecidedAt = decided.Time.UTC()
	}
	return it, nil
}

func (s *RiskReviewService) items(ctx context.Context, q querier, id int64) ([]medsec.RiskItem, error) {
	rows, err := q.QueryContext(ctx, s.db.dialect.rebind(`SELECT `+riskItemColumns+` FROM risk_review_items i WHERE i.review_id = ? ORDER BY i.seq`), id)
	if err != nil {
		return nil, fmt.Errorf("risk review %d: %w", id, err)
	}
	out, err := scanAll(rows, fmt.Sprintf("risk review %d", id), scanRiskItem)
	if out == nil {
		out = []medsec.RiskItem{}
	}
	return out, err
}

// StartRiskReview implements medsec.RiskReviewService.
func (s *RiskReviewService) StartRiskReview(ctx context.Context, siteID int64, year int) (*medsec.RiskReview, error) {
	// Scope before role, as SignRiskReview and the reads: a site the user does not see is
	// not found whatever the user may do (bt16: the role was checked first).
	sc, err := authorize(ctx, medsec.PermReportRead)
	if err != nil {
		return nil, err
	}
	sites, err := s.src.Org.FindSites(ctx)
	if err != nil {
		return nil, err
	}
	var site *medsec.Site
	for _, x := range sites {
		if x.ID == siteID {
			site = x
		}
	}
	if site == nil || !sc.seesSite(siteID) {
		return nil, medsec.NotInScope("Site not found.", "err.site_not_found", fmt.Sprintf("site %d", siteID), siteID)
	}
	if !sc.user.Role.Can(medsec.PermReportAdmin) {
		return nil, medsec.ErrForbidden()
	}
	now := s.db.Now()
	if year < 2000 || year > now.Year()+1 {
		return nil, invalid("year", "err.risk_review_year", "must be a year from 2000 to next year")
	}
	loc, err := time.LoadLocation(site.Zone())
	if err != nil {
		loc = time.UTC
	}
	items, err := report.RiskItems(ctx, s.src, site, year, now.In(loc), func(key string, args ...any) string { return s.bundle.T("en", key, args...) })
	if err != nil {
		return nil, err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var last int64
	var revision int
	if err := tx.queryRow(ctx, `SELECT COALESCE(MAX(revision), 0) FROM risk_reviews WHERE site_id = ? AND year = ?`, siteID, year).Scan(&revision); err != nil {
		return nil, fmt.Errorf("start risk review: %w", err)
	}
	if revision > 0 {
		if err := tx.queryRow(ctx, `SELECT id FROM risk_reviews WHERE site_id = ? AND year = ? AND revision = ?`, siteID, year, revision).Scan(&last); err != nil {
			return nil, fmt.Errorf("start risk review: %w", err)
		}
	}
	// The last revision's decisions carry over to the same risks.
	before := map[string]medsec.RiskItem{}
	if last != 0 {
		prev, err := s.items(ctx, tx, last)
		if err != nil {
			return nil, err
		}
		for _, it := range prev {
			before[it.Ref] = it
		}
	}
	id, err := tx.insert(ctx, `INSERT INTO risk_reviews (site_id, year, revision, created_by, created_at) VALUES (?, ?, ?, ?, ?)`,
		siteID, year, revision+1, sc.user.Username, tx.now)
	if err != nil {
		return nil, fmt.Errorf("start risk review: %w", err)
	}
	for _, it := range items {
		if p, ok := before[it.Ref]; ok {
			it.Decision, it.Reason, it.Owner, it.Due, it.DecidedBy, it.DecidedAt = p.Decision, p.Reason, p.Owner, p.Due, p.DecidedBy, p.DecidedAt
		}
		due := ""
		if !it.Due.IsZero() {
			due = it.Due.String()
		}
		if _, err := tx.exec(ctx, `INSERT INTO risk_review_items (review_id, seq, kind, ref, subject, subject_msg, why, record, decision, reason, owner, due, decided_by, decided_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, it.Seq, it.Kind, it.Ref, it.Subject, encodeMsg(it.SubjectMsg), encodeMsg(it.Why), it.Record,
			it.Decision, it.Reason, it.Owner, due, it.DecidedBy, nullTime(it.DecidedAt)); err != nil {
			return nil, fmt.Errorf("start risk review: %w", err)
		}
	}
	after, err := s.find(ctx, tx, sc, id)
	if err != nil {
		return nil, err
	}
	if err := tx.auditChange(ctx, medsec.ActionRiskReviewStart, "risk_review", id, siteID, nil, after); err != nil {
		return nil, err
	}
	return after, tx.Commit()
}

// DecideRisks implements medsec.RiskReviewService.
func (s *RiskReviewService) DecideRisks(ctx context.Context, id int64, ds []medsec.RiskDecision) (*medsec.RiskReview, error) {
	// Scope before role, as SignRiskReview: a review of a site the user does not see is
	// not found whatever the user may do (bt16: the role was checked first).
	sc, err := authorize(ctx, medsec.PermReportRead)
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
	if !sc.user.Role.Can(medsec.PermReportAdmin) {
		return nil, medsec.ErrForbidden()
	}
	if before.Signed() {
		return nil, errRiskReviewSigned()
	}
	var errs []medsec.FieldError
	for i := range ds {
		d := &ds[i]
		d.Reason, d.Owner = strings.TrimSpace(d.Reason), strings.TrimSpace(d.Owner)
		if d.Seq < 1 || d.Seq > len(before.Items) {
			errs = append(errs, medsec.FieldError{Field: fmt.Sprintf("decisions.%d.seq", d.Seq), Key: "err.risk_item_unknown", Value: fmt.Sprint(d.Seq),
				Message: "is not a risk of the review"})
			continue
		}
		errs = append(errs, d.Validate()...)
		// A high cyber risk level is not acceptable [000 §7(二) 1]: it is treated,
		// transferred or avoided.
		for _, it := range before.Items {
			if it.Seq == d.Seq && d.Decision == medsec.RiskAccept && it.Why != nil && it.Why.Key == "report.risk_why_high" {
				errs = append(errs, medsec.FieldError{Field: fmt.Sprintf("decisions.%d.decision", d.Seq), Key: "err.risk_high_not_acceptable", Value: d.Decision,
					Message: "a high cyber risk level is not acceptable [000 §7(二) 1]: treat, transfer or avoid it"})
			}
		}
		// A treatment decided in a year's review is due from that year on, within ten years
		// (a date outside is a typing slip: 1990, 9999).
		first, last := time.Date(before.Year, time.January, 1, 0, 0, 0, 0, time.UTC), time.Date(before.Year+10, time.December, 31, 0, 0, 0, 0, time.UTC)
		if d.Decision == medsec.RiskTreat && !d.Due.IsZero() && (d.Due.Before(first) || d.Due.Time().After(last)) {
			from, to := first.Format(time.DateOnly), last.Format(time.DateOnly)
			errs = append(errs, medsec.FieldError{Field: fmt.Sprintf("decisions.%d.due", d.Seq), Key: "err.risk_due_range", Value: d.Due.String(),
				Args: []string{from, to}, Message: fmt.Sprintf("must be from %s to %s", from, to)})
		}
	}
	if len(errs) > 0 {
		return nil, &medsec.ValidationError{Errors: errs}
	}
	if len(ds) == 0 {
		return nil, invalid("decisions", "err.required", "is required")
	}
	for _, d := range ds {
		due := ""
		if !d.Due.IsZero() {
			due = d.Due.String()
		}
		if _, err := tx.exec(ctx, `UPDATE risk_review_items SET decision = ?, reason = ?, owner = ?, due = ?, decided_by = ?, decided_at = ? WHERE review_id = ? AND seq = ?`,
			d.Decision, d.Reason, d.Owner, due, sc.user.Username, tx.now, id, d.Seq); err != nil {
			return nil, fmt.Errorf("decide risks: %w", err)
		}
	}
	after, err := s.find(ctx, tx, sc, id)
	if err != nil {
		return nil, err
	}
	if err := tx.auditChange(ctx, medsec.ActionRiskReviewDecide, "risk_review", id, after.SiteID, before, after); err != nil {
		return nil, err
	}
	return after, tx.Commit()
}

// SignRiskReview implements medsec.RiskReviewService.
func (s *RiskReviewService) SignRiskReview(ctx context.Context, id int64, as, title string) (*medsec.RiskReview, error) {
	sc, err := authorize(ctx, medsec.PermReportRead)
	if err != nil {
		return nil, err
	}
	// Scope before role: a review of a site the user does not see is not found, as
	// reading it answers, whatever the user may sign (a branch engineer signing the
	// main site's review got 403, telling that it exists).
	if _, err := s.find(ctx, s.db.read, sc, id); err != nil {
		return nil, err
	}
	switch as {
	case medsec.SignAsOfficer:
		if !sc.user.Role.Can(medsec.PermRiskSignOfficer) {
			return nil, &medsec.Error{Code: medsec.EFORBIDDEN, Message: "Only a security officer signs as the security officer.", Key: "err.risk_sign_officer"}
		}
	case medsec.SignAsLeadership:
		if !sc.user.Role.Can(medsec.PermRiskSignLeadership) {
			return nil, &medsec.Error{Code: medsec.EFORBIDDEN, Message: "Only the hospital's leadership signs for the leadership.", Key: "err.risk_sign_leadership"}
		}
	default:
		return nil, invalid("as", "err.risk_sign_as", "must be officer or leadership")
	}
	title = strings.TrimSpace(title)
	if fe := medsec.CheckText("title", title, false); fe != nil {
		return nil, &medsec.ValidationError{Errors: []medsec.FieldError{*fe}}
	}
	if fe := medsec.CheckLength("title", title, 100); fe != nil {
		return nil, &medsec.ValidationError{Errors: []medsec.FieldError{*fe}}
	}
	// A title of blanks alone (spaces, zero-width and format characters, the Braille
	// blank) is no title.
	blank := func(r rune) bool {
		return unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) || r == '\u2800' || r == '\u3164'
	}
	if as == medsec.SignAsLeadership && strings.TrimFunc(title, blank) == "" {
		return nil, invalid("title", "err.risk_leader_title", "the leadership signs with a title (e.g. 院長)")
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
	if before.Status == medsec.RiskReviewSigned {
		return nil, errRiskReviewSigned()
	}
	// A year's review is signed once the year has begun at the site: it reviews the risks
	// the year runs (000 §7(二): yearly), so next year's, which may be prepared, is signed in
	// it (bt16b: the leadership could sign next year's review).
	var site medsec.Site
	if err := tx.queryRow(ctx, `SELECT COALESCE(j.jurisdiction, '`+string(DefaultJurisdiction)+`'), s.time_zone
		FROM sites s LEFT JOIN incident_site_settings j ON j.site_id = s.id WHERE s.id = ?`, before.SiteID).Scan(&site.Jurisdiction, &site.TimeZone); err != nil {
		return nil, fmt.Errorf("sign risk review: %w", err)
	}
	loc := siteLocation(ctx, tx, before.SiteID, site.Jurisdiction)
	if begins := time.Date(before.Year, time.January, 1, 0, 0, 0, 0, loc); tx.now.Before(begins) {
		return nil, &medsec.Error{Code: medsec.ECONFLICT, Key: "err.risk_sign_year_not_begun", Args: []any{before.Year, begins.Format("2006-01-02 15:04 MST")},
			Message: fmt.Sprintf("A year's risk review is signed once its year has begun: the %d review from %s at the site.", before.Year, begins.Format("2006-01-02 15:04 MST"))}
	}
	var errs []medsec.FieldError
	for _, it := range before.Items {
		if it.Decision == "" {
			errs = append(errs, medsec.FieldError{Field: fmt.Sprintf("decisions.%d", it.Seq), Key: "err.risk_undecided", Value: it.Subject,
				Message: "decide on every risk before signing"})
		}
	}
	if len(errs) > 0 {
		return nil, &medsec.ValidationError{Errors: errs}
	}
	name := sc.user.DisplayName
	if name == "" {
		name = sc.user.Username
	}
	switch as {
	case medsec.SignAsOfficer:
		if !before.OfficerSignedAt.IsZero() {
			return nil, &medsec.Error{Code: medsec.ECONFLICT, Message: "The security officer has signed already.", Key: "err.risk_signed_already"}
		}
		if before.LeaderID == sc.user.ID {
			return nil, &medsec.Error{Code: medsec.ECONFLICT, Message: "The two signatures must be two people's.", Key: "err.risk_sign_twice"}
		}
		_, err = tx.exec(ctx, `UPDATE risk_reviews SET officer_id = ?, officer_name = ?, officer_signed_at = ? WHERE id = ?`, nullID(sc.user.ID), name, tx.now, id)
	case medsec.SignAsLeadership:
		if !before.LeaderSignedAt.IsZero() {
			return nil, &medsec.Error{Code: medsec.ECONFLICT, Message: "The leadership has signed already.", Key: "err.risk_signed_already"}
		}
		// The leadership approves what the security officer has signed, not the reverse.
		if before.OfficerSignedAt.IsZero() {
			return nil, &medsec.Error{Code: medsec.ECONFLICT, Message: "The security officer signs first; the leadership signs after.", Key: "err.risk_officer_first"}
		}
		if before.OfficerID == sc.user.ID && !before.OfficerSignedAt.IsZero() {
			return nil, &medsec.Error{Code: medsec.ECONFLICT, Message: "The two signatures must be two people's.", Key: "err.risk_sign_twice"}
		}
		_, err = tx.exec(ctx, `UPDATE risk_reviews SET leader_id = ?, leader_name = ?, leader_title = ?, leader_signed_at = ? WHERE id = ?`,
			nullID(sc.user.ID), name, title, tx.now, id)
	}
	if err != nil {
		return nil, fmt.Errorf("sign risk review: %w", err)
	}
	after, err := s.find(ctx, tx, sc, id)
	if err != nil {
		return nil, err
	}
	if err := tx.auditChange(ctx, medsec.ActionRiskReviewSign, "risk_review", id, after.SiteID, before, after); err != nil {
		return nil, err
	}
	return after, tx.Commit()
}
