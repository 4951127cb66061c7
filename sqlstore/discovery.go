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
