package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"medsec"
	"medsec/backup"
	"medsec/sqlstore"
)

// backupPlanUsage is the usage of "medsec backup-plan": the hospital's backups of its
// clinical systems, not medsec's own ("medsec backup").
const backupPlanUsage = `usage:
  medsec backup-plan list         --data DIR [--asset ID] [--system ID]
  medsec backup-plan add          --data DIR --asset ID|--system ID --name WHAT [--job NAME] --every HOURS --generations N
                                  [--immutable-from N] [--copy LABEL:MEDIUM[:offsite][:offline][:immutable]]...
                                  [--test-days DAYS] [--rto HOURS] [--rpo HOURS] [--fallback TEXT]
  medsec backup-plan import-runs  --data DIR FILE.csv|FILE.xlsx
  medsec backup-plan restore-test --data DIR --plan ID --at TIME --what TEXT --target TEXT --minutes N
                                  --hash yes|no|unknown --result pass|fail --evidence TEXT
  medsec backup-plan findings     --data DIR [--asset ID] [--system ID]
  medsec backup-plan record       --data DIR [--site ID] [--since DATE] [--until DATE]   (JSON)`

// copyFlags collects --copy values: LABEL:MEDIUM followed by any of offsite, offline and
// immutable.
type copyFlags []medsec.BackupCopy

func (c *copyFlags) String() string { return fmt.Sprint(len(*c)) }

func (c *copyFlags) Set(v string) error {
	parts := strings.Split(v, ":")
	if len(parts) < 2 {
		return fmt.Errorf("%q: write LABEL:MEDIUM[:offsite][:offline][:immutable]", v)
	}
	x := medsec.BackupCopy{Label: parts[0], Medium: medsec.BackupMedium(parts[1])}
	for _, p := range parts[2:] {
		switch p {
		case "offsite":
			x.Offsite = true
		case "offline":
			x.Offline = true
		case "immutable":
			x.Immutable = true
		default:
			return fmt.Errorf("%q: %q is not offsite, offline or immutable", v, p)
		}
	}
	*c = append(*c, x)
	return nil
}

