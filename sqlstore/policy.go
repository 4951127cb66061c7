package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"medsec"
	"medsec/vuln"
)

// policyView is the page's and the API's view of a site's policy: effective windows in
// hours.
func policyView(siteID int64, name string, p vuln.Policy, custom bool) *medsec.DeadlinePolicy {
	e := p.Effective()
	h := func(d time.Duration) int { return int(d / time.Hour) }
	return &medsec.DeadlinePolicy{SiteID: siteID, SiteName: name, HighHours: h(e.High), MediumHours: h(e.Medium), LowHours: h(e.Low),
		TerminalHighHours: h(e.TerminalHigh), KEVHours: h(e.KEV), Custom: custom}
}

// FindDeadlinePolicies implements medsec.VulnService: the policy of every site in scope,
// by site name.
func (s *VulnService) FindDeadlinePolicies(ctx context.Context) ([]*medsec.DeadlinePolicy, error) {
	sc, err := authorize(ctx, medsec.PermInventoryRead)
	if err != nil {
		return nil, err
	}
	policies, err := readPolicies(ctx, s.db.read, s.db.dialect)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.read.QueryContext(ctx, `SELECT id, name FROM sites ORDER BY name, id`)
	if err != nil {
		return nil, fmt.Errorf("find deadline policies: %w", err)
	}
	defer rows.Close()
	out := []*medsec.DeadlinePolicy{}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, fmt.Errorf("find deadline policies: %w", err)
		}
		if sc.seesSite(id) {
			p, custom := policies[id]
			out = append(out, policyView(id, name, p, custom))
		}
	}
	return out, rows.Err()
}

