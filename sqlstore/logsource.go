package sqlstore

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"medsec"
)

// LogSourceService implements medsec.LogSourceService on the log_sources table.
type LogSourceService struct{ db *DB }

var _ medsec.LogSourceService = (*LogSourceService)(nil)

// NewLogSourceService returns the log source service of db.
func NewLogSourceService(db *DB) *LogSourceService { return &LogSourceService{db: db} }

// logSourceTransports are the values of LogSource.Transport.
var logSourceTransports = []string{"udp", "tcp", "tls", "https", "file"}

const logSourceColumns = `id, site_id, name, address, hostname, asset_id, transport, format, auto_registered,
	token_hash, expected_interval, first_seen, last_seen, records, rate, skew, skew_samples, window_records,
	missing_json, created_at, COALESCE((SELECT class FROM log_source_classes c WHERE c.source_id = log_sources.id), ''), COALESCE((SELECT kind FROM assets WHERE assets.id = log_sources.asset_id), '')`

func logSourceNotFound() error {
	return &medsec.Error{Code: medsec.ENOTFOUND, Message: "Log source not found.", Key: "err.log_source_not_found"}
}

func logSourceOutOfScope(s *medsec.LogSource) error {
	return medsec.NotInScope("Log source not found.", "err.log_source_not_found", fmt.Sprintf("log source %d", s.ID), s.SiteID)
}

// scanLogSource reads one row of logSourceColumns.
func scanLogSource(scan func(dest ...any) error) (*medsec.LogSource, error) {
	var s medsec.LogSource
	var asset sql.NullInt64
	var first, last sql.NullTime
	var auto int
	var tokenHash, missing, kind string
	if err := scan(&s.ID, &s.SiteID, &s.Name, &s.Address, &s.Hostname, &asset, &s.Transport, &s.Format, &auto,
		&tokenHash, &s.ExpectedInterval, &first, &last, &s.Records, &s.Rate, &s.Skew, &s.SkewSamples,
		&s.WindowRecords, &missing, &s.CreatedAt, &s.ChosenClass, &kind); err != nil {
		return nil, err
	}
	s.Class = s.ChosenClass
	if s.Class == "" {
		s.Class = medsec.LogClassOfKind(medsec.AssetKind(kind))
	}
	s.AssetID = asset.Int64
	s.AutoRegistered = auto != 0
	s.HasToken = tokenHash != ""
	if first.Valid {
		s.FirstSeen = first.Time.UTC()
	}
	if last.Valid {
		s.LastSeen = last.Time.UTC()
	}
	s.CreatedAt = s.CreatedAt.UTC()
	if err := fromJSON(missing, &s.Missing); err != nil {
		return nil, err
	}
	return &s, nil
}

func findLogSource(ctx context.Context, q querier, d dialect, where string, args ...any) (*medsec.LogSource, error) {
	s, err := scanLogSource(q.QueryRowContext(ctx, d.rebind(`SELECT `+logSourceColumns+` FROM log_sources WHERE `+where), args...).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, logSourceNotFound()
	}
	if err != nil {
		return nil, fmt.Errorf("log source: %w", err)
	}
	return s, nil
}

// FindLogSources returns the sources of the caller's scope, by site and name.
func (s *LogSourceService) FindLogSources(ctx context.Context, f medsec.LogSourceFilter) ([]*medsec.LogSource, error) {
	sc, err := authorize(ctx, medsec.PermLogRead)
	if err != nil {
		return nil, err
	}
	where, args, err := sc.siteWhere("site_id", f.SiteID)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.read.QueryContext(ctx, s.db.dialect.rebind(`SELECT `+logSourceColumns+` FROM log_sources WHERE `+where+` ORDER BY site_id, name, id`), args...)
	if err != nil {
		return nil, fmt.Errorf("log sources: %w", err)
	}
	defer rows.Close()
	out := []*medsec.LogSource{}
	for rows.Next() {
		ls, err := scanLogSource(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("log sources: %w", err)
		}
		out = append(out, ls)
	}
	return out, rows.Err()
}

// FindLogSource returns one source of the caller's scope.
func (s *LogSourceService) FindLogSource(ctx context.Context, id int64) (*medsec.LogSource, error) {
	sc, err := authorize(ctx, medsec.PermLogRead)
	if err != nil {
		return nil, err
	}
	ls, err := findLogSource(ctx, s.db.read, s.db.dialect, "id = ?", id)
	if err != nil {
		return nil, err
	}
	if !sc.seesSite(ls.SiteID) {
		return nil, logSourceOutOfScope(ls)
	}
	return ls, nil
}

