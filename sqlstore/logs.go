package sqlstore

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"medsec"
	"medsec/logstore"
)

// LogService is medsec.LogService over a sealed log store: it checks the permission,
// limits every call to the caller's sites and writes each search, export and
// verification to the audit trail.
type LogService struct {
	db    *DB
	store *logstore.Store
}

// NewLogService returns the log service of db's audit trail and the store.
func NewLogService(db *DB, store *logstore.Store) *LogService {
	return &LogService{db: db, store: store}
}

// sitesOf returns the sites a user's log reads are limited to; nil means every site.
func sitesOf(u *medsec.User) []int64 {
	if len(u.SiteIDs) == 0 {
		return nil
	}
	return append([]int64(nil), u.SiteIDs...)
}

func (s *LogService) auditEvent(ctx context.Context, action, detail string) error {
	return NewAuditService(s.db).RecordEvent(ctx, &medsec.AuditEntry{Action: action, ObjectType: "logs", Detail: detail})
}

// logQueryError turns the store's query errors into EINVALID.
func logQueryError(err error) error {
	var qe *logstore.QueryError
	if errors.As(err, &qe) && qe.Key != "" {
		return &medsec.Error{Code: medsec.EINVALID, Message: qe.Message, Key: qe.Key}
	}
	if errors.As(err, &qe) {
		return &medsec.Error{Code: medsec.EINVALID, Message: qe.Message, Key: "err.log_query", Args: []any{qe.Message}}
	}
	return err
}

// SearchLogs implements medsec.LogService.
func (s *LogService) SearchLogs(ctx context.Context, q medsec.LogQuery) (*medsec.LogSearchResult, error) {
	u, err := medsec.Authorize(ctx, medsec.PermLogRead)
	if err != nil {
		return nil, err
	}
	if fe := medsec.CheckLength("query", q.Query, 4000); fe != nil {
		return nil, &medsec.ValidationError{Errors: []medsec.FieldError{*fe}}
	}
	res, err := s.store.Search(ctx, logstore.Query{From: q.From, To: q.To, Sites: sitesOf(u), Filter: q.Query, Limit: q.Limit})
	// The attempt is audited even when the query is refused.
	detail := fmt.Sprintf("query %q from %s to %s", q.Query, q.From.UTC().Format(time.RFC3339), q.To.UTC().Format(time.RFC3339))
	if err == nil {
		detail += fmt.Sprintf(": %d records", res.Total)
	}
	if aerr := s.auditEvent(ctx, medsec.ActionLogSearch, detail); aerr != nil {
		return nil, aerr
	}
	if err != nil {
		return nil, logQueryError(err)
	}
	out := &medsec.LogSearchResult{Total: res.Total, StepSeconds: int64(res.Step / time.Second), TookMS: res.Took.Milliseconds(),
		Hits: make([]medsec.LogHit, len(res.Hits)), Histogram: make([]medsec.LogBucket, len(res.Histogram))}
	for i, h := range res.Hits {
		out.Hits[i] = medsec.LogHit{SiteID: h.Site, Index: h.Index, Received: h.Received, Source: h.Source, Format: h.Format, Raw: h.Raw, Fields: h.Fields}
	}
	for i, b := range res.Histogram {
		out.Histogram[i] = medsec.LogBucket{Start: b.Start, Count: b.Count}
	}
	return out, nil
}

// ReadLogs implements medsec.LogService; each page is audited as a search.
func (s *LogService) ReadLogs(ctx context.Context, from, to time.Time, siteID int64, limit int) ([]medsec.LogHit, error) {
	u, err := medsec.Authorize(ctx, medsec.PermLogRead)
	if err != nil {
		return nil, err
	}
	sites := sitesOf(u)
	if siteID != 0 {
		if !u.CanSeeSite(siteID) {
			return []medsec.LogHit{}, nil
		}
		sites = []int64{siteID}
	}
	hits, err := s.store.Oldest(ctx, logstore.Query{From: from, To: to, Sites: sites, Limit: limit})
	if read := medsec.LogReadFrom(ctx); read != nil {
		// One page of a read the reader audits once (AuditLogRead).
		read.Pages++
		read.Records += len(hits)
	} else {
		detail := fmt.Sprintf("read from %s to %s", from.UTC().Format(time.RFC3339Nano), to.UTC().Format(time.RFC3339Nano))
		if err == nil {
			detail += fmt.Sprintf(": %d records", len(hits))
		}
		if aerr := s.auditEvent(ctx, medsec.ActionLogSearch, detail); aerr != nil {
			return nil, aerr
		}
	}
	if err != nil {
		return nil, logQueryError(err)
	}
	out := make([]medsec.LogHit, len(hits))
	for i, h := range hits {
		out[i] = medsec.LogHit{SiteID: h.Site, Index: h.Index, Received: h.Received, Source: h.Source, Format: h.Format, Raw: h.Raw, Fields: h.Fields}
	}
	return out, nil
}

