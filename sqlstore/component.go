package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"medsec"
)

// ComponentService implements medsec.ComponentService: device models, SBOMs and their
// components.
type ComponentService struct{ db *DB }

// NewComponentService returns the component service of db.
func NewComponentService(db *DB) *ComponentService { return &ComponentService{db: db} }

var _ medsec.ComponentService = (*ComponentService)(nil)

// sbomAudit is what the audit trail keeps of an SBOM import: the document, not its
// components (their count and the file's hash say what was read).
type sbomAudit struct {
	*medsec.SBOM
	Target string `json:"target"`
}

// ImportSBOM implements medsec.ComponentService.
func (s *ComponentService) ImportSBOM(ctx context.Context, imp medsec.SBOMImport) (*medsec.SBOM, error) {
	sc, err := authorize(ctx, medsec.PermInventoryWrite)
	if err != nil {
		return nil, err
	}
	if !imp.Target.Valid() {
		return nil, medsec.ErrorWithKey(medsec.EINVALID, "err.asset_or_model", "Give either an asset or a device model (vendor and model).")
	}
	if imp.Target.AssetID == 0 {
		if err := sc.writesShared(); err != nil {
			return nil, err
		}
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	sb := &medsec.SBOM{Key: imp.Key, Format: imp.Format, SpecVersion: imp.Spec, Subject: imp.Subject, FileName: imp.FileName,
		SHA256: imp.SHA256, Components: len(imp.Components), ImportedAt: tx.now, ImportedBy: sc.user.Username}
	var siteID int64
	target := ""
	switch {
	case imp.Target.AssetID != 0:
		a, err := findAssetByID(ctx, tx, tx.db.dialect, imp.Target.AssetID)
		if err != nil {
			return nil, err
		}
		if !sc.seesAsset(a) {
			return nil, assetOutOfScope(a.ID, a.SiteID)
		}
		sb.AssetID, siteID, target = a.ID, a.SiteID, fmt.Sprintf("asset %d", a.ID)
	default:
		m, err := tx.deviceModel(ctx, sc, imp.Target)
		if err != nil {
			return nil, err
		}
		sb.ModelID, target = m.ID, fmt.Sprintf("model %d", m.ID)
	}
	var before *medsec.SBOM
	old, err := tx.findSBOMByKey(ctx, sb.AssetID, sb.ModelID, sb.Key)
	switch {
	case err == nil:
		before = old
		if _, err := tx.exec(ctx, `DELETE FROM components WHERE sbom_id = ?`, old.ID); err != nil {
			return nil, fmt.Errorf("replace sbom %d: %w", old.ID, err)
		}
		sb.ID = old.ID
		if _, err := tx.exec(ctx, `UPDATE sboms SET format = ?, spec_version = ?, subject = ?, file_name = ?, sha256 = ?, components = ?, imported_at = ?, imported_by = ?
			WHERE id = ?`, string(sb.Format), sb.SpecVersion, sb.Subject, sb.FileName, sb.SHA256, sb.Components, sb.ImportedAt, sb.ImportedBy, sb.ID); err != nil {
			return nil, fmt.Errorf("replace sbom %d: %w", sb.ID, err)
		}
	case medsec.ErrorCode(err) == medsec.ENOTFOUND:
		sb.ID, err = tx.insert(ctx, `INSERT INTO sboms (asset_id, model_id, doc_key, format, spec_version, subject, file_name, sha256, components, imported_at, imported_by)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, nullID(sb.AssetID), nullID(sb.ModelID), sb.Key, string(sb.Format), sb.SpecVersion, sb.Subject,
			sb.FileName, sb.SHA256, sb.Components, sb.ImportedAt, sb.ImportedBy)
		if err != nil {
			return nil, fmt.Errorf("store sbom: %w", err)
		}
	default:
		return nil, err
	}
	for i := range imp.Components {
		c := &imp.Components[i]
		hashes, err := json.Marshal(nonNilHashes(c.Hashes))
		if err != nil {
			return nil, fmt.Errorf("store component: %w", err)
		}
		if _, err := tx.exec(ctx, `INSERT INTO components (sbom_id, asset_id, model_id, ref, type, name, version, supplier, cpe, purl, hashes)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, sb.ID, nullID(sb.AssetID), nullID(sb.ModelID), c.Ref, c.Type, c.Name, c.Version,
			c.Supplier, c.CPE, c.PURL, string(hashes)); err != nil {
			return nil, fmt.Errorf("store component %d: %w", i, err)
		}
	}
	if err := tx.auditChange(ctx, "sbom.import", "sbom", sb.ID, siteID, auditOf(before, target), sbomAudit{sb, target}); err != nil {
		return nil, err
	}
	if err := tx.rematchSBOM(ctx, sb); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return sb, nil
}

// rematchSBOM matches the stored advisories again against the devices an SBOM describes:
// its asset, or every asset of its device model.
func (tx *Tx) rematchSBOM(ctx context.Context, sb *medsec.SBOM) error {
	if sb.AssetID != 0 {
		return tx.rematchAssets(ctx, sb.AssetID)
	}
	ids, err := tx.modelAssets(ctx, sb.ModelID)
	if err != nil {
		return err
	}
	return tx.rematchAssets(ctx, ids...)
}

func auditOf(sb *medsec.SBOM, target string) any {
	if sb == nil {
		return nil
	}
	return sbomAudit{sb, target}
}

func nonNilHashes(h []medsec.ComponentHash) []medsec.ComponentHash {
	if h == nil {
		return []medsec.ComponentHash{}
	}
	return h
}

// deviceModel finds the target's model, creating it (audited) when named by vendor and
// model name and not yet stored. It serves the writes to a model, which every site shares:
// the scope must see every asset (scope.writesShared).
func (tx *Tx) deviceModel(ctx context.Context, sc scope, t medsec.ComponentTarget) (*medsec.DeviceModel, error) {
	if err := sc.writesShared(); err != nil {
		return nil, err
	}
	if t.ModelID != 0 {
		m, err := findDeviceModel(ctx, tx, tx.db.dialect, t.ModelID)
		if err != nil {
			return nil, err
		}
		if v := sc.vendor(); v != 0 && m.VendorID != v {
			return nil, medsec.NotInScope("Device model not found.", "err.device_model_not_found", fmt.Sprintf("device model %d", m.ID), 0)
		}
		return m, nil
	}
	vendor, model := strings.TrimSpace(t.VendorName), strings.TrimSpace(t.ModelName)
	var vendorID int64
	err := tx.queryRow(ctx, `SELECT id FROM vendors WHERE name = ?`, vendor).Scan(&vendorID)
	if errors.Is(err, sql.ErrNoRows) {
		err = tx.queryRow(ctx, `SELECT MIN(id) FROM vendors WHERE LOWER(name) = LOWER(?) HAVING COUNT(*) = 1`, vendor).Scan(&vendorID)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "vendor", Key: "err.unknown_vendor", Message: "no such vendor", Value: vendor}}}
	} else if err != nil {
		return nil, fmt.Errorf("find vendor: %w", err)
	}
	if v := sc.vendor(); v != 0 && vendorID != v {
		return nil, medsec.ErrForbidden()
	}
	var id int64
	err = tx.queryRow(ctx, `SELECT id FROM device_models WHERE vendor_id = ? AND name = ?`, vendorID, model).Scan(&id)
	if err == nil {
		return findDeviceModel(ctx, tx, tx.db.dialect, id)
	} else if !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("find device model: %w", err)
	}
	m := &medsec.DeviceModel{VendorID: vendorID, Name: model, CreatedAt: tx.now}
	if m.ID, err = tx.insert(ctx, `INSERT INTO device_models (vendor_id, name, created_at) VALUES (?, ?, ?)`, vendorID, model, m.CreatedAt); err != nil {
		return nil, fmt.Errorf("create device model: %w", err)
	}
	if err := tx.auditChange(ctx, "device_model.create", "device_model", m.ID, 0, nil, m); err != nil {
		return nil, err
	}
	return findDeviceModel(ctx, tx, tx.db.dialect, m.ID)
}

