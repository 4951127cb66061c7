package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strings"
	"time"

	"medsec"
)

// Automatic checks of the TW baseline computed from the logs medsec collects (issue 12):
// a device's logs are kept at least six months, its clock is synchronised, and its logs
// are protected by the seal and verified recently.
const (
	CheckLogsKept     = "logs-kept-six-months"
	CheckLogsClock    = "logs-clock-synchronised"
	CheckLogsVerified = "logs-sealed-and-verified"
)

// MaxSealVerificationAge is how old a site's latest seal verification may be for the
// protection check to pass: medsec verifies every six hours by default, so a week means
// the periodic verification stopped.
const MaxSealVerificationAge = 7 * 24 * time.Hour

var (
	logsKeptControls = []medsec.ControlRef{{CatalogID: "tw-mohw-medical-baseline", ControlID: "tw-au-1.hm", Item: "一"},
		{CatalogID: "tw-mohw-medical-baseline", ControlID: "tw-au-1.l"}}
	logsClockControls = []medsec.ControlRef{{CatalogID: "tw-mohw-medical-baseline", ControlID: "tw-au-5.hm", Item: "一"},
		{CatalogID: "tw-mohw-medical-baseline", ControlID: "tw-au-5.l"}}
	logsVerifiedControls = []medsec.ControlRef{{CatalogID: "tw-mohw-medical-baseline", ControlID: "tw-au-6.l"}}
)

// checkSource is what the log checks read of a log source linked to the asset.
type checkSource struct {
	name        string
	class       string
	records     int64
	firstSeen   sql.NullTime
	skew        float64
	skewSamples int64
}

