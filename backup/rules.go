// Package backup checks the backup plans of the hospital's clinical systems against the
// seeds' rules — 3-2-1 copies, at least three generations with the third and older not
// writable, an offline copy, jobs that succeed, weekly restore tests, continuity targets —
// and reads backup software's job results [M10; 003 §3.1.3; 004 §11 ①, §12.2, §18.1; 000
// tw-cp-1]. It is not medsec's backup of itself (cmd/medsec backup).
package backup

import (
	"fmt"
	"time"

	"medsec"
)

// The 3-2-1 rule's numbers [003 §3.1.3; catalog parameters ir-3.1.3-3_backup-copies,
// _backup-media-kinds, _backup-offsite-copies] and the generation rule's [004 §18.1].
const (
	MinCopies      = 3
	MinMedia       = 2
	MinOffsite     = 1
	MinGenerations = 3
	// ImmutableBy is the generation from which, at the latest, backups must not be
	// writable.
	ImmutableBy = 3
)

// Clauses of the seeds each finding kind carries out.
var Clauses = map[medsec.BackupFindingKind]string{
	medsec.FindingBackupCopies:      "003 §3.1.3",
	medsec.FindingBackupMedia:       "003 §3.1.3",
	medsec.FindingBackupOffsite:     "003 §3.1.3",
	medsec.FindingBackupOffline:     "004 §11 ①, §18.1",
	medsec.FindingBackupGenerations: "004 §18.1",
	medsec.FindingBackupWritable:    "004 §18.1",
	medsec.FindingBackupFailed:      "004 §12 ④, §12.2",
	medsec.FindingBackupMissed:      "004 §12 ④, §12.2",
	medsec.FindingRestoreOverdue:    "003 §3.1.3",
	medsec.FindingRestoreFailed:     "003 §3.1.3; 000 tw-cp-1.hm 一",
	medsec.FindingRTOExceeded:       "000 tw-cp-1.l 一",
	medsec.FindingRPOUnmet:          "000 tw-cp-1.l 一",
	medsec.FindingNoContinuity:      "000 tw-cp-1.l 一; 004 §11 ①",
}

// Counts are what the 3-2-1 rule counts of a plan: copies of the data (the system's own,
// on disk, included), kinds of media, copies off site and off line, and the
// generations from the first that is not writable.
type Counts struct {
	Copies, Media, Offsite, Offline int
}

// Count counts a plan's copies for the 3-2-1 rule; the system's own data is the first
// copy, on disk.
func Count(p *medsec.BackupPlan) Counts {
	media := map[medsec.BackupMedium]bool{medsec.MediumDisk: true}
	c := Counts{Copies: 1 + len(p.Copies)}
	for _, x := range p.Copies {
		media[x.Medium] = true
		if x.Offsite {
			c.Offsite++
		}
		if x.Offline {
			c.Offline++
		}
	}
	c.Media = len(media)
	return c
}

// DetailTime is how a finding's detail carries a date-time among its DetailArgs: in UTC,
// to the minute ("2026-12-02 06:40 UTC"). Pages and reports write each such argument in
// the time zone of the finding's site (bt16 M3: the restore tests' days were UTC days).
const DetailTime = "2006-01-02 15:04 UTC"

