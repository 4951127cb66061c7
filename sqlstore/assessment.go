package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"path/filepath"
	"strings"

	"medsec"
	"medsec/catalog"
	"medsec/evidence"
)

// AssessmentService implements medsec.AssessmentService over the store, the embedded
// catalogs, an evidence file store and the automatic checks.
type AssessmentService struct {
	db       *DB
	catalogs []*catalog.Catalog
	files    *evidence.Store
	checks   *medsec.CheckRegistry
	// crosswalk links controls of different catalogs on the same subject; nil if the
	// embedded crosswalk does not load (it is checked by package catalog's tests).
	crosswalk *catalog.Crosswalk
	// gapCache keeps computed gap reports until the data under them changes.
	gapCache gapCache
}

var _ medsec.AssessmentService = (*AssessmentService)(nil)

// NewAssessmentService returns the assessment service of db. files keeps the evidence;
// checks are the automatic checks run on assets.
func NewAssessmentService(db *DB, catalogs []*catalog.Catalog, files *evidence.Store, checks *medsec.CheckRegistry) *AssessmentService {
	x, _ := catalog.LoadCrosswalk()
	return &AssessmentService{db: db, catalogs: catalogs, files: files, checks: checks, crosswalk: x}
}

// Assess appends one assessment.
func (s *AssessmentService) Assess(ctx context.Context, a *medsec.Assessment) error {
	u, err := medsec.Authorize(ctx, medsec.PermInventoryWrite)
	if err != nil {
		return err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := s.assess(ctx, tx, u, a); err != nil {
		return err
	}
	return tx.Commit()
}

// AssessBulk appends the same judgement for every asset, all or none.
func (s *AssessmentService) AssessBulk(ctx context.Context, a medsec.Assessment, assetIDs []int64) ([]*medsec.Assessment, error) {
	u, err := medsec.Authorize(ctx, medsec.PermInventoryWrite)
	if err != nil {
		return nil, err
	}
	if len(assetIDs) == 0 {
		return nil, &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "asset_ids", Key: "err.required", Message: "is required"}}}
	}
	if len(assetIDs) > medsec.MaxBulkAssets {
		return nil, &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "asset_ids", Key: "err.too_many",
			Message: fmt.Sprintf("has %d entries; at most %d are allowed", len(assetIDs), medsec.MaxBulkAssets)}}}
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	out := make([]*medsec.Assessment, 0, len(assetIDs))
	for _, id := range assetIDs {
		one := a
		one.AssetID = id
		one.Links = append([]string(nil), a.Links...)
		one.Evidence = append([]medsec.Evidence(nil), a.Evidence...)
		if err := s.assess(ctx, tx, u, &one); err != nil {
			return nil, fmt.Errorf("assess asset %d: %w", id, err)
		}
		out = append(out, &one)
	}
	return out, tx.Commit()
}

