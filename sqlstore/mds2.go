package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"medsec"
)

// mds2Audit is what the audit trail keeps of a profile: the form and the capabilities, not
// every answer (the file's hash names the form).
type mds2Audit struct {
	ModelID      int64                     `json:"model_id"`
	FileName     string                    `json:"file_name"`
	SHA256       string                    `json:"sha256"`
	ReleaseDate  string                    `json:"release_date,omitempty"`
	Capabilities []medsec.CapabilityStatus `json:"capabilities"`
}

func auditMDS2(p *medsec.MDS2Profile) any {
	if p == nil {
		return nil
	}
	caps := make([]medsec.CapabilityStatus, len(p.Capabilities))
	for i, c := range p.Capabilities {
		caps[i] = medsec.CapabilityStatus{Capability: c.Capability, Status: c.Status, Evidence: []medsec.MDS2Answer{}}
	}
	return mds2Audit{ModelID: p.ModelID, FileName: p.FileName, SHA256: p.SHA256, ReleaseDate: p.ReleaseDate, Capabilities: caps}
}

// ImportMDS2 implements medsec.ComponentService.
func (s *ComponentService) ImportMDS2(ctx context.Context, target medsec.ComponentTarget, p *medsec.MDS2Profile) (*medsec.MDS2Profile, error) {
	sc, err := authorize(ctx, medsec.PermInventoryWrite)
	if err != nil {
		return nil, err
	}
	if target.AssetID != 0 || !target.Valid() {
		return nil, medsec.ErrorWithKey(medsec.EINVALID, "err.mds2_model_required", "An MDS2 form describes a device model: give the vendor and the model.")
	}
	if err := sc.writesShared(); err != nil {
		return nil, err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	m, err := tx.deviceModel(ctx, sc, target)
	if err != nil {
		return nil, err
	}
	before, err := findMDS2(ctx, tx, tx.db.dialect, m.ID)
	if err != nil && medsec.ErrorCode(err) != medsec.ENOTFOUND {
		return nil, err
	}
	out := *p
	out.ModelID, out.ImportedAt, out.ImportedBy = m.ID, tx.now, sc.user.Username
	caps, err := json.Marshal(out.Capabilities)
	if err != nil {
		return nil, fmt.Errorf("store mds2: %w", err)
	}
	answers, err := json.Marshal(out.Answers)
	if err != nil {
		return nil, fmt.Errorf("store mds2: %w", err)
	}
	if _, err := tx.exec(ctx, `DELETE FROM mds2_profiles WHERE model_id = ?`, m.ID); err != nil {
		return nil, fmt.Errorf("store mds2: %w", err)
	}
	if _, err := tx.exec(ctx, `INSERT INTO mds2_profiles (model_id, manufacturer, model, description, release_date, file_name, sha256, capabilities, answers, imported_at, imported_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, m.ID, out.Manufacturer, out.Model, out.Description, out.ReleaseDate, out.FileName, out.SHA256,
		string(caps), string(answers), out.ImportedAt, out.ImportedBy); err != nil {
		return nil, fmt.Errorf("store mds2: %w", err)
	}
	if err := tx.auditChange(ctx, "mds2.import", "device_model", m.ID, 0, auditMDS2(before), auditMDS2(&out)); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return &out, nil
}

// FindMDS2 implements medsec.ComponentService.
func (s *ComponentService) FindMDS2(ctx context.Context, modelID int64) (*medsec.MDS2Profile, error) {
	sc, err := authorize(ctx, medsec.PermInventoryRead)
	if err != nil {
		return nil, err
	}
	m, err := findDeviceModel(ctx, s.db.read, s.db.dialect, modelID)
	if err != nil {
		return nil, err
	}
	if v := sc.vendor(); v != 0 && m.VendorID != v {
		return nil, medsec.NotInScope("Device model not found.", "err.device_model_not_found", fmt.Sprintf("device model %d", m.ID), 0)
	}
	return findMDS2(ctx, s.db.read, s.db.dialect, modelID)
}

func findMDS2(ctx context.Context, q querier, d dialect, modelID int64) (*medsec.MDS2Profile, error) {
	var p medsec.MDS2Profile
	var caps, answers string
	err := q.QueryRowContext(ctx, d.rebind(`SELECT model_id, manufacturer, model, description, release_date, file_name, sha256, capabilities, answers, imported_at, imported_by
		FROM mds2_profiles WHERE model_id = ?`), modelID).Scan(&p.ModelID, &p.Manufacturer, &p.Model, &p.Description, &p.ReleaseDate,
		&p.FileName, &p.SHA256, &caps, &answers, &p.ImportedAt, &p.ImportedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, medsec.ErrorWithKey(medsec.ENOTFOUND, "err.mds2_not_found", "The device model has no MDS2 profile.")
	} else if err != nil {
		return nil, fmt.Errorf("find mds2 of model %d: %w", modelID, err)
	}
	if err := json.Unmarshal([]byte(caps), &p.Capabilities); err != nil {
		return nil, fmt.Errorf("mds2 of model %d: %w", modelID, err)
	}
	if err := json.Unmarshal([]byte(answers), &p.Answers); err != nil {
		return nil, fmt.Errorf("mds2 of model %d: %w", modelID, err)
	}
	p.ImportedAt = p.ImportedAt.UTC()
	return &p, nil
}

// mds2Cache finds the MDS2 profile of an asset's device model, reading each model once.
type mds2Cache struct {
	q       querier
	d       dialect
	byModel map[mds2Key]*medsec.MDS2Profile
}

type mds2Key struct {
	vendor int64
	model  string
}

func newMDS2Cache(q querier, d dialect) *mds2Cache {
	return &mds2Cache{q: q, d: d, byModel: map[mds2Key]*medsec.MDS2Profile{}}
}

// profile returns the asset's model's profile, or nil when the asset has no model or the
// model no profile.
func (c *mds2Cache) profile(ctx context.Context, a *medsec.Asset) (*medsec.MDS2Profile, error) {
	if a.VendorID == 0 || a.Model == "" {
		return nil, nil
	}
	k := mds2Key{a.VendorID, a.Model}
	if p, ok := c.byModel[k]; ok {
		return p, nil
	}
	var id int64
	err := c.q.QueryRowContext(ctx, c.d.rebind(`SELECT p.model_id FROM mds2_profiles p JOIN device_models m ON m.id = p.model_id
		WHERE m.vendor_id = ? AND m.name = ?`), a.VendorID, a.Model).Scan(&id)
	var p *medsec.MDS2Profile
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return nil, fmt.Errorf("find mds2 of asset %d: %w", a.ID, err)
	default:
		if p, err = findMDS2(ctx, c.q, c.d, id); err != nil {
			return nil, err
		}
	}
	c.byModel[k] = p
	return p, nil
}