// logChecks computes the log checks of an asset from the log sources linked to it, the
// retention and alarm limits of their classes, and its site's latest seal verification
// [000 附表一 事件日誌與可歸責性: 事件記錄 (six months), 時戳, 日誌資訊之保護]. An asset no
// log source is linked to gets unknown: medsec holds no logs of it.
func logChecks(ctx context.Context, db *DB, a *medsec.Asset, now time.Time) ([]medsec.CheckResult, error) {
	rows, err := db.read.QueryContext(ctx, db.dialect.rebind(`SELECT s.name, COALESCE(c.class, ''), s.records, s.first_seen, s.skew, s.skew_samples
		FROM log_sources s LEFT JOIN log_source_classes c ON c.source_id = s.id WHERE s.asset_id = ? ORDER BY s.name`), a.ID)
	if err != nil {
		return nil, fmt.Errorf("log checks: %w", err)
	}
	var srcs []checkSource
	for rows.Next() {
		var s checkSource
		if err := rows.Scan(&s.name, &s.class, &s.records, &s.firstSeen, &s.skew, &s.skewSamples); err != nil {
			rows.Close()
			return nil, fmt.Errorf("log checks: %w", err)
		}
		if s.class == "" {
			s.class = medsec.LogClassOfKind(a.Kind)
		}
		srcs = append(srcs, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return logChecksFrom(ctx, db, a, srcs, now)
}

// logChecksFrom is logChecks over the log sources already read (none: every check unknown,
// with no further query).
func logChecksFrom(ctx context.Context, db *DB, a *medsec.Asset, srcs []checkSource, now time.Time) ([]medsec.CheckResult, error) {
	now = now.UTC()
	kept := medsec.CheckResult{CheckID: CheckLogsKept, AssetID: a.ID, Controls: logsKeptControls, ComputedAt: now, Data: []medsec.CheckDatum{}}
	clock := medsec.CheckResult{CheckID: CheckLogsClock, AssetID: a.ID, Controls: logsClockControls, ComputedAt: now, Data: []medsec.CheckDatum{}}
	sealed := medsec.CheckResult{CheckID: CheckLogsVerified, AssetID: a.ID, Controls: logsVerifiedControls, ComputedAt: now, Data: []medsec.CheckDatum{}}
	if len(srcs) == 0 {
		const none = "no log source linked to the device sends logs to medsec"
		for _, r := range []*medsec.CheckResult{&kept, &clock, &sealed} {
			r.Outcome, r.Detail = medsec.CheckUnknown, none
		}
		return []medsec.CheckResult{kept, clock, sealed}, nil
	}
	retention, err := logRetentions(ctx, db.read, db.dialect)
	if err != nil {
		return nil, err
	}
	days := map[string]int{}
	for _, r := range retention {
		days[r.Class] = r.Days
	}
	limits, err := logAlertThresholds(ctx, db.read, db.dialect)
	if err != nil {
		return nil, err
	}
	maxSkew := map[string]int64{}
	for _, t := range limits {
		maxSkew[t.Class] = t.MaxSkew
	}

	// Kept: every linked source sent records, and its class keeps them at least 183 days.
	var silentNames []string
	minDays := 0
	for _, s := range srcs {
		d := days[s.class]
		if minDays == 0 || d < minDays {
			minDays = d
		}
		v := fmt.Sprintf("%s: class %s, kept %d days (at least %d), %d records", s.name, s.class, d, medsec.MinLogRetentionDays, s.records)
		if s.firstSeen.Valid {
			v += ", since " + s.firstSeen.Time.UTC().Format("2006-01-02")
		}
		kept.Data = append(kept.Data, medsec.CheckDatum{Field: "log_source", Value: v})
		if s.records == 0 {
			silentNames = append(silentNames, s.name)
		}
	}
	switch {
	case len(silentNames) > 0:
		kept.Outcome, kept.Detail = medsec.CheckFail, fmt.Sprintf("no record received from %s: its logs are not kept (000 附表一 事件日誌與可歸責性/事件記錄)", strings.Join(silentNames, ", "))
	case minDays < medsec.MinLogRetentionDays:
		kept.Outcome, kept.Detail = medsec.CheckFail, fmt.Sprintf("logs kept %d days, fewer than the %d days (six months) of 000 附表一 事件日誌與可歸責性/事件記錄", minDays, medsec.MinLogRetentionDays)
	default:
		kept.Outcome, kept.Detail = medsec.CheckPass, fmt.Sprintf("logs of %d linked source(s) kept at least %d days, at least the %d days (six months) of 000 附表一 事件日誌與可歸責性/事件記錄",
			len(srcs), minDays, medsec.MinLogRetentionDays)
	}

	// Clock: the median skew of each source's latest window within its class's limit.
	measured, off, worst := 0, 0, 0.0
	for _, s := range srcs {
		limit := maxSkew[s.class]
		if s.skewSamples == 0 {
			clock.Data = append(clock.Data, medsec.CheckDatum{Field: "log_source", Value: s.name + ": no record carried a time of its own"})
			continue
		}
		measured++
		worst = math.Max(worst, math.Abs(s.skew))
		if math.Abs(s.skew) > float64(limit) {
			off++
		}
		clock.Data = append(clock.Data, medsec.CheckDatum{Field: "log_source", Value: fmt.Sprintf("%s: clock skew %+.1f s over %d records (limit ±%d s)", s.name, s.skew, s.skewSamples, limit)})
	}
	switch {
	case measured == 0:
		clock.Outcome, clock.Detail = medsec.CheckUnknown, "no record of the linked sources carried a time to compare with medsec's synchronised clock"
	case off > 0:
		clock.Outcome, clock.Detail = medsec.CheckFail, fmt.Sprintf("%d of %d linked sources have a clock off beyond their limit (worst %.1f s) against medsec's synchronised clock (000 附表一 事件日誌與可歸責性/時戳)", off, measured, worst)
	default:
		clock.Outcome, clock.Detail = medsec.CheckPass, fmt.Sprintf("the clocks of %d linked source(s) are within their limits (worst %.1f s) against medsec's synchronised clock (000 附表一 事件日誌與可歸責性/時戳)", measured, worst)
	}

	// Protection: the site's sealed log verified, recently, without a problem.
	vs, err := latestVerifications(ctx, db.read, db.dialect, scope{user: medsec.SystemUser})
	if err != nil {
		return nil, err
	}
	var v *medsec.LogVerification
	for i := range vs {
		if vs[i].SiteID == a.SiteID {
			v = &vs[i]
		}
	}
	switch {
	case v == nil:
		sealed.Outcome, sealed.Detail = medsec.CheckUnknown, "the site's sealed log was never verified"
	default:
		sealed.Data = append(sealed.Data, medsec.CheckDatum{Field: "log_seal", Value: fmt.Sprintf("verified %s: %d records checked, %d problem(s)",
			v.At.Format("2006-01-02 15:04 UTC"), v.Checked, v.Problems)})
		switch age := now.Sub(v.At); {
		case v.Problems > 0:
			sealed.Outcome, sealed.Detail = medsec.CheckFail, fmt.Sprintf("the site's latest seal verification found %d problem(s), the first %s at record %d (000 附表一 事件日誌與可歸責性/日誌資訊之保護)", v.Problems, v.FirstKind, v.FirstIndex)
		case age > MaxSealVerificationAge:
			sealed.Outcome, sealed.Detail = medsec.CheckFail, fmt.Sprintf("the site's sealed log was last verified %d days ago; the periodic verification is not running", int(age.Hours()/24))
		default:
			sealed.Outcome, sealed.Detail = medsec.CheckPass, fmt.Sprintf("the site's sealed log (RFC 9162 Merkle tree, signed checkpoints, read with log:read only) verified %s with no problem over %d records (000 附表一 事件日誌與可歸責性/日誌資訊之保護)",
				v.At.Format("2006-01-02 15:04 UTC"), v.Checked)
		}
	}
	return []medsec.CheckResult{kept, clock, sealed}, nil
}
