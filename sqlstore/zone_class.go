package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"medsec"
	"medsec/zone"
)

// ---- class decisions ----

// serverKinds are the asset kinds that run as servers rather than devices.
var serverKinds = []medsec.AssetKind{medsec.KindDeviceServer, medsec.KindApplicationServer,
	medsec.KindPACS, medsec.KindHIS, medsec.KindLIS, medsec.KindEMR, medsec.KindRIS}

// terminalKinds are the kinds of terminal medical devices.
var terminalKinds = []medsec.AssetKind{medsec.KindModality, medsec.KindUltrasound, medsec.KindPatientMonitor, medsec.KindDialysis,
	medsec.KindInfusionPump, medsec.KindLabAnalyzer}

// facts gathers what medsec knows of an asset for the class proposer: its attributes, the
// local LAN it bridges or sits on (from where its addresses place it), what it manages and
// what its observed flows show.
func (sm *siteModel) facts(a *medsec.Asset) zone.Facts {
	f := zone.Facts{Kind: string(a.Kind), Vendor: a.VendorName, Model: a.Model,
		Server:            slices.Contains(serverKinds, a.Kind),
		StoresPatientData: a.DataClass == medsec.DataSensitivePersonal && a.PatientRecords > 0,
		ClinicalQueries:   a.Kind == medsec.KindApplicationServer && a.DataClass == medsec.DataSensitivePersonal,
	}
	kindOf := func(id int64) zone.Kind {
		if z := sm.zoneByID(id); z != nil {
			return zone.Kind(z.Kind)
		}
		return ""
	}
	peersIn := func(zoneID int64) []zone.Peer {
		var out []zone.Peer
		for _, o := range sm.assets {
			if o.ID != a.ID && sm.zoneOf[o.ID] == zoneID {
				out = append(out, zone.Peer{Vendor: o.VendorName, Model: o.Model, Kind: string(o.Kind)})
			}
		}
		return out
	}
	// A host with one address on a local LAN and another outside it bridges that LAN.
	addrs := assetAddrs(a)
	var lan int64
	outside := false
	for _, ip := range addrs {
		p := sm.loc.PlaceAddr(ip)
		if p.Status == zone.PlaceFound && kindOf(p.Zone) == zone.KindTrustedLocalLAN {
			lan = p.Zone
		} else {
			outside = true
		}
	}
	bridgeKind := a.Kind == medsec.KindEdgeGateway || a.Kind == medsec.KindDeviceServer || a.Kind == medsec.KindCentralStation
	switch {
	case lan != 0 && outside:
		f.DualNIC, f.BridgesLocalLAN, f.Behind = true, true, peersIn(lan)
	case bridgeKind && slices.Contains(a.Connectivity, medsec.ConnLocalLAN) && !(lan != 0):
		f.BridgesLocalLAN = true
	case lan != 0 || kindOf(sm.zoneOf[a.ID]) == zone.KindTrustedLocalLAN:
		if lan == 0 {
			lan = sm.zoneOf[a.ID]
		}
		f.OnLocalLAN, f.LANMates = true, peersIn(lan)
	}
	terminal := map[netip.Addr]bool{}
	for _, o := range sm.assets {
		if slices.Contains(terminalKinds, o.Kind) {
			for _, ip := range assetAddrs(o) {
				terminal[ip] = true
			}
		}
	}
	f.Traffic = zone.ObserveTraffic(addrs, sm.flowModel(), sm.loc, func(ip netip.Addr) bool { return terminal[ip.Unmap()] })
	f.ManagedDevices = max(f.Traffic.TerminalSources, len(f.Behind))
	return f
}

func reasonsOf(rs []zone.Reason) []medsec.ClassReason {
	out := make([]medsec.ClassReason, len(rs))
	for i, r := range rs {
		out[i] = medsec.ClassReason{Code: r.Code, Params: r.Params, Cite: r.Cite}
	}
	return out
}

