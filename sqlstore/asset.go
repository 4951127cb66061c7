package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"medsec"
)

// AssetService implements medsec.AssetService.
type AssetService struct{ db *DB }

var _ medsec.AssetService = (*AssetService)(nil)

// NewAssetService returns the asset service of db.
func NewAssetService(db *DB) *AssetService { return &AssetService{db: db} }

const assetColumns = `a.id, a.site_id, COALESCE(a.department_id, 0), a.name, a.kind, COALESCE(a.vendor_id, 0), a.model, a.serial,
	a.software, a.firmware, a.ips, a.macs, a.ae_titles, a.vlan, a.ssid, a.location, COALESCE(a.responsible_id, 0), a.vendor_contact,
	a.connectivity, a.data_class, a.patient_records, a.end_of_support, a.remote_maintenance, a.patching_permitted,
	a.default_creds, a.class, a.level, a.notes, a.status, a.retired_at, a.created_at, a.updated_at, a.version,
	a.firmware_cpe, a.hardware_cpe, a.purl,
	s.name, COALESCE(d.name, ''), COALESCE(v.name, ''), COALESCE(p.name, '')`

const assetFrom = ` FROM assets a
	JOIN sites s ON s.id = a.site_id
	LEFT JOIN departments d ON d.id = a.department_id
	LEFT JOIN vendors v ON v.id = a.vendor_id
	LEFT JOIN people p ON p.id = a.responsible_id`

func scanAsset(scan func(dest ...any) error) (*medsec.Asset, error) {
	var a medsec.Asset
	var ips, macs, aes, conn, eos string
	var retired sql.NullTime
	err := scan(&a.ID, &a.SiteID, &a.DepartmentID, &a.Name, &a.Kind, &a.VendorID, &a.Model, &a.Serial,
		&a.Software, &a.Firmware, &ips, &macs, &aes, &a.VLAN, &a.SSID, &a.Location, &a.ResponsibleID, &a.VendorContact,
		&conn, &a.DataClass, &a.PatientRecords, &eos, &a.RemoteMaintenance, &a.PatchingPermitted,
		&a.DefaultCreds, &a.Class, &a.Level, &a.Notes, &a.Status, &retired, &a.CreatedAt, &a.UpdatedAt, &a.Version,
		&a.FirmwareCPE, &a.HardwareCPE, &a.PURL,
		&a.SiteName, &a.DepartmentName, &a.VendorName, &a.ResponsibleName)
	if err != nil {
		return nil, err
	}
	a.IPs, a.MACs, a.AETitles = splitList(ips), splitList(macs), splitList(aes)
	for _, c := range splitList(conn) {
		a.Connectivity = append(a.Connectivity, medsec.Connectivity(c))
	}
	a.EndOfSupport, _ = medsec.ParseDate(eos)
	if retired.Valid {
		a.RetiredAt = retired.Time.UTC()
	}
	a.CreatedAt, a.UpdatedAt = a.CreatedAt.UTC(), a.UpdatedAt.UTC()
	return &a, nil
}