const deviceModelColumns = `m.id, m.vendor_id, v.name, m.name, m.created_at FROM device_models m JOIN vendors v ON v.id = m.vendor_id`

func findDeviceModel(ctx context.Context, q querier, d dialect, id int64) (*medsec.DeviceModel, error) {
	var m medsec.DeviceModel
	err := q.QueryRowContext(ctx, d.rebind(`SELECT `+deviceModelColumns+` WHERE m.id = ?`), id).Scan(&m.ID, &m.VendorID, &m.VendorName, &m.Name, &m.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, medsec.ErrorWithKey(medsec.ENOTFOUND, "err.device_model_not_found", "Device model not found.")
	} else if err != nil {
		return nil, fmt.Errorf("find device model %d: %w", id, err)
	}
	m.CreatedAt = m.CreatedAt.UTC()
	return &m, nil
}

const sbomColumns = `id, COALESCE(asset_id, 0), COALESCE(model_id, 0), doc_key, format, spec_version, subject, file_name, sha256, components, imported_at, imported_by FROM sboms`

func scanSBOM(scan func(...any) error) (*medsec.SBOM, error) {
	var sb medsec.SBOM
	var format string
	if err := scan(&sb.ID, &sb.AssetID, &sb.ModelID, &sb.Key, &format, &sb.SpecVersion, &sb.Subject, &sb.FileName, &sb.SHA256,
		&sb.Components, &sb.ImportedAt, &sb.ImportedBy); err != nil {
		return nil, err
	}
	sb.Format, sb.ImportedAt = medsec.SBOMFormat(format), sb.ImportedAt.UTC()
	return &sb, nil
}