// ReadLogsByEventTime implements medsec.LogService; each page is audited as a search.
func (s *LogService) ReadLogsByEventTime(ctx context.Context, from, to time.Time, siteID int64, limit int) (*medsec.LogEventPage, error) {
	u, err := medsec.Authorize(ctx, medsec.PermLogRead)
	if err != nil {
		return nil, err
	}
	sites := sitesOf(u)
	if siteID != 0 {
		if !u.CanSeeSite(siteID) {
			return &medsec.LogEventPage{Until: to}, nil
		}
		sites = []int64{siteID}
	}
	page, err := s.store.ByEventTime(ctx, logstore.EventQuery{From: from, To: to, Delay: medsec.MaxLogDelay, Sites: sites, Limit: limit})
	if read := medsec.LogReadFrom(ctx); read != nil {
		read.Pages++
		if err == nil {
			read.Records += len(page.Hits)
		}
	} else {
		detail := fmt.Sprintf("read by event time from %s to %s", from.UTC().Format(time.RFC3339Nano), to.UTC().Format(time.RFC3339Nano))
		if err == nil {
			detail += fmt.Sprintf(": %d records", len(page.Hits))
		}
		if aerr := s.auditEvent(ctx, medsec.ActionLogSearch, detail); aerr != nil {
			return nil, aerr
		}
	}
	if err != nil {
		return nil, logQueryError(err)
	}
	out := &medsec.LogEventPage{Until: page.Until, Hits: make([]medsec.LogHit, len(page.Hits)), Times: make([]time.Time, len(page.Hits))}
	for i, h := range page.Hits {
		out.Hits[i] = medsec.LogHit{SiteID: h.Site, Index: h.Index, Received: h.Received, Source: h.Source, Format: h.Format, Raw: h.Raw, Fields: h.Fields}
		out.Times[i] = h.Time
	}
	return out, nil
}

// AuditLogRead implements medsec.LogService: one logs.search entry for a range read page
// by page under medsec.WithLogRead.
func (s *LogService) AuditLogRead(ctx context.Context, r *medsec.LogRead) error {
	if _, err := medsec.Authorize(ctx, medsec.PermLogRead); err != nil {
		return err
	}
	detail := fmt.Sprintf("%s: read from %s to %s: %d records in %d pages", r.Purpose,
		r.From.UTC().Format(time.RFC3339Nano), r.To.UTC().Format(time.RFC3339Nano), r.Records, r.Pages)
	return s.auditEvent(ctx, medsec.ActionLogSearch, detail)
}

// ExportLogs implements medsec.LogService.
func (s *LogService) ExportLogs(ctx context.Context, from, to time.Time, w io.Writer) error {
	u, err := medsec.Authorize(ctx, medsec.PermLogRead)
	if err != nil {
		return err
	}
	if !to.After(from) {
		return &medsec.Error{Code: medsec.EINVALID, Message: "the end of the time range must be after its start", Key: "err.log_range"}
	}
	detail := fmt.Sprintf("bundle from %s to %s", from.UTC().Format(time.RFC3339), to.UTC().Format(time.RFC3339))
	if err := s.auditEvent(ctx, medsec.ActionLogExport, detail); err != nil {
		return err
	}
	return logQueryError(s.store.Export(ctx, w, from, to, sitesOf(u)))
}

