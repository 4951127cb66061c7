package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"medsec"
)

// DetectionService keeps detection rules, their state per site, the detection settings
// and alerts (medsec.RuleService and medsec.AlertService).
type DetectionService struct {
	db *DB
}

// NewDetectionService returns the detection store of db.
func NewDetectionService(db *DB) *DetectionService { return &DetectionService{db: db} }

var (
	_ medsec.RuleService  = (*DetectionService)(nil)
	_ medsec.AlertService = (*DetectionService)(nil)
)

// detectionSettingsKey is the settings row holding the detection settings as JSON.
const detectionSettingsKey = "detection"

func ruleNotFound() error {
	return &medsec.Error{Code: medsec.ENOTFOUND, Message: "Rule not found.", Key: "err.rule_not_found"}
}

func alertNotFound() error {
	return &medsec.Error{Code: medsec.ENOTFOUND, Message: "Alert not found.", Key: "err.alert_not_found"}
}

func jsonList(v []string) string {
	if v == nil {
		v = []string{}
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func parseJSONList(s string) []string {
	var out []string
	if json.Unmarshal([]byte(s), &out) != nil || out == nil {
		return []string{}
	}
	return out
}

// ruleMeta is what the rules table keeps beside the YAML.
type ruleMeta struct {
	Description string   `json:"description,omitempty"`
	References  []string `json:"references,omitempty"`
}

const ruleColumns = `id, rule_uid, title, kind, level, status, tags, origin, file_name, yaml, enabled, created_at, updated_at`

func scanRule(scan func(...any) error) (*medsec.DetectionRule, error) {
	var r medsec.DetectionRule
	var tags string
	var enabled int
	if err := scan(&r.ID, &r.UID, &r.Title, &r.Kind, &r.Level, &r.Status, &tags, &r.Origin, &r.FileName, &r.YAML, &enabled, &r.CreatedAt, &r.UpdatedAt); err != nil {
		return nil, err
	}
	var meta struct {
		Tags []string `json:"tags"`
		ruleMeta
	}
	if json.Unmarshal([]byte(tags), &meta) != nil {
		meta.Tags = parseJSONList(tags)
	}
	r.Tags, r.Description, r.References = meta.Tags, meta.Description, meta.References
	if r.Tags == nil {
		r.Tags = []string{}
	}
	r.Enabled = enabled == 1
	r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	return &r, nil
}

func ruleTags(r *medsec.DetectionRule) string {
	b, _ := json.Marshal(struct {
		Tags []string `json:"tags"`
		ruleMeta
	}{r.Tags, ruleMeta{r.Description, r.References}})
	return string(b)
}

// FindRules lists the rules with their state at the caller's sites: built-in first, then
// by title.
func (s *DetectionService) FindRules(ctx context.Context, f medsec.RuleFilter) ([]*medsec.DetectionRule, error) {
	sc, err := authorize(ctx, medsec.PermRuleRead)
	if err != nil {
		return nil, err
	}
	var where []string
	var args []any
	if f.Origin != "" {
		where, args = append(where, "origin = ?"), append(args, f.Origin)
	}
	if f.Kind != "" {
		where, args = append(where, "kind = ?"), append(args, f.Kind)
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		like := "%" + strings.ToLower(q) + "%"
		where, args = append(where, "(LOWER(title) LIKE ? OR LOWER(rule_uid) LIKE ? OR LOWER(tags) LIKE ?)"), append(args, like, like, like)
	}
	query := `SELECT ` + ruleColumns + ` FROM detection_rules`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += ` ORDER BY CASE origin WHEN 'builtin' THEN 0 ELSE 1 END, title, id`
	rows, err := s.db.read.QueryContext(ctx, s.db.dialect.rebind(query), args...)
	if err != nil {
		return nil, fmt.Errorf("find rules: %w", err)
	}
	out, err := scanAll(rows, "find rules", scanRule)
	if err != nil {
		return nil, err
	}
	if err := s.attachSites(ctx, s.db.read, sc, out); err != nil {
		return nil, err
	}
	return out, nil
}

// attachSites fills each rule's state at the sites of the scope.
func (s *DetectionService) attachSites(ctx context.Context, q querier, sc scope, rules []*medsec.DetectionRule) error {
	if len(rules) == 0 {
		return nil
	}
	siteWhere, siteArgs := sc.siteCond("s.id")
	query := `SELECT s.id, s.name FROM sites s`
	if siteWhere != "" {
		query += " WHERE " + siteWhere
	}
	rows, err := q.QueryContext(ctx, s.db.dialect.rebind(query+" ORDER BY s.name, s.id"), siteArgs...)
	if err != nil {
		return fmt.Errorf("rule sites: %w", err)
	}
	type site struct {
		id   int64
		name string
	}
	var sites []site
	if len(sc.user.SiteIDs) == 0 && sc.vendor() == 0 {
		// The organisation: events of no site (logins to medsec itself).
		sites = append(sites, site{id: 0})
	}
	for rows.Next() {
		var st site
		if err := rows.Scan(&st.id, &st.name); err != nil {
			rows.Close()
			return fmt.Errorf("rule sites: %w", err)
		}
		sites = append(sites, st)
	}
	rows.Close()
	type key struct{ rule, site int64 }
	type state struct {
		enabled int
		hits    int64
		last    sql.NullTime
		on      sql.NullTime
	}
	states := map[key]state{}
	rows, err = q.QueryContext(ctx, `SELECT rule_id, site_id, enabled, hits, last_hit_at, enabled_at FROM detection_rule_sites`)
	if err != nil {
		return fmt.Errorf("rule sites: %w", err)
	}
	for rows.Next() {
		var k key
		var st state
		if err := rows.Scan(&k.rule, &k.site, &st.enabled, &st.hits, &st.last, &st.on); err != nil {
			rows.Close()
			return fmt.Errorf("rule sites: %w", err)
		}
		states[k] = st
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("rule sites: %w", err)
	}
	for _, r := range rules {
		r.Sites = make([]medsec.RuleSite, 0, len(sites))
		for _, st := range sites {
			rs := medsec.RuleSite{SiteID: st.id, SiteName: st.name, Enabled: r.Enabled}
			if v, ok := states[key{r.ID, st.id}]; ok {
				if v.enabled >= 0 {
					rs.Enabled, rs.Own = v.enabled == 1, true
				}
				rs.Hits = v.hits
				if v.last.Valid {
					rs.LastHitAt = v.last.Time.UTC()
				}
				if v.on.Valid && rs.Enabled {
					rs.EnabledSince = v.on.Time.UTC()
				}
			}
			r.Hits += rs.Hits
			if rs.LastHitAt.After(r.LastHitAt) {
				r.LastHitAt = rs.LastHitAt
			}
			r.Sites = append(r.Sites, rs)
		}
	}
	return nil
}

// FindRuleByID returns one rule with its state at the caller's sites.
func (s *DetectionService) FindRuleByID(ctx context.Context, id int64) (*medsec.DetectionRule, error) {
	sc, err := authorize(ctx, medsec.PermRuleRead)
	if err != nil {
		return nil, err
	}
	r, err := scanRule(s.db.read.QueryRowContext(ctx, s.db.dialect.rebind(`SELECT `+ruleColumns+` FROM detection_rules WHERE id = ?`), id).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ruleNotFound()
	} else if err != nil {
		return nil, fmt.Errorf("find rule: %w", err)
	}
	if err := s.attachSites(ctx, s.db.read, sc, []*medsec.DetectionRule{r}); err != nil {
		return nil, err
	}
	return r, nil
}

// SaveRules stores parsed rules in one transaction. Built-in rules are saved as the
// system at start-up; imported ones need PermRuleAdmin.
//
// Replacing a stored rule that is enabled at a site outside the caller's scope (or at the
// organisation) needs a user not limited to sites: EFORBIDDEN otherwise.
func (s *DetectionService) SaveRules(ctx context.Context, rules []*medsec.DetectionRule) error {
	sc, err := authorize(ctx, medsec.PermRuleAdmin)
	if err != nil {
		return err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var added, replaced int
	for _, r := range rules {
		if r.Tags == nil {
			r.Tags = []string{}
		}
		var id int64
		var origin, yaml, title, file string
		err := tx.queryRow(ctx, `SELECT id, origin, yaml, title, file_name FROM detection_rules WHERE rule_uid = ?`, r.UID).Scan(&id, &origin, &yaml, &title, &file)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			r.CreatedAt, r.UpdatedAt = tx.now, tx.now
			r.ID, err = tx.insert(ctx, `INSERT INTO detection_rules (rule_uid, title, kind, level, status, tags, origin, file_name, yaml, enabled, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.UID, r.Title, r.Kind, r.Level, r.Status, ruleTags(r), r.Origin, r.FileName, r.YAML, boolInt(r.Enabled), tx.now, tx.now)
			if err != nil {
				return fmt.Errorf("save rule %s: %w", r.UID, err)
			}
			if err := tx.auditChange(ctx, "rule.add", "detection_rule", r.ID, 0, nil, ruleAudit(r.UID, r.Title, r.FileName, r.YAML, false)); err != nil {
				return err
			}
			added++
		case err != nil:
			return fmt.Errorf("save rule %s: %w", r.UID, err)
		default:
			if origin != r.Origin {
				return &medsec.Error{Code: medsec.ECONFLICT, Key: "err.rule_builtin_uid", Message: fmt.Sprintf("%s: rule id %s is a built-in rule's id.", r.FileName, r.UID)}
			}
			r.ID, r.UpdatedAt = id, tx.now
			if yaml == r.YAML {
				continue
			}
			if err := ruleOutsideScope(ctx, tx, sc, id); err != nil {
				return err
			}
			if _, err := tx.exec(ctx, `UPDATE detection_rules SET title = ?, kind = ?, level = ?, status = ?, tags = ?, file_name = ?, yaml = ?, updated_at = ? WHERE id = ?`,
				r.Title, r.Kind, r.Level, r.Status, ruleTags(r), r.FileName, r.YAML, tx.now, id); err != nil {
				return fmt.Errorf("save rule %s: %w", r.UID, err)
			}
			// Each replaced rule is audited with its text before and after, so that a
			// reviewer sees what an import (or new settings, for a built-in rule) changed
			// in a rule that may be running.
			if err := tx.auditChange(ctx, "rule.replace", "detection_rule", id, 0, ruleAudit(r.UID, title, file, yaml, true), ruleAudit(r.UID, r.Title, r.FileName, r.YAML, true)); err != nil {
				return err
			}
			replaced++
		}
	}
	if added+replaced > 0 {
		origin := medsec.RuleImported
		if len(rules) > 0 {
			origin = rules[0].Origin
		}
		if err := tx.auditChange(ctx, "rule.import", "detection_rule", 0, 0, nil, map[string]any{"origin": origin, "added": added, "replaced": replaced}); err != nil {
			return err
		}
	}
	if added+replaced > 0 {
		if err := bumpRulesVersion(ctx, tx); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// ruleAudit is a rule as its import is audited: id, title, file, the SHA-256 of its YAML
// and, when withText, the YAML itself.
func ruleAudit(uid, title, file, yaml string, withText bool) map[string]any {
	sum := sha256.Sum256([]byte(yaml))
	m := map[string]any{"uid": uid, "title": title, "file_name": file, "yaml_sha256": hex.EncodeToString(sum[:])}
	if withText {
		m["yaml"] = yaml
	}
	return m
}

// ruleOutsideScope returns EFORBIDDEN when the caller is limited to sites and the rule
// runs somewhere outside them: at the organisation, at a site the caller does not see, or
// by default. Changing such a rule changes detection where the caller has no say.
func ruleOutsideScope(ctx context.Context, tx *Tx, sc scope, id int64) error {
	if len(sc.user.SiteIDs) == 0 && sc.vendor() == 0 {
		return nil
	}
	forbidden := &medsec.Error{Code: medsec.EFORBIDDEN, Key: "err.rule_other_sites",
		Message: "The rule is enabled at sites outside yours: only a user not limited to sites may replace or delete it."}
	var def int
	if err := tx.queryRow(ctx, `SELECT enabled FROM detection_rules WHERE id = ?`, id).Scan(&def); err != nil {
		return fmt.Errorf("rule %d: %w", id, err)
	}
	if def != 0 {
		return forbidden
	}
	rows, err := tx.query(ctx, `SELECT site_id FROM detection_rule_sites WHERE rule_id = ? AND enabled = 1`, id)
	if err != nil {
		return fmt.Errorf("rule %d: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var site int64
		if err := rows.Scan(&site); err != nil {
			return fmt.Errorf("rule %d: %w", id, err)
		}
		if site == 0 || !sc.seesSite(site) {
			return forbidden
		}
	}
	return rows.Err()
}

// DeleteRule removes an imported rule with its site states; its alerts keep their title.
// A rule enabled outside the caller's sites needs a user not limited to sites
// (EFORBIDDEN).
func (s *DetectionService) DeleteRule(ctx context.Context, id int64) error {
	sc, err := authorize(ctx, medsec.PermRuleAdmin)
	if err != nil {
		return err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	r, err := scanRule(tx.queryRow(ctx, `SELECT `+ruleColumns+` FROM detection_rules WHERE id = ?`, id).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return ruleNotFound()
	} else if err != nil {
		return fmt.Errorf("delete rule: %w", err)
	}
	if r.Origin == medsec.RuleBuiltin {
		return &medsec.Error{Code: medsec.EINVALID, Key: "err.rule_builtin", Message: "A built-in rule cannot be deleted; disable it instead."}
	}
	var n int
	if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM alerts WHERE rule_id = ?`, id).Scan(&n); err != nil {
		return fmt.Errorf("delete rule: %w", err)
	}
	if n > 0 {
		return &medsec.Error{Code: medsec.ECONFLICT, Key: "err.rule_has_alerts", Message: "The rule has alerts; disable it instead."}
	}
	if err := ruleOutsideScope(ctx, tx, sc, id); err != nil {
		return err
	}
	if _, err := tx.exec(ctx, `DELETE FROM detection_suppressions WHERE rule_id = ?`, id); err != nil {
		return fmt.Errorf("delete rule: %w", err)
	}
	if _, err := tx.exec(ctx, `DELETE FROM detection_rule_sites WHERE rule_id = ?`, id); err != nil {
		return fmt.Errorf("delete rule: %w", err)
	}
	if _, err := tx.exec(ctx, `DELETE FROM detection_rules WHERE id = ?`, id); err != nil {
		return fmt.Errorf("delete rule: %w", err)
	}
	r.YAML = ""
	if err := tx.auditChange(ctx, "rule.delete", "detection_rule", id, 0, r, nil); err != nil {
		return err
	}
	if err := bumpRulesVersion(ctx, tx); err != nil {
		return err
	}
	return tx.Commit()
}

// SetRuleEnabled sets the rule's state at a site of the caller's scope.
func (s *DetectionService) SetRuleEnabled(ctx context.Context, ruleID, siteID int64, enabled bool) error {
	sc, err := authorize(ctx, medsec.PermRuleAdmin)
	if err != nil {
		return err
	}
	if siteID == 0 && (len(sc.user.SiteIDs) > 0 || sc.vendor() != 0) || !sc.seesSite(siteID) {
		return medsec.NotInScope("Site not found.", "err.site_not_found", fmt.Sprintf("site %d", siteID), siteID)
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM detection_rules WHERE id = ?`, ruleID).Scan(&n); err != nil {
		return fmt.Errorf("enable rule: %w", err)
	} else if n == 0 {
		return ruleNotFound()
	}
	if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM sites WHERE id = ?`, siteID).Scan(&n); err != nil {
		return fmt.Errorf("enable rule: %w", err)
	} else if n == 0 && siteID != 0 {
		return &medsec.Error{Code: medsec.ENOTFOUND, Message: "Site not found.", Key: "err.site_not_found"}
	}
	// enabled_at moves when the rule is turned on from off (or from the rule's default).
	var enabledAt sql.NullTime
	if enabled {
		enabledAt = sql.NullTime{Time: tx.now, Valid: true}
	}
	if _, err := tx.exec(ctx, `INSERT INTO detection_rule_sites (rule_id, site_id, enabled, enabled_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (rule_id, site_id) DO UPDATE SET enabled = excluded.enabled,
		enabled_at = CASE WHEN excluded.enabled = 1 AND detection_rule_sites.enabled <> 1 THEN excluded.enabled_at ELSE detection_rule_sites.enabled_at END`,
		ruleID, siteID, boolInt(enabled), enabledAt); err != nil {
		return fmt.Errorf("enable rule: %w", err)
	}
	action := "rule.disable"
	if enabled {
		action = "rule.enable"
	}
	if err := tx.auditChange(ctx, action, "detection_rule", ruleID, siteID, nil, map[string]any{"site_id": siteID, "enabled": enabled}); err != nil {
		return err
	}
	if err := bumpRulesVersion(ctx, tx); err != nil {
		return err
	}
	return tx.Commit()
}

// bumpRulesVersion counts a change of the rules, their site states or the detection
// settings in its transaction (see RulesVersion).
func bumpRulesVersion(ctx context.Context, tx *Tx) error {
	if _, err := tx.exec(ctx, `UPDATE detection_version SET version = version + 1 WHERE id = 1`); err != nil {
		return fmt.Errorf("detection version: %w", err)
	}
	return nil
}

// RulesVersion returns the count of changes to the detection rules, their states per
// site and the detection settings, by any process on the database: the detection
// service polls it to reload rules another process changed (the CLI's "rules import").
func (s *DetectionService) RulesVersion(ctx context.Context) (int64, error) {
	var v int64
	if err := s.db.read.QueryRowContext(ctx, `SELECT version FROM detection_version WHERE id = 1`).Scan(&v); err != nil {
		return 0, fmt.Errorf("detection version: %w", err)
	}
	return v, nil
}

// AddRuleHits counts n hits of a rule at a site. Hit counts are statistics, not changes
// of a person's data: they are not audited.
func (s *DetectionService) AddRuleHits(ctx context.Context, ruleID, siteID int64, n int64, at time.Time) error {
	if _, err := authorize(ctx, medsec.PermRuleAdmin); err != nil {
		return err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.exec(ctx, `INSERT INTO detection_rule_sites (rule_id, site_id, enabled, hits, last_hit_at) VALUES (?, ?, -1, ?, ?)
		ON CONFLICT (rule_id, site_id) DO UPDATE SET hits = detection_rule_sites.hits + excluded.hits,
		last_hit_at = CASE WHEN detection_rule_sites.last_hit_at IS NULL OR detection_rule_sites.last_hit_at < excluded.last_hit_at THEN excluded.last_hit_at ELSE detection_rule_sites.last_hit_at END`,
		ruleID, siteID, n, at.UTC()); err != nil {
		return fmt.Errorf("rule hits: %w", err)
	}
	return tx.Commit()
}

// FindDetectionSettings returns the stored settings, or the defaults.
func (s *DetectionService) FindDetectionSettings(ctx context.Context) (medsec.DetectionSettings, error) {
	if _, err := authorize(ctx, medsec.PermRuleRead); err != nil {
		return medsec.DetectionSettings{}, err
	}
	return readDetectionSettings(ctx, s.db.read, s.db.dialect)
}

func readDetectionSettings(ctx context.Context, q querier, d dialect) (medsec.DetectionSettings, error) {
	set := medsec.DefaultDetectionSettings()
	var v string
	err := q.QueryRowContext(ctx, d.rebind(`SELECT value FROM settings WHERE key = ?`), detectionSettingsKey).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return set, nil
	} else if err != nil {
		return set, fmt.Errorf("find detection settings: %w", err)
	}
	if err := json.Unmarshal([]byte(v), &set); err != nil {
		return set, fmt.Errorf("find detection settings: %w", err)
	}
	return set, nil
}

// UpdateDetectionSettings validates and stores the settings. They apply to every site:
// a user limited to sites gets EFORBIDDEN.
func (s *DetectionService) UpdateDetectionSettings(ctx context.Context, set medsec.DetectionSettings) error {
	sc, err := authorize(ctx, medsec.PermRuleAdmin)
	if err != nil {
		return err
	}
	if len(sc.user.SiteIDs) > 0 || sc.vendor() != 0 {
		return &medsec.Error{Code: medsec.EFORBIDDEN, Key: "err.detection_settings_all_sites",
			Message: "Detection settings apply to every site: only a user not limited to sites may change them."}
	}
	if err := set.Validate(); err != nil {
		return err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	before, err := readDetectionSettings(ctx, tx, s.db.dialect)
	if err != nil {
		return err
	}
	v, err := json.Marshal(set)
	if err != nil {
		return fmt.Errorf("update detection settings: %w", err)
	}
	if _, err := tx.exec(ctx, `DELETE FROM settings WHERE key = ?`, detectionSettingsKey); err != nil {
		return fmt.Errorf("update detection settings: %w", err)
	}
	if _, err := tx.exec(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)`, detectionSettingsKey, string(v)); err != nil {
		return fmt.Errorf("update detection settings: %w", err)
	}
	if err := tx.auditChange(ctx, "detection.settings", "settings", 0, 0, before, set); err != nil {
		return err
	}
	if err := bumpRulesVersion(ctx, tx); err != nil {
		return err
	}
	return tx.Commit()
}

// ---- alerts ----

// alertConflict is the error of a triage change based on an older version of the alert.
func alertConflict() error {
	return &medsec.Error{Code: medsec.ECONFLICT, Message: "Someone else changed this alert; reload it and try again.", Key: "alert.err.conflict"}
}

const alertColumns = `a.id, a.dedup_key, a.rule_id, r.rule_uid, a.title, a.level, a.tags, COALESCE(a.site_id, 0), COALESCE(s.name, ''), COALESCE(a.asset_id, 0), COALESCE(ast.name, ''),
	COALESCE(a.zone_id, 0), COALESCE(z.name, ''), COALESCE(a.vendor_id, 0), a.status, COALESCE(a.assignee_id, 0), COALESCE(NULLIF(u.display_name, ''), u.username, ''),
	a.note, a.event_count, a.first_at, a.last_at, a.created_at, a.updated_at, a.closed_at, a.version`

const alertFrom = ` FROM alerts a JOIN detection_rules r ON r.id = a.rule_id LEFT JOIN sites s ON s.id = a.site_id
	LEFT JOIN assets ast ON ast.id = a.asset_id LEFT JOIN zones z ON z.id = a.zone_id LEFT JOIN users u ON u.id = a.assignee_id`

func scanAlert(scan func(...any) error) (*medsec.Alert, error) {
	var a medsec.Alert
	var tags, status string
	var closed sql.NullTime
	if err := scan(&a.ID, &a.DedupKey, &a.RuleID, &a.RuleUID, &a.Title, &a.Level, &tags, &a.SiteID, &a.SiteName, &a.AssetID, &a.AssetName,
		&a.ZoneID, &a.ZoneName, &a.VendorID, &status, &a.AssigneeID, &a.AssigneeName, &a.Note, &a.EventCount, &a.FirstAt, &a.LastAt,
		&a.CreatedAt, &a.UpdatedAt, &closed, &a.Version); err != nil {
		return nil, err
	}
	a.Tags, a.Status = parseJSONList(tags), medsec.AlertStatus(status)
	a.FirstAt, a.LastAt, a.CreatedAt, a.UpdatedAt = a.FirstAt.UTC(), a.LastAt.UTC(), a.CreatedAt.UTC(), a.UpdatedAt.UTC()
	if closed.Valid {
		a.ClosedAt = closed.Time.UTC()
	}
	return &a, nil
}

// alertScope returns the SQL condition keeping the alerts of the scope: its sites, and
// for a vendor user the alerts on its company's assets.
func alertScope(sc scope) (string, []any) {
	cond, args := sc.siteCond("a.site_id")
	if v := sc.vendor(); v != 0 {
		if cond != "" {
			cond += " AND "
		}
		cond += "a.vendor_id = ?"
		args = append(args, v)
	}
	return cond, args
}

// seesAlert reports whether the scope includes the alert.
func (sc scope) seesAlert(a *medsec.Alert) bool {
	if !sc.seesSite(a.SiteID) {
		return false
	}
	v := sc.vendor()
	return v == 0 || a.AssetID != 0 && a.VendorID == v
}

// RecordHunt implements medsec.RuleService: an audit row "rule.hunt" of the caller, with
// the hunt's rules, site, range and findings as its after state; a hunt of one stored
// rule names that rule as its object.
func (s *DetectionService) RecordHunt(ctx context.Context, h medsec.HuntAudit) error {
	if _, err := authorize(ctx, medsec.PermRuleAdmin); err != nil {
		return err
	}
	after, err := json.Marshal(h)
	if err != nil {
		return fmt.Errorf("audit rule.hunt: %w", err)
	}
	var object int64
	if len(h.RuleIDs) == 1 {
		object = h.RuleIDs[0]
	}
	detail := fmt.Sprintf("%s rules over site %d from %s to %s", h.Rules, h.SiteID, h.Since.UTC().Format(time.RFC3339), h.Until.UTC().Format(time.RFC3339))
	return NewAuditService(s.db).RecordEvent(ctx, &medsec.AuditEntry{Action: "rule.hunt", ObjectType: "rule", ObjectID: object, SiteID: h.SiteID, After: after, Detail: detail})
}

// RaiseAlert stores a new alert or adds the events to the open alert of the same key.
// The asset's vendor is looked up so that vendor users see alerts on their assets.
func (s *DetectionService) RaiseAlert(ctx context.Context, a *medsec.Alert) (bool, error) {
	if _, err := authorize(ctx, medsec.PermRuleAdmin); err != nil {
		return false, err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	var id int64
	var count int
	err = tx.queryRow(ctx, `SELECT id, event_count FROM alerts WHERE dedup_key = ? AND status NOT IN ('closed_true_positive', 'closed_false_positive') ORDER BY id DESC LIMIT 1`, a.DedupKey).Scan(&id, &count)
	created := errors.Is(err, sql.ErrNoRows)
	if err != nil && !created {
		return false, fmt.Errorf("raise alert: %w", err)
	}
	first, last := a.FirstAt, a.LastAt
	for _, e := range a.Events {
		if first.IsZero() || e.Time.Before(first) {
			first = e.Time
		}
		if e.Time.After(last) {
			last = e.Time
		}
	}
	if first.IsZero() {
		first, last = tx.now, tx.now
	}
	if created {
		if a.AssetID == 0 && a.SiteID != 0 {
			if a.AssetID, err = alertAsset(ctx, tx, a); err != nil {
				return false, err
			}
		}
		if a.AssetID != 0 {
			var vendor sql.NullInt64
			if err := tx.queryRow(ctx, `SELECT vendor_id FROM assets WHERE id = ?`, a.AssetID).Scan(&vendor); errors.Is(err, sql.ErrNoRows) {
				a.AssetID = 0
			} else if err != nil {
				return false, fmt.Errorf("raise alert: %w", err)
			} else {
				a.VendorID = vendor.Int64
			}
		}
		if a.Tags == nil {
			a.Tags = []string{}
		}
		a.Status, a.CreatedAt, a.UpdatedAt, a.FirstAt, a.LastAt = medsec.AlertNew, tx.now, tx.now, first.UTC(), last.UTC()
		id, err = tx.insert(ctx, `INSERT INTO alerts (dedup_key, rule_id, title, level, tags, site_id, asset_id, zone_id, vendor_id, status, event_count, first_at, last_at, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)`, a.DedupKey, a.RuleID, a.Title, a.Level, jsonList(a.Tags), nullID(a.SiteID), nullID(a.AssetID), nullID(a.ZoneID), nullID(a.VendorID),
			string(a.Status), a.FirstAt, a.LastAt, tx.now, tx.now)
		if err != nil {
			return false, fmt.Errorf("raise alert: %w", referenceError(err))
		}
	}
	a.ID = id
	added := 0
	for _, e := range a.Events {
		if count+added >= medsec.MaxAlertEvents {
			added += len(a.Events) - added
			break
		}
		fields, err := json.Marshal(e.Fields)
		if err != nil {
			return false, fmt.Errorf("raise alert: %w", err)
		}
		res, err := tx.exec(ctx, `INSERT INTO alert_events (alert_id, event_key, at, ref_type, ref_id, fields_json) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (alert_id, event_key) DO NOTHING`, id, e.Key, e.Time.UTC(), e.Ref.Type, e.Ref.ID, string(fields))
		if err != nil {
			return false, fmt.Errorf("raise alert: %w", err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			added++
		}
	}
	if !created && added == 0 {
		// Every event was already there: a redelivery. Nothing changes.
		return false, tx.Commit()
	}
	if _, err := tx.exec(ctx, `UPDATE alerts SET event_count = event_count + ?, first_at = CASE WHEN first_at > ? THEN ? ELSE first_at END,
		last_at = CASE WHEN last_at < ? THEN ? ELSE last_at END, updated_at = ? WHERE id = ?`, added, first.UTC(), first.UTC(), last.UTC(), last.UTC(), tx.now, id); err != nil {
		return false, fmt.Errorf("raise alert: %w", err)
	}
	a.EventCount = count + added
	if a.SiteID != 0 && a.SiteName == "" {
		if err := tx.queryRow(ctx, `SELECT name FROM sites WHERE id = ?`, a.SiteID).Scan(&a.SiteName); err != nil {
			return false, fmt.Errorf("raise alert: %w", err)
		}
	}
	if created {
		summary := *a
		summary.Events = nil
		if err := tx.auditChange(ctx, "alert.raise", "alert", id, a.SiteID, nil, summary); err != nil {
			return false, err
		}
	}
	return created, tx.Commit()
}

// AlertHolds reports whether an alert of a's dedup key, open or closed, holds one of a's
// events (by key, the first MaxAlertEvents of them): the detection service's restart
// replay raises only what no alert holds yet. An alert full of events (MaxAlertEvents)
// holds, uncounted, every event within its first and last time.
func (s *DetectionService) AlertHolds(ctx context.Context, a *medsec.Alert) (bool, error) {
	if _, err := authorize(ctx, medsec.PermRuleAdmin); err != nil {
		return false, err
	}
	if len(a.Events) == 0 {
		return false, nil
	}
	events := a.Events[:min(len(a.Events), medsec.MaxAlertEvents)]
	args := []any{a.DedupKey}
	marks := make([]string, len(events))
	first, last := events[0].Time, events[0].Time
	for i, e := range a.Events {
		if i < len(events) {
			marks[i], args = "?", append(args, e.Key)
		}
		first, last = minTime(first, e.Time), maxTime(last, e.Time)
	}
	var one int
	err := s.db.read.QueryRowContext(ctx, s.db.dialect.rebind(`SELECT 1 FROM alert_events e JOIN alerts a ON a.id = e.alert_id
		WHERE a.dedup_key = ? AND e.event_key IN (`+strings.Join(marks, ", ")+`) LIMIT 1`), args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		err = s.db.read.QueryRowContext(ctx, s.db.dialect.rebind(`SELECT 1 FROM alerts WHERE dedup_key = ? AND event_count >= ? AND first_at <= ? AND last_at >= ? LIMIT 1`),
			a.DedupKey, medsec.MaxAlertEvents, first.UTC(), last.UTC()).Scan(&one)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("alert holds: %w", err)
	}
	return true, nil
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// FindAlerts returns a page of the caller's alerts, newest first, and the total count.
func (s *DetectionService) FindAlerts(ctx context.Context, f medsec.AlertFilter) ([]*medsec.Alert, int, error) {
	sc, err := authorize(ctx, medsec.PermAlertRead)
	if err != nil {
		return nil, 0, err
	}
	limit, err := medsec.PageLimit(f.Limit, 50)
	if err != nil {
		return nil, 0, err
	}
	var where []string
	var args []any
	if cond, cargs := alertScope(sc); cond != "" {
		where, args = append(where, cond), append(args, cargs...)
	}
	if f.Status != "" {
		where, args = append(where, "a.status = ?"), append(args, string(f.Status))
	}
	if f.Open {
		where = append(where, "a.status NOT IN ('closed_true_positive', 'closed_false_positive')")
	}
	for _, c := range []struct {
		col string
		v   int64
	}{{"a.site_id", f.SiteID}, {"a.rule_id", f.RuleID}, {"a.assignee_id", f.AssigneeID}, {"a.asset_id", f.AssetID}} {
		if c.v != 0 {
			where, args = append(where, c.col+" = ?"), append(args, c.v)
		}
	}
	if f.Level != "" {
		where, args = append(where, "a.level = ?"), append(args, f.Level)
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	var total int
	if err := s.db.read.QueryRowContext(ctx, s.db.dialect.rebind(`SELECT COUNT(*) FROM alerts a`+cond), args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("find alerts: %w", err)
	}
	rows, err := s.db.read.QueryContext(ctx, s.db.dialect.rebind(`SELECT `+alertColumns+alertFrom+cond+
		fmt.Sprintf(` ORDER BY a.last_at DESC, a.id DESC LIMIT %d OFFSET %d`, limit, max(f.Offset, 0))), args...)
	if err != nil {
		return nil, 0, fmt.Errorf("find alerts: %w", err)
	}
	defer rows.Close()
	out := []*medsec.Alert{}
	for rows.Next() {
		a, err := scanAlert(rows.Scan)
		if err != nil {
			return nil, 0, fmt.Errorf("find alerts: %w", err)
		}
		out = append(out, a)
	}
	return out, total, rows.Err()
}

// FindAlertByID returns an alert of the caller's scope with its events.
func (s *DetectionService) FindAlertByID(ctx context.Context, id int64) (*medsec.Alert, error) {
	sc, err := authorize(ctx, medsec.PermAlertRead)
	if err != nil {
		return nil, err
	}
	a, err := findAlert(ctx, s.db.read, s.db.dialect, id)
	if err != nil {
		return nil, err
	}
	if !sc.seesAlert(a) {
		return nil, medsec.NotInScope("Alert not found.", "err.alert_not_found", fmt.Sprintf("alert %d", id), a.SiteID)
	}
	rows, err := s.db.read.QueryContext(ctx, s.db.dialect.rebind(`SELECT event_key, at, ref_type, ref_id, fields_json FROM alert_events WHERE alert_id = ? ORDER BY at, event_key`), id)
	if err != nil {
		return nil, fmt.Errorf("find alert: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e medsec.AlertEvent
		var fields string
		if err := rows.Scan(&e.Key, &e.Time, &e.Ref.Type, &e.Ref.ID, &fields); err != nil {
			return nil, fmt.Errorf("find alert: %w", err)
		}
		e.Time = e.Time.UTC()
		if e.Fields, err = medsec.DecodeEventFields([]byte(fields)); err != nil {
			return nil, fmt.Errorf("find alert %d: %w", id, err)
		}
		a.Events = append(a.Events, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find alert: %w", err)
	}
	if sc.user.Role.Can(medsec.PermIncidentRead) {
		if a.Incidents, err = alertIncidents(ctx, s.db, id); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// alertIncidents lists the incidents an alert opened or joined; they are at the alert's
// site, which the caller sees.
func alertIncidents(ctx context.Context, db *DB, alertID int64) ([]medsec.AlertIncident, error) {
	rows, err := db.read.QueryContext(ctx, db.dialect.rebind(`SELECT i.id, i.title, i.status FROM incident_alerts ia JOIN incidents i ON i.id = ia.incident_id
		WHERE ia.alert_id = ? ORDER BY i.id`), alertID)
	if err != nil {
		return nil, fmt.Errorf("find alert incidents: %w", err)
	}
	defer rows.Close()
	var out []medsec.AlertIncident
	for rows.Next() {
		var in medsec.AlertIncident
		if err := rows.Scan(&in.ID, &in.Title, &in.Status); err != nil {
			return nil, fmt.Errorf("find alert incidents: %w", err)
		}
		out = append(out, in)
	}
	return out, rows.Err()
}

// alertAsset finds the inventory asset an alert whose events carry no asset id is about:
// the asset at the alert's site (not retired) named as an event's host.name, else holding
// its host.ip, else its source.ip; 0 when none is.
func alertAsset(ctx context.Context, tx *Tx, a *medsec.Alert) (int64, error) {
	for _, field := range []string{"host.name", "host.ip", "source.ip"} {
		for _, e := range a.Events {
			for _, v := range eventValues(e.Fields[field]) {
				var id int64
				var err error
				if field == "host.name" {
					err = tx.queryRow(ctx, `SELECT id FROM assets WHERE site_id = ? AND LOWER(name) = LOWER(?) AND status <> 'retired' ORDER BY id LIMIT 1`, a.SiteID, v).Scan(&id)
				} else if ip, perr := netip.ParseAddr(v); perr != nil {
					continue
				} else {
					err = tx.queryRow(ctx, `SELECT id FROM assets WHERE site_id = ? AND ',' || ips || ',' LIKE ? AND status <> 'retired' ORDER BY id LIMIT 1`, a.SiteID, "%,"+ip.Unmap().String()+",%").Scan(&id)
				}
				if err == nil {
					return id, nil
				} else if !errors.Is(err, sql.ErrNoRows) {
					return 0, fmt.Errorf("raise alert: asset of %s: %w", field, err)
				}
			}
		}
	}
	return 0, nil
}

// eventValues are the texts of an event field: one text, or each of a list.
func eventValues(v any) []string {
	switch x := v.(type) {
	case string:
		if x = strings.TrimSpace(x); x != "" {
			return []string{x}
		}
	case []string:
		var out []string
		for _, s := range x {
			out = append(out, eventValues(s)...)
		}
		return out
	case []any:
		var out []string
		for _, s := range x {
			out = append(out, eventValues(s)...)
		}
		return out
	}
	return nil
}

// FindAlertAssignees lists the users who may triage the alert: enabled, holding
// PermAlertWrite, and seeing the alert as UpdateAlert requires of an assignee.
func (s *DetectionService) FindAlertAssignees(ctx context.Context, id int64) ([]*medsec.User, error) {
	sc, err := authorize(ctx, medsec.PermAlertRead)
	if err != nil {
		return nil, err
	}
	a, err := findAlert(ctx, s.db.read, s.db.dialect, id)
	if err != nil {
		return nil, err
	}
	if !sc.seesAlert(a) {
		return nil, medsec.NotInScope("Alert not found.", "err.alert_not_found", fmt.Sprintf("alert %d", id), a.SiteID)
	}
	rows, err := s.db.read.QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY username`)
	if err != nil {
		return nil, fmt.Errorf("find alert assignees: %w", err)
	}
	var users []*medsec.User
	for rows.Next() {
		u, err := scanUser(rows.Scan)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("find alert assignees: %w", err)
		}
		users = append(users, u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find alert assignees: %w", err)
	}
	var out []*medsec.User
	for _, u := range users {
		if u.Disabled || !u.Role.Can(medsec.PermAlertWrite) {
			continue
		}
		if u.SiteIDs, err = userSites(ctx, s.db.read, s.db.dialect, u.ID); err != nil {
			return nil, err
		}
		if (scope{user: u}).seesAlert(a) {
			out = append(out, u)
		}
	}
	return out, nil
}

func findAlert(ctx context.Context, q querier, d dialect, id int64) (*medsec.Alert, error) {
	a, err := scanAlert(q.QueryRowContext(ctx, d.rebind(`SELECT `+alertColumns+alertFrom+` WHERE a.id = ?`), id).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, alertNotFound()
	} else if err != nil {
		return nil, fmt.Errorf("find alert: %w", err)
	}
	return a, nil
}

// UpdateAlert applies a triage change: state, assignee (a user who may see the alert),
// note. Closing sets ClosedAt; reopening clears it. The change names the alert's Version
// it was based on: a missing one is a ValidationError on "version", an older one (someone
// else triaged meanwhile) ECONFLICT; a change raises the version.
func (s *DetectionService) UpdateAlert(ctx context.Context, id int64, u medsec.AlertUpdate) (*medsec.Alert, error) {
	sc, err := authorize(ctx, medsec.PermAlertRead)
	if err != nil {
		return nil, err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	before, err := findAlert(ctx, tx, s.db.dialect, id)
	if err != nil {
		return nil, err
	}
	if !sc.seesAlert(before) {
		return nil, medsec.NotInScope("Alert not found.", "err.alert_not_found", fmt.Sprintf("alert %d", id), before.SiteID)
	}
	if !sc.user.Role.Can(medsec.PermAlertWrite) {
		return nil, medsec.ErrForbidden()
	}
	if err := u.Validate(); err != nil {
		return nil, err
	}
	if *u.Version != before.Version {
		return nil, alertConflict()
	}
	after := *before
	if u.Status != nil {
		after.Status = *u.Status
		switch {
		case after.Status.Closed() && !before.Status.Closed():
			after.ClosedAt = tx.now
		case !after.Status.Closed():
			after.ClosedAt = time.Time{}
		}
	}
	if u.Note != nil {
		after.Note = strings.TrimSpace(*u.Note)
	}
	if u.AssigneeID != nil {
		after.AssigneeID = *u.AssigneeID
		if after.AssigneeID != 0 {
			assignee, err := findUser(ctx, tx, s.db.dialect, "id = ?", after.AssigneeID)
			if err != nil || assignee.Disabled || !assignee.Role.Can(medsec.PermAlertWrite) || !(scope{user: assignee}).seesAlert(before) {
				return nil, &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "assignee_id", Key: "err.bad_assignee", Message: "must be an active user who may triage this alert"}}}
			}
		}
	}
	after.UpdatedAt = tx.now
	after.Version = before.Version + 1
	res, err := tx.exec(ctx, `UPDATE alerts SET status = ?, assignee_id = ?, note = ?, closed_at = ?, updated_at = ?, version = version + 1 WHERE id = ? AND version = ?`,
		string(after.Status), nullID(after.AssigneeID), after.Note, nullTime(after.ClosedAt), tx.now, id, before.Version)
	if err != nil {
		return nil, fmt.Errorf("update alert: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return nil, fmt.Errorf("update alert: %w", err)
	} else if n == 0 {
		return nil, alertConflict()
	}
	if err := tx.auditChange(ctx, "alert.update", "alert", id, before.SiteID, before, after); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("update alert: %w", err)
	}
	return s.FindAlertByID(ctx, id)
}
