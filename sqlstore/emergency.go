package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"medsec"
)

// EmergencyUseService implements medsec.EmergencyUseService on the emergency_uses table:
// the uses of emergency accounts that detection's built-in rule finds, each a
// password-reset task [004 §11 ①].
type EmergencyUseService struct {
	db *DB
}

var _ medsec.EmergencyUseService = (*EmergencyUseService)(nil)

// NewEmergencyUseService returns the emergency-use service of db.
func NewEmergencyUseService(db *DB) *EmergencyUseService { return &EmergencyUseService{db: db} }

// PrivilegedAccounts implements medsec.EmergencyUseService.
func (s *EmergencyUseService) PrivilegedAccounts(ctx context.Context) ([]medsec.PrivilegedAccount, error) {
	if _, err := authorize(ctx, medsec.PermRuleAdmin); err != nil {
		return nil, err
	}
	// An asset's accounts, and a clinical system's once per member asset (the system's
	// hosts: an HIS's break-glass account is used on its servers), so that a vendor
	// account of a system has the windows of its members' maintenance plans; a system
	// without members still has its accounts matched at its site.
	emergency, vendor := string(medsec.AccountTypeEmergency), string(medsec.AccountTypeVendor)
	rows, err := s.db.read.QueryContext(ctx, s.db.dialect.rebind(`SELECT a.site_id, x.asset_id, x.username, x.type FROM accounts x JOIN assets a ON a.id = x.asset_id
		WHERE x.type IN (?, ?) AND x.enabled = 1 AND x.removed_at IS NULL
		UNION ALL SELECT c.site_id, COALESCE(m.asset_id, 0), x.username, x.type FROM accounts x JOIN clinical_systems c ON c.id = x.system_id
		LEFT JOIN clinical_system_assets m ON m.system_id = c.id WHERE x.type IN (?, ?) AND x.enabled = 1 AND x.removed_at IS NULL
		ORDER BY 1, 3, 2`), emergency, vendor, emergency, vendor)
	if err != nil {
		return nil, fmt.Errorf("privileged accounts: %w", err)
	}
	var out []medsec.PrivilegedAccount
	for rows.Next() {
		var p medsec.PrivilegedAccount
		var typ string
		if err := rows.Scan(&p.SiteID, &p.AssetID, &p.Username, &typ); err != nil {
			rows.Close()
			return nil, fmt.Errorf("privileged accounts: %w", err)
		}
		p.Type = medsec.AccountType(typ)
		out = append(out, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("privileged accounts: %w", err)
	}
	windows, err := maintenanceWindows(ctx, s.db.read, s.db.dialect)
	if err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].Type == medsec.AccountTypeVendor {
			out[i].Windows = windows[out[i].AssetID]
		}
	}
	return out, nil
}

const emergencyColumns = `u.id, COALESCE(u.site_id, 0), COALESCE(st.name, ''), COALESCE(u.asset_id, 0), COALESCE(a.name, ''), COALESCE(u.account_id, 0), u.username,
	u.source_ip, u.used_at, u.alert_id, u.event_key, u.reset_due, u.justification, u.justified_by, u.justified_at, u.reset_by, u.reset_note, u.reset_at, u.created_at`

const emergencyFrom = ` FROM emergency_uses u LEFT JOIN sites st ON st.id = u.site_id LEFT JOIN assets a ON a.id = u.asset_id`

func scanEmergencyUse(scan func(dest ...any) error, now time.Time) (*medsec.EmergencyUse, error) {
	var u medsec.EmergencyUse
	var justified, reset sql.NullTime
	if err := scan(&u.ID, &u.SiteID, &u.SiteName, &u.AssetID, &u.AssetName, &u.AccountID, &u.Username, &u.SourceIP, &u.UsedAt, &u.AlertID, &u.EventKey,
		&u.ResetDue, &u.Justification, &u.JustifiedBy, &justified, &u.ResetBy, &u.ResetNote, &reset, &u.CreatedAt); err != nil {
		return nil, err
	}
	u.UsedAt, u.ResetDue, u.CreatedAt = u.UsedAt.UTC(), u.ResetDue.UTC(), u.CreatedAt.UTC()
	if justified.Valid {
		u.JustifiedAt = justified.Time.UTC()
	}
	if reset.Valid {
		u.ResetAt = reset.Time.UTC()
	}
	u.Overdue = u.ResetAt.IsZero() && now.After(u.ResetDue)
	return &u, nil
}

