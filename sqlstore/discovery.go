package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strconv"

	"medsec"
	"medsec/capture"
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
	if fe := medsec.CheckText("source", run.Source, false); fe != nil {
		return &medsec.ValidationError{Errors: []medsec.FieldError{*fe}}
	}
	if fe := medsec.CheckLength("source", run.Source, medsec.MaxLineLength); fe != nil {
		return &medsec.ValidationError{Errors: []medsec.FieldError{*fe}}
	}
	if fe := medsec.CheckLength("capture_id", run.CaptureID, 256); fe != nil {
		return &medsec.ValidationError{Errors: []medsec.FieldError{*fe}}
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if run.CaptureID != "" {
		if id, err := s.captureRun(ctx, tx, run.CaptureID); err != nil || id != 0 {
			run.ID = id
			return err
		}
	}
	run.CreatedBy, run.CreatedAt = u.Username, tx.now
	run.ID, err = tx.insert(ctx, `INSERT INTO discovery_runs (site_id, source, sha256, size, format, packets, hosts, flows,
		matched, proposed_new, not_seen, error, created_by, created_at, result_json, capture_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		run.SiteID, run.Source, run.SHA256, run.Size, run.Format, run.Packets, run.Hosts, run.Flows,
		run.Matched, run.ProposedNew, run.NotSeen, run.Error, run.CreatedBy, run.CreatedAt, string(run.Result), nullText(run.CaptureID))
	if err != nil && run.CaptureID != "" && isUniqueViolation(err) {
		// Another central server stored the capture's run meanwhile.
		tx.Rollback()
		run.ID, err = s.captureRun(ctx, s.db.read, run.CaptureID)
		return err
	}
	if err != nil {
		return fmt.Errorf("create discovery run: %w", referenceError(err))
	}
	if run.CaptureID != "" {
		if _, err := tx.exec(ctx, `DELETE FROM discovery_parts WHERE capture_id = ?`, run.CaptureID); err != nil {
			return fmt.Errorf("create discovery run: parts: %w", err)
		}
	}
	source := fmt.Sprintf("discovery run %d: %s", run.ID, run.Source)
	for _, f := range run.ObservedFlows {
		if _, err := tx.exec(ctx, `INSERT INTO flows (site_id, src, dst, proto, port, app, first_seen, last_seen, packets, bytes, source, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, run.SiteID, f.Src.String(), f.Dst.String(), f.Proto, f.Port, f.App,
			nullTime(f.FirstSeen), nullTime(f.LastSeen), f.Packets, f.Bytes, source, tx.now); err != nil {
			return fmt.Errorf("create discovery run: flows: %w", err)
		}
	}
	if err := tx.emitNetwork(ctx, run.SiteID, medsec.EventRef{Type: medsec.EventRefDiscovery, ID: run.ID}, run.Result, run.ObservedFlows); err != nil {
		return fmt.Errorf("create discovery run: %w", err)
	}
	summary := *run
	summary.Result, summary.ObservedFlows = nil, nil
	if err := tx.auditChange(ctx, "discovery.create", "discovery_run", run.ID, run.SiteID, nil, summary); err != nil {
		return err
	}
	return tx.Commit()
}

// captureRun returns the ID of the run of a sensor's capture, 0 when none is stored.
func (s *DiscoveryService) captureRun(ctx context.Context, q querier, captureID string) (int64, error) {
	var id int64
	err := q.QueryRowContext(ctx, s.db.dialect.rebind(`SELECT id FROM discovery_runs WHERE capture_id = ?`), captureID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	} else if err != nil {
		return 0, fmt.Errorf("discovery run of capture %s: %w", captureID, err)
	}
	return id, nil
}

