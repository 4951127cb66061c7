package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"medsec"
	"medsec/vuln"
)

// productAliases reads the product alias table for matching.
func (tx *Tx) productAliases(ctx context.Context) (vuln.ProductAliases, error) {
	rows, err := tx.query(ctx, `SELECT vendor, name, model FROM vuln_product_aliases ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("read product aliases: %w", err)
	}
	defer rows.Close()
	var out vuln.ProductAliases
	for rows.Next() {
		var p vuln.ProductAlias
		if err := rows.Scan(&p.Vendor, &p.Name, &p.Model); err != nil {
			return nil, fmt.Errorf("read product aliases: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// withVariants returns the targets and, after them, each as a product alias line names it
// (vuln.ProductAliases.Variants): the targets whose index keys find the advisories that
// may concern them.
func withVariants(aliases vuln.Aliases, pa vuln.ProductAliases, targets []vuln.Target) []vuln.Target {
	if len(pa) == 0 {
		return targets
	}
	out := targets
	for _, t := range targets {
		out = append(out, pa.Variants(aliases, t)...)
	}
	return out
}

// FindProductAliases returns the product alias table, ordered by vendor, model and name.
// Needs PermInventoryRead.
func (s *VulnService) FindProductAliases(ctx context.Context) ([]*medsec.ProductAlias, error) {
	if _, err := authorize(ctx, medsec.PermInventoryRead); err != nil {
		return nil, err
	}
	rows, err := s.db.read.QueryContext(ctx, `SELECT id, vendor, name, model, created_at FROM vuln_product_aliases ORDER BY LOWER(vendor), LOWER(model), LOWER(name), id`)
	if err != nil {
		return nil, fmt.Errorf("read product aliases: %w", err)
	}
	defer rows.Close()
	out := []*medsec.ProductAlias{}
	for rows.Next() {
		p := &medsec.ProductAlias{}
		if err := rows.Scan(&p.ID, &p.Vendor, &p.Name, &p.Model, &p.CreatedAt); err != nil {
			return nil, fmt.Errorf("read product aliases: %w", err)
		}
		p.CreatedAt = p.CreatedAt.UTC()
		out = append(out, p)
	}
	return out, rows.Err()
}

// AddProductAlias records that the advisories of p.Vendor name as p.Name the product the
// inventory calls p.Model, audited as vuln.product_alias.create, and matches again the
// devices of that model (in committed batches after the line is stored). The same line
// twice is refused (EINVALID naming name). Needs PermInventoryWrite and a user limited to
// no site and no vendor (the table applies at every site; others get EFORBIDDEN).
func (s *VulnService) AddProductAlias(ctx context.Context, p *medsec.ProductAlias) error {
	sc, err := authorize(ctx, medsec.PermInventoryWrite)
	if err != nil {
		return err
	}
	p.Vendor, p.Name, p.Model = strings.TrimSpace(p.Vendor), strings.TrimSpace(p.Name), strings.TrimSpace(p.Model)
	if err := p.Validate(); err != nil {
		return err
	}
	if err := sc.writesShared(); err != nil {
		return err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	vk, nk, mk := vuln.NameKey(p.Vendor), vuln.NameKey(p.Name), vuln.NameKey(p.Model)
	var n int
	if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM vuln_product_aliases WHERE vendor_key = ? AND name_key = ? AND model_key = ?`, vk, nk, mk).Scan(&n); err != nil {
		return fmt.Errorf("add product alias: %w", err)
	}
	if n > 0 {
		return &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "name", Key: "palias.err.duplicate", Message: "the table has this line already"}}}
	}
	id, err := tx.insert(ctx, `INSERT INTO vuln_product_aliases (vendor, vendor_key, name, name_key, model, model_key, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		p.Vendor, vk, p.Name, nk, p.Model, mk, tx.now)
	if err != nil {
		return fmt.Errorf("add product alias: %w", err)
	}
	p.ID, p.CreatedAt = id, tx.now
	if err := tx.auditChange(ctx, "vuln.product_alias.create", "vuln_product_alias", id, 0, nil, map[string]string{"vendor": p.Vendor, "name": p.Name, "model": p.Model}); err != nil {
		return err
	}
	return s.rematchProductAlias(ctx, tx, p.Name, p.Model)
}

// DeleteProductAlias removes a line of the product alias table, audited as
// vuln.product_alias.delete, and matches again the devices of its model. ENOTFOUND for no
// such line. Needs what AddProductAlias needs.
func (s *VulnService) DeleteProductAlias(ctx context.Context, id int64) error {
	sc, err := authorize(ctx, medsec.PermInventoryWrite)
	if err != nil {
		return err
	}
	if err := sc.writesShared(); err != nil {
		return err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var p medsec.ProductAlias
	if err := tx.queryRow(ctx, `SELECT vendor, name, model FROM vuln_product_aliases WHERE id = ?`, id).Scan(&p.Vendor, &p.Name, &p.Model); errors.Is(err, sql.ErrNoRows) {
		return medsec.ErrorWithKey(medsec.ENOTFOUND, "palias.err.not_found", "The product alias table has no line %d.", id)
	} else if err != nil {
		return fmt.Errorf("delete product alias: %w", err)
	}
	if _, err := tx.exec(ctx, `DELETE FROM vuln_product_aliases WHERE id = ?`, id); err != nil {
		return fmt.Errorf("delete product alias: %w", err)
	}
	if err := tx.auditChange(ctx, "vuln.product_alias.delete", "vuln_product_alias", id, 0, map[string]string{"vendor": p.Vendor, "name": p.Name, "model": p.Model}, nil); err != nil {
		return err
	}
	return s.rematchProductAlias(ctx, tx, p.Name, p.Model)
}

// rematchProductAlias finishes a product alias edit in tx: it queues the devices whose
// model (or a component's name, or a CPE product) is the line's model or name, commits
// with the edit, then matches them in committed batches.
func (s *VulnService) rematchProductAlias(ctx context.Context, tx *Tx, name, model string) error {
	keys := map[string]bool{}
	for _, n := range []string{name, model} {
		k := vuln.NameKey(n)
		keys["n|"+k], keys["c|"+k] = true, true
	}
	only := map[int64]bool{}
	if err := tx.targetsSharing(ctx, keys, "", only); err != nil {
		return err
	}
	if err := tx.enqueueMatch(ctx, only); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	var sum medsec.ImportSummary
	return s.drainMatchQueue(ctx, &sum)
}