// emergencyWhere returns the condition of the filter within the scope: the use's site
// (a use of no site only for users limited to none) and, for a vendor user, its
// company's assets.
func emergencyWhere(sc scope, f medsec.EmergencyUseFilter, now time.Time) (string, []any) {
	conds, args := []string{"1 = 1"}, []any(nil)
	if c, a := sc.siteCond("u.site_id"); c != "" {
		conds, args = append(conds, c), append(args, a...)
	}
	if v := sc.vendor(); v != 0 {
		conds, args = append(conds, "a.vendor_id = ?"), append(args, v)
	}
	if f.SiteID != 0 {
		conds, args = append(conds, "u.site_id = ?"), append(args, f.SiteID)
	}
	if f.AssetID != 0 {
		conds, args = append(conds, "u.asset_id = ?"), append(args, f.AssetID)
	}
	if f.Open || f.Overdue {
		conds = append(conds, "u.reset_at IS NULL")
	}
	if f.Overdue {
		conds, args = append(conds, "u.reset_due < ?"), append(args, now)
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// FindEmergencyUses implements medsec.EmergencyUseService.
func (s *EmergencyUseService) FindEmergencyUses(ctx context.Context, f medsec.EmergencyUseFilter) ([]*medsec.EmergencyUse, error) {
	sc, err := authorize(ctx, medsec.PermAccountRead)
	if err != nil {
		return nil, err
	}
	now := s.db.Now().UTC()
	where, args := emergencyWhere(sc, f, now)
	rows, err := s.db.read.QueryContext(ctx, s.db.dialect.rebind(`SELECT `+emergencyColumns+emergencyFrom+where+` ORDER BY u.used_at DESC, u.id DESC`), args...)
	if err != nil {
		return nil, fmt.Errorf("emergency uses: %w", err)
	}
	defer rows.Close()
	out := []*medsec.EmergencyUse{}
	for rows.Next() {
		u, err := scanEmergencyUse(rows.Scan, now)
		if err != nil {
			return nil, fmt.Errorf("emergency uses: %w", err)
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

func (s *EmergencyUseService) find(ctx context.Context, q querier, sc scope, id int64) (*medsec.EmergencyUse, error) {
	u, err := scanEmergencyUse(q.QueryRowContext(ctx, s.db.dialect.rebind(`SELECT `+emergencyColumns+emergencyFrom+` WHERE u.id = ?`), id).Scan, s.db.Now().UTC())
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &medsec.Error{Code: medsec.ENOTFOUND, Message: "Emergency account use not found.", Key: "err.emergency_use_not_found"}
	}
	if err != nil {
		return nil, fmt.Errorf("emergency use %d: %w", id, err)
	}
	seen := sc.seesSite(u.SiteID)
	if seen && u.AssetID != 0 {
		a, err := findAssetByID(ctx, q, s.db.dialect, u.AssetID)
		if err != nil {
			return nil, err
		}
		seen = sc.seesAsset(a)
	} else if sc.vendor() != 0 {
		seen = false
	}
	if !seen {
		return nil, medsec.NotInScope("Emergency account use not found.", "err.emergency_use_not_found", fmt.Sprintf("emergency use %d", id), u.SiteID)
	}
	return u, nil
}

// FindEmergencyUse implements medsec.EmergencyUseService.
func (s *EmergencyUseService) FindEmergencyUse(ctx context.Context, id int64) (*medsec.EmergencyUse, error) {
	sc, err := authorize(ctx, medsec.PermAccountRead)
	if err != nil {
		return nil, err
	}
	return s.find(ctx, s.db.read, sc, id)
}

// FollowAlert implements medsec.AlertFollower: each event of an alert of the built-in
// rule "Emergency account used" becomes a use (once per event), on the alert's asset and
// the inventory's account of the event's user name there, due EmergencyResetHours after
// the login. Other alerts are ignored.
func (s *EmergencyUseService) FollowAlert(ctx context.Context, al *medsec.Alert) error {
	if al.RuleUID != medsec.RuleUIDEmergencyAccount || len(al.Events) == 0 {
		return nil
	}
	if _, err := authorize(ctx, medsec.PermRuleAdmin); err != nil {
		return err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	assetID := al.AssetID
	if assetID == 0 {
		var id sql.NullInt64
		if err := tx.queryRow(ctx, `SELECT asset_id FROM alerts WHERE id = ?`, al.ID).Scan(&id); err != nil {
			return fmt.Errorf("emergency use: alert %d: %w", al.ID, err)
		}
		assetID = id.Int64
	}
	for _, e := range al.Events {
		user := strings.TrimSpace(fmt.Sprint(e.Fields["user.name"]))
		if e.Fields["user.name"] == nil || user == "" {
			continue
		}
		var n int
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM emergency_uses WHERE event_key = ?`, e.Key).Scan(&n); err != nil {
			return fmt.Errorf("emergency use: %w", err)
		}
		if n > 0 {
			continue
		}
		var accountID int64
		if assetID != 0 {
			// The asset's own account, else that of a clinical system the asset is a
			// member of (the HIS's break-glass account used on an HIS server).
			err := tx.queryRow(ctx, `SELECT id FROM accounts WHERE (asset_id = ? OR system_id IN (SELECT system_id FROM clinical_system_assets WHERE asset_id = ?))
				AND LOWER(username) = LOWER(?) AND removed_at IS NULL ORDER BY CASE WHEN asset_id IS NULL THEN 1 ELSE 0 END, id LIMIT 1`, assetID, assetID, user).Scan(&accountID)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("emergency use: %w", err)
			}
		}
		src := ""
		if v, ok := e.Fields["source.ip"]; ok && v != nil {
			src = fmt.Sprint(v)
		}
		used := e.Time.UTC()
		due := used.Add(medsec.EmergencyResetHours * time.Hour)
		id, err := tx.insert(ctx, `INSERT INTO emergency_uses (site_id, asset_id, account_id, username, source_ip, used_at, alert_id, event_key, reset_due, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, nullID(al.SiteID), nullID(assetID), nullID(accountID), truncateDetail(user), truncateDetail(src), used, al.ID, e.Key, due, tx.now)
		if err != nil {
			return fmt.Errorf("emergency use: %w", err)
		}
		u, err := s.find(ctx, tx, scope{user: medsec.SystemUser}, id)
		if err != nil {
			return err
		}
		if err := tx.auditChange(ctx, medsec.ActionEmergencyUseRecord, "emergency_use", id, al.SiteID, nil, u); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// JustifyEmergencyUse implements medsec.EmergencyUseService.
func (s *EmergencyUseService) JustifyEmergencyUse(ctx context.Context, id int64, justification string) (*medsec.EmergencyUse, error) {
	justification = strings.TrimSpace(justification)
	var errs []medsec.FieldError
	if justification == "" {
		errs = append(errs, medsec.FieldError{Field: "justification", Key: "err.required", Message: "say why the emergency account was used"})
	} else if fe := medsec.CheckText("justification", justification, true); fe != nil {
		errs = append(errs, *fe)
	} else if fe := medsec.CheckLength("justification", justification, 2000); fe != nil {
		errs = append(errs, *fe)
	}
	if len(errs) > 0 {
		return nil, &medsec.ValidationError{Errors: errs}
	}
	return s.change(ctx, id, medsec.ActionEmergencyUseJustify, func(tx *Tx, sc scope, before *medsec.EmergencyUse) error {
		_, err := tx.exec(ctx, `UPDATE emergency_uses SET justification = ?, justified_by = ?, justified_at = ? WHERE id = ?`, justification, sc.user.Username, tx.now, id)
		return err
	})
}

// ConfirmEmergencyReset implements medsec.EmergencyUseService.
func (s *EmergencyUseService) ConfirmEmergencyReset(ctx context.Context, id int64, note string) (*medsec.EmergencyUse, error) {
	note = strings.TrimSpace(note)
	if fe := medsec.CheckText("note", note, true); fe != nil {
		return nil, &medsec.ValidationError{Errors: []medsec.FieldError{*fe}}
	}
	if fe := medsec.CheckLength("note", note, 2000); fe != nil {
		return nil, &medsec.ValidationError{Errors: []medsec.FieldError{*fe}}
	}
	return s.change(ctx, id, medsec.ActionEmergencyUseReset, func(tx *Tx, sc scope, before *medsec.EmergencyUse) error {
		if before.Justification == "" {
			return &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "justification", Key: "err.emergency_unjustified",
				Message: "enter why the emergency account was used before confirming its password change"}}}
		}
		if _, err := tx.exec(ctx, `UPDATE emergency_uses SET reset_by = ?, reset_note = ?, reset_at = ? WHERE id = ?`, sc.user.Username, note, tx.now, id); err != nil {
			return err
		}
		if before.AccountID == 0 {
			return nil
		}
		// The inventory's account was changed today: its "emergency used, not reset"
		// finding ends until the next use.
		_, err := tx.exec(ctx, `UPDATE accounts SET password_changed = ?, updated_at = ? WHERE id = ?`, medsec.DateOf(tx.now).String(), tx.now, before.AccountID)
		return err
	})
}

// change applies fn to an open use of the caller's scope in one transaction and audits
// it: ECONFLICT once the reset is confirmed.
func (s *EmergencyUseService) change(ctx context.Context, id int64, action string, fn func(tx *Tx, sc scope, before *medsec.EmergencyUse) error) (*medsec.EmergencyUse, error) {
	sc, err := authorize(ctx, medsec.PermAccountWrite)
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
	if before.Closed() {
		return nil, &medsec.Error{Code: medsec.ECONFLICT, Message: "The password change of this emergency account use is confirmed already; it cannot change.", Key: "err.emergency_use_closed"}
	}
	if err := fn(tx, sc, before); err != nil {
		var ve *medsec.ValidationError
		if errors.As(err, &ve) {
			return nil, err
		}
		return nil, fmt.Errorf("%s: %w", action, err)
	}
	after, err := s.find(ctx, tx, sc, id)
	if err != nil {
		return nil, err
	}
	if err := tx.auditChange(ctx, action, "emergency_use", id, after.SiteID, before, after); err != nil {
		return nil, err
	}
	return after, tx.Commit()
}
