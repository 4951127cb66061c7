package sqlstore

import (
	"context"
	"fmt"
	"time"

	"medsec"
	"medsec/account"
	"medsec/backup"
	"medsec/mds2"
	"medsec/vuln"
)

// checkBatch holds what the automatic checks of many assets read, fetched with a few
// queries for a whole report instead of several queries per asset: every finding of an
// active asset, the last vulnerability scan of each asset, and which assets have device
// accounts, backup plans or log sources at all. An asset with none of the last three gets
// the results those checks give on no data without a query; one with some is checked
// through the per-asset reads, as AssetControls does, so the results are the same.
type checkBatch struct {
	findings map[int64][]*medsec.Finding
	scans    map[int64]lastScan
	accounts map[int64]bool
	plans    map[int64]bool
	logs     map[int64]bool
}

// loadCheckBatch reads the checks' inputs of every asset in one pass per table.
func loadCheckBatch(ctx context.Context, db *DB, now time.Time) (*checkBatch, error) {
	b := &checkBatch{findings: map[int64][]*medsec.Finding{}}
	rows, err := db.read.QueryContext(ctx, db.dialect.rebind(`SELECT `+findingColumns+findingFrom+` WHERE a.status = 'active' ORDER BY f.asset_id, f.due_at, f.id`))
	if err != nil {
		return nil, fmt.Errorf("findings of every asset: %w", err)
	}
	for rows.Next() {
		f, err := scanFinding(rows.Scan, now)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("findings of every asset: %w", err)
		}
		b.findings[f.AssetID] = append(b.findings[f.AssetID], f)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("findings of every asset: %w", err)
	}
	if b.scans, err = lastScans(ctx, db.read, db.dialect, now, "a.status = 'active'"); err != nil {
		return nil, err
	}
	for _, t := range []struct {
		into  *map[int64]bool
		query string
	}{
		{&b.accounts, `SELECT asset_id FROM accounts WHERE asset_id IS NOT NULL
			UNION SELECT m.asset_id FROM accounts x JOIN clinical_system_assets m ON m.system_id = x.system_id`},
		{&b.plans, `SELECT asset_id FROM backup_plans WHERE asset_id IS NOT NULL
			UNION SELECT m.asset_id FROM backup_plans p JOIN clinical_system_assets m ON m.system_id = p.system_id`},
		{&b.logs, `SELECT DISTINCT asset_id FROM log_sources WHERE asset_id IS NOT NULL`},
	} {
		if *t.into, err = idSet(ctx, db, t.query); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// idSet returns the IDs a one-column query lists.
func idSet(ctx context.Context, db *DB, query string) (map[int64]bool, error) {
	rows, err := db.read.QueryContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("check inputs: %w", err)
	}
	defer rows.Close()
	out := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("check inputs: %w", err)
		}
		out[id] = true
	}
	return out, rows.Err()
}

// noneFails reports which of the batch's checks fail on an asset with none of their inputs
// (no finding, device account, backup plan or log source). Those results do not depend on
// the asset, so they are computed once per report: a check that does not fail without
// inputs is not run for an asset without them.
type noneFails struct{ vuln, accounts, plans, logs bool }

func failsAny(rs ...medsec.CheckResult) bool {
	for _, r := range rs {
		if r.Outcome == medsec.CheckFail {
			return true
		}
	}
	return false
}

func (s *AssessmentService) noneFails(ctx context.Context, now time.Time) (noneFails, error) {
	none := []*medsec.BackupPlan{}
	lc, err := logChecksFrom(ctx, s.db, &medsec.Asset{}, nil, now)
	if err != nil {
		return noneFails{}, err
	}
	return noneFails{vuln: failsAny(vuln.FixedInTime(0, nil, now)), accounts: failsAny(account.Checks(0, 0, nil, now)...),
		plans: failsAny(backup.Checks(0, none, planFindings(none, now), now)...), logs: failsAny(lc...)}, nil
}

// failingChecksBatch appends to into the failing results of runChecks on the asset, its
// inputs from the batch: the gap report lists only failing checks.
func (s *AssessmentService) failingChecksBatch(ctx context.Context, b *checkBatch, nf noneFails, profiles *mds2Cache, a *medsec.Asset, level medsec.Level, now time.Time,
	into []medsec.CheckResult) ([]medsec.CheckResult, error) {
	add := func(rs ...medsec.CheckResult) {
		for _, r := range rs {
			if r.Outcome == medsec.CheckFail {
				into = append(into, r)
			}
		}
	}
	add(s.checks.Run(a, now)...)
	if fs := b.findings[a.ID]; len(fs) > 0 || nf.vuln {
		add(vuln.FixedInTime(a.ID, fs, now))
	}
	if b.accounts[a.ID] {
		acct, err := accountChecks(ctx, s.db, a, now)
		if err != nil {
			return nil, err
		}
		add(acct...)
	} else if nf.accounts {
		add(account.Checks(a.ID, 0, nil, now)...)
	}
	if b.plans[a.ID] {
		bk, err := backupChecks(ctx, s.db, a, now)
		if err != nil {
			return nil, err
		}
		add(bk...)
	} else if nf.plans {
		none := []*medsec.BackupPlan{}
		add(backup.Checks(a.ID, none, planFindings(none, now), now)...)
	}
	if b.logs[a.ID] || nf.logs {
		var lc []medsec.CheckResult
		var err error
		if b.logs[a.ID] {
			lc, err = logChecks(ctx, s.db, a, now)
		} else {
			lc, err = logChecksFrom(ctx, s.db, a, nil, now)
		}
		if err != nil {
			return nil, err
		}
		add(lc...)
	}
	add(vuln.ScansOnCadence(a.ID, scanDues(a, level, b.scans[a.ID], now), now)...)
	p, err := profiles.profile(ctx, a)
	if err != nil || p == nil {
		return into, err
	}
	add(mds2.Checks(p, a.ID, now)...)
	return into, nil
}
