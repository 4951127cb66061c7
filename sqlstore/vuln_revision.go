package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"medsec/vuln"
)

// olderRevision returns a warning when the stored advisory with a's ID is a newer
// revision than a, or the same revision saying something else about products (CSAF 2.0
// §3.2.1.12: tracking version and current_release_date): a is then not stored, so an old
// copy in a mirror or directory cannot undo an update. "" when a may be stored.
func (tx *Tx) olderRevision(ctx context.Context, a *vuln.Advisory) (string, error) {
	var doc string
	err := tx.queryRow(ctx, `SELECT doc_json FROM vuln_advisories WHERE ref = ?`, a.ID).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read advisory %s: %w", a.ID, err)
	}
	var stored vuln.Advisory
	if err := json.Unmarshal([]byte(doc), &stored); err != nil {
		return "", fmt.Errorf("read advisory %s: %w", a.ID, err)
	}
	rev := func(x *vuln.Advisory) string {
		d := "no date"
		if !x.Updated.IsZero() {
			d = x.Updated.UTC().Format("2006-01-02")
		}
		if x.Revision == "" {
			return d
		}
		return x.Revision + " (" + d + ")"
	}
	switch c := vuln.CompareRevisions(&stored, a); {
	case c < 0:
		return fmt.Sprintf("%s: older revision of %s ignored: stored %s, file %s", a.File, a.ID, rev(&stored), rev(a)), nil
	case c == 0 && a.Source == vuln.SourceCSAF && !vuln.SameContent(&stored, a):
		return fmt.Sprintf("%s: %s ignored: it claims the stored revision %s but its products or product statuses differ (a changed advisory needs a new tracking version)", a.File, a.ID, rev(a)), nil
	}
	return "", nil
}