// AddDiscoveryPart keeps a part of a sensor's capture and returns all of them once every
// part is kept. The part is committed before the parts are counted, so that of two central
// servers taking the last two parts at once, the one counting last sees both.
func (s *DiscoveryService) AddDiscoveryPart(ctx context.Context, p medsec.DiscoveryPart) ([]medsec.DiscoveryPart, error) {
	u, err := medsec.Authorize(ctx, medsec.PermInventoryWrite)
	if err != nil {
		return nil, err
	}
	if !u.CanSeeSite(p.SiteID) || p.SiteID == 0 {
		return nil, medsec.ErrForbidden()
	}
	var errs []medsec.FieldError
	if fe := medsec.CheckLength("capture_id", p.CaptureID, 256); fe != nil {
		errs = append(errs, *fe)
	}
	if p.CaptureID == "" {
		errs = append(errs, medsec.FieldError{Field: "capture_id", Key: "err.required", Message: "is required"})
	}
	if p.Parts < 1 || p.Part < 1 || p.Part > p.Parts || p.Parts > maxDiscoveryParts {
		errs = append(errs, medsec.FieldError{Field: "part", Key: "err.invalid", Message: fmt.Sprintf("part %d of %d: 1 to %d parts", p.Part, p.Parts, maxDiscoveryParts)})
	}
	if len(errs) > 0 {
		return nil, &medsec.ValidationError{Errors: errs}
	}
	if id, err := s.captureRun(ctx, s.db.read, p.CaptureID); err != nil || id != 0 {
		return nil, err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var have int
	err = tx.queryRow(ctx, `SELECT COUNT(*) FROM discovery_parts WHERE capture_id = ? AND part = ?`, p.CaptureID, p.Part).Scan(&have)
	if err != nil {
		return nil, fmt.Errorf("discovery part: %w", err)
	}
	if have == 0 {
		_, err = tx.exec(ctx, `INSERT INTO discovery_parts (capture_id, part, parts, site_id, data, received_at) VALUES (?, ?, ?, ?, ?, ?)`,
			p.CaptureID, p.Part, p.Parts, p.SiteID, p.Data, tx.now)
		if err != nil && !isUniqueViolation(err) {
			return nil, fmt.Errorf("discovery part: %w", referenceError(err))
		}
	}
	if err == nil {
		if err := tx.Commit(); err != nil {
			return nil, fmt.Errorf("discovery part: %w", err)
		}
	}
	rows, err := s.db.read.QueryContext(ctx, s.db.dialect.rebind(`SELECT part, parts, site_id, data FROM discovery_parts WHERE capture_id = ? ORDER BY part`), p.CaptureID)
	if err != nil {
		return nil, fmt.Errorf("discovery parts: %w", err)
	}
	defer rows.Close()
	var parts []medsec.DiscoveryPart
	for rows.Next() {
		q := medsec.DiscoveryPart{CaptureID: p.CaptureID}
		if err := rows.Scan(&q.Part, &q.Parts, &q.SiteID, &q.Data); err != nil {
			return nil, fmt.Errorf("discovery parts: %w", err)
		}
		parts = append(parts, q)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("discovery parts: %w", err)
	}
	if len(parts) != p.Parts {
		return nil, nil
	}
	for i, q := range parts {
		if q.Part != i+1 || q.Parts != p.Parts || q.SiteID != p.SiteID {
			return nil, medsec.Errorf(medsec.EINVALID, "discovery parts of capture %s disagree: part %d of %d at site %d", p.CaptureID, q.Part, q.Parts, q.SiteID)
		}
	}
	return parts, nil
}

// maxDiscoveryParts bounds the parts of one sensor capture (each up to a NATS message).
const maxDiscoveryParts = 10000

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

// FindDiscoveryRunByID returns a run with its result. A vendor user gets the part of the
// run that concerns its company's assets (see vendorRun).
func (s *DiscoveryService) FindDiscoveryRunByID(ctx context.Context, id int64) (*medsec.DiscoveryRun, error) {
	sc, err := authorize(ctx, medsec.PermInventoryRead)
	if err != nil {
		return nil, err
	}
	var result string
	row := s.db.read.QueryRowContext(ctx, s.db.dialect.rebind(`SELECT `+discoveryColumns+`, r.result_json FROM discovery_runs r JOIN sites s ON s.id = r.site_id WHERE r.id = ?`), id)
	r, err := scanDiscoveryRun(row.Scan, &result)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, medsec.ErrorWithKey(medsec.ENOTFOUND, "err.discovery_run_not_found", "Discovery run not found.")
	} else if err != nil {
		return nil, fmt.Errorf("find discovery run %d: %w", id, err)
	}
	if !sc.seesSite(r.SiteID) {
		return nil, medsec.NotInScope("Discovery run not found.", "err.discovery_run_not_found", fmt.Sprintf("discovery run %d", id), r.SiteID)
	}
	r.Result = []byte(result)
	h, err := sc.hosts(ctx, s.db.read, s.db.dialect, r.SiteID)
	if err != nil {
		return nil, err
	}
	if h != nil {
		if err := vendorRun(r, h); err != nil {
			return nil, fmt.Errorf("find discovery run %d: %w", id, err)
		}
	}
	return r, nil
}

// vendorRun reduces a run to what a vendor user may see: the hosts of its company's assets
// (by address or MAC) and their flows, the other end's address left out; the stocktake of
// its assets only (matched and not seen; hosts not in the inventory are not its own); no
// gateway MACs; the counts recomputed.
func vendorRun(r *medsec.DiscoveryRun, h *hostScope) error {
	var st capture.StoredResult
	if len(r.Result) > 0 {
		if err := json.Unmarshal(r.Result, &st); err != nil {
			return err
		}
	}
	ownItem := func(item capture.InventoryItem) bool {
		id, err := strconv.ParseInt(item.ID, 10, 64)
		return err == nil && h.seesAsset(id)
	}
	if res := st.Result; res != nil {
		hosts := []capture.Host{}
		for _, x := range res.Hosts {
			if h.seesHost(x.Address, x.MACs) {
				hosts = append(hosts, x)
			}
		}
		flows := []capture.Flow{}
		for _, f := range res.Flows {
			if !h.seesAddr(f.Client.Address) && !h.seesAddr(f.Server.Address) {
				continue
			}
			if !h.seesAddr(f.Client.Address) {
				f.Client.Address = netip.Addr{}
			}
			if !h.seesAddr(f.Server.Address) {
				f.Server.Address = netip.Addr{}
			}
			flows = append(flows, f)
		}
		res.Hosts, res.Flows = hosts, flows
		res.Mirrors = nil // the mirroring switch and sensor are not the vendor's
		res.Summary.Hosts, res.Summary.Flows, res.Summary.GatewayMACs = len(hosts), len(flows), nil
		r.Hosts, r.Flows = len(hosts), len(flows)
	}
	matched := []capture.StocktakeMatch{}
	for _, m := range st.Stocktake.Matched {
		if ownItem(m.Item) {
			matched = append(matched, m)
		}
	}
	notSeen := []capture.InventoryItem{}
	for _, item := range st.Stocktake.NotSeen {
		if ownItem(item) {
			notSeen = append(notSeen, item)
		}
	}
	st.Stocktake = capture.Stocktake{Matched: matched, ProposedNew: []capture.Host{}, NotSeen: notSeen}
	r.Matched, r.ProposedNew, r.NotSeen = len(matched), 0, len(notSeen)
	data, err := json.Marshal(st)
	if err != nil {
		return err
	}
	r.Result = data
	return nil
}