// Findings returns the rules one plan breaks at now. Its LastRun, LastSuccess and LastTest
// must be filled (nil and zero for none). Each finding says what was found twice: in
// English (Detail, for the API and the command line) and as a message key with its values
// (DetailKey "backup_detail.*", DetailArgs) that pages and reports show in the reader's
// language.
func Findings(p *medsec.BackupPlan, now time.Time) []medsec.BackupFinding {
	var out []medsec.BackupFinding
	add := func(k medsec.BackupFindingKind, since time.Time, key string, args ...any) {
		strs := make([]string, len(args))
		for i, a := range args {
			strs[i] = fmt.Sprint(a)
		}
		out = append(out, medsec.BackupFinding{Kind: k, PlanID: p.ID, PlanName: p.Name, AssetID: p.AssetID, SiteID: p.SiteID, AssetName: p.AssetName,
			SystemID: p.SystemID, SystemName: p.SystemName, Clause: Clauses[k], Detail: fmt.Sprintf(details[key], args...), DetailKey: "backup_detail." + key, DetailArgs: strs, Since: since})
	}
	minute := func(t time.Time) string { return t.UTC().Format(DetailTime) }
	c := Count(p)
	if c.Copies < MinCopies {
		add(medsec.FindingBackupCopies, time.Time{}, "copies", c.Copies, MinCopies)
	}
	if c.Media < MinMedia {
		add(medsec.FindingBackupMedia, time.Time{}, "media", c.Media, MinMedia)
	}
	if c.Offsite < MinOffsite {
		add(medsec.FindingBackupOffsite, time.Time{}, "offsite")
	}
	if c.Offline == 0 {
		add(medsec.FindingBackupOffline, time.Time{}, "offline")
	}
	if p.Generations < MinGenerations {
		add(medsec.FindingBackupGenerations, time.Time{}, "generations", p.Generations, MinGenerations)
	}
	if p.ImmutableFrom == 0 {
		add(medsec.FindingBackupWritable, time.Time{}, "writable_none")
	} else if p.ImmutableFrom > ImmutableBy {
		add(medsec.FindingBackupWritable, time.Time{}, "writable_from", p.ImmutableFrom, ImmutableBy)
	}
	if p.LastRun != nil && p.LastRun.Status == medsec.BackupFailed {
		add(medsec.FindingBackupFailed, p.LastRun.Started, "job_failed", minute(p.LastRun.Started))
	}
	window := 2 * time.Duration(p.FrequencyHours) * time.Hour
	switch {
	case p.LastSuccess.IsZero() && now.Sub(p.CreatedAt) > window:
		add(medsec.FindingBackupMissed, p.CreatedAt.Add(window), "missed_never", p.FrequencyHours)
	case !p.LastSuccess.IsZero() && now.Sub(p.LastSuccess) > window:
		add(medsec.FindingBackupMissed, p.LastSuccess.Add(window), "missed_since", minute(p.LastSuccess), p.FrequencyHours)
	}
	days := p.RestoreTestDays
	if days <= 0 {
		days = medsec.DefaultRestoreTestDays
	}
	every := time.Duration(days) * 24 * time.Hour
	switch {
	case p.LastTest == nil && now.Sub(p.CreatedAt) > every:
		add(medsec.FindingRestoreOverdue, p.CreatedAt.Add(every), "restore_never", days)
	case p.LastTest != nil && now.Sub(p.LastTest.TestedAt) > every:
		add(medsec.FindingRestoreOverdue, p.LastTest.TestedAt.Add(every), "restore_since", minute(p.LastTest.TestedAt), days)
	}
	if p.LastTest != nil && p.LastTest.Result == medsec.RestoreFail {
		add(medsec.FindingRestoreFailed, p.LastTest.TestedAt, "restore_failed", minute(p.LastTest.TestedAt))
	}
	// The targets are the plan's, else its clinical system's (BackupPlan.Continuity).
	rto, rpo, fallback := p.Continuity()
	if p.LastTest != nil && rto > 0 && p.LastTest.DurationMinutes > rto*60 {
		add(medsec.FindingRTOExceeded, p.LastTest.TestedAt, "rto_exceeded", p.LastTest.DurationMinutes, rto)
	}
	if rpo > 0 && p.FrequencyHours > rpo {
		add(medsec.FindingRPOUnmet, time.Time{}, "rpo_unmet", p.FrequencyHours, rpo)
	}
	if rto == 0 || fallback == "" {
		add(medsec.FindingNoContinuity, time.Time{}, "no_continuity")
	}
	return out
}

// details are the English texts of the findings' details, by the key after
// "backup_detail." (the locales hold the same texts in every language, with the same
// arguments in the same order).
var details = map[string]string{
	"copies":         "%v copies of the data (the system's own included); %v are required",
	"media":          "the copies are on %v kind of media; %v are required",
	"offsite":        "no copy is kept off site",
	"offline":        "no copy is kept off line, out of reach of the network",
	"generations":    "%v generations are kept; at least %v are required",
	"writable_none":  "no generation is kept unwritable",
	"writable_from":  "generations are unwritable only from generation %v; generation %v and older must be",
	"job_failed":     "the last backup job, started %v, failed",
	"missed_never":   "no successful backup is recorded since the plan was made (every %v h)",
	"missed_since":   "the last successful backup ended %v; one runs every %v h",
	"restore_never":  "no restore test is recorded; one is due every %v days",
	"restore_since":  "the last restore test was %v; one is due every %v days",
	"restore_failed": "the last restore test, %v, failed",
	"rto_exceeded":   "the last restore took %v min; the system may be out %v h",
	"rpo_unmet":      "backups run every %v h; at most %v h of data may be lost",
	"no_continuity":  "the tolerable outage time or the manual fallback is not set",
}

