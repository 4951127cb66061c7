package report

import (
	"strconv"
	"strings"
	"time"

	"medsec"
	"medsec/backup"
)

// backupRecord is the backup and restore-test record [003 §3.1.3 (3-2-1, weekly restore
// tests); 004 §12 ④, §12.2, §18.1 (generations, off line, not writable); 000 tw-cp-1.l,
// tw-cp-1.hm 一 (tolerable outage, integrity of backups)]: every backup plan of the sites
// as it stands, with its 3-2-1 counts, generations and continuity targets; its copies;
// the job results and restore tests of the period with their evidence; and the rules
// broken at the period's end, each with its clause. It is built on
// medsec.BackupService.BackupRecord, so it holds the plans of the author's sites only.
func (b *builder) backupRecord() error {
	if b.src.Backups == nil {
		return medsec.Errorf(medsec.EINVALID, "This server keeps no backup plans.")
	}
	rec, err := b.src.Backups.BackupRecord(b.ctx, medsec.BackupRecordFilter{SiteID: b.siteID(), From: b.p.Period.From, To: b.p.Period.To})
	if err != nil {
		return err
	}
	sites, err := b.src.Org.FindSites(b.ctx)
	if err != nil {
		return err
	}
	siteName := map[int64]string{}
	for _, s := range sites {
		siteName[s.ID] = s.Name
	}
	loc := b.p.Now.Location()
	yesNo := func(v bool) string {
		if v {
			return b.t("tristate.yes")
		}
		return b.t("tristate.no")
	}
	findings := map[int64]int{}
	for _, f := range rec.Findings {
		findings[f.PlanID]++
	}
	type tally struct{ ok, warn, failed int }
	runs := map[int64]*tally{}
	planName := map[int64]string{}
	planLoc := map[int64]*time.Location{} // each plan's site's zone, its rows' times
	for _, p := range rec.Plans {
		runs[p.ID] = &tally{}
		planName[p.ID] = p.Holder() + " · " + p.Name
		planLoc[p.ID] = b.siteLoc(p.SiteID)
	}
	at := func(plan int64) *time.Location {
		if l := planLoc[plan]; l != nil {
			return l
		}
		return loc
	}
	var runRows [][]any
	for _, r := range rec.Runs {
		t := runs[r.PlanID]
		if t == nil {
			continue
		}
		tone := Good
		switch r.Status {
		case medsec.BackupWarning:
			t.warn++
			tone = Warning
		case medsec.BackupFailed:
			t.failed++
			tone = Bad
		default:
			t.ok++
		}
		runRows = append(runRows, []any{Stamp(r.Started.In(at(r.PlanID))), stampOrZero(r.Finished, at(r.PlanID)), planName[r.PlanID],
			Status{b.t("backup_status." + r.Status), tone}, b.bytes(r.Bytes), r.Source})
	}

	chart := Chart{Title: b.t("report.backup_chart"), Sheet: b.t("report.sheet_backup_chart"), Stacked: true, Series: []Series{
		{Name: b.t("backup_status.success"), Tone: Good}, {Name: b.t("backup_status.warning"), Tone: Warning}, {Name: b.t("backup_status.failed"), Tone: Bad}}}
	var alt []string
	var plans, copies [][]any
	for _, p := range rec.Plans {
		c := backup.Count(p)
		t := runs[p.ID]
		chart.Categories = append(chart.Categories, planName[p.ID])
		chart.Series[0].Values = append(chart.Series[0].Values, float64(t.ok))
		chart.Series[1].Values = append(chart.Series[1].Values, float64(t.warn))
		chart.Series[2].Values = append(chart.Series[2].Values, float64(t.failed))
		alt = append(alt, b.t("report.alt_backup_runs", planName[p.ID], t.ok, t.warn, t.failed))
		lastTest := ""
		if p.LastTest != nil {
			lastTest = p.LastTest.TestedAt.In(loc).Format("2006-01-02") + " " + b.t("restore_result."+p.LastTest.Result)
		}
		state := Status{b.t("report.backup_no_findings"), Good}
		if n := findings[p.ID]; n > 0 {
			state = Status{b.t("report.backup_n_findings", n), Bad}
		}
		rto, rpo, fallback := p.Continuity()
		plans = append(plans, []any{siteName[p.SiteID], p.Holder(), p.Name, p.JobName, p.FrequencyHours, c.Copies, c.Media, c.Offsite, c.Offline,
			p.Generations, p.ImmutableFrom, p.RestoreTestDays, rto, rpo, fallback, stampOrZero(p.LastSuccess, loc), lastTest, state})
		copies = append(copies, []any{p.Holder(), p.Name, b.t("report.backup_own_data"), b.t("backup_medium.disk"), yesNo(false), yesNo(false), yesNo(false)})
		for _, x := range p.Copies {
			copies = append(copies, []any{p.Holder(), p.Name, x.Label, b.t("backup_medium." + string(x.Medium)), yesNo(x.Offsite), yesNo(x.Offline), yesNo(x.Immutable)})
		}
	}
	chart.Alt = strings.Join(alt, b.t("report.list_sep"))
	summary := Section{Heading: b.t("report.backup_plans"), Text: []string{b.t("report.backup_intro")}, Landscape: true,
		Facts: []Fact{{b.t("report.backup_plan_count"), strconv.Itoa(len(rec.Plans))}, {b.t("report.backup_run_count"), strconv.Itoa(len(rec.Runs))},
			{b.t("report.backup_test_count"), strconv.Itoa(len(rec.Tests))}, {b.t("report.backup_finding_count"), strconv.Itoa(len(rec.Findings))}},
		Tables: []Table{{Title: b.t("report.backup_plans"), Sheet: b.t("report.backup_plans"), Rows: plans,
			Columns: b.columns("field.site", 1.0, "backups.system", 1.4, "backups.plan", 1.4, "backups.job_name", 1.0, "report.backup_every", 0.6,
				"report.backup_copies_n", 0.6, "report.backup_media_n", 0.6, "report.backup_offsite_n", 0.6, "report.backup_offline_n", 0.6,
				"backups.generations", 0.7, "report.backup_unwritable_from", 0.8, "report.backup_test_every", 0.7, "report.backup_rto", 0.6, "report.backup_rpo", 0.6,
				"backups.fallback", 1.8, "backups.last_success", 1.1, "backups.last_test", 1.1, "backups.findings", 0.9)}}}
	if len(rec.Plans) > 0 {
		summary.Charts = []Chart{chart}
	}
	b.add(summary)
	b.add(Section{Heading: b.t("report.backup_copies"), Text: []string{b.t("report.backup_copies_intro")},
		Tables: []Table{{Title: b.t("report.backup_copies"), Sheet: b.t("report.backup_copies"), Rows: copies,
			Columns: b.columns("backups.system", 1.4, "backups.plan", 1.4, "backups.copy_label", 1.8, "backups.medium", 0.8,
				"backups.offsite", 0.6, "backups.offline", 0.6, "backups.immutable", 0.6)}}})

	var tests [][]any
	for _, t := range rec.Tests {
		tone := Good
		if t.Result == medsec.RestoreFail {
			tone = Bad
		}
		hash := Status{b.t("tristate." + string(t.HashMatch)), Neutral}
		switch t.HashMatch {
		case medsec.Yes:
			hash.Tone = Good
		case medsec.No:
			hash.Tone = Bad
		}
		tests = append(tests, []any{Stamp(t.TestedAt.In(at(t.PlanID))), planName[t.PlanID], t.What, t.Target, t.DurationMinutes, hash,
			Status{b.t("restore_result." + t.Result), tone}, t.Evidence, b.actor(t.RecordedBy)})
	}
	b.add(Section{Heading: b.t("report.backup_tests"), Text: []string{b.t("report.backup_tests_intro")}, Landscape: true,
		Tables: []Table{{Title: b.t("report.backup_tests"), Sheet: b.t("report.backup_tests"), Rows: tests,
			Columns: b.columns("backups.tested_at", 1.1, "backups.plan", 1.6, "backups.what", 1.6, "backups.target", 1.1, "backups.duration", 0.7,
				"backups.hash_match", 0.8, "backups.result", 0.6, "backups.evidence", 2.2, "backups.recorded_by", 0.8)}}})

	var frows [][]any
	for _, f := range rec.Findings {
		frows = append(frows, []any{siteName[f.SiteID], f.Holder(), f.PlanName, Status{b.t("backup_finding." + string(f.Kind)), Bad}, f.Clause,
			stampOrZero(f.Since, loc), b.t(f.DetailKey, siteTimes(f.DetailArgs, loc)...)})
	}
	b.add(Section{Heading: b.t("report.backup_findings"), Text: []string{b.t("report.backup_findings_intro")}, Landscape: true,
		Tables: []Table{{Title: b.t("report.backup_findings"), Sheet: b.t("report.backup_findings"), Rows: frows,
			Columns: b.columns("field.site", 0.9, "backups.system", 1.3, "backups.plan", 1.3, "backups.finding", 1.5, "backups.clause", 1.1,
				"backups.since", 1.0, "backups.detail", 2.6)}}})

	b.add(Section{Heading: b.t("report.backup_runs"), Text: []string{b.t("report.backup_runs_intro")},
		Tables: []Table{{Title: b.t("report.backup_runs"), Sheet: b.t("report.backup_runs"), Rows: runRows,
			Columns: b.columns("backups.started", 1.1, "backups.finished", 1.1, "backups.plan", 2.0, "backups.status", 0.8, "report.backup_size", 1.0, "backups.source", 1.2)}}})
	return nil
}

// bytes is a byte count as a table value: in binary units in the reader's language, the
// raw count kept for XLSX; 0 (unknown) is an empty cell.
func (b *builder) bytes(n int64) Bytes {
	if n <= 0 {
		return Bytes{}
	}
	return Bytes{N: n, Text: FormatBytes(n, b.t)}
}

// actor names who did something as the record holds them, medsec itself ("system": the
// scheduler, the demo, a command on the server) in the report's language (actor.system;
// bt16: restore tests and drills showed "system").
func (b *builder) actor(username string) string {
	if username == medsec.SystemUser.Username {
		return b.t("actor.system")
	}
	return username
}

// siteTimes is texts with each date-time a finding's detail gives in UTC ("2026-12-02
// 06:40 UTC", backup.Findings) written in loc as the row's Since column is (bt16 M3).
func siteTimes(args []string, loc *time.Location) []any {
	out := texts(args)
	for i, a := range args {
		if t, err := time.Parse(backup.DetailTime, a); err == nil {
			out[i] = stampText(t, loc)
		}
	}
	return out
}

// texts turns a record's message arguments (texts) into the arguments of a translation.
func texts(args []string) []any {
	out := make([]any, len(args))
	for i, a := range args {
		out[i] = a
	}
	return out
}