func splitList(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

// FindAssetByID returns the asset if the caller may see it, else ENOTFOUND (a user must not
// learn that an asset of another site exists).
func (s *AssetService) FindAssetByID(ctx context.Context, id int64) (*medsec.Asset, error) {
	u, err := medsec.Authorize(ctx, medsec.PermInventoryRead)
	if err != nil {
		return nil, err
	}
	a, err := findAssetByID(ctx, s.db.read, s.db.dialect, id)
	if err != nil {
		return nil, err
	}
	if !u.CanSeeAsset(a) {
		return nil, assetOutOfScope(a.ID, a.SiteID)
	}
	return a, nil
}

func findAssetByID(ctx context.Context, q querier, d dialect, id int64) (*medsec.Asset, error) {
	row := q.QueryRowContext(ctx, d.rebind(`SELECT `+assetColumns+assetFrom+` WHERE a.id = ?`), id)
	a, err := scanAsset(row.Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, medsec.ErrorWithKey(medsec.ENOTFOUND, "err.asset_not_found", "Asset not found.")
	} else if err != nil {
		return nil, fmt.Errorf("find asset %d: %w", id, err)
	}
	return a, nil
}

var assetSortColumns = map[string]string{
	"name": "a.name", "kind": "a.kind", "site": "s.name", "department": "d.name", "vendor": "v.name",
	"model": "a.model", "end_of_support": "a.end_of_support", "updated_at": "a.updated_at",
}

// FindAssets returns a page of the assets the caller may see and the filter selects.
func (s *AssetService) FindAssets(ctx context.Context, f medsec.AssetFilter) ([]*medsec.Asset, int, error) {
	u, err := medsec.Authorize(ctx, medsec.PermInventoryRead)
	if err != nil {
		return nil, 0, err
	}
	where, args := assetWhere(s.db.dialect, u, f, medsec.DateOf(s.db.Now()))
	d := s.db.dialect
	var total int
	// The filter only names columns of assets, so the count needs no joins.
	if err := s.db.read.QueryRowContext(ctx, d.rebind(`SELECT COUNT(*) FROM assets a`+where), args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count assets: %w", err)
	}
	order := assetOrder(f.Sort)
	limit := f.Limit
	if limit <= 0 || limit > 100000 {
		limit = 50
	}
	rows, err := s.db.read.QueryContext(ctx, d.rebind(`SELECT `+assetColumns+assetFrom+where+` ORDER BY `+order+`, a.id LIMIT ? OFFSET ?`),
		append(args, limit, f.Offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("find assets: %w", err)
	}
	defer rows.Close()
	assets := make([]*medsec.Asset, 0, limit)
	for rows.Next() {
		a, err := scanAsset(rows.Scan)
		if err != nil {
			return nil, 0, fmt.Errorf("find assets: %w", err)
		}
		assets = append(assets, a)
	}
	return assets, total, rows.Err()
}

// assetOutOfScope is the error for an asset that exists outside the caller's scope: "not
// found" to the caller, a denial in the audit trail.
func assetOutOfScope(id, siteID int64) error {
	return medsec.NotInScope("Asset not found.", "err.asset_not_found", fmt.Sprintf("asset %d", id), siteID)
}

// EachAsset calls fn with every asset the caller may see and the filter selects, in the
// filter's order, from one query read as it goes. It stops at fn's first error.
func (s *AssetService) EachAsset(ctx context.Context, f medsec.AssetFilter, fn func(*medsec.Asset) error) error {
	u, err := medsec.Authorize(ctx, medsec.PermInventoryRead)
	if err != nil {
		return err
	}
	where, args := assetWhereAt(s.db.dialect, u, f, medsec.DateOf(s.db.Now()), true)
	rows, err := s.db.read.QueryContext(ctx, s.db.dialect.rebind(`SELECT `+assetColumns+assetFrom+where+` ORDER BY `+assetOrder(f.Sort)+`, a.id`), args...)
	if err != nil {
		return fmt.Errorf("read assets: %w", err)
	}
	defer rows.Close()
	var past []*medsec.Asset // a closed period's, rewound to its end before fn sees them
	for rows.Next() {
		a, err := scanAsset(rows.Scan)
		if err != nil {
			return fmt.Errorf("read assets: %w", err)
		}
		if !f.InUseTo.IsZero() {
			past = append(past, a)
			continue
		}
		if err := fn(a); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read assets: %w", err)
	}
	if f.InUseTo.IsZero() {
		return nil
	}
	rows.Close()
	if past, err = assetsAt(ctx, s.db.read, s.db.dialect, past, f.InUseTo); err != nil {
		return err
	}
	for _, a := range inUseAt(past, f, u) {
		if err := fn(a); err != nil {
			return err
		}
	}
	return nil
}

// assetOrder is the ORDER BY expression of a sort field ("name", "-updated_at"); an
// unknown field sorts by name.
func assetOrder(sort string) string {
	order := "a.name"
	if col, ok := assetSortColumns[strings.TrimPrefix(sort, "-")]; ok {
		order = col
	}
	if strings.HasPrefix(sort, "-") {
		order += " DESC"
	}
	return order
}

// assetWhere builds the WHERE clause of a filter, always limited to what u may see, in
// engine d's SQL; today is the day SupportEnded compares with.
func assetWhere(d dialect, u *medsec.User, f medsec.AssetFilter, today medsec.Date) (string, []any) {
	return assetWhereAt(d, u, f, today, false)
}

// assetWhereAt is assetWhere; with rewound, for a closed period's read (f.InUseTo set)
// whose rows are then rewound and kept by inUseAt, an asset changed since the period's
// end is read whatever its scope today: inUseAt judges u's scope on the site and vendor
// it then had, so every user who sees the site reads the same assets (issue 16
// break-test: a site-limited user's 2025 report lost an asset moved in 2026 to another
// site).
func assetWhereAt(d dialect, u *medsec.User, f medsec.AssetFilter, today medsec.Date, rewound bool) (string, []any) {
	var where []string
	var args []any
	add := func(cond string, arg any) { where = append(where, cond); args = append(args, arg) }
	if cond, cargs := (scope{user: u}).assetCond("a"); cond != "" && rewound && !f.InUseTo.IsZero() {
		where, args = append(where, "("+cond+" OR "+changedSinceCond+")"), append(append(args, cargs...), f.InUseTo.UTC())
	} else if cond != "" {
		where, args = append(where, cond), append(args, cargs...)
	}
	// A closed period's assets (InUseTo set) are then rewound to its end (inUseAt): one
	// moved since to another site or department is read to be judged by where it was.
	if f.SiteID != 0 && !f.InUseTo.IsZero() {
		where, args = append(where, "(a.site_id = ? OR "+changedSinceCond+")"), append(args, f.SiteID, f.InUseTo.UTC())
	} else if f.SiteID != 0 {
		add("a.site_id = ?", f.SiteID)
	}
	if f.DepartmentID != 0 && !f.InUseTo.IsZero() {
		where, args = append(where, "(a.department_id = ? OR "+changedSinceCond+")"), append(args, f.DepartmentID, f.InUseTo.UTC())
	} else if f.DepartmentID != 0 {
		add("a.department_id = ?", f.DepartmentID)
	}
	if f.VendorID != 0 {
		add("a.vendor_id = ?", f.VendorID)
	}
	if f.Kind != "" {
		add("a.kind = ?", string(f.Kind))
	}
	if f.Status != "" {
		add("a.status = ?", string(f.Status))
	}
	if !f.InUseTo.IsZero() {
		add("a.created_at < ?", f.InUseTo.UTC())
		add("(a.retired_at IS NULL OR a.retired_at >= ?)", f.InUseFrom.UTC())
	}
	if f.SupportEnded {
		// Dates are stored as YYYY-MM-DD, so text order is date order; "" is unknown.
		add("a.end_of_support <> '' AND a.end_of_support < ?", today.String())
	}
	if cond, qargs := d.searchCond(f.Query); cond != "" {
		where, args = append(where, cond), append(args, qargs...)
	}
	if len(where) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(where, " AND "), args
}

// searchCond returns the SQL condition (with its arguments) that every word of query, a
// case-insensitive substring, occurs in an asset's search_text (table alias a), or "" for
// an empty query. Both engines answer from a trigram index, which works for Chinese and
// Japanese where word tokenizers do not: SQLite from the FTS5 table asset_search (trigram
// tokenizer, kept in step with assets by triggers), PostgreSQL from the pg_trgm GIN index
// on search_text, which its planner uses for LIKE by itself. A word of two characters has
// no trigram: both engines look it up in asset_bigrams (the distinct two-character
// substrings of each asset's search_text, migration 0109), then confirm it with LIKE. A
// word of one character is scanned with LIKE. A NUL separates words: no stored text holds
// one, and FTS5 would end its string there.
func (d dialect) searchCond(query string) (string, []any) {
	var conds, phrases []string
	var args []any
	for _, word := range strings.Fields(strings.ToLower(strings.ReplaceAll(query, "\x00", " "))) {
		if d.name == "sqlite" && utf8.RuneCountInString(word) >= 3 {
			// An FTS5 string in double quotes is one phrase; a quote inside is doubled.
			phrases = append(phrases, `"`+strings.ReplaceAll(word, `"`, `""`)+`"`)
			continue
		}
		if utf8.RuneCountInString(word) == 2 {
			// A two-character word is looked up in the bigram table by equality (migration
			// 0109) and confirmed by the LIKE below.
			conds = append(conds, "a.id IN (SELECT asset_id FROM asset_bigrams WHERE gram = ?)")
			args = append(args, word)
		}
		conds = append(conds, `a.search_text LIKE ? ESCAPE '\'`)
		args = append(args, "%"+escapeLike(word)+"%")
	}
	if len(phrases) > 0 {
		// Phrases separated by spaces must all match (FTS5's implicit AND); with the
		// trigram tokenizer a phrase matches as a substring, as LIKE does.
		conds = append([]string{"a.id IN (SELECT rowid FROM asset_search WHERE asset_search MATCH ?)"}, conds...)
		args = append([]any{strings.Join(phrases, " ")}, args...)
	}
	return strings.Join(conds, " AND "), args
}

// bigramSkip holds the characters no searched word holds (strings.Fields splits a query on
// them, and searchText joins fields with a space): a gram with one of them is not stored.
// Migration 0109 skips the same characters when it fills in existing assets.
const bigramSkip = " \t\n\v\f\r"

// assetBigrams returns the distinct two-character substrings of search text (already
// lower-cased), in characters (runes), without those holding a character of bigramSkip:
// the rows asset_bigrams holds for one asset (migration 0109).
func assetBigrams(text string) map[string]bool {
	runes := []rune(text)
	grams := make(map[string]bool, len(runes))
	for i := 0; i+1 < len(runes); i++ {
		if strings.ContainsRune(bigramSkip, runes[i]) || strings.ContainsRune(bigramSkip, runes[i+1]) {
			continue
		}
		grams[string(runes[i:i+2])] = true
	}
	return grams
}

// bigramBatch is how many grams one statement writes or deletes.
const bigramBatch = 200

// writeAssetBigrams keeps asset_bigrams in step with an asset's search text in the
// transaction that writes it: the grams of before (the stored text, "" for a new asset)
// that after no longer holds are deleted, the new ones inserted.
func (tx *Tx) writeAssetBigrams(ctx context.Context, id int64, before, after string) error {
	old, now := assetBigrams(before), assetBigrams(after)
	var gone, added []string
	for g := range old {
		if !now[g] {
			gone = append(gone, g)
		}
	}
	for g := range now {
		if !old[g] {
			added = append(added, g)
		}
	}
	slices.Sort(gone)
	slices.Sort(added)
	d := tx.db.dialect
	for len(gone) > 0 {
		n := min(len(gone), bigramBatch)
		args := []any{id}
		for _, g := range gone[:n] {
			args = append(args, g)
		}
		if _, err := tx.ExecContext(ctx, d.rebind(`DELETE FROM asset_bigrams WHERE asset_id = ? AND gram IN (`+placeholders(n)+`)`), args...); err != nil {
			return fmt.Errorf("asset %d search grams: %w", id, err)
		}
		gone = gone[n:]
	}
	for len(added) > 0 {
		n := min(len(added), bigramBatch)
		args := make([]any, 0, 2*n)
		for _, g := range added[:n] {
			args = append(args, g, id)
		}
		values := strings.TrimSuffix(strings.Repeat("(?, ?),", n), ",")
		if _, err := tx.ExecContext(ctx, d.rebind(`INSERT INTO asset_bigrams (gram, asset_id) VALUES `+values), args...); err != nil {
			return fmt.Errorf("asset %d search grams: %w", id, err)
		}
		added = added[n:]
	}
	return nil
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// searchText is what full-text search matches: every text field, lower-cased.
func searchText(a *medsec.Asset, siteName, deptName, vendorName, personName string) string {
	fields := []string{a.Name, string(a.Kind), a.Model, a.Serial, a.Software, a.Firmware, strings.Join(a.IPs, " "), strings.Join(a.AETitles, " "),
		strings.Join(a.MACs, " "), a.SSID, a.Location, a.VendorContact, a.RemoteMaintenance, a.Notes,
		siteName, deptName, vendorName, personName}
	return strings.ToLower(strings.Join(fields, " "))
}

// CreateAsset stores a new asset after checking the caller may write at its site.
func (s *AssetService) CreateAsset(ctx context.Context, a *medsec.Asset) error {
	u, err := medsec.Authorize(ctx, medsec.PermInventoryWrite)
	if err != nil {
		return err
	}
	a.Normalize()
	if err := a.Validate(); err != nil {
		return err
	}
	if !u.CanSeeSite(a.SiteID) {
		return medsec.ErrForbidden()
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := tx.createAsset(ctx, a, nil); err != nil {
		return err
	}
	if err := tx.rematchAssets(ctx, a.ID); err != nil {
		return err
	}
	return tx.Commit()
}

func (tx *Tx) createAsset(ctx context.Context, a *medsec.Asset, names *nameIndex) error {
	a.CreatedAt, a.UpdatedAt, a.Version = tx.now, tx.now, 1
	if a.PatchingPermitted == medsec.Unknown || a.PatchingPermitted == "" {
		// A model's recorded permission counts for its new assets too (bt11g M4).
		p, err := tx.modelPermission(ctx, a.VendorID, a.Model)
		if err != nil {
			return err
		}
		if p != medsec.Unknown {
			a.PatchingPermitted = p
		}
	}
	if err := tx.checkAssetRules(ctx, nil, a, names); err != nil {
		return err
	}
	search, err := tx.assetSearchText(ctx, a, names)
	if err != nil {
		return err
	}
	a.ID, err = tx.insert(ctx, `INSERT INTO assets (site_id, department_id, name, kind, vendor_id, model, serial, software, firmware,
		ips, macs, ae_titles, vlan, ssid, location, responsible_id, vendor_contact, connectivity, data_class, patient_records, end_of_support,
		remote_maintenance, patching_permitted, default_creds, class, level, notes, status, firmware_cpe, hardware_cpe, purl,
		retired_at, created_at, updated_at, version, search_text)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		append(assetValues(a), nullTime(a.RetiredAt), a.CreatedAt, a.UpdatedAt, a.Version, search)...)
	if err != nil {
		return fmt.Errorf("create asset: %w", referenceError(err))
	}
	if err := tx.writeAssetBigrams(ctx, a.ID, "", search); err != nil {
		return err
	}
	return tx.auditChange(ctx, "asset.create", "asset", a.ID, a.SiteID, nil, a)
}

// assetValues lists the columns an update writes, in the order of the INSERT.
func assetValues(a *medsec.Asset) []any {
	conn := make([]string, len(a.Connectivity))
	for i, c := range a.Connectivity {
		conn[i] = string(c)
	}
	return []any{a.SiteID, nullID(a.DepartmentID), a.Name, string(a.Kind), nullID(a.VendorID), a.Model, a.Serial, a.Software, a.Firmware,
		strings.Join(a.IPs, ","), strings.Join(a.MACs, ","), strings.Join(a.AETitles, ","), a.VLAN, a.SSID, a.Location, nullID(a.ResponsibleID), a.VendorContact,
		strings.Join(conn, ","), string(a.DataClass), a.PatientRecords, a.EndOfSupport.String(), a.RemoteMaintenance,
		string(a.PatchingPermitted), string(a.DefaultCreds), string(a.Class), string(a.Level), a.Notes, string(a.Status),
		a.FirmwareCPE, a.HardwareCPE, a.PURL}
}

// assetSearchText resolves the names of the asset's references for display and search,
// from names when the caller has loaded them, else from the database.
func (tx *Tx) assetSearchText(ctx context.Context, a *medsec.Asset, names *nameIndex) (string, error) {
	if names != nil {
		a.SiteName, a.DepartmentName = names.siteNames[a.SiteID], names.departmentNames[a.DepartmentID]
		a.VendorName, a.ResponsibleName = names.vendorNames[a.VendorID], names.personNames[a.ResponsibleID]
		return searchText(a, a.SiteName, a.DepartmentName, a.VendorName, a.ResponsibleName), nil
	}
	var site, dept, vendor, person string
	err := tx.queryRow(ctx, `SELECT s.name,
		COALESCE((SELECT name FROM departments WHERE id = ?), ''),
		COALESCE((SELECT name FROM vendors WHERE id = ?), ''),
		COALESCE((SELECT name FROM people WHERE id = ?), '')
		FROM sites s WHERE s.id = ?`, a.DepartmentID, a.VendorID, a.ResponsibleID, a.SiteID).Scan(&site, &dept, &vendor, &person)
	if errors.Is(err, sql.ErrNoRows) {
		return "", &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "site", Key: "err.unknown_reference", Message: "no such site"}}}
	} else if err != nil {
		return "", fmt.Errorf("asset search text: %w", err)
	}
	a.SiteName, a.DepartmentName, a.VendorName, a.ResponsibleName = site, dept, vendor, person
	return searchText(a, site, dept, vendor, person), nil
}

// checkAssetRules refuses what the database's own constraints cannot: a department of
// another site than the asset's (field department_id), and a MAC address recorded on
// another active asset while this one is active (field macs; a MAC address identifies one
// network interface). The other asset is named only if the acting user may see it. before
// is the stored asset of an update, nil for a create; an update checks only what it
// changes (a new department or site, a MAC address added, or a retired asset made active
// again), so that legacy data can still be edited in other ways. names is the import's
// name index: an import resolves departments by the row's site, so it needs no check.
func (tx *Tx) checkAssetRules(ctx context.Context, before, a *medsec.Asset, names *nameIndex) error {
	var errs []medsec.FieldError
	if names == nil && a.DepartmentID != 0 && (before == nil || a.DepartmentID != before.DepartmentID || a.SiteID != before.SiteID) {
		var site int64
		err := tx.queryRow(ctx, `SELECT site_id FROM departments WHERE id = ?`, a.DepartmentID).Scan(&site)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("check department %d: %w", a.DepartmentID, err)
		}
		if site != a.SiteID {
			errs = append(errs, medsec.FieldError{Field: "department_id", Key: "err.unknown_department", Value: strconv.FormatInt(a.DepartmentID, 10),
				Message: fmt.Sprintf("department %d is not a department of the asset's site", a.DepartmentID)})
		}
	}
	if a.Status == medsec.StatusActive {
		for _, mac := range a.MACs {
			if before != nil && before.Status == medsec.StatusActive && slices.Contains(before.MACs, mac) {
				continue
			}
			var otherID int64
			err := tx.queryRow(ctx, `SELECT id FROM assets WHERE id <> ? AND status = ? AND (',' || macs || ',') LIKE ? ORDER BY id LIMIT 1`,
				a.ID, string(medsec.StatusActive), "%,"+mac+",%").Scan(&otherID)
			if errors.Is(err, sql.ErrNoRows) {
				continue
			} else if err != nil {
				return fmt.Errorf("check MAC address %s: %w", mac, err)
			}
			other, err := findAssetByID(ctx, tx, tx.db.dialect, otherID)
			if err != nil {
				return err
			}
			fe := medsec.FieldError{Field: "macs", Key: "err.mac_in_use", Value: mac,
				Message: fmt.Sprintf("MAC address %s is already recorded on another active asset", mac)}
			if u := medsec.UserFromContext(ctx); u != nil && u.CanSeeAsset(other) {
				fe.Key, fe.Value = "err.mac_in_use_by", fmt.Sprintf("%s (#%d, %s)", other.Name, other.ID, mac)
				fe.Message = fmt.Sprintf("MAC address %s is already recorded on active asset %q (#%d)", mac, other.Name, other.ID)
			}
			errs = append(errs, fe)
		}
	}
	if len(errs) > 0 {
		return &medsec.ValidationError{Errors: errs}
	}
	return nil
}

// referenceError turns a foreign-key failure into a validation error a user can act on.
func referenceError(err error) error {
	msg := strings.ToLower(err.Error())
	if strings.Contains(msg, "foreign key") {
		return &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "reference", Key: "err.unknown_reference", Message: "refers to a department, vendor or person that does not exist"}}}
	}
	return err
}

// UpdateAsset replaces the asset's fields if a.Version is still current.
func (s *AssetService) UpdateAsset(ctx context.Context, a *medsec.Asset) error {
	u, err := medsec.Authorize(ctx, medsec.PermInventoryWrite)
	if err != nil {
		return err
	}
	a.Normalize()
	if err := a.Validate(); err != nil {
		return err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	before, err := findAssetByID(ctx, tx, tx.db.dialect, a.ID)
	if err != nil {
		return err
	}
	if !u.CanSeeAsset(before) {
		return assetOutOfScope(before.ID, before.SiteID)
	}
	if !u.CanSeeSite(a.SiteID) {
		return medsec.ErrForbidden()
	}
	if a.Version != before.Version {
		return &medsec.Error{Code: medsec.ECONFLICT, Message: "Someone else changed this asset; reload it and try again.", Key: "err.stale"}
	}
	if err := tx.updateAsset(ctx, before, a, nil); err != nil {
		return err
	}
	if err := tx.rematchAssets(ctx, a.ID); err != nil {
		return err
	}
	return tx.Commit()
}

func (tx *Tx) updateAsset(ctx context.Context, before, a *medsec.Asset, names *nameIndex) error {
	if err := tx.checkAssetRules(ctx, before, a, names); err != nil {
		return err
	}
	a.CreatedAt, a.UpdatedAt, a.Version = before.CreatedAt, tx.now, before.Version+1
	if a.Status == medsec.StatusRetired && before.Status != medsec.StatusRetired {
		a.RetiredAt = tx.now
	} else if a.Status == medsec.StatusActive {
		a.RetiredAt = time.Time{}
	} else {
		a.RetiredAt = before.RetiredAt
	}
	search, err := tx.assetSearchText(ctx, a, names)
	if err != nil {
		return err
	}
	var stored string
	if err := tx.queryRow(ctx, `SELECT search_text FROM assets WHERE id = ?`, a.ID).Scan(&stored); err != nil {
		return fmt.Errorf("update asset %d: %w", a.ID, err)
	}
	_, err = tx.exec(ctx, `UPDATE assets SET site_id = ?, department_id = ?, name = ?, kind = ?, vendor_id = ?, model = ?, serial = ?,
		software = ?, firmware = ?, ips = ?, macs = ?, ae_titles = ?, vlan = ?, ssid = ?, location = ?, responsible_id = ?, vendor_contact = ?,
		connectivity = ?, data_class = ?, patient_records = ?, end_of_support = ?, remote_maintenance = ?, patching_permitted = ?,
		default_creds = ?, class = ?, level = ?, notes = ?, status = ?, firmware_cpe = ?, hardware_cpe = ?, purl = ?, retired_at = ?, updated_at = ?, version = ?, search_text = ?
		WHERE id = ?`, append(assetValues(a), nullTime(a.RetiredAt), a.UpdatedAt, a.Version, search, a.ID)...)
	if err != nil {
		return fmt.Errorf("update asset %d: %w", a.ID, referenceError(err))
	}
	if stored != search {
		if err := tx.writeAssetBigrams(ctx, a.ID, stored, search); err != nil {
			return err
		}
	}
	if a.SiteID != before.SiteID {
		if err := tx.moveFindings(ctx, a.ID, a.SiteID); err != nil {
			return err
		}
	}
	return tx.auditChange(ctx, "asset.update", "asset", a.ID, a.SiteID, before, a)
}

// RetireAsset marks the asset retired.
func (s *AssetService) RetireAsset(ctx context.Context, id int64) error {
	u, err := medsec.Authorize(ctx, medsec.PermInventoryWrite)
	if err != nil {
		return err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	before, err := findAssetByID(ctx, tx, tx.db.dialect, id)
	if err != nil {
		return err
	}
	if !u.CanSeeAsset(before) {
		return assetOutOfScope(before.ID, before.SiteID)
	}
	if before.Status == medsec.StatusRetired {
		return nil
	}
	after := *before
	after.Status = medsec.StatusRetired
	if err := tx.updateAsset(ctx, before, &after, nil); err != nil {
		return err
	}
	if err := tx.rematchAssets(ctx, id); err != nil {
		return err
	}
	return tx.Commit()
}

// ImportAssets resolves the rows' references by name, validates every row, and stores them
// all in one transaction, or none if the file or any row is bad. The reader's problems
// and the store's own (unknown site, department, vendor or person, a site the caller may
// not change, the same asset twice) are reported together, in line order, columns named
// as the file wrote them. A row updates the existing asset that has the same vendor and
// serial number, else the same MAC address, else the same site and name; otherwise it
// creates one. A row equal to the asset it matches is left alone (no version bump, no
// audit row), and an import that changes nothing writes no audit row. With
// imp.CreateMissing the departments and vendors the rows name that do not exist are
// created first, in the same transaction, each audited.
func (s *AssetService) ImportAssets(ctx context.Context, imp medsec.AssetImport) (medsec.ImportResult, error) {
	res := medsec.ImportResult{Sheet: imp.Sheet}
	u, err := medsec.Authorize(ctx, medsec.PermInventoryWrite)
	if err != nil {
		return res, err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return res, err
	}
	defer tx.Rollback()
	names, err := tx.loadNames(ctx)
	if err != nil {
		return res, err
	}
	idx, err := tx.loadAssetKeys(ctx)
	if err != nil {
		return res, err
	}
	rows, source := imp.Rows, imp.Source
	column := func(key string) string {
		if h := imp.Headers[key]; h != "" {
			return h
		}
		return key
	}
	errs := slices.Clone(imp.Problems)
	bad := func(line int, key, errKey, value, msg string) {
		errs = append(errs, medsec.FieldError{Line: line, Field: column(key), Key: errKey, Value: value, Message: msg})
	}
	// Departments and vendors to create get provisional negative ids until they exist.
	var newDepts []deptKey
	var newVendors []string
	type seenRow struct {
		line int
		id   int64 // the existing asset the row matches, 0 for a new one
	}
	seen := make(map[string]seenRow) // key -> first row with it, to catch duplicates inside the file
	seenIDs := make(map[int64]int)   // existing asset -> line of the row matching it
	for i := range rows {
		r := &rows[i]
		a := &r.Asset
		a.Normalize()
		var ok bool
		if a.SiteID, ok = names.sites[r.Site]; !ok {
			if r.Site != "" {
				bad(r.Line, "site", "err.unknown_site", r.Site, fmt.Sprintf("unknown site %q", r.Site))
			}
		} else if !u.CanSeeSite(a.SiteID) {
			bad(r.Line, "site", "err.forbidden_site", r.Site, fmt.Sprintf("you may not change assets of site %q", r.Site))
		}
		if r.Department != "" && a.SiteID == 0 && r.Site != "" && !names.departmentAnywhere(r.Department) && !imp.CreateMissing {
			// The site is unknown, so the department cannot be checked at it; one of that
			// name at no site is unknown wherever the site is, and said in the same pass.
			bad(r.Line, "department", "err.unknown_department", r.Department, fmt.Sprintf("unknown department %q (at no site; the site %q is unknown too)", r.Department, r.Site))
		}
		if r.Department != "" && a.SiteID != 0 {
			k := deptKey{a.SiteID, r.Department}
			if a.DepartmentID, ok = names.departments[k]; !ok {
				if imp.CreateMissing {
					newDepts = append(newDepts, k)
					a.DepartmentID = -int64(len(newDepts))
					names.departments[k] = a.DepartmentID
				} else {
					bad(r.Line, "department", "err.unknown_department", r.Department, fmt.Sprintf("unknown department %q at site %q", r.Department, r.Site))
				}
			}
		}
		if r.Vendor != "" {
			if a.VendorID, ok = names.vendors[r.Vendor]; !ok {
				if imp.CreateMissing {
					newVendors = append(newVendors, r.Vendor)
					a.VendorID = -int64(len(newVendors))
					names.vendors[r.Vendor] = a.VendorID
				} else {
					bad(r.Line, "vendor", "err.unknown_vendor", r.Vendor, fmt.Sprintf("unknown vendor %q", r.Vendor))
				}
			}
		}
		if r.Responsible != "" {
			if a.ResponsibleID, ok = names.people[r.Responsible]; !ok {
				bad(r.Line, "responsible", "err.unknown_person", r.Responsible, fmt.Sprintf("unknown person %q", r.Responsible))
			}
		}
		// A reader that found problems has already run Validate on every row and
		// reported what it found, by the column as written; running it again would
		// repeat them.
		if len(imp.Problems) == 0 {
			if err := a.Validate(); err != nil {
				var ve *medsec.ValidationError
				if !errors.As(err, &ve) {
					return res, err
				}
				for _, fe := range ve.Errors {
					if fe.Field != "site" || a.SiteID != 0 || r.Site == "" {
						bad(r.Line, fe.Field, fe.Key, fe.Value, fe.Message)
					}
				}
			}
		}
		// Two rows are the same asset if they match the same existing asset, or if one of
		// them is new and they share a key. Rows matching different existing assets are
		// different assets even where they share a key (legacy data may hold one MAC
		// address on two assets; their export must import unchanged).
		id := idx.match(a)
		if prev, dup := seenIDs[id]; dup && id != 0 {
			bad(r.Line, "serial", "err.duplicate_row", strconv.Itoa(prev), fmt.Sprintf("same asset as line %d", prev))
		} else {
			for _, k := range assetKeys(a) {
				if prev, dup := seen[k]; dup && (id == 0 || prev.id == 0) {
					bad(r.Line, "serial", "err.duplicate_row", strconv.Itoa(prev.line), fmt.Sprintf("same asset as line %d", prev.line))
					break
				}
			}
		}
		if id != 0 {
			seenIDs[id] = r.Line
		}
		for _, k := range assetKeys(a) {
			if _, ok := seen[k]; !ok {
				seen[k] = seenRow{r.Line, id}
			}
		}
	}
	if len(errs) > 0 {
		slices.SortStableFunc(errs, func(a, b medsec.FieldError) int { return a.Line - b.Line })
		return res, &medsec.ValidationError{Source: source, Sheet: imp.Sheet, Errors: errs}
	}
	deptIDs, vendorIDs, err := tx.createMissing(ctx, names, newDepts, newVendors)
	if err != nil {
		return res, fmt.Errorf("%s: %w", source, err)
	}
	for _, k := range newDepts {
		res.NewDepartments = append(res.NewDepartments, names.siteNames[k.site]+" / "+k.name)
	}
	res.NewVendors = newVendors
	var changed []int64
	for i := range rows {
		a := &rows[i].Asset
		if a.DepartmentID < 0 {
			a.DepartmentID = deptIDs[-a.DepartmentID-1]
		}
		if a.VendorID < 0 {
			a.VendorID = vendorIDs[-a.VendorID-1]
		}
		id := idx.match(a)
		if id == 0 {
			if err := tx.createAsset(ctx, a, names); err != nil {
				return res, fmt.Errorf("%s: line %d: %w", source, rows[i].Line, err)
			}
			changed = append(changed, a.ID)
			res.Created++
			continue
		}
		before, err := findAssetByID(ctx, tx, tx.db.dialect, id)
		if err != nil {
			return res, err
		}
		if !u.CanSeeAsset(before) {
			return res, &medsec.ValidationError{Source: source, Sheet: imp.Sheet, Errors: []medsec.FieldError{{Line: rows[i].Line, Field: column("site"),
				Key: "err.forbidden_site", Value: rows[i].Site, Message: "matches an asset you may not change"}}}
		}
		a.ID = id
		if sameAsset(before, a) {
			// An unchanged row (re-importing an export) changes nothing: no version bump
			// and no audit row.
			res.Unchanged++
			continue
		}
		if err := tx.updateAsset(ctx, before, a, names); err != nil {
			return res, fmt.Errorf("%s: line %d: %w", source, rows[i].Line, err)
		}
		changed = append(changed, a.ID)
		res.Updated++
	}
	if res.Created == 0 && res.Updated == 0 && len(newDepts) == 0 && len(newVendors) == 0 {
		return res, nil
	}
	if err := tx.auditChange(ctx, "asset.import", "import", 0, 0, nil, map[string]any{"source": source, "sheet": imp.Sheet, "rows": len(rows),
		"created": res.Created, "updated": res.Updated, "unchanged": res.Unchanged,
		"new_departments": res.NewDepartments, "new_vendors": res.NewVendors}); err != nil {
		return res, err
	}
	if err := tx.rematchAssets(ctx, changed...); err != nil {
		return res, err
	}
	return res, tx.Commit()
}

// createMissing creates the departments and vendors an import names that do not exist,
// each with its audit row, and records them in names. It returns their ids in the order
// given.
func (tx *Tx) createMissing(ctx context.Context, names *nameIndex, depts []deptKey, vendors []string) (deptIDs, vendorIDs []int64, err error) {
	for _, k := range depts {
		d := &medsec.Department{SiteID: k.site, Name: k.name}
		if err := d.Validate(); err != nil {
			return nil, nil, err
		}
		if d.ID, err = tx.insert(ctx, `INSERT INTO departments (site_id, name) VALUES (?, ?)`, d.SiteID, d.Name); err != nil {
			return nil, nil, fmt.Errorf("create department %q: %w", d.Name, err)
		}
		if err := tx.auditChange(ctx, "department.create", "department", d.ID, d.SiteID, nil, d); err != nil {
			return nil, nil, err
		}
		names.departments[k], names.departmentNames[d.ID] = d.ID, d.Name
		deptIDs = append(deptIDs, d.ID)
	}
	for _, name := range vendors {
		v := &medsec.Vendor{Name: name}
		if err := v.Validate(); err != nil {
			return nil, nil, err
		}
		if v.ID, err = tx.insert(ctx, `INSERT INTO vendors (name, contact, email, phone) VALUES (?, ?, ?, ?)`, v.Name, v.Contact, v.Email, v.Phone); err != nil {
			return nil, nil, fmt.Errorf("create vendor %q: %w", v.Name, err)
		}
		if err := tx.auditChange(ctx, "vendor.create", "vendor", v.ID, 0, nil, v); err != nil {
			return nil, nil, err
		}
		names.vendors[name], names.vendorNames[v.ID] = v.ID, v.Name
		vendorIDs = append(vendorIDs, v.ID)
	}
	return deptIDs, vendorIDs, nil
}

// sameAsset reports whether an update to a would store exactly what before holds: every
// column an update writes is equal (lists compare as stored, so an empty list and none are
// the same).
func sameAsset(before, a *medsec.Asset) bool {
	return reflect.DeepEqual(assetValues(before), assetValues(a))
}

type deptKey struct {
	site int64
	name string
}

// nameIndex maps the names an import uses to ids, and ids back to names.
type nameIndex struct {
	sites       map[string]int64
	departments map[deptKey]int64
	vendors     map[string]int64
	people      map[string]int64

	siteNames, departmentNames, vendorNames, personNames map[int64]string
}

// loadNames reads the ids of every site (by name and by code), department, vendor and person.
func (tx *Tx) loadNames(ctx context.Context) (*nameIndex, error) {
	n := &nameIndex{sites: map[string]int64{}, departments: map[deptKey]int64{}, vendors: map[string]int64{}, people: map[string]int64{},
		siteNames: map[int64]string{}, departmentNames: map[int64]string{}, vendorNames: map[int64]string{}, personNames: map[int64]string{}}
	load := func(query string, put func(id int64, a, b string)) error {
		rows, err := tx.query(ctx, query)
		if err != nil {
			return fmt.Errorf("load names: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var a, b string
			if err := rows.Scan(&id, &a, &b); err != nil {
				return fmt.Errorf("load names: %w", err)
			}
			put(id, a, b)
		}
		return rows.Err()
	}
	if err := load(`SELECT id, name, code FROM sites`, func(id int64, name, code string) {
		n.sites[name], n.sites[code], n.siteNames[id] = id, id, name
	}); err != nil {
		return nil, err
	}
	if err := load(`SELECT id, name, CAST(site_id AS TEXT) FROM departments`, func(id int64, name, site string) {
		var siteID int64
		fmt.Sscan(site, &siteID)
		n.departments[deptKey{siteID, name}], n.departmentNames[id] = id, name
	}); err != nil {
		return nil, err
	}
	if err := load(`SELECT id, name, '' FROM vendors`, func(id int64, name, _ string) { n.vendors[name], n.vendorNames[id] = id, name }); err != nil {
		return nil, err
	}
	if err := load(`SELECT id, name, '' FROM people`, func(id int64, name, _ string) { n.people[name], n.personNames[id] = id, name }); err != nil {
		return nil, err
	}
	return n, nil
}

// departmentAnywhere reports whether a department of that name exists at any site.
func (n *nameIndex) departmentAnywhere(name string) bool {
	for k := range n.departments {
		if k.name == name {
			return true
		}
	}
	return false
}

// assetKeyIndex finds the existing asset an imported row stands for. A key that several
// existing assets share (legacy data: one MAC address on two assets) is ambiguous
// (ambiguousKey) and matches none, so the next key decides.
type assetKeyIndex map[string]int64

const ambiguousKey = -1

// assetKeys returns the stable keys of an asset, strongest first: vendor and serial number,
// each MAC address, site and name.
func assetKeys(a *medsec.Asset) []string {
	var keys []string
	if a.Serial != "" {
		keys = append(keys, fmt.Sprintf("serial\x00%d\x00%s", a.VendorID, a.Serial))
	}
	for _, mac := range a.MACs {
		keys = append(keys, "mac\x00"+mac)
	}
	return append(keys, fmt.Sprintf("name\x00%d\x00%s", a.SiteID, a.Name))
}

func (idx assetKeyIndex) match(a *medsec.Asset) int64 {
	for _, k := range assetKeys(a) {
		if id, ok := idx[k]; ok && id != ambiguousKey {
			return id
		}
	}
	return 0
}

func (tx *Tx) loadAssetKeys(ctx context.Context) (assetKeyIndex, error) {
	rows, err := tx.query(ctx, `SELECT id, site_id, name, COALESCE(vendor_id, 0), serial, macs FROM assets`)
	if err != nil {
		return nil, fmt.Errorf("load asset keys: %w", err)
	}
	defer rows.Close()
	idx := assetKeyIndex{}
	for rows.Next() {
		var a medsec.Asset
		var macs string
		if err := rows.Scan(&a.ID, &a.SiteID, &a.Name, &a.VendorID, &a.Serial, &macs); err != nil {
			return nil, fmt.Errorf("load asset keys: %w", err)
		}
		a.MACs = splitList(macs)
		for _, k := range assetKeys(&a) {
			if prev, ok := idx[k]; ok && prev != a.ID {
				idx[k] = ambiguousKey
			} else {
				idx[k] = a.ID
			}
		}
	}
	return idx, rows.Err()
}