// DetailKeys lists the message keys of the findings' details ("backup_detail.copies", …),
// so a test can hold the locales to them.
func DetailKeys() []string {
	out := make([]string, 0, len(details))
	for k := range details {
		out = append(out, "backup_detail."+k)
	}
	return out
}

// check is one automatic check of an asset's backups: the finding kinds that fail it and
// the controls it is evidence for.
type check struct {
	id       string
	kinds    []medsec.BackupFindingKind
	controls []medsec.ControlRef
}

const (
	twBaseline   = "tw-mohw-medical-baseline"
	jpGuideline  = "jp-mhlw-6.0-system-operation"
	incidentPlan = "hospital-incident-plan"
)

// checks are the automatic checks the backup findings feed.
var checks = []check{
	{"backups-3-2-1", []medsec.BackupFindingKind{medsec.FindingBackupCopies, medsec.FindingBackupMedia, medsec.FindingBackupOffsite},
		[]medsec.ControlRef{{CatalogID: incidentPlan, ControlID: "ir-3.1.3-3"}, {CatalogID: twBaseline, ControlID: "tw-cp-1.hm", Item: "一"}}},
	{"backups-generations-offline", []medsec.BackupFindingKind{medsec.FindingBackupOffline, medsec.FindingBackupGenerations, medsec.FindingBackupWritable},
		[]medsec.ControlRef{{CatalogID: jpGuideline, ControlID: "jp-18.1"}, {CatalogID: jpGuideline, ControlID: "jp-11.1"}}},
	{"backups-jobs-succeed", []medsec.BackupFindingKind{medsec.FindingBackupFailed, medsec.FindingBackupMissed},
		[]medsec.ControlRef{{CatalogID: jpGuideline, ControlID: "jp-12.4"}, {CatalogID: twBaseline, ControlID: "tw-cp-1.hm", Item: "一"}}},
	{"backups-restore-tested", []medsec.BackupFindingKind{medsec.FindingRestoreOverdue, medsec.FindingRestoreFailed},
		[]medsec.ControlRef{{CatalogID: incidentPlan, ControlID: "ir-3.1.3-4"}, {CatalogID: twBaseline, ControlID: "tw-cp-1.hm", Item: "一"}}},
	{"continuity-targets-met", []medsec.BackupFindingKind{medsec.FindingNoContinuity, medsec.FindingRTOExceeded, medsec.FindingRPOUnmet},
		[]medsec.ControlRef{{CatalogID: twBaseline, ControlID: "tw-cp-1.l", Item: "一"}}},
}

// CheckIDs lists the automatic checks the backup findings feed, in order.
func CheckIDs() []string {
	out := make([]string, len(checks))
	for i, c := range checks {
		out[i] = c.id
	}
	return out
}

// Checks turns one asset's backup findings into check results — those of its own plans
// and of the plans of the clinical systems it is a member of (plans) —: with no plan every
// check is unknown; else a check fails when a finding of its kinds exists and passes otherwise,
// the findings (or the plans) its evidence.
func Checks(assetID int64, plans []*medsec.BackupPlan, findings []medsec.BackupFinding, now time.Time) []medsec.CheckResult {
	var out []medsec.CheckResult
	held := map[int64]bool{}
	for _, p := range plans {
		held[p.ID] = true
	}
	for _, c := range checks {
		r := medsec.CheckResult{CheckID: c.id, AssetID: assetID, Controls: c.controls, ComputedAt: now.UTC(), Data: []medsec.CheckDatum{}}
		n := 0
		for _, f := range findings {
			if (f.AssetID == assetID || held[f.PlanID]) && kindIn(f.Kind, c.kinds) {
				n++
				r.Data = append(r.Data, medsec.CheckDatum{Field: "backup_plan", Value: f.PlanName + ": " + f.Detail})
			}
		}
		switch {
		case len(plans) == 0:
			r.Outcome, r.Detail = medsec.CheckUnknown, "no backup plan of the system is recorded"
		case n > 0:
			r.Outcome, r.Detail = medsec.CheckFail, fmt.Sprintf("%d findings in %d backup plans", n, len(plans))
		default:
			r.Outcome, r.Detail = medsec.CheckPass, fmt.Sprintf("%d backup plans meet the rules", len(plans))
			for _, p := range plans {
				r.Data = append(r.Data, medsec.CheckDatum{Field: "backup_plan", Value: p.Name})
			}
		}
		out = append(out, r)
	}
	return out
}

func kindIn(k medsec.BackupFindingKind, ks []medsec.BackupFindingKind) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}
