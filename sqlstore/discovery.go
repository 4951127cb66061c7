package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"medsec"
)

// DiscoveryService implements medsec.DiscoveryService.
type DiscoveryService struct{ db *DB }

var _ medsec.DiscoveryService = (*DiscoveryService)(nil)

// NewDiscoveryService returns the discovery service of db.
func NewDiscoveryService(db *DB) *DiscoveryService { return &DiscoveryService{db: db} }

// CreateDiscoveryRun stores a run; the audit row records the file, its hash and the counts.
func (s *DiscoveryService) CreateDiscoveryRun(ctx context.Context, run *medsec.DiscoveryRun) error {
	u, err := medsec.Authorize(ctx, medsec.PermInventoryWrite)
	if err != nil {
		return err
	}
	if !u.CanSeeSite(run.SiteID) || run.SiteID == 0 {
		return medsec.ErrForbidden()
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	run.CreatedBy, run.CreatedAt = u.Username, tx.now
	run.ID, err = tx.insert(ctx, `INSERT INTO discovery_runs (site_id, source, sha256, size, format, packets, hosts, flows,
		matched, proposed_new, not_seen, error, created_by, created_at, result_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		run.SiteID, run.Source, run.SHA256, run.Size, run.Format, run.Packets, run.Hosts, run.Flows,
		run.Matched, run.ProposedNew, run.NotSeen, run.Error, run.CreatedBy, run.CreatedAt, string(run.Result))
	if err != nil {
		return fmt.Errorf("create discovery run: %w", referenceError(err))
	}
	source := fmt.Sprintf("discovery run %d: %s", run.ID, run.Source)
	for _, f := range run.ObservedFlows {
		if _, err := tx.exec(ctx, `INSERT INTO flows (site_id, src, dst, proto, port, app, first_seen, last_seen, packets, bytes, source, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, run.SiteID, f.Src.String(), f.Dst.String(), f.Proto, f.Port, f.App,
			nullTime(f.FirstSeen), nullTime(f.LastSeen), f.Packets, f.Bytes, source, tx.now); err != nil {
			return fmt.Errorf("create discovery run: flows: %w", err)
		}
	}
	summary := *run
	summary.Result, summary.ObservedFlows = nil, nil
	if err := tx.auditChange(ctx, "discovery.create", "discovery_run", run.ID, run.SiteID, nil, summary); err != nil {
		return err
	}
	return tx.Commit()
}

const discoveryColumns = `r.id, r.site_id, s.name, r.source, r.sha256, r.size, r.format, r.packets, r.hosts, r.flows,
	r.matched, r.proposed_new, r.not_seen, r.error, r.created_by, r.created_at`

func scanDiscoveryRun(scan func(...any) error, extra ...any) (*medsec.DiscoveryRun, error) {
	var r medsec.DiscoveryRun
	dest := append([]any{&r.ID, &r.SiteID, &r.SiteName, &r.Source, &r.SHA256, &r.Size, &r.Format, &r.Packets, &r.Hosts, &r.Flows,
		&r.Matched, &r.ProposedNew, &r.NotSeen, &r.Error, &r.CreatedBy, &r.CreatedAt}, extra...)
	if err := scan(dest...); err != nil {
		return nil, err
	}
	r.CreatedAt = r.CreatedAt.UTC()
	return &r, nil
}

// FindDiscoveryRuns lists the runs of the caller's sites, newest first.
func (s *DiscoveryService) FindDiscoveryRuns(ctx context.Context) ([]*medsec.DiscoveryRun, error) {
	u, err := medsec.Authorize(ctx, medsec.PermInventoryRead)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.read.QueryContext(ctx, `SELECT `+discoveryColumns+` FROM discovery_runs r JOIN sites s ON s.id = r.site_id ORDER BY r.id DESC LIMIT 500`)
	if err != nil {
		return nil, fmt.Errorf("find discovery runs: %w", err)
	}
	defer rows.Close()
	runs := []*medsec.DiscoveryRun{}
	for rows.Next() {
		r, err := scanDiscoveryRun(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("find discovery runs: %w", err)
		}
		if u.CanSeeSite(r.SiteID) {
			runs = append(runs, r)
		}
	}
	return runs, rows.Err()
}

// FindDiscoveryRunByID returns a run with its result.
func (s *DiscoveryService) FindDiscoveryRunByID(ctx context.Context, id int64) (*medsec.DiscoveryRun, error) {
	u, err := medsec.Authorize(ctx, medsec.PermInventoryRead)
	if err != nil {
		return nil, err
	}
	var result string
	row := s.db.read.QueryRowContext(ctx, s.db.dialect.rebind(`SELECT `+discoveryColumns+`, r.result_json FROM discovery_runs r JOIN sites s ON s.id = r.site_id WHERE r.id = ?`), id)
	r, err := scanDiscoveryRun(row.Scan, &result)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !u.CanSeeSite(r.SiteID)) {
		return nil, medsec.Errorf(medsec.ENOTFOUND, "Discovery run not found.")
	} else if err != nil {
		return nil, fmt.Errorf("find discovery run %d: %w", id, err)
	}
	r.Result = []byte(result)
	return r, nil
}