// SetDeadlinePolicy implements medsec.VulnService: the site's policy replaced (all zero:
// back to the plan's), audited, and the deadline of every open finding of the site
// computed again from the time it was found, in one transaction.
func (s *VulnService) SetDeadlinePolicy(ctx context.Context, in *medsec.DeadlinePolicy) error {
	sc, err := authorize(ctx, medsec.PermSiteAdmin)
	if err != nil {
		return err
	}
	if err := in.Validate(); err != nil {
		return err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var name string
	if err := tx.queryRow(ctx, `SELECT name FROM sites WHERE id = ?`, in.SiteID).Scan(&name); err != nil {
		return medsec.ErrorWithKey(medsec.ENOTFOUND, "err.site_not_found", "Site not found.")
	}
	if !sc.seesSite(in.SiteID) {
		return medsec.NotInScope("Site not found.", "err.site_not_found", fmt.Sprintf("deadline policy of site %d", in.SiteID), in.SiteID)
	}
	policies, err := readPolicies(ctx, tx, tx.db.dialect)
	if err != nil {
		return err
	}
	old, had := policies[in.SiteID]
	hours := func(h int) time.Duration { return time.Duration(h) * time.Hour }
	p := vuln.Policy{High: hours(in.HighHours), Medium: hours(in.MediumHours), Low: hours(in.LowHours), TerminalHigh: hours(in.TerminalHighHours), KEV: hours(in.KEVHours)}
	// A window equal to the plan's default is stored as the default, so the site follows
	// the plan if its text changes.
	def := vuln.Policy{}.Effective()
	for _, f := range []struct{ v, d *time.Duration }{{&p.High, &def.High}, {&p.Medium, &def.Medium}, {&p.Low, &def.Low}, {&p.TerminalHigh, &def.TerminalHigh}} {
		if *f.v == *f.d {
			*f.v = 0
		}
	}
	custom := p != vuln.Policy{}
	if custom {
		policies[in.SiteID] = p
	} else {
		delete(policies, in.SiteID)
	}
	value, err := json.Marshal(policies)
	if err != nil {
		return fmt.Errorf("set deadline policy: %w", err)
	}
	if _, err := tx.exec(ctx, `DELETE FROM settings WHERE key = ?`, vulnPolicyKey); err != nil {
		return fmt.Errorf("set deadline policy: %w", err)
	}
	if _, err := tx.exec(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)`, vulnPolicyKey, string(value)); err != nil {
		return fmt.Errorf("set deadline policy: %w", err)
	}
	n, err := tx.redoDeadlines(ctx, in.SiteID, p)
	if err != nil {
		return err
	}
	before, after := policyView(in.SiteID, name, old, had), policyView(in.SiteID, name, p, custom)
	after.Recomputed = n
	if err := tx.auditChange(ctx, "vuln.policy.set", "site", in.SiteID, in.SiteID, before, after); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	*in = *after
	return nil
}

// redoDeadlines computes again the deadline of every open finding of the site under p,
// from the time each was found and the score its deadline follows (the advisory's, the
// scanner's, 7.0 unscored, or the device's environmental re-scoring), and returns how
// many changed; each change is audited (vuln.finding.deadline, the deadline before and
// after) for the reports of closed periods.
func (tx *Tx) redoDeadlines(ctx context.Context, siteID int64, p vuln.Policy) (int, error) {
	return tx.redoDeadlinesWhere(ctx, `f.site_id = ? AND f.state IN `+openFindingStates, []any{siteID}, p)
}

// openFindingStates is the SQL list of the states of an open finding (new, confirmed,
// mitigated): those whose deadline still runs.
const openFindingStates = `('new', 'confirmed', 'mitigated')`

// moveFindings moves the open findings of an asset moved to site to: their
// site becomes the asset's new one (each move audited, vuln.finding.move, on the new
// site), so that the new site's later policy changes (redoDeadlines, which selects by the
// finding's site) and re-scorings reach them; and their deadlines are computed again by
// the new site's policy, each change audited (vuln.finding.deadline) as a policy change
// audits it, so that a closed period's ledger shows the deadline then (issue 16 B). A
// closed finding stays where it was closed until it is opened again (setFindingState).
// The rematch that follows finds them already in step.
func (tx *Tx) moveFindings(ctx context.Context, assetID, to int64) error {
	rows, err := tx.query(ctx, `SELECT id, site_id FROM vuln_findings WHERE asset_id = ? AND site_id <> ? AND state IN `+openFindingStates+` ORDER BY id`, assetID, to)
	if err != nil {
		return fmt.Errorf("move findings of asset %d: %w", assetID, err)
	}
	type moved struct{ id, site int64 }
	var list []moved
	for rows.Next() {
		var m moved
		if err := rows.Scan(&m.id, &m.site); err != nil {
			rows.Close()
			return fmt.Errorf("move findings of asset %d: %w", assetID, err)
		}
		list = append(list, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("move findings of asset %d: %w", assetID, err)
	}
	if len(list) == 0 {
		return nil
	}
	for _, m := range list {
		if _, err := tx.exec(ctx, `UPDATE vuln_findings SET site_id = ? WHERE id = ?`, to, m.id); err != nil {
			return fmt.Errorf("move finding %d: %w", m.id, err)
		}
		if err := tx.auditChange(ctx, "vuln.finding.move", "vuln_finding", m.id, to,
			map[string]any{"site_id": m.site, "asset_id": assetID}, map[string]any{"site_id": to, "asset_id": assetID}); err != nil {
			return err
		}
	}
	policies, err := readPolicies(ctx, tx, tx.db.dialect)
	if err != nil {
		return err
	}
	_, err = tx.redoDeadlinesWhere(ctx, `f.asset_id = ? AND f.state IN `+openFindingStates, []any{assetID}, policies[to])
	return err
}

// auditDeadline writes a finding's vuln.finding.deadline audit row on its site when its
// deadline moved from wasDue (rule wasRule, score wasScore) to dl (score score): the
// deadline, rule and score before and after, as a change of the site's policy records
// them, so that a closed period's report shows them as they were then (findingsAt).
// Nothing is written when the deadline and its rule are unchanged.
func (tx *Tx) auditDeadline(ctx context.Context, id, site int64, wasScore float64, wasDue time.Time, wasRule string, score float64, dl vuln.Deadline) error {
	if dl.Due.Equal(wasDue) && string(dl.Rule) == wasRule {
		return nil
	}
	return tx.auditChange(ctx, "vuln.finding.deadline", "vuln_finding", id, site,
		map[string]any{"due": wasDue, "deadline_rule": wasRule, "score": wasScore},
		map[string]any{"due": dl.Due, "deadline_rule": string(dl.Rule), "score": score})
}

// redoDeadlinesWhere is redoDeadlines of the findings (f, their asset a) the condition
// selects, under p; each change is audited on its finding's site.
func (tx *Tx) redoDeadlinesWhere(ctx context.Context, cond string, args []any, p vuln.Policy) (int, error) {
	rows, err := tx.query(ctx, `SELECT f.id, f.site_id, f.found_at, f.score, COALESCE(v.kev, 0), a.class, f.due_at, f.deadline_rule
		FROM vuln_findings f JOIN assets a ON a.id = f.asset_id LEFT JOIN vuln_vulnerabilities v ON v.cve = f.cve
		WHERE `+cond, args...)
	if err != nil {
		return 0, fmt.Errorf("deadlines: %w", err)
	}
	type change struct {
		id, site int64
		due      vuln.Deadline
		was      time.Time
		wasRule  string
	}
	var changes []change
	for rows.Next() {
		var id, site int64
		var found, due time.Time
		var score float64
		var kev int
		var class medsec.DeviceClass
		var rule string
		if err := rows.Scan(&id, &site, &found, &score, &kev, &class, &due, &rule); err != nil {
			rows.Close()
			return 0, fmt.Errorf("deadlines: %w", err)
		}
		dl, err := vuln.ComputeDeadline(p, vuln.Exposure{Score: score, KEV: kev == 1, Terminal: terminal(class)}, found.UTC())
		if err != nil {
			rows.Close()
			return 0, fmt.Errorf("deadline of finding %d: %w", id, err)
		}
		if !dl.Due.Equal(due.UTC()) || string(dl.Rule) != rule {
			changes = append(changes, change{id, site, dl, due.UTC(), rule})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("deadlines: %w", err)
	}
	for _, c := range changes {
		if _, err := tx.exec(ctx, `UPDATE vuln_findings SET due_at = ?, deadline_rule = ? WHERE id = ?`, c.due.Due, string(c.due.Rule), c.id); err != nil {
			return 0, fmt.Errorf("deadline of finding %d: %w", c.id, err)
		}
		// Each finding's deadline before and after, as vuln.finding.rescore records it, so
		// that a closed period's report shows the deadline then (findingsAt).
		if err := tx.auditChange(ctx, "vuln.finding.deadline", "vuln_finding", c.id, c.site,
			map[string]any{"due": c.was, "deadline_rule": c.wasRule}, map[string]any{"due": c.due.Due, "deadline_rule": string(c.due.Rule)}); err != nil {
			return 0, err
		}
	}
	return len(changes), nil
}