func (s *AssessmentService) assess(ctx context.Context, tx *Tx, u *medsec.User, a *medsec.Assessment) error {
	a.Normalize()
	if a.AssessedOn.IsZero() {
		a.AssessedOn = medsec.DateOf(tx.now)
	}
	if err := a.Validate(); err != nil {
		return err
	}
	c, err := catalog.Find(s.catalogs, a.CatalogID)
	if err != nil {
		return invalid("catalog_id", "err.unknown_value", "unknown catalog "+a.CatalogID)
	}
	if _, err := c.Control(a.ControlID); err != nil {
		return invalid("control_id", "err.unknown_value", "unknown control "+a.ControlID)
	}
	perAsset := a.CatalogID == catalog.IDTaiwanBaseline
	switch {
	case perAsset && a.AssetID == medsec.Organisation:
		return invalid("asset_id", "err.asset_required", "the TW baseline is assessed per asset")
	case !perAsset && a.AssetID != medsec.Organisation:
		return invalid("asset_id", "err.organisation_only", "this catalog is assessed for the organisation")
	}
	a.SiteID = 0
	if a.AssetID != medsec.Organisation {
		// The transaction's prepared statement: a bulk assessment reads thousands.
		asset, err := scanAsset(tx.queryRow(ctx, `SELECT `+assetColumns+assetFrom+` WHERE a.id = ?`, a.AssetID).Scan)
		if errors.Is(err, sql.ErrNoRows) {
			return medsec.ErrorWithKey(medsec.ENOTFOUND, "err.asset_not_found", "Asset not found.")
		} else if err != nil {
			return fmt.Errorf("assess: find asset %d: %w", a.AssetID, err)
		}
		if !u.CanSeeAsset(asset) {
			return assetOutOfScope(asset.ID, asset.SiteID)
		}
		a.SiteID, a.AssetName = asset.SiteID, asset.Name
	} else if len(u.SiteIDs) > 0 {
		// The organisation's obligations belong to no site; a user limited to some
		// sites may read them but not judge them.
		return medsec.ErrForbidden()
	}
	for i := range a.Evidence {
		e := &a.Evidence[i]
		// Evidence follows scope: only a file the assessor can already see may be cited, and
		// a file it cannot see gets the same answer as one that does not exist.
		noFile := invalid("evidence", "err.bad_evidence", "no stored evidence file has digest "+e.SHA256)
		sight, err := sightOfEvidence(ctx, tx, tx.db.dialect, u, e.SHA256)
		if err != nil {
			return fmt.Errorf("assess: %w", err)
		} else if !sight.seen() {
			return noFile
		}
		f, err := s.files.Open(e.SHA256)
		if err != nil {
			return noFile
		}
		info, err := f.Stat()
		f.Close()
		if err != nil {
			return fmt.Errorf("assess: evidence %s: %w", e.SHA256, err)
		}
		e.Size = info.Size()
		e.Name = cleanFileName(e.Name)
		if e.Name == "" {
			e.Name = e.SHA256[:12]
		}
	}
	a.AssessorID, a.Assessor, a.CreatedAt = u.ID, u.Username, tx.now
	id, err := tx.insert(ctx, `INSERT INTO assessments (catalog_id, control_id, asset_id, site_id, status, reason, compensating, notes, links,
		assessor_id, assessor, assessed_on, next_review, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.CatalogID, a.ControlID, a.AssetID, a.SiteID, string(a.Status), a.Reason, a.Compensating, a.Notes, strings.Join(a.Links, "\n"),
		nullID(a.AssessorID), a.Assessor, a.AssessedOn.String(), a.NextReview.String(), a.CreatedAt)
	if err != nil {
		return fmt.Errorf("insert assessment: %w", err)
	}
	a.ID = id
	seen := map[string]bool{}
	for _, e := range a.Evidence {
		if seen[e.SHA256] {
			continue
		}
		seen[e.SHA256] = true
		if _, err := tx.exec(ctx, `INSERT INTO assessment_evidence (assessment_id, sha256, name, size, media_type) VALUES (?, ?, ?, ?, ?)`,
			id, e.SHA256, e.Name, e.Size, e.MediaType); err != nil {
			return fmt.Errorf("insert assessment evidence: %w", err)
		}
	}
	return tx.auditChange(ctx, "assessment.create", "assessment", id, a.SiteID, nil, a)
}

func invalid(field, key, msg string) error {
	return &medsec.ValidationError{Errors: []medsec.FieldError{{Field: field, Key: key, Message: msg}}}
}

// cleanFileName keeps the base name of an uploaded file, without path or control
// characters, at most 200 bytes.
func cleanFileName(name string) string { return medsec.CleanFileName(name) }

const assessmentColumns = `x.id, x.catalog_id, x.control_id, x.asset_id, x.site_id, x.status, x.reason, x.compensating, x.notes, x.links,
	COALESCE(x.assessor_id, 0), x.assessor, x.assessed_on, x.next_review, x.created_at,
	COALESCE(a.name, ''), COALESCE(a.vendor_id, 0), COALESCE(a.site_id, x.site_id)`

// assessmentRow is an assessment with the vendor and the current site of its asset, for
// visibility.
type assessmentRow struct {
	*medsec.Assessment
	vendorID int64
	// assetSiteID is the site the asset is at now; the assessment's SiteID is where it
	// was when assessed.
	assetSiteID int64
}

func scanAssessment(scan func(dest ...any) error) (assessmentRow, error) {
	var x medsec.Assessment
	var links, on, review string
	var vendor, assetSite int64
	if err := scan(&x.ID, &x.CatalogID, &x.ControlID, &x.AssetID, &x.SiteID, &x.Status, &x.Reason, &x.Compensating, &x.Notes, &links,
		&x.AssessorID, &x.Assessor, &on, &review, &x.CreatedAt, &x.AssetName, &vendor, &assetSite); err != nil {
		return assessmentRow{}, err
	}
	x.Links = []string{}
	if links != "" {
		x.Links = strings.Split(links, "\n")
	}
	x.AssessedOn, _ = medsec.ParseDate(on)
	x.NextReview, _ = medsec.ParseDate(review)
	x.CreatedAt = x.CreatedAt.UTC()
	x.Evidence = []medsec.Evidence{}
	return assessmentRow{&x, vendor, assetSite}, nil
}

// visible reports whether u may see an assessment: the organisation's unless u is a
// vendor maintenance user; an asset's when u may see the asset at the site it was
// assessed at or at the site it is at now. A moved asset's record goes with it, so the
// site that holds it now reads the same assessments whoever asks (issue 16 break-test:
// a branch user's report of the branch counted a device moved there as never assessed),
// and the site it came from keeps what was assessed while it was theirs.
func visible(u *medsec.User, r assessmentRow) bool {
	if r.AssetID == medsec.Organisation {
		return u.Role != medsec.RoleVendor
	}
	return u.CanSeeAsset(&medsec.Asset{SiteID: r.SiteID, VendorID: r.vendorID}) ||
		u.CanSeeAsset(&medsec.Asset{SiteID: r.assetSiteID, VendorID: r.vendorID})
}

// findAssessments reads assessments the caller may see; current keeps only the latest
// row of each (catalog, control, subject).
func (s *AssessmentService) findAssessments(ctx context.Context, u *medsec.User, f medsec.AssessmentFilter, current bool) ([]*medsec.Assessment, error) {
	var where []string
	var args []any
	add := func(cond string, arg any) { where = append(where, cond); args = append(args, arg) }
	if current && !f.RecordedBefore.IsZero() {
		add("x.id IN (SELECT MAX(id) FROM assessments WHERE created_at < ? GROUP BY catalog_id, control_id, asset_id)", f.RecordedBefore.UTC())
	} else if current {
		where = append(where, "x.id IN (SELECT MAX(id) FROM assessments GROUP BY catalog_id, control_id, asset_id)")
	} else if !f.RecordedBefore.IsZero() {
		add("x.created_at < ?", f.RecordedBefore.UTC())
	}
	if f.CatalogID != "" {
		add("x.catalog_id = ?", f.CatalogID)
	}
	if f.ControlID != "" {
		add("x.control_id = ?", f.ControlID)
	}
	if f.OrganisationOnly {
		add("x.asset_id = ?", medsec.Organisation)
	} else if f.AssetID != 0 {
		add("x.asset_id = ?", f.AssetID)
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	q := `SELECT ` + assessmentColumns + ` FROM assessments x LEFT JOIN assets a ON a.id = x.asset_id` + cond + ` ORDER BY x.id DESC`
	rows, err := s.db.read.QueryContext(ctx, s.db.dialect.rebind(q), args...)
	if err != nil {
		return nil, fmt.Errorf("find assessments: %w", err)
	}
	defer rows.Close()
	var out []*medsec.Assessment
	byID := map[int64]*medsec.Assessment{}
	for rows.Next() {
		r, err := scanAssessment(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("find assessments: %w", err)
		}
		if visible(u, r) {
			out = append(out, r.Assessment)
			byID[r.ID] = r.Assessment
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find assessments: %w", err)
	}
	if len(out) == 0 {
		return []*medsec.Assessment{}, nil
	}
	// Evidence of the rows read: one query, filtered in memory.
	erows, err := s.db.read.QueryContext(ctx, s.db.dialect.rebind(`SELECT e.assessment_id, e.sha256, e.name, e.size, e.media_type
		FROM assessment_evidence e JOIN assessments x ON x.id = e.assessment_id`+cond+` ORDER BY e.assessment_id, e.name`), args...)
	if err != nil {
		return nil, fmt.Errorf("find assessment evidence: %w", err)
	}
	defer erows.Close()
	for erows.Next() {
		var id int64
		var e medsec.Evidence
		if err := erows.Scan(&id, &e.SHA256, &e.Name, &e.Size, &e.MediaType); err != nil {
			return nil, fmt.Errorf("find assessment evidence: %w", err)
		}
		if x := byID[id]; x != nil {
			x.Evidence = append(x.Evidence, e)
		}
	}
	return out, erows.Err()
}

// FindAssessments returns the current assessments the caller may see.
func (s *AssessmentService) FindAssessments(ctx context.Context, f medsec.AssessmentFilter) ([]*medsec.Assessment, error) {
	u, err := medsec.Authorize(ctx, medsec.PermInventoryRead)
	if err != nil {
		return nil, err
	}
	if f.AssetID != 0 {
		if _, err := s.visibleAsset(ctx, u, f.AssetID); err != nil {
			return nil, err
		}
	}
	return s.findAssessments(ctx, u, f, true)
}

// AssessmentHistory returns every assessment of a control for a subject, newest first.
func (s *AssessmentService) AssessmentHistory(ctx context.Context, catalogID, controlID string, assetID int64) ([]*medsec.Assessment, error) {
	u, err := medsec.Authorize(ctx, medsec.PermInventoryRead)
	if err != nil {
		return nil, err
	}
	f := medsec.AssessmentFilter{CatalogID: catalogID, ControlID: controlID, AssetID: assetID, OrganisationOnly: assetID == medsec.Organisation}
	if assetID != medsec.Organisation {
		if _, err := s.visibleAsset(ctx, u, assetID); err != nil {
			return nil, err
		}
	}
	return s.findAssessments(ctx, u, f, false)
}

// visibleAsset returns the asset if u may see it, else ENOTFOUND.
func (s *AssessmentService) visibleAsset(ctx context.Context, u *medsec.User, id int64) (*medsec.Asset, error) {
	a, err := findAssetByID(ctx, s.db.read, s.db.dialect, id)
	if err != nil {
		return nil, err
	}
	if !u.CanSeeAsset(a) {
		return nil, assetOutOfScope(a.ID, a.SiteID)
	}
	return a, nil
}

// StoreEvidence stores a file in the evidence store and records that the caller uploaded
// it: a file a user uploaded counts as seen by that user, who may then cite it (and read
// it) before it is attached to an assessment.
func (s *AssessmentService) StoreEvidence(ctx context.Context, name string, r io.Reader) (medsec.Evidence, error) {
	u, err := medsec.Authorize(ctx, medsec.PermInventoryWrite)
	if err != nil {
		return medsec.Evidence{}, err
	}
	sum, size, err := s.files.Put(r)
	if errors.Is(err, evidence.ErrTooLarge) {
		return medsec.Evidence{}, invalid("evidence", "err.evidence_too_large", err.Error())
	} else if err != nil {
		return medsec.Evidence{}, err
	}
	name = cleanFileName(name)
	ev := medsec.Evidence{SHA256: sum, Name: name, Size: size, MediaType: mime.TypeByExtension(filepath.Ext(name))}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return medsec.Evidence{}, err
	}
	defer tx.Rollback()
	if _, err := tx.exec(ctx, `INSERT INTO evidence_uploads (sha256, user_id, name, uploaded_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (sha256, user_id) DO NOTHING`, sum, u.ID, name, tx.now); err != nil {
		return medsec.Evidence{}, fmt.Errorf("store evidence: %w", err)
	}
	// Every upload is audited, a repeat of a file already stored too: who brought which
	// bytes in, when, under which name (evidence of an incident's chain of custody starts
	// here, 003 §5.3.1 證據保全).
	if err := tx.auditChange(ctx, "evidence.upload", "evidence", 0, 0, nil, ev); err != nil {
		return medsec.Evidence{}, err
	}
	return ev, tx.Commit()
}

// evidenceSight says how a user may see an evidence file: as its uploader, through an
// assessment it may see (with the name, size and type that assessment gives it), or not at
// all although an assessment the user may not see cites it (hidden).
type evidenceSight struct {
	uploaded bool
	name     string // the uploader's file name
	cited    *medsec.Evidence
	hidden   bool
	// hiddenSite is the site of the first assessment that cites the file out of sight
	// (0 for the organisation's), where a denial is recorded.
	hiddenSite int64
}

func (e evidenceSight) seen() bool { return e.uploaded || e.cited != nil }

// sightOfEvidence finds how u may see the evidence file sum, reading through q (the
// transaction of an assessment being stored, so that evidence it attached already counts).
func sightOfEvidence(ctx context.Context, q querier, d dialect, u *medsec.User, sum string) (evidenceSight, error) {
	var sight evidenceSight
	err := q.QueryRowContext(ctx, d.rebind(`SELECT name FROM evidence_uploads WHERE sha256 = ? AND user_id = ?`), sum, u.ID).Scan(&sight.name)
	if err == nil {
		sight.uploaded = true
	} else if !errors.Is(err, sql.ErrNoRows) {
		return sight, fmt.Errorf("evidence %s: %w", sum, err)
	}
	// A file linked to an incident the user may read counts as seen, as its uploader's.
	if !sight.uploaded && u.Role.Can(medsec.PermIncidentRead) {
		if sight.name, sight.uploaded, err = incidentEvidenceSight(ctx, q, d, u, sum); err != nil {
			return sight, err
		}
	}
	rows, err := q.QueryContext(ctx, d.rebind(`SELECT `+assessmentColumns+`, e.name, e.size, e.media_type
		FROM assessment_evidence e JOIN assessments x ON x.id = e.assessment_id LEFT JOIN assets a ON a.id = x.asset_id
		WHERE e.sha256 = ? ORDER BY x.id`), sum)
	if err != nil {
		return sight, fmt.Errorf("evidence %s: %w", sum, err)
	}
	defer rows.Close()
	for rows.Next() {
		var e medsec.Evidence
		r, err := scanAssessment(func(dest ...any) error { return rows.Scan(append(dest, &e.Name, &e.Size, &e.MediaType)...) })
		if err != nil {
			return sight, fmt.Errorf("evidence %s: %w", sum, err)
		}
		if visible(u, r) {
			e.SHA256 = sum
			sight.cited, sight.hidden = &e, false
			break
		}
		if !sight.hidden {
			sight.hidden, sight.hiddenSite = true, r.SiteID
		}
	}
	if err := rows.Err(); err != nil {
		return sight, fmt.Errorf("evidence %s: %w", sum, err)
	}
	if sight.seen() {
		sight.hidden = false
	}
	return sight, nil
}

// OpenEvidence opens an evidence file the caller may see: one an assessment it may see
// cites, or one it uploaded. Any other file is ENOTFOUND; a file cited only by assessments
// outside the caller's scope is ENOTFOUND audited as a denial.
func (s *AssessmentService) OpenEvidence(ctx context.Context, sum string) (io.ReadCloser, medsec.Evidence, error) {
	u, err := medsec.Authorize(ctx, medsec.PermInventoryRead)
	if err != nil {
		return nil, medsec.Evidence{}, err
	}
	notFound := medsec.ErrorWithKey(medsec.ENOTFOUND, "err.evidence_not_found", "Evidence not found.")
	if !medsec.ValidSHA256(sum) {
		return nil, medsec.Evidence{}, notFound
	}
	sight, err := sightOfEvidence(ctx, s.db.read, s.db.dialect, u, sum)
	if err != nil {
		return nil, medsec.Evidence{}, fmt.Errorf("open evidence: %w", err)
	}
	if sight.hidden {
		return nil, medsec.Evidence{}, medsec.NotInScope("Evidence not found.", "err.evidence_not_found", "evidence "+sum[:12], sight.hiddenSite)
	} else if !sight.seen() {
		return nil, medsec.Evidence{}, notFound
	}
	f, err := s.files.Open(sum)
	if errors.Is(err, evidence.ErrNotFound) {
		return nil, medsec.Evidence{}, notFound
	} else if err != nil {
		return nil, medsec.Evidence{}, err
	}
	ev := medsec.Evidence{SHA256: sum, Name: sight.name, MediaType: mime.TypeByExtension(filepath.Ext(sight.name))}
	if sight.cited != nil {
		ev = *sight.cited
	} else {
		if info, err := f.Stat(); err == nil {
			ev.Size = info.Size()
		}
		if ev.Name == "" {
			ev.Name = sum[:12]
		}
	}
	if err := s.recordDownload(ctx, u, ev); err != nil {
		f.Close()
		return nil, medsec.Evidence{}, err
	}
	return f, ev, nil
}

// recordDownload audits a download of evidence (evidence.download) and adds a "copied"
// step to the chain of custody of each incident the user sees that holds the file [003
// §5.3.1 證據保全: who took a copy of the evidence, when] (bt14 #3: downloads left no
// trace).
func (s *AssessmentService) recordDownload(ctx context.Context, u *medsec.User, ev medsec.Evidence) error {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	rows, err := tx.query(ctx, `SELECT e.incident_id, i.site_id FROM incident_evidence e JOIN incidents i ON i.id = e.incident_id
		WHERE e.sha256 = ? ORDER BY e.incident_id`, ev.SHA256)
	if err != nil {
		return fmt.Errorf("evidence download: %w", err)
	}
	var incidents []int64
	var site int64
	for rows.Next() {
		var id, siteID int64
		if err := rows.Scan(&id, &siteID); err != nil {
			rows.Close()
			return fmt.Errorf("evidence download: %w", err)
		}
		if u.CanSeeSite(siteID) {
			incidents, site = append(incidents, id), siteID
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("evidence download: %w", err)
	}
	if len(incidents) != 1 {
		site = 0
	}
	for _, id := range incidents {
		if err := custody(ctx, tx, id, ev.SHA256, "copied", medsec.Msg("incident.custody.downloaded"), ""); err != nil {
			return err
		}
	}
	if err := tx.auditChange(ctx, "evidence.download", "evidence", 0, site, nil, ev); err != nil {
		return err
	}
	return tx.Commit()
}

const complianceSettingsKey = "compliance"

// defaultComplianceSettings: reference pattern I [004: the pattern of a hospital with its
// own on-premises systems and a dedicated operator], no 等保 grading recorded.
var defaultComplianceSettings = medsec.ComplianceSettings{JPPattern: "I"}

// FindComplianceSettings returns the compliance settings, or the defaults.
func (s *AssessmentService) FindComplianceSettings(ctx context.Context) (medsec.ComplianceSettings, error) {
	if _, err := medsec.Authorize(ctx, medsec.PermInventoryRead); err != nil {
		return medsec.ComplianceSettings{}, err
	}
	return s.complianceSettings(ctx)
}

func (s *AssessmentService) complianceSettings(ctx context.Context) (medsec.ComplianceSettings, error) {
	var v string
	err := s.db.read.QueryRowContext(ctx, s.db.dialect.rebind(`SELECT value FROM settings WHERE key = ?`), complianceSettingsKey).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return defaultComplianceSettings, nil
	} else if err != nil {
		return medsec.ComplianceSettings{}, fmt.Errorf("find compliance settings: %w", err)
	}
	var stored struct {
		medsec.ComplianceSettings
		// PersonalInfoOver100k is how settings stored before networks were listed said
		// that their level-2 network held personal information of 100,000 people or more.
		PersonalInfoOver100k bool `json:"personal_info_over_100k"`
	}
	stored.ComplianceSettings = defaultComplianceSettings
	if err := json.Unmarshal([]byte(v), &stored); err != nil {
		return medsec.ComplianceSettings{}, fmt.Errorf("find compliance settings: %w", err)
	}
	set := stored.ComplianceSettings
	if len(set.Networks) == 0 && set.MLPSLevel > 0 {
		n := medsec.GradedNetwork{Level: set.MLPSLevel}
		if stored.PersonalInfoOver100k {
			n.People = catalog.PersonalInfoThreshold
		}
		set.Networks = []medsec.GradedNetwork{n}
	}
	set.MLPSLevel = maxNetworkLevel(set.Networks)
	return set, nil
}

// maxNetworkLevel is the highest 等保 level of the networks, 0 when none is graded.
func maxNetworkLevel(ns []medsec.GradedNetwork) int {
	m := 0
	for _, n := range ns {
		m = max(m, n.Level)
	}
	return m
}

// UpdateComplianceSettings stores the compliance settings. Admin only.
func (s *AssessmentService) UpdateComplianceSettings(ctx context.Context, set medsec.ComplianceSettings) error {
	if _, err := medsec.Authorize(ctx, medsec.PermUserAdmin); err != nil {
		return err
	}
	set.JPPattern = strings.ToUpper(strings.TrimSpace(set.JPPattern))
	for i := range set.Networks {
		set.Networks[i].Name = strings.TrimSpace(set.Networks[i].Name)
	}
	if err := set.Validate(); err != nil {
		return err
	}
	if len(set.Networks) == 0 && set.MLPSLevel > 0 {
		set.Networks = []medsec.GradedNetwork{{Level: set.MLPSLevel}}
	}
	set.MLPSLevel = maxNetworkLevel(set.Networks)
	before, err := s.complianceSettings(ctx)
	if err != nil {
		return err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	value, _ := json.Marshal(set)
	if _, err := tx.exec(ctx, `DELETE FROM settings WHERE key = ?`, complianceSettingsKey); err != nil {
		return fmt.Errorf("update compliance settings: %w", err)
	}
	if _, err := tx.exec(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)`, complianceSettingsKey, string(value)); err != nil {
		return fmt.Errorf("update compliance settings: %w", err)
	}
	if err := tx.auditChange(ctx, "compliance_settings.update", "settings", 0, 0, before, set); err != nil {
		return err
	}
	return tx.Commit()
}