// validateLogSource checks the fields a person sets.
func validateLogSource(ls *medsec.LogSource) error {
	var errs []medsec.FieldError
	ls.Name = strings.TrimSpace(ls.Name)
	if ls.Name == "" || len(ls.Name) > 200 {
		errs = append(errs, medsec.FieldError{Field: "name", Key: "err.log_source_name", Message: "Give a name of 1 to 200 characters."})
	}
	if ls.Address != "" {
		a, err := netip.ParseAddr(ls.Address)
		if err != nil {
			errs = append(errs, medsec.FieldError{Field: "address", Key: "err.log_source_address", Message: "Not an IP address.", Value: ls.Address})
		} else {
			ls.Address = a.Unmap().String()
		}
	}
	if !slices.Contains(logSourceTransports, ls.Transport) {
		errs = append(errs, medsec.FieldError{Field: "transport", Key: "err.log_source_transport", Message: "Not a transport.", Value: ls.Transport, Allowed: logSourceTransports})
	}
	if ls.ExpectedInterval < 0 || ls.ExpectedInterval > 31*86400 {
		errs = append(errs, medsec.FieldError{Field: "expected_interval_seconds", Key: "err.log_source_interval", Message: "Give 0 (default) to 2678400 seconds."})
	}
	if len(errs) > 0 {
		return &medsec.ValidationError{Errors: errs}
	}
	return nil
}

// checkLogSourceAsset checks that a linked asset exists in the source's site and scope.
func checkLogSourceAsset(ctx context.Context, tx *Tx, sc scope, ls *medsec.LogSource) error {
	if ls.AssetID == 0 {
		return nil
	}
	var site int64
	var vendor sql.NullInt64
	err := tx.queryRow(ctx, `SELECT site_id, vendor_id FROM assets WHERE id = ?`, ls.AssetID).Scan(&site, &vendor)
	if errors.Is(err, sql.ErrNoRows) || err == nil && (site != ls.SiteID || !sc.seesAsset(&medsec.Asset{SiteID: site, VendorID: vendor.Int64})) {
		return &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "asset_id", Key: "err.log_source_asset", Message: "No such asset at the source's site."}}}
	}
	return err
}

// newLogSourceToken returns a random token and its SHA-256 hex hash.
func newLogSourceToken() (token, hash string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", err
	}
	token = "mls_" + base64.RawURLEncoding.EncodeToString(b)
	return token, hashLogSourceToken(token), nil
}

func hashLogSourceToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// CreateLogSource registers a source, with a token for JSON over HTTPS when withToken.
func (s *LogSourceService) CreateLogSource(ctx context.Context, ls *medsec.LogSource, withToken bool) (string, error) {
	sc, err := authorize(ctx, medsec.PermLogAdmin)
	if err != nil {
		return "", err
	}
	if err := validateLogSource(ls); err != nil {
		return "", err
	}
	if !sc.seesSite(ls.SiteID) {
		return "", medsec.ErrForbidden()
	}
	var token, hash string
	if withToken {
		if token, hash, err = newLogSourceToken(); err != nil {
			return "", fmt.Errorf("log source token: %w", err)
		}
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return "", err
	}
	defer tx.Rollback()
	if err := checkLogSourceAsset(ctx, tx, sc, ls); err != nil {
		return "", err
	}
	if ls.Address != "" {
		var n int
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM log_sources WHERE site_id = ? AND address = ?`, ls.SiteID, ls.Address).Scan(&n); err != nil {
			return "", err
		}
		if n > 0 {
			return "", &medsec.Error{Code: medsec.ECONFLICT, Message: "A source with this address is already registered at the site.", Key: "err.log_source_exists"}
		}
	}
	ls.CreatedAt, ls.AutoRegistered, ls.HasToken = tx.now, false, withToken
	ls.ID, err = tx.insert(ctx, `INSERT INTO log_sources (site_id, name, address, hostname, asset_id, transport, token_hash, expected_interval, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, ls.SiteID, ls.Name, ls.Address, ls.Hostname, nullID(ls.AssetID), ls.Transport, hash, ls.ExpectedInterval, tx.now)
	if err != nil {
		return "", fmt.Errorf("create log source: %w", err)
	}
	if err := tx.auditChange(ctx, "log_source.create", "log_source", ls.ID, ls.SiteID, nil, ls); err != nil {
		return "", err
	}
	return token, tx.Commit()
}

// UpdateLogSource changes a source's name, linked asset and expected interval.
func (s *LogSourceService) UpdateLogSource(ctx context.Context, ls *medsec.LogSource) error {
	sc, err := authorize(ctx, medsec.PermLogAdmin)
	if err != nil {
		return err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	before, err := findLogSource(ctx, tx, s.db.dialect, "id = ?", ls.ID)
	if err != nil {
		return err
	}
	if !sc.seesSite(before.SiteID) {
		return logSourceOutOfScope(before)
	}
	after := *before
	after.Name, after.AssetID, after.ExpectedInterval, after.ChosenClass = ls.Name, ls.AssetID, ls.ExpectedInterval, ls.ChosenClass
	if err := validateLogSource(&after); err != nil {
		return err
	}
	if after.ChosenClass != "" && !slices.Contains(medsec.LogSourceClasses, after.ChosenClass) {
		return &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "class", Key: "err.log_class", Value: after.ChosenClass,
			Message: "is not a log source class", Allowed: medsec.LogSourceClasses, Enum: "logclass"}}}
	}
	if err := checkLogSourceAsset(ctx, tx, sc, &after); err != nil {
		return err
	}
	if _, err := tx.exec(ctx, `UPDATE log_sources SET name = ?, asset_id = ?, expected_interval = ? WHERE id = ?`,
		after.Name, nullID(after.AssetID), after.ExpectedInterval, after.ID); err != nil {
		return fmt.Errorf("update log source: %w", err)
	}
	if _, err := tx.exec(ctx, `DELETE FROM log_source_classes WHERE source_id = ?`, after.ID); err != nil {
		return fmt.Errorf("update log source: %w", err)
	}
	if after.ChosenClass != "" {
		if _, err := tx.exec(ctx, `INSERT INTO log_source_classes (source_id, class) VALUES (?, ?)`, after.ID, after.ChosenClass); err != nil {
			return fmt.Errorf("update log source: %w", err)
		}
	}
	if err := tx.auditChange(ctx, "log_source.update", "log_source", after.ID, after.SiteID, before, &after); err != nil {
		return err
	}
	if upd, err := findLogSource(ctx, tx, s.db.dialect, "id = ?", ls.ID); err == nil {
		after = *upd // the class derived from the asset now linked
	}
	*ls = after
	return tx.Commit()
}

