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

// Findings returns the rules one plan breaks at now. Its LastRun, LastSuccess and LastTest
// must be filled (nil and zero for none).
func Findings(p *medsec.BackupPlan, now time.Time) []medsec.BackupFinding {
	var out []medsec.BackupFinding
	add := func(k medsec.BackupFindingKind, since time.Time, format string, args ...any) {
		out = append(out, medsec.BackupFinding{Kind: k, PlanID: p.ID, PlanName: p.Name, AssetID: p.AssetID, SiteID: p.SiteID, AssetName: p.AssetName,
			Clause: Clauses[k], Detail: fmt.Sprintf(format, args...), Since: since})
	}
	c := Count(p)
	if c.Copies < MinCopies {
		add(medsec.FindingBackupCopies, time.Time{}, "%d copies of the data (the system's own included); %d are required", c.Copies, MinCopies)
	}
	if c.Media < MinMedia {
		add(medsec.FindingBackupMedia, time.Time{}, "the copies are on %d kind of media; %d are required", c.Media, MinMedia)
	}
	if c.Offsite < MinOffsite {
		add(medsec.FindingBackupOffsite, time.Time{}, "no copy is kept off site")
	}
	if c.Offline == 0 {
		add(medsec.FindingBackupOffline, time.Time{}, "no copy is kept off line, out of reach of the network")
	}
	if p.Generations < MinGenerations {
		add(medsec.FindingBackupGenerations, time.Time{}, "%d generations are kept; at least %d are required", p.Generations, MinGenerations)
	}
	if p.ImmutableFrom == 0 || p.ImmutableFrom > ImmutableBy {
		if p.ImmutableFrom == 0 {
			add(medsec.FindingBackupWritable, time.Time{}, "no generation is kept unwritable")
		} else {
			add(medsec.FindingBackupWritable, time.Time{}, "generations are unwritable only from the %s; the %s and older must be", ordinal(p.ImmutableFrom), ordinal(ImmutableBy))
		}
	}
	if p.LastRun != nil && p.LastRun.Status == medsec.BackupFailed {
		add(medsec.FindingBackupFailed, p.LastRun.Started, "the last backup job, started %s, failed", p.LastRun.Started.UTC().Format("2006-01-02 15:04 UTC"))
	}
	window := 2 * time.Duration(p.FrequencyHours) * time.Hour
	switch {
	case p.LastSuccess.IsZero() && now.Sub(p.CreatedAt) > window:
		add(medsec.FindingBackupMissed, p.CreatedAt.Add(window), "no successful backup is recorded since the plan was made (every %d h)", p.FrequencyHours)
	case !p.LastSuccess.IsZero() && now.Sub(p.LastSuccess) > window:
		add(medsec.FindingBackupMissed, p.LastSuccess.Add(window), "the last successful backup ended %s; one runs every %d h", p.LastSuccess.UTC().Format("2006-01-02 15:04 UTC"), p.FrequencyHours)
	}
	days := p.RestoreTestDays
	if days <= 0 {
		days = medsec.DefaultRestoreTestDays
	}
	every := time.Duration(days) * 24 * time.Hour
	switch {
	case p.LastTest == nil && now.Sub(p.CreatedAt) > every:
		add(medsec.FindingRestoreOverdue, p.CreatedAt.Add(every), "no restore test is recorded; one is due every %d days", days)
	case p.LastTest != nil && now.Sub(p.LastTest.TestedAt) > every:
		add(medsec.FindingRestoreOverdue, p.LastTest.TestedAt.Add(every), "the last restore test was %s; one is due every %d days", p.LastTest.TestedAt.UTC().Format("2006-01-02"), days)
	}
	if p.LastTest != nil && p.LastTest.Result == medsec.RestoreFail {
		add(medsec.FindingRestoreFailed, p.LastTest.TestedAt, "the last restore test, %s, failed", p.LastTest.TestedAt.UTC().Format("2006-01-02"))
	}
	if p.LastTest != nil && p.RTOHours > 0 && p.LastTest.DurationMinutes > p.RTOHours*60 {
		add(medsec.FindingRTOExceeded, p.LastTest.TestedAt, "the last restore took %d min; the system may be out %d h", p.LastTest.DurationMinutes, p.RTOHours)
	}
	if p.RPOHours > 0 && p.FrequencyHours > p.RPOHours {
		add(medsec.FindingRPOUnmet, time.Time{}, "backups run every %d h; at most %d h of data may be lost", p.FrequencyHours, p.RPOHours)
	}
	if p.RTOHours == 0 || p.Fallback == "" {
		add(medsec.FindingNoContinuity, time.Time{}, "the tolerable outage time or the manual fallback is not set")
	}
	return out
}

func ordinal(n int) string {
	switch n {
	case 1:
		return "1st"
	case 2:
		return "2nd"
	case 3:
		return "3rd"
	}
	return fmt.Sprintf("%dth", n)
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

// Checks turns one asset's backup findings into check results: with no plan every check
// is unknown; else a check fails when a finding of its kinds exists and passes otherwise,
// the findings (or the plans) its evidence.
func Checks(assetID int64, plans []*medsec.BackupPlan, findings []medsec.BackupFinding, now time.Time) []medsec.CheckResult {
	var out []medsec.CheckResult
	for _, c := range checks {
		r := medsec.CheckResult{CheckID: c.id, AssetID: assetID, Controls: c.controls, ComputedAt: now.UTC(), Data: []medsec.CheckDatum{}}
		n := 0
		for _, f := range findings {
			if f.AssetID == assetID && kindIn(f.Kind, c.kinds) {
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