// runBackupPlan implements "medsec backup-plan ...": backup plans of clinical systems, job
// results from backup software exports, restore tests, the rules they break and the
// period record [M10]. Changes are audited as the system user.
func runBackupPlan(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmds := []string{"list", "add", "import-runs", "restore-test", "findings", "record"}
	if len(args) == 0 || !slices.Contains(cmds, args[0]) {
		return errors.New(backupPlanUsage)
	}
	cmd := args[0]
	fs := flag.NewFlagSet("backup-plan "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "./medsec-data", "data directory")
	db := fs.String("db", "", "PostgreSQL URL instead of the data directory's database")
	asset := fs.Int64("asset", 0, "the system (asset ID)")
	system := fs.Int64("system", 0, "a clinical system as a whole instead of an asset (clinical system ID; add, list, findings)")
	var p medsec.BackupPlan
	var copies copyFlags
	fs.StringVar(&p.Name, "name", "", "what is backed up (add)")
	fs.StringVar(&p.JobName, "job", "", "the job's name in the backup software (add)")
	fs.IntVar(&p.FrequencyHours, "every", 24, "hours between backups (add)")
	fs.IntVar(&p.Generations, "generations", 0, "generations kept (add)")
	fs.IntVar(&p.ImmutableFrom, "immutable-from", 0, "first generation not writable; 0 none (add)")
	fs.IntVar(&p.RestoreTestDays, "test-days", medsec.DefaultRestoreTestDays, "days between restore tests (add)")
	fs.IntVar(&p.RTOHours, "rto", 0, "tolerable outage in hours (add)")
	fs.IntVar(&p.RPOHours, "rpo", 0, "tolerable data loss in hours (add)")
	fs.StringVar(&p.Fallback, "fallback", "", "manual fallback while the system is down (add)")
	fs.Var(&copies, "copy", "a copy besides the system's own data: LABEL:MEDIUM[:offsite][:offline][:immutable] (add; repeat)")
	var t medsec.RestoreTest
	plan := fs.Int64("plan", 0, "the plan (restore-test)")
	at := fs.String("at", "", "when the restore ran, RFC 3339 (restore-test)")
	fs.StringVar(&t.What, "what", "", "what was restored (restore-test)")
	fs.StringVar(&t.Target, "target", "", "where it was restored (restore-test)")
	fs.IntVar(&t.DurationMinutes, "minutes", 0, "how long it took (restore-test)")
	hash := fs.String("hash", "unknown", "the restored data's hashes matched: yes, no or unknown (restore-test)")
	fs.StringVar(&t.Result, "result", "", "pass or fail (restore-test)")
	fs.StringVar(&t.Evidence, "evidence", "", "the record that proves the test (restore-test)")
	site := fs.Int64("site", 0, "the site (record)")
	since := fs.String("since", "", "first day of the record, YYYY-MM-DD (default 30 days ago)")
	until := fs.String("until", "", "last day of the record, YYYY-MM-DD (default today)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	store, err := openStore(ctx, *data, *db, cmd == "list")
	if err != nil {
		return fmt.Errorf("backup-plan %s: %w", cmd, err)
	}
	defer store.Close()
	svc := sqlstore.NewBackupService(store)
	ctx = asSystem(ctx)
	fail := func(err error) error { return fmt.Errorf("backup-plan %s: %s", cmd, importProblems(err)) }
	switch cmd {
	case "list":
		ps, err := svc.FindBackupPlans(ctx, medsec.BackupPlanFilter{AssetID: *asset, SystemID: *system})
		if err != nil {
			return fail(err)
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tSYSTEM\tPLAN\tJOB\tEVERY\tCOPIES\tMEDIA\tOFFSITE\tOFFLINE\tGENERATIONS\tIMMUTABLE FROM\tLAST SUCCESS\tLAST TEST")
		for _, p := range ps {
			c := backup.Count(p)
			last, test := "—", "—"
			if !p.LastSuccess.IsZero() {
				last = p.LastSuccess.Format(time.RFC3339)
			}
			if p.LastTest != nil {
				test = p.LastTest.TestedAt.Format("2006-01-02") + " " + p.LastTest.Result
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%dh\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t%s\n", p.ID, p.Holder(), p.Name, p.JobName, p.FrequencyHours,
				c.Copies, c.Media, c.Offsite, c.Offline, p.Generations, p.ImmutableFrom, last, test)
		}
		return tw.Flush()
	case "add":
		p.AssetID, p.SystemID, p.Copies = *asset, *system, copies
		if err := svc.CreateBackupPlan(ctx, &p); err != nil {
			return fail(err)
		}
		fmt.Fprintf(stdout, "backup plan %d recorded for %s\n", p.ID, p.Holder())
		return nil
	case "import-runs":
		if fs.NArg() != 1 {
			return errors.New(backupPlanUsage)
		}
		b, err := os.ReadFile(fs.Arg(0))
		if err != nil {
			return fmt.Errorf("backup-plan import-runs: %w", err)
		}
		res, err := svc.ImportBackupRuns(ctx, backup.ReadRuns(b, filepath.Base(fs.Arg(0))))
		if err != nil {
			return fail(err)
		}
		fmt.Fprintf(stdout, "%d job results recorded, %d already recorded, %d of jobs no plan names", res.Recorded, res.Duplicate, res.Unmatched)
		if len(res.Jobs) > 0 {
			fmt.Fprintf(stdout, " (%s)", strings.Join(res.Jobs, ", "))
		}
		fmt.Fprintln(stdout)
		return nil
	case "restore-test":
		t.PlanID, t.HashMatch = *plan, medsec.Tristate(*hash)
		if *at != "" {
			if t.TestedAt, err = time.Parse(time.RFC3339, *at); err != nil {
				return fmt.Errorf("backup-plan restore-test: --at %q is not an RFC 3339 time", *at)
			}
		}
		if err := svc.RecordRestoreTest(ctx, &t); err != nil {
			return fail(err)
		}
		fmt.Fprintf(stdout, "restore test %d recorded for %s — %s: %s\n", t.ID, t.Holder(), t.PlanName, t.Result)
		return nil
	case "findings":
		fsx, err := svc.BackupFindings(ctx, medsec.BackupPlanFilter{AssetID: *asset, SystemID: *system})
		if err != nil {
			return fail(err)
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SYSTEM\tPLAN\tFINDING\tCLAUSE\tDETAIL")
		for _, f := range fsx {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", f.Holder(), f.PlanName, f.Kind, f.Clause, f.Detail)
		}
		return tw.Flush()
	}
	f := medsec.BackupRecordFilter{SiteID: *site, To: store.Now().UTC()}
	if *until != "" {
		d, err := time.Parse("2006-01-02", *until)
		if err != nil {
			return fmt.Errorf("backup-plan record: --until %q is not YYYY-MM-DD", *until)
		}
		f.To = d.AddDate(0, 0, 1)
	}
	f.From = f.To.AddDate(0, 0, -30)
	if *since != "" {
		if f.From, err = time.Parse("2006-01-02", *since); err != nil {
			return fmt.Errorf("backup-plan record: --since %q is not YYYY-MM-DD", *since)
		}
	}
	rec, err := svc.BackupRecord(ctx, f)
	if err != nil {
		return fail(err)
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(rec)
}