func (tx *Tx) findSBOMByKey(ctx context.Context, assetID, modelID int64, key string) (*medsec.SBOM, error) {
	sb, err := scanSBOM(tx.queryRow(ctx, `SELECT `+sbomColumns+` WHERE COALESCE(asset_id, 0) = ? AND COALESCE(model_id, 0) = ? AND doc_key = ?`, assetID, modelID, key).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, medsec.ErrorWithKey(medsec.ENOTFOUND, "err.sbom_not_found", "SBOM not found.")
	} else if err != nil {
		return nil, fmt.Errorf("find sbom: %w", err)
	}
	return sb, nil
}

// DeleteSBOM implements medsec.ComponentService.
func (s *ComponentService) DeleteSBOM(ctx context.Context, id int64) error {
	sc, err := authorize(ctx, medsec.PermInventoryWrite)
	if err != nil {
		return err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	sb, err := scanSBOM(tx.queryRow(ctx, `SELECT `+sbomColumns+` WHERE id = ?`, id).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return medsec.ErrorWithKey(medsec.ENOTFOUND, "err.sbom_not_found", "SBOM not found.")
	} else if err != nil {
		return fmt.Errorf("find sbom %d: %w", id, err)
	}
	var siteID int64
	target := fmt.Sprintf("model %d", sb.ModelID)
	if sb.AssetID != 0 {
		a, err := findAssetByID(ctx, tx, tx.db.dialect, sb.AssetID)
		if err != nil {
			return err
		}
		if !sc.seesAsset(a) {
			return medsec.NotInScope("SBOM not found.", "err.sbom_not_found", fmt.Sprintf("sbom %d", id), a.SiteID)
		}
		siteID, target = a.SiteID, fmt.Sprintf("asset %d", a.ID)
	} else if err := sc.writesShared(); err != nil {
		return err
	}
	if _, err := tx.exec(ctx, `DELETE FROM components WHERE sbom_id = ?`, id); err != nil {
		return fmt.Errorf("delete sbom %d: %w", id, err)
	}
	if _, err := tx.exec(ctx, `DELETE FROM sboms WHERE id = ?`, id); err != nil {
		return fmt.Errorf("delete sbom %d: %w", id, err)
	}
	if err := tx.auditChange(ctx, "sbom.delete", "sbom", id, siteID, sbomAudit{sb, target}, nil); err != nil {
		return err
	}
	if err := tx.rematchSBOM(ctx, sb); err != nil {
		return err
	}
	return tx.Commit()
}

// FindAssetComponents implements medsec.ComponentService.
func (s *ComponentService) FindAssetComponents(ctx context.Context, assetID int64) (*medsec.AssetComponents, error) {
	sc, err := authorize(ctx, medsec.PermInventoryRead)
	if err != nil {
		return nil, err
	}
	a, err := findAssetByID(ctx, s.db.read, s.db.dialect, assetID)
	if err != nil {
		return nil, err
	}
	if !sc.seesAsset(a) {
		return nil, assetOutOfScope(a.ID, a.SiteID)
	}
	out := &medsec.AssetComponents{}
	var modelID int64
	if a.VendorID != 0 && a.Model != "" {
		err := s.db.read.QueryRowContext(ctx, s.db.dialect.rebind(`SELECT id FROM device_models WHERE vendor_id = ? AND name = ?`), a.VendorID, a.Model).Scan(&modelID)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("find model of asset %d: %w", a.ID, err)
		}
		if modelID != 0 {
			if out.Model, err = findDeviceModel(ctx, s.db.read, s.db.dialect, modelID); err != nil {
				return nil, err
			}
		}
	}
	if err := s.readComponents(ctx, out, `(asset_id = ? OR model_id = ?)`, a.ID, modelID); err != nil {
		return nil, err
	}
	return out, nil
}