func scanDecision(scan func(dest ...any) error) (*medsec.ClassDecision, error) {
	var d medsec.ClassDecision
	var reasons string
	if err := scan(&d.AssetID, &d.Proposed, &d.BoundaryOf, &reasons, &d.Status, &d.Class, &d.By, &d.Why, &d.At); err != nil {
		return nil, err
	}
	if err := fromJSON(reasons, &d.Reasons); err != nil {
		return nil, fmt.Errorf("class decision of asset %d: %w", d.AssetID, err)
	}
	if d.Reasons == nil {
		d.Reasons = []medsec.ClassReason{}
	}
	d.At = d.At.UTC()
	return &d, nil
}

func findDecision(ctx context.Context, q querier, dl dialect, assetID int64) (*medsec.ClassDecision, error) {
	d, err := scanDecision(q.QueryRowContext(ctx, dl.rebind(`SELECT asset_id, proposed, boundary_of, reasons, status, class, decided_by, why, at
		FROM class_decisions WHERE asset_id = ?`), assetID).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &medsec.Error{Code: medsec.ENOTFOUND, Message: "No class has been proposed for this asset.", Key: "err.no_class_decision"}
	} else if err != nil {
		return nil, fmt.Errorf("find class decision of asset %d: %w", assetID, err)
	}
	return d, nil
}

