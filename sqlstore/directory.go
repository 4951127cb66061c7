package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"medsec"
	"medsec/directory"
)

// directorySettingsKey is the settings row holding the directory settings as JSON, the
// bind password included (like the SMTP password, readable by whoever reads the database).
const directorySettingsKey = "directory"

// DirectoryService implements medsec.DirectoryService.
type DirectoryService struct {
	db *DB
}

var _ medsec.DirectoryService = (*DirectoryService)(nil)

// NewDirectoryService returns the directory settings service of db.
func NewDirectoryService(db *DB) *DirectoryService { return &DirectoryService{db: db} }

// readDirectorySettings returns the stored settings with the bind password.
func readDirectorySettings(ctx context.Context, q querier, d dialect) (medsec.DirectorySettings, error) {
	set := medsec.DirectorySettings{Mappings: []medsec.DirectoryMapping{}}
	var v string
	err := q.QueryRowContext(ctx, d.rebind(`SELECT value FROM settings WHERE key = ?`), directorySettingsKey).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return set, nil
	} else if err != nil {
		return set, fmt.Errorf("read directory settings: %w", err)
	}
	if err := json.Unmarshal([]byte(v), &set); err != nil {
		return set, fmt.Errorf("read directory settings: %w", err)
	}
	set.BindPasswordSet = set.BindPassword != ""
	return set, nil
}

// withoutBindPassword returns the settings as administrators and the audit trail see them.
func withoutBindPassword(set medsec.DirectorySettings) medsec.DirectorySettings {
	set.BindPasswordSet, set.BindPassword, set.ClearBindPassword = set.BindPassword != "", "", false
	return set
}

// unrestrictedAdmin authorizes an administrator without a site limit: the directory
// settings grant roles on any site.
func unrestrictedAdmin(ctx context.Context) error {
	caller, err := medsec.Authorize(ctx, medsec.PermUserAdmin)
	if err != nil {
		return err
	} else if len(caller.SiteIDs) > 0 {
		return medsec.ErrBeyondOwnAccess()
	}
	return nil
}

// FindDirectorySettings returns the settings without the bind password.
func (s *DirectoryService) FindDirectorySettings(ctx context.Context) (medsec.DirectorySettings, error) {
	if _, err := medsec.Authorize(ctx, medsec.PermUserAdmin); err != nil {
		return medsec.DirectorySettings{}, err
	}
	set, err := readDirectorySettings(ctx, s.db.read, s.db.dialect)
	return withoutBindPassword(set), err
}

// UpdateDirectorySettings stores the settings; an empty bind password keeps the stored one
// unless ClearBindPassword is set.
func (s *DirectoryService) UpdateDirectorySettings(ctx context.Context, set medsec.DirectorySettings) error {
	if err := unrestrictedAdmin(ctx); err != nil {
		return err
	}
	if err := set.Validate(); err != nil {
		return err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var errs []medsec.FieldError
	missing := func(field, table string, id int64) error {
		var n int
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM `+table+` WHERE id = ?`, id).Scan(&n); err != nil {
			return fmt.Errorf("update directory settings: %w", err)
		}
		if n == 0 {
			errs = append(errs, medsec.FieldError{Field: field, Key: "err.unknown_value", Message: fmt.Sprintf("no %s %d", table, id)})
		}
		return nil
	}
	for i, m := range set.Mappings {
		for _, id := range m.SiteIDs {
			if err := missing(fmt.Sprintf("mappings[%d].site_ids", i), "sites", id); err != nil {
				return err
			}
		}
		if m.VendorID != 0 {
			if err := missing(fmt.Sprintf("mappings[%d].vendor", i), "vendors", m.VendorID); err != nil {
				return err
			}
		}
	}
	if len(errs) > 0 {
		return &medsec.ValidationError{Errors: errs}
	}
	before, err := readDirectorySettings(ctx, tx, tx.db.dialect)
	if err != nil {
		return err
	}
	if set.BindPassword == "" && !set.ClearBindPassword {
		set.BindPassword = before.BindPassword
	}
	set.ClearBindPassword, set.BindPasswordSet = false, false
	for i := range set.Mappings {
		if set.Mappings[i].SiteIDs == nil {
			set.Mappings[i].SiteIDs = []int64{}
		}
	}
	if set.Mappings == nil {
		set.Mappings = []medsec.DirectoryMapping{}
	}
	v, err := json.Marshal(set)
	if err != nil {
		return fmt.Errorf("update directory settings: %w", err)
	}
	if _, err := tx.exec(ctx, `DELETE FROM settings WHERE key = ?`, directorySettingsKey); err != nil {
		return fmt.Errorf("update directory settings: %w", err)
	}
	if _, err := tx.exec(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)`, directorySettingsKey, string(v)); err != nil {
		return fmt.Errorf("update directory settings: %w", err)
	}
	if err := tx.auditChange(ctx, "directory.settings", "settings", 0, 0, withoutBindPassword(before), withoutBindPassword(set)); err != nil {
		return err
	}
	return tx.Commit()
}

// LookupDirectoryUser checks the stored settings on one login name.
func (s *DirectoryService) LookupDirectoryUser(ctx context.Context, username string) (*medsec.DirectoryLookup, error) {
	if err := unrestrictedAdmin(ctx); err != nil {
		return nil, err
	}
	set, err := readDirectorySettings(ctx, s.db.read, s.db.dialect)
	if err != nil {
		return nil, err
	}
	if set.URL == "" {
		return nil, &medsec.Error{Code: medsec.EINVALID, Message: "Set the directory's URL first.", Key: "err.directory_unset"}
	}
	e, err := directory.Lookup(ctx, set, username)
	if errors.Is(err, directory.ErrNotFound) {
		return nil, &medsec.Error{Code: medsec.ENOTFOUND, Message: "The directory has no single entry with this user name.", Key: "err.directory_no_entry"}
	} else if err != nil {
		// The cause names the URL and the service account, never a password: an
		// administrator needs it to fix the settings.
		return nil, &medsec.Error{Code: medsec.EUNAVAILABLE, Message: "The directory could not be used: " + err.Error(), Key: "err.directory_unavailable", Args: []any{err.Error()}}
	}
	out := &medsec.DirectoryLookup{Entry: e}
	if m, ok := set.Match(e.Groups); ok {
		out.Mapping = &m
	}
	return out, nil
}