// readComponents fills out's SBOMs and components with those whose condition holds.
func (s *ComponentService) readComponents(ctx context.Context, out *medsec.AssetComponents, cond string, args ...any) error {
	d := s.db.dialect
	rows, err := s.db.read.QueryContext(ctx, d.rebind(`SELECT `+sbomColumns+` WHERE `+cond+` ORDER BY imported_at, id`), args...)
	if err != nil {
		return fmt.Errorf("find sboms: %w", err)
	}
	defer rows.Close()
	out.SBOMs = []*medsec.SBOM{}
	for rows.Next() {
		sb, err := scanSBOM(rows.Scan)
		if err != nil {
			return fmt.Errorf("find sboms: %w", err)
		}
		out.SBOMs = append(out.SBOMs, sb)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("find sboms: %w", err)
	}
	crows, err := s.db.read.QueryContext(ctx, d.rebind(`SELECT id, sbom_id, COALESCE(asset_id, 0), COALESCE(model_id, 0), ref, type, name, version, supplier, cpe, purl, hashes
		FROM components WHERE `+cond+` ORDER BY LOWER(name), version, id`), args...)
	if err != nil {
		return fmt.Errorf("find components: %w", err)
	}
	defer crows.Close()
	out.Components = []*medsec.Component{}
	for crows.Next() {
		var c medsec.Component
		var hashes string
		if err := crows.Scan(&c.ID, &c.SBOMID, &c.AssetID, &c.ModelID, &c.Ref, &c.Type, &c.Name, &c.Version, &c.Supplier, &c.CPE, &c.PURL, &hashes); err != nil {
			return fmt.Errorf("find components: %w", err)
		}
		if err := json.Unmarshal([]byte(hashes), &c.Hashes); err != nil {
			return fmt.Errorf("component %d hashes: %w", c.ID, err)
		}
		out.Components = append(out.Components, &c)
	}
	return crows.Err()
}