func (tx *Tx) saveDecision(ctx context.Context, d *medsec.ClassDecision) error {
	if _, err := tx.exec(ctx, `DELETE FROM class_decisions WHERE asset_id = ?`, d.AssetID); err != nil {
		return fmt.Errorf("save class decision: %w", err)
	}
	_, err := tx.exec(ctx, `INSERT INTO class_decisions (asset_id, proposed, boundary_of, reasons, status, class, decided_by, why, at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, d.AssetID, string(d.Proposed), string(d.BoundaryOf), toJSON(d.Reasons), d.Status,
		string(d.Class), d.By, d.Why, d.At)
	if err != nil {
		return fmt.Errorf("save class decision: %w", err)
	}
	return nil
}

// FindClassDecision returns the asset's class decision.
func (s *ZoneService) FindClassDecision(ctx context.Context, assetID int64) (*medsec.ClassDecision, error) {
	u, err := medsec.Authorize(ctx, medsec.PermInventoryRead)
	if err != nil {
		return nil, err
	}
	a, err := findAssetByID(ctx, s.db.read, s.db.dialect, assetID)
	if err != nil {
		return nil, err
	}
	if !u.CanSeeAsset(a) {
		return nil, assetOutOfScope(a.ID, a.SiteID)
	}
	return findDecision(ctx, s.db.read, s.db.dialect, assetID)
}

// ProposeClass proposes the asset's class and stores the proposal. A decision a person made
// on the same proposed class is kept.
func (s *ZoneService) ProposeClass(ctx context.Context, assetID int64) (*medsec.ClassDecision, error) {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	_, a, sm, err := s.assetSite(ctx, tx, assetID, medsec.PermInventoryWrite, true)
	if err != nil {
		return nil, err
	}
	d, err := tx.propose(ctx, a, sm)
	if err != nil {
		return nil, err
	}
	return d, tx.Commit()
}

func (tx *Tx) propose(ctx context.Context, a *medsec.Asset, sm *siteModel) (*medsec.ClassDecision, error) {
	p := zone.ProposeClass(sm.facts(a))
	zd := zone.NewDecision(a.ID, p, tx.now)
	d := &medsec.ClassDecision{AssetID: a.ID, Proposed: medsec.DeviceClass(zd.Proposed), BoundaryOf: medsec.DeviceClass(zd.BoundaryOf),
		Reasons: reasonsOf(zd.Reasons), Status: string(zd.Status), At: zd.At}
	before, err := findDecision(ctx, tx, tx.db.dialect, a.ID)
	switch {
	case err != nil && medsec.ErrorCode(err) != medsec.ENOTFOUND:
		return nil, err
	case err == nil && before.Proposed == d.Proposed && before.Status != medsec.DecisionProposed:
		// The person's decision stands; only the reasons are refreshed.
		before.Reasons, before.BoundaryOf = d.Reasons, d.BoundaryOf
		d = before
	}
	if err := tx.saveDecision(ctx, d); err != nil {
		return nil, err
	}
	if err := tx.auditChange(ctx, "class.propose", "asset", a.ID, a.SiteID, nil, d); err != nil {
		return nil, err
	}
	return d, nil
}

// DecideClass confirms the proposed class or overrides it, and sets the asset's class in
// the same transaction. The person deciding is the caller.
func (s *ZoneService) DecideClass(ctx context.Context, assetID int64, class medsec.DeviceClass, why string) (*medsec.ClassDecision, error) {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	u, a, sm, err := s.assetSite(ctx, tx, assetID, medsec.PermInventoryWrite, true)
	if err != nil {
		return nil, err
	}
	d, err := tx.decideClass(ctx, u, a, sm, class, why)
	if err != nil {
		return nil, err
	}
	return d, tx.Commit()
}

// decideClass confirms or overrides the class of a, an asset of sm's site (read with its
// flows) that u may change, saves the decision, sets the asset's class and audits both.
func (tx *Tx) decideClass(ctx context.Context, u *medsec.User, a *medsec.Asset, sm *siteModel, class medsec.DeviceClass, why string) (*medsec.ClassDecision, error) {
	d, err := findDecision(ctx, tx, tx.db.dialect, a.ID)
	if medsec.ErrorCode(err) == medsec.ENOTFOUND {
		d, err = tx.propose(ctx, a, sm)
	}
	if err != nil {
		return nil, err
	}
	before := *d
	zd := zone.Decision{Asset: d.AssetID, Proposed: zone.Class(d.Proposed), BoundaryOf: zone.Class(d.BoundaryOf), Status: zone.DecisionStatus(d.Status), At: d.At}
	by := u.DisplayName
	if by == "" {
		by = u.Username
	}
	why = strings.TrimSpace(why)
	if err := medsec.CheckWhy(why); err != nil {
		return nil, err
	}
	if class == "" || class == d.Proposed {
		zd, err = zd.Confirm(by, tx.now)
		zd.Why = why
	} else {
		zd, err = zd.Override(zone.Class(class), by, why, tx.now)
	}
	switch {
	case errors.Is(err, zone.ErrNoProposal):
		return nil, &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "class", Key: "err.no_proposal", Message: "nothing was proposed; choose a class and give a reason"}}}
	case errors.Is(err, zone.ErrNoWhy):
		return nil, &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "why", Key: "err.override_reason", Message: "an override needs a reason"}}}
	case errors.Is(err, zone.ErrUnknownClass):
		return nil, &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "class", Key: "err.unknown_value", Message: fmt.Sprintf("unknown class %q", class)}}}
	case err != nil:
		return nil, fmt.Errorf("decide class of asset %d: %w", a.ID, err)
	}
	d.Status, d.Class, d.By, d.Why, d.At = string(zd.Status), medsec.DeviceClass(zd.Class), zd.By, zd.Why, zd.At
	if err := tx.saveDecision(ctx, d); err != nil {
		return nil, err
	}
	action := "class.confirm"
	if d.Status == medsec.DecisionOverridden {
		action = "class.override"
	}
	if err := tx.auditChange(ctx, action, "asset", a.ID, a.SiteID, before, d); err != nil {
		return nil, err
	}
	if a.Class != d.Class {
		after := *a
		after.Class = d.Class
		if err := tx.updateAsset(ctx, a, &after, nil); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// ---- CRL reviews ----

const crlColumns = `r.id, r.asset_id, r.year, r.level, r.method, r.reasons, r.actions, r.assessor, r.review_date, r.created_at, a.name`

func scanCRL(scan func(dest ...any) error) (*medsec.CRLReview, error) {
	var r medsec.CRLReview
	var reasons, actions, date string
	if err := scan(&r.ID, &r.AssetID, &r.Year, &r.Level, &r.Method, &reasons, &actions, &r.Assessor, &date, &r.CreatedAt, &r.AssetName); err != nil {
		return nil, err
	}
	if err := errors.Join(fromJSON(reasons, &r.Reasons), fromJSON(actions, &r.Actions)); err != nil {
		return nil, fmt.Errorf("CRL review %d: %w", r.ID, err)
	}
	r.Date, _ = medsec.ParseDate(date)
	r.CreatedAt = r.CreatedAt.UTC()
	return &r, nil
}

// CreateCRLReview validates and stores a review.
func (s *ZoneService) CreateCRLReview(ctx context.Context, r *medsec.CRLReview) error {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	u, err := medsec.Authorize(ctx, medsec.PermInventoryWrite)
	if err != nil {
		return err
	}
	a, err := findAssetByID(ctx, tx, tx.db.dialect, r.AssetID)
	if err != nil {
		return err
	}
	if !u.CanSeeAsset(a) {
		return assetOutOfScope(a.ID, a.SiteID)
	}
	r.Method, r.Assessor = strings.TrimSpace(r.Method), strings.TrimSpace(r.Assessor)
	r.Reasons, r.Actions = trimLines(r.Reasons), trimLines(r.Actions)
	if r.Assessor == "" {
		r.Assessor = u.DisplayName
		if r.Assessor == "" {
			r.Assessor = u.Username
		}
	}
	if r.Date.IsZero() {
		r.Date = medsec.DateOf(tx.now)
	}
	date, _ := time.Parse(time.DateOnly, r.Date.String())
	if r.Year == 0 {
		r.Year = date.Year()
	}
	if err := r.CheckText(); err != nil {
		return err
	}
	zr := zone.CRL{Asset: r.AssetID, Year: r.Year, Level: zone.CRLLevel(r.Level), Method: r.Method, Reasons: r.Reasons, Actions: r.Actions, Assessor: r.Assessor, Date: date}
	if err := zr.Validate(); err != nil {
		return &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "review", Key: "err.bad_crl", Message: strings.TrimPrefix(strings.TrimPrefix(err.Error(), zone.ErrCRLInvalid.Error()), ": ")}}}
	}
	if date.After(tx.now) {
		return &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "date", Key: "err.future_date", Message: "must not be in the future"}}}
	}
	r.CreatedAt, r.AssetName = tx.now, a.Name
	r.ID, err = tx.insert(ctx, `INSERT INTO crl_reviews (asset_id, year, level, method, reasons, actions, assessor, review_date, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.AssetID, r.Year, r.Level, r.Method, toJSON(r.Reasons), toJSON(r.Actions), r.Assessor, r.Date.String(), r.CreatedAt)
	if err != nil {
		return fmt.Errorf("create CRL review: %w", err)
	}
	if err := tx.auditChange(ctx, "crl.create", "asset", a.ID, a.SiteID, nil, r); err != nil {
		return err
	}
	return tx.Commit()
}

func trimLines(in []string) []string {
	out := []string{}
	for _, s := range in {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func findCRLReviews(ctx context.Context, q querier, d dialect, where string, args ...any) ([]*medsec.CRLReview, error) {
	rows, err := q.QueryContext(ctx, d.rebind(`SELECT `+crlColumns+` FROM crl_reviews r JOIN assets a ON a.id = r.asset_id WHERE `+where+` ORDER BY r.year, r.review_date, r.id`), args...)
	if err != nil {
		return nil, fmt.Errorf("find CRL reviews: %w", err)
	}
	defer rows.Close()
	out := []*medsec.CRLReview{}
	for rows.Next() {
		r, err := scanCRL(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("find CRL reviews: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// FindCRLReviews returns the asset's reviews, oldest year first.
func (s *ZoneService) FindCRLReviews(ctx context.Context, assetID int64) ([]*medsec.CRLReview, error) {
	u, err := medsec.Authorize(ctx, medsec.PermInventoryRead)
	if err != nil {
		return nil, err
	}
	a, err := findAssetByID(ctx, s.db.read, s.db.dialect, assetID)
	if err != nil {
		return nil, err
	}
	if !u.CanSeeAsset(a) {
		return nil, assetOutOfScope(a.ID, a.SiteID)
	}
	return findCRLReviews(ctx, s.db.read, s.db.dialect, `r.asset_id = ?`, assetID)
}

// MissingCRLReviews lists the site's active classified devices without a review this year
// (the year of the store's clock).
func (s *ZoneService) MissingCRLReviews(ctx context.Context, siteID int64) ([]*medsec.Asset, error) {
	sc, err := authorizeSite(ctx, medsec.PermInventoryRead, siteID)
	if err != nil {
		return nil, err
	}
	now := s.db.Now().UTC()
	rows, err := s.db.read.QueryContext(ctx, s.db.dialect.rebind(`SELECT `+assetColumns+assetFrom+` WHERE a.site_id = ? AND a.status = 'active' AND a.class <> '' ORDER BY a.name, a.id`), siteID)
	if err != nil {
		return nil, fmt.Errorf("missing CRL reviews: %w", err)
	}
	defer rows.Close()
	byID := map[int64]*medsec.Asset{}
	var ids []int64
	for rows.Next() {
		a, err := scanAsset(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("missing CRL reviews: %w", err)
		}
		if sc.seesAsset(a) {
			byID[a.ID] = a
			ids = append(ids, a.ID)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("missing CRL reviews: %w", err)
	}
	reviews, err := findCRLReviews(ctx, s.db.read, s.db.dialect, `a.site_id = ? AND r.year = ?`, siteID, now.Year())
	if err != nil {
		return nil, err
	}
	var zr []zone.CRL
	for _, r := range reviews {
		date, _ := time.Parse(time.DateOnly, r.Date.String())
		zr = append(zr, zone.CRL{Asset: r.AssetID, Year: r.Year, Date: date})
	}
	out := []*medsec.Asset{}
	for _, id := range zone.MissingReviews(ids, zr, now) {
		out = append(out, byID[id])
	}
	return out, nil
}

// MissingCRLReviewCount counts what MissingCRLReviews lists, reading only the assets' IDs:
// the dashboard's figure.
func (s *ZoneService) MissingCRLReviewCount(ctx context.Context, siteID int64) (int, error) {
	sc, err := authorizeSite(ctx, medsec.PermInventoryRead, siteID)
	if err != nil {
		return 0, err
	}
	now := s.db.Now().UTC()
	where, args := `a.site_id = ? AND a.status = 'active' AND a.class <> ''`, []any{siteID}
	if cond, cargs := sc.assetCond("a"); cond != "" {
		where, args = where+" AND "+cond, append(args, cargs...)
	}
	rows, err := s.db.read.QueryContext(ctx, s.db.dialect.rebind(`SELECT a.id FROM assets a WHERE `+where+` ORDER BY a.id`), args...)
	if err != nil {
		return 0, fmt.Errorf("missing CRL reviews: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return 0, fmt.Errorf("missing CRL reviews: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("missing CRL reviews: %w", err)
	}
	reviews, err := findCRLReviews(ctx, s.db.read, s.db.dialect, `a.site_id = ? AND r.year = ?`, siteID, now.Year())
	if err != nil {
		return 0, err
	}
	var zr []zone.CRL
	for _, r := range reviews {
		date, _ := time.Parse(time.DateOnly, r.Date.String())
		zr = append(zr, zone.CRL{Asset: r.AssetID, Year: r.Year, Date: date})
	}
	return len(zone.MissingReviews(ids, zr, now)), nil
}

// ViolationCount counts Analyze's violations (observed flows no conduit allows): 0, without
// loading the site's model, when the site has no observed flow.
func (s *ZoneService) ViolationCount(ctx context.Context, siteID int64) (int, error) {
	if _, err := authorizeSite(ctx, medsec.PermInventoryRead, siteID); err != nil {
		return 0, err
	}
	var n int
	if err := s.db.read.QueryRowContext(ctx, s.db.dialect.rebind(`SELECT COUNT(*) FROM (SELECT 1 FROM flows WHERE site_id = ? LIMIT 1) f`), siteID).Scan(&n); err != nil {
		return 0, fmt.Errorf("flows of site %d: %w", siteID, err)
	}
	if n == 0 {
		return 0, nil
	}
	an, err := s.Analyze(ctx, siteID)
	if err != nil {
		return 0, err
	}
	return len(an.Violations), nil
}