// LogSeal implements medsec.LogService.
func (s *LogService) LogSeal(ctx context.Context) (*medsec.LogSealStatus, error) {
	u, err := medsec.Authorize(ctx, medsec.PermLogRead)
	if err != nil {
		return nil, err
	}
	out := &medsec.LogSealStatus{PublicKey: s.store.PublicKey(), Sites: []medsec.LogSealSite{}}
	for _, st := range s.store.Status() {
		if !u.CanSeeSite(st.Site) {
			continue
		}
		ls := medsec.LogSealSite{SiteID: st.Site, Size: st.Size}
		if c := st.Checkpoint; c != nil {
			ls.Checkpoint, ls.CheckpointSize, ls.CheckpointTime = c.Note, c.Size, c.Time
			ls.RootHash = base64.StdEncoding.EncodeToString(c.Root[:])
		}
		out.Sites = append(out.Sites, ls)
	}
	if out.Retention, err = logRetentions(ctx, s.db.read, s.db.dialect); err != nil {
		return nil, err
	}
	if c, err := s.store.Capacity(); err == nil {
		out.Capacity = medsec.LogCapacity{UsedBytes: c.UsedBytes, FreeBytes: c.FreeBytes, BytesPerDay: c.BytesPerDay,
			DaysLeft: c.DaysLeft, RetentionDays: c.RetentionDays, Level: c.Level}
	}
	return out, nil
}

// ProveLogRecord implements medsec.LogService.
func (s *LogService) ProveLogRecord(ctx context.Context, siteID, index int64) (*medsec.LogRecordProof, error) {
	u, err := medsec.Authorize(ctx, medsec.PermLogRead)
	if err != nil {
		return nil, err
	}
	if !u.CanSeeSite(siteID) {
		return nil, medsec.NotInScope("Log record not found.", "err.log_record_not_found", fmt.Sprintf("log record %d of site %d", index, siteID), siteID)
	}
	b, rec, err := s.store.ProveRecord(ctx, siteID, index)
	if errors.Is(err, logstore.ErrNoRecord) {
		return nil, &medsec.Error{Code: medsec.ENOTFOUND, Message: "Log record not found.", Key: "err.log_record_not_found"}
	} else if err != nil {
		return nil, logQueryError(err)
	}
	data, err := json.Marshal(b)
	if err != nil {
		return nil, fmt.Errorf("prove log record: %w", err)
	}
	site := b.Sites[0]
	cp, err := logstore.OpenCheckpoint([]byte(site.Checkpoint), s.store.PublicKey())
	if err != nil {
		return nil, fmt.Errorf("prove log record: %w", err)
	}
	leaf := logstore.LeafHash(siteID, rec.Source, rec.Received, rec.Format, rec.Parser, rec.Fields, rec.Raw)
	if err := s.auditEvent(ctx, medsec.ActionLogExport, fmt.Sprintf("proof of record %d of site %d", index, siteID)); err != nil {
		return nil, err
	}
	return &medsec.LogRecordProof{SiteID: siteID, Index: index, Received: rec.Received.UTC(), Source: rec.Source, Format: rec.Format, Raw: string(rec.Raw),
		LeafHash: base64.StdEncoding.EncodeToString(leaf[:]), CheckpointSize: cp.Size, RootHash: base64.StdEncoding.EncodeToString(cp.Root[:]),
		Checkpoint: site.Checkpoint, Bundle: data}, nil
}

// VerifyLogs implements medsec.LogService.
func (s *LogService) VerifyLogs(ctx context.Context) (*medsec.LogVerifyReport, error) {
	u, err := medsec.Authorize(ctx, medsec.PermLogRead)
	if err != nil {
		return nil, err
	}
	rep, err := s.store.Verify(ctx, sitesOf(u))
	if err != nil {
		return nil, err
	}
	if err := s.recordVerification(ctx, u, rep); err != nil {
		return nil, err
	}
	out := ReportOf(rep)
	detail := "verified: no problem"
	if !out.OK {
		detail = fmt.Sprintf("verified: %d problem(s), first: %s record %d of site %d", len(out.Problems), out.Problems[0].Kind, out.Problems[0].Index, out.Problems[0].SiteID)
	}
	if err := s.auditEvent(ctx, medsec.ActionLogVerify, detail); err != nil {
		return nil, err
	}
	return out, nil
}

// ReportOf converts a store's verification report to the domain's.
func ReportOf(rep *logstore.Report) *medsec.LogVerifyReport {
	out := &medsec.LogVerifyReport{OK: rep.OK, Problems: make([]medsec.LogProblem, len(rep.Problems))}
	for _, sr := range rep.Sites {
		out.Checked += sr.Checked
	}
	for i, p := range rep.Problems {
		out.Problems[i] = medsec.LogProblem{Kind: p.Kind, SiteID: p.Site, Index: p.Index, End: p.End, Time: p.Time, Detail: p.Detail}
	}
	return out
}