// DeleteLogSource removes a source; its stored records stay in the log store.
func (s *LogSourceService) DeleteLogSource(ctx context.Context, id int64) error {
	sc, err := authorize(ctx, medsec.PermLogAdmin)
	if err != nil {
		return err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	before, err := findLogSource(ctx, tx, s.db.dialect, "id = ?", id)
	if err != nil {
		return err
	}
	if !sc.seesSite(before.SiteID) {
		return logSourceOutOfScope(before)
	}
	if _, err := tx.exec(ctx, `DELETE FROM log_source_classes WHERE source_id = ?`, id); err != nil {
		return fmt.Errorf("delete log source: %w", err)
	}
	if _, err := tx.exec(ctx, `DELETE FROM log_sources WHERE id = ?`, id); err != nil {
		return fmt.Errorf("delete log source: %w", err)
	}
	if err := tx.auditChange(ctx, "log_source.delete", "log_source", id, before.SiteID, before, nil); err != nil {
		return err
	}
	return tx.Commit()
}

// LogSourceByToken returns the source a token belongs to, or EUNAUTHORIZED.
func (s *LogSourceService) LogSourceByToken(ctx context.Context, token string) (*medsec.LogSource, error) {
	if token == "" {
		return nil, medsec.ErrorWithKey(medsec.EUNAUTHORIZED, "err.invalid_source_token", "Invalid log source token.")
	}
	ls, err := findLogSource(ctx, s.db.read, s.db.dialect, "token_hash = ?", hashLogSourceToken(token))
	if medsec.ErrorCode(err) == medsec.ENOTFOUND {
		return nil, medsec.ErrorWithKey(medsec.EUNAUTHORIZED, "err.invalid_source_token", "Invalid log source token.")
	}
	return ls, err
}

// matchAsset finds the asset a sender is: the one holding its address, else the one
// named as its host name (or the host name's first label), in siteID when that is not 0.
func matchAsset(ctx context.Context, tx *Tx, address, hostname string) (id, site int64, err error) {
	if address != "" {
		err = tx.queryRow(ctx, `SELECT id, site_id FROM assets WHERE ',' || ips || ',' LIKE ? AND status <> 'retired' ORDER BY id LIMIT 1`, "%,"+address+",%").Scan(&id, &site)
		if err == nil || !errors.Is(err, sql.ErrNoRows) {
			return id, site, err
		}
	}
	if hostname != "" {
		short, _, _ := strings.Cut(hostname, ".")
		err = tx.queryRow(ctx, `SELECT id, site_id FROM assets WHERE (LOWER(name) = LOWER(?) OR LOWER(name) = LOWER(?)) AND status <> 'retired' ORDER BY id LIMIT 1`, hostname, short).Scan(&id, &site)
		if err == nil || !errors.Is(err, sql.ErrNoRows) {
			return id, site, err
		}
	}
	return 0, 0, nil
}

// RecordLogSourceActivity folds listener windows into the sources' health in one
// transaction. An unknown sender is registered (audited as log_source.auto_register) at
// its matching asset's site, else at siteID (0: the first site); a source without an
// asset is linked when one matches (audited as log_source.link). The health columns
// themselves are measurements, not audited.
func (s *LogSourceService) RecordLogSourceActivity(ctx context.Context, siteID int64, acts []medsec.LogSourceActivity) error {
	if _, err := authorize(ctx, medsec.PermLogAdmin); err != nil {
		return err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if siteID == 0 {
		if err := tx.queryRow(ctx, `SELECT COALESCE(MIN(id), 0) FROM sites`).Scan(&siteID); err != nil {
			return fmt.Errorf("log sources: %w", err)
		}
		if siteID == 0 {
			return medsec.ErrorWithKey(medsec.EINVALID, "err.no_site", "No site exists to register log sources at.")
		}
	}
	for _, a := range acts {
		if err := s.recordActivity(ctx, tx, siteID, a); err != nil {
			return err
		}
	}
	return tx.Commit()
}

func (s *LogSourceService) recordActivity(ctx context.Context, tx *Tx, siteID int64, a medsec.LogSourceActivity) error {
	var ls *medsec.LogSource
	var err error
	switch {
	case a.SourceID != 0:
		ls, err = findLogSource(ctx, tx, s.db.dialect, "id = ?", a.SourceID)
	case a.Address != "":
		assetID, assetSite, merr := matchAsset(ctx, tx, a.Address, a.Hostname)
		if merr != nil {
			return fmt.Errorf("log source asset: %w", merr)
		}
		site := siteID
		if assetSite != 0 {
			site = assetSite
		}
		ls, err = findLogSource(ctx, tx, s.db.dialect, "site_id = ? AND address = ?", site, a.Address)
		if medsec.ErrorCode(err) == medsec.ENOTFOUND {
			name := a.Hostname
			if name == "" {
				name = a.Address
			}
			ls = &medsec.LogSource{SiteID: site, Name: name, Address: a.Address, Hostname: a.Hostname, AssetID: assetID,
				Transport: a.Transport, AutoRegistered: true, CreatedAt: tx.now}
			ls.ID, err = tx.insert(ctx, `INSERT INTO log_sources (site_id, name, address, hostname, asset_id, transport, auto_registered, created_at)
				VALUES (?, ?, ?, ?, ?, ?, 1, ?)`, ls.SiteID, ls.Name, ls.Address, ls.Hostname, nullID(ls.AssetID), ls.Transport, tx.now)
			if err != nil {
				return fmt.Errorf("register log source: %w", err)
			}
			if err := tx.auditChange(ctx, "log_source.auto_register", "log_source", ls.ID, ls.SiteID, nil, ls); err != nil {
				return err
			}
		}
	default:
		return nil
	}
	if err != nil {
		return err
	}
	if ls.AssetID == 0 {
		if assetID, assetSite, err := matchAsset(ctx, tx, ls.Address, a.Hostname); err != nil {
			return fmt.Errorf("log source asset: %w", err)
		} else if assetID != 0 && assetSite == ls.SiteID {
			before := *ls
			ls.AssetID = assetID
			if _, err := tx.exec(ctx, `UPDATE log_sources SET asset_id = ? WHERE id = ?`, assetID, ls.ID); err != nil {
				return fmt.Errorf("link log source: %w", err)
			}
			if err := tx.auditChange(ctx, "log_source.link", "log_source", ls.ID, ls.SiteID, &before, ls); err != nil {
				return err
			}
		}
	}
	first := ls.FirstSeen
	if first.IsZero() || a.First.Before(first) {
		first = a.First
	}
	last := ls.LastSeen
	if a.Last.After(last) {
		last = a.Last
	}
	rate := 0.0
	if a.Window > 0 {
		rate = float64(a.Records) / a.Window.Minutes()
	}
	skew, samples := ls.Skew, ls.SkewSamples
	if a.SkewSamples > 0 {
		skew, samples = a.Skew.Seconds(), a.SkewSamples
	}
	hostname := ls.Hostname
	if a.Hostname != "" {
		hostname = a.Hostname
	}
	missing := map[string]int64{}
	for k, v := range a.Missing {
		if v > 0 {
			missing[k] = v
		}
	}
	_, err = tx.exec(ctx, `UPDATE log_sources SET hostname = ?, format = ?, first_seen = ?, last_seen = ?, records = records + ?,
		rate = ?, skew = ?, skew_samples = ?, window_records = ?, missing_json = ? WHERE id = ?`,
		hostname, a.Format, nullTime(first), nullTime(last), a.Records, rate, skew, samples, a.Records, toJSON(missing), ls.ID)
	if err != nil {
		return fmt.Errorf("log source activity: %w", err)
	}
	return nil
}