// FindDeviceModels implements medsec.ComponentService: the stored models and, with ID 0,
// the vendor and model pairs the caller's assets carry that are not stored yet.
func (s *ComponentService) FindDeviceModels(ctx context.Context) ([]*medsec.DeviceModel, error) {
	sc, err := authorize(ctx, medsec.PermInventoryRead)
	if err != nil {
		return nil, err
	}
	d := s.db.dialect
	cond, args := sc.assetCond("a")
	if cond != "" {
		cond = " AND " + cond
	}
	// Asset counts per vendor and model, within the scope.
	type key struct {
		vendor int64
		name   string
	}
	counts := map[key]int{}
	names := map[key]string{}
	rows, err := s.db.read.QueryContext(ctx, d.rebind(`SELECT a.vendor_id, v.name, a.model, COUNT(*) FROM assets a JOIN vendors v ON v.id = a.vendor_id
		WHERE a.model <> ''`+cond+` GROUP BY a.vendor_id, v.name, a.model`), args...)
	if err != nil {
		return nil, fmt.Errorf("find device models: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k key
		var vendor string
		var n int
		if err := rows.Scan(&k.vendor, &vendor, &k.name, &n); err != nil {
			return nil, fmt.Errorf("find device models: %w", err)
		}
		counts[k], names[k] = n, vendor
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find device models: %w", err)
	}
	mcond, margs := "", []any{}
	if v := sc.vendor(); v != 0 {
		mcond, margs = " WHERE m.vendor_id = ?", []any{v}
	}
	mrows, err := s.db.read.QueryContext(ctx, d.rebind(`SELECT `+deviceModelColumns+mcond+` ORDER BY v.name, m.name`), margs...)
	if err != nil {
		return nil, fmt.Errorf("find device models: %w", err)
	}
	defer mrows.Close()
	models := []*medsec.DeviceModel{}
	for mrows.Next() {
		var m medsec.DeviceModel
		if err := mrows.Scan(&m.ID, &m.VendorID, &m.VendorName, &m.Name, &m.CreatedAt); err != nil {
			return nil, fmt.Errorf("find device models: %w", err)
		}
		k := key{m.VendorID, m.Name}
		m.Assets, m.CreatedAt = counts[k], m.CreatedAt.UTC()
		delete(counts, k)
		models = append(models, &m)
	}
	if err := mrows.Err(); err != nil {
		return nil, fmt.Errorf("find device models: %w", err)
	}
	for k, n := range counts {
		models = append(models, &medsec.DeviceModel{VendorID: k.vendor, VendorName: names[k], Name: k.name, Assets: n})
	}
	sortModels(models)
	return models, nil
}

func sortModels(models []*medsec.DeviceModel) {
	slices.SortFunc(models, func(a, b *medsec.DeviceModel) int {
		return cmp.Or(cmp.Compare(a.VendorName, b.VendorName), cmp.Compare(a.Name, b.Name))
	})
}

// FindDeviceModel implements medsec.ComponentService.
func (s *ComponentService) FindDeviceModel(ctx context.Context, id int64) (*medsec.DeviceModel, *medsec.AssetComponents, error) {
	sc, err := authorize(ctx, medsec.PermInventoryRead)
	if err != nil {
		return nil, nil, err
	}
	m, err := findDeviceModel(ctx, s.db.read, s.db.dialect, id)
	if err != nil {
		return nil, nil, err
	}
	if v := sc.vendor(); v != 0 && m.VendorID != v {
		return nil, nil, medsec.NotInScope("Device model not found.", "err.device_model_not_found", fmt.Sprintf("device model %d", m.ID), 0)
	}
	cond, args := sc.assetCond("a")
	if cond != "" {
		cond = " AND " + cond
	}
	if err := s.db.read.QueryRowContext(ctx, s.db.dialect.rebind(`SELECT COUNT(*) FROM assets a WHERE a.vendor_id = ? AND a.model = ?`+cond),
		append([]any{m.VendorID, m.Name}, args...)...).Scan(&m.Assets); err != nil {
		return nil, nil, fmt.Errorf("count assets of model %d: %w", id, err)
	}
	out := &medsec.AssetComponents{Model: m}
	if err := s.readComponents(ctx, out, `model_id = ?`, m.ID); err != nil {
		return nil, nil, err
	}
	return m, out, nil
}

// EnsureDeviceModel implements medsec.ComponentService.
func (s *ComponentService) EnsureDeviceModel(ctx context.Context, vendorName, modelName string) (*medsec.DeviceModel, error) {
	sc, err := authorize(ctx, medsec.PermInventoryWrite)
	if err != nil {
		return nil, err
	}
	t := medsec.ComponentTarget{VendorName: vendorName, ModelName: modelName}
	if !t.Valid() {
		return nil, medsec.ErrorWithKey(medsec.EINVALID, "err.mds2_model_required", "Give a vendor and a model name.")
	}
	if err := sc.writesShared(); err != nil {
		return nil, err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	m, err := tx.deviceModel(ctx, sc, t)
	if err != nil {
		return nil, err
	}
	return m, tx.Commit()
}
