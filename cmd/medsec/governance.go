package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"text/tabwriter"
	"time"

	"medsec"
	"medsec/sqlstore"
	"medsec/training"
)

const governanceUsage = `usage:
  medsec governance list     --data DIR [--site ID] [--year YYYY] [--state overdue|due_soon|planned|done] [--kind KIND]
  medsec governance done     --data DIR --user NAME --item ID --on YYYY-MM-DD --record TEXT --evidence TEXT
  medsec governance ensure   --data DIR                    (create the current period's items now)
  medsec governance drills   --data DIR [--site ID]
  medsec governance plan-drill   --data DIR --site ID|--asset ID --scenario TEXT --on YYYY-MM-DD
  medsec governance drill-result --data DIR --drill ID --on YYYY-MM-DD --result pass|partial|fail [--findings TEXT]
  medsec governance cadences --data DIR --site ID          (each duty's cadence at the site and whose it is)
  medsec governance cadence  --data DIR --site ID --kind KIND --months 1|2|3|4|6|12 --reason TEXT
  medsec governance mlps     --data DIR [--site ID]        (等保 gradings and changes with the duties they created)
  medsec governance mlps-record --data DIR --site ID --system NAME --event grading|change --level N --on YYYY-MM-DD [--people N] [--note TEXT]
  medsec training import     --data DIR --site ID FILE.csv|FILE.xlsx
  medsec training hours      --data DIR [--site ID] [--year YYYY] [--short]
  medsec training key-role   --data DIR --person ID --key-role=true|false`

// runGovernance implements "medsec governance list|done|ensure": each site's governance
// calendar [M11]. A duty is recorded done as the medsec user --user names (its role and
// sites are checked); other changes are made and audited as the system user.
func runGovernance(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || !slices.Contains([]string{"list", "done", "ensure", "drills", "plan-drill", "drill-result", "mlps", "mlps-record", "cadences", "cadence"}, args[0]) {
		return errors.New(governanceUsage)
	}
	cmd := args[0]
	fs := flag.NewFlagSet("governance "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "./medsec-data", "data directory")
	db := fs.String("db", "", "PostgreSQL URL instead of the data directory's database")
	site := fs.Int64("site", 0, "the site's ID (list)")
	year := fs.Int("year", 0, "the year (list)")
	state := fs.String("state", "", "overdue, due_soon, planned or done (list)")
	kind := fs.String("kind", "", "the duty (list)")
	username := fs.String("user", "", "the medsec user who records the duty done (done)")
	item := fs.Int64("item", 0, "the item's ID (done)")
	on := fs.String("on", "", "the day it was done, YYYY-MM-DD (done)")
	record := fs.String("record", "", "what was done (done)")
	evidence := fs.String("evidence", "", "its evidence: a ticket, minutes, a report and its hash (done)")
	asset := fs.Int64("asset", 0, "the system the drill is of (plan-drill)")
	scenario := fs.String("scenario", "", "the drill's scenario (plan-drill)")
	drill := fs.Int64("drill", 0, "the drill's ID (drill-result)")
	result := fs.String("result", "", "pass, partial or fail (drill-result)")
	findings := fs.String("findings", "", "what did not work (drill-result)")
	system := fs.String("system", "", "the graded system (mlps-record)")
	event := fs.String("event", "grading", "grading or change (mlps-record)")
	level := fs.Int("level", -1, "the 等保 level, 1-5; 0 on a change: withdrawn (mlps-record)")
	people := fs.Int64("people", 0, "people whose personal information the system involves (mlps-record)")
	note := fs.String("note", "", "what changed (mlps-record, required on a change)")
	months := fs.Int("months", 0, "the site's cadence in months: 1, 2, 3, 4, 6 or 12 (cadence)")
	reason := fs.String("reason", "", "why the site chooses this cadence (cadence)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	store, err := sqlstore.Open(ctx, dsnFor(*data, *db))
	if err != nil {
		return fmt.Errorf("governance %s: %w", cmd, err)
	}
	defer store.Close()
	svc := sqlstore.NewGovernanceService(store)
	ctx = asSystem(ctx)
	switch cmd {
	case "ensure":
		n, err := svc.EnsureGovernanceItems(ctx, time.Now())
		if err != nil {
			return fmt.Errorf("governance ensure: %s", medsec.ErrorMessage(err))
		}
		fmt.Fprintf(stdout, "%d governance items created\n", n)
		return nil
	case "drills":
		ds, err := svc.FindContinuityDrills(ctx, *site)
		if err != nil {
			return fmt.Errorf("governance drills: %s", medsec.ErrorMessage(err))
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tPLANNED\tSITE\tSYSTEM\tSCENARIO\tRUN\tRESULT\tFINDINGS")
		for _, d := range ds {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", d.ID, d.Planned, d.SiteName, d.AssetName, d.Scenario, d.RunOn, d.Result, d.Findings)
		}
		return tw.Flush()
	case "cadences", "cadence":
		if cmd == "cadence" {
			dc, err := svc.SetDutyCadence(ctx, medsec.CadenceChange{SiteID: *site, Kind: medsec.DutyKind(*kind), CadenceMonths: *months, Reason: *reason})
			if err != nil {
				return fmt.Errorf("governance cadence: %s", fieldProblems(err))
			}
			fmt.Fprintf(stdout, "%s at site %d: every %d months (%s; default %d)\n", dc.Kind, dc.SiteID, dc.CadenceMonths, dc.Basis, dc.DefaultMonths)
			return nil
		}
		cs, err := svc.FindDutyCadences(ctx, *site)
		if err != nil {
			return fmt.Errorf("governance cadences: %s", fieldProblems(err))
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "DUTY\tMONTHS\tBASIS\tDEFAULT\tSET\tREASON")
		for _, c := range cs {
			set := ""
			if c.SetBy != "" {
				set = c.SetOn.String() + " " + c.SetBy
			}
			fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%s\t%s\n", c.Kind, c.CadenceMonths, c.Basis, c.DefaultMonths, set, c.Reason)
		}
		return tw.Flush()
	case "mlps":
		es, err := svc.FindMLPSEvents(ctx, *site)
		if err != nil {
			return fmt.Errorf("governance mlps: %s", medsec.ErrorMessage(err))
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tDAY\tSITE\tSYSTEM\tEVENT\tLEVEL\tOWES (ITEM DUTY DUE STATE)")
		for _, e := range es {
			owes := "-"
			for i, it := range e.Items {
				if i == 0 {
					owes = ""
				} else {
					owes += "; "
				}
				owes += fmt.Sprintf("%d %s %s %s", it.ID, it.Kind, it.Due, it.State)
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%d\t%s\n", e.ID, e.On, e.SiteName, e.System, e.Kind, e.Level, owes)
		}
		return tw.Flush()
	case "mlps-record":
		day, err := medsec.ParseDate(*on)
		if err != nil {
			return fmt.Errorf("governance mlps-record: --on: %q is not a date (YYYY-MM-DD)", *on)
		}
		e := &medsec.MLPSEvent{SiteID: *site, System: *system, Kind: medsec.MLPSEventKind(*event), Level: *level, People: *people, On: day, Note: *note}
		if err := svc.RecordMLPSEvent(ctx, e); err != nil {
			return fmt.Errorf("governance mlps-record: %s", fieldProblems(err))
		}
		fmt.Fprintf(stdout, "等保 %s of %s at %s (level %d) recorded as event %d\n", e.Kind, e.System, e.SiteName, e.Level, e.ID)
		for _, it := range e.Items {
			fmt.Fprintf(stdout, "  owes governance item %d: %s due %s (%s)\n", it.ID, it.Kind, it.Due, it.Clause)
		}
		if len(e.Items) == 0 {
			fmt.Fprintln(stdout, "  owes nothing: level 1 is neither filed nor assessed")
		}
		return nil
	case "plan-drill", "drill-result":
		day, err := medsec.ParseDate(*on)
		if err != nil {
			return fmt.Errorf("governance %s: --on: %q is not a date (YYYY-MM-DD)", cmd, *on)
		}
		if cmd == "plan-drill" {
			d := &medsec.ContinuityDrill{SiteID: *site, AssetID: *asset, Scenario: *scenario, Planned: day}
			if err := svc.PlanContinuityDrill(ctx, d); err != nil {
				return fmt.Errorf("governance plan-drill: %s", fieldProblems(err))
			}
			fmt.Fprintf(stdout, "continuity drill %d planned at %s on %s\n", d.ID, d.SiteName, d.Planned)
			return nil
		}
		d, err := svc.RecordDrillResult(ctx, *drill, medsec.DrillResult{RunOn: day, Result: *result, Findings: *findings})
		if err != nil {
			return fmt.Errorf("governance drill-result: %s", fieldProblems(err))
		}
		fmt.Fprintf(stdout, "continuity drill %d: %s on %s\n", d.ID, d.Result, d.RunOn)
		return nil
	case "list":
		items, err := svc.FindGovernanceItems(ctx, medsec.GovernanceFilter{SiteID: *site, Year: *year, State: medsec.GovernanceState(*state), Kind: medsec.DutyKind(*kind)})
		if err != nil {
			return fmt.Errorf("governance list: %s", medsec.ErrorMessage(err))
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tDUE\tSTATE\tSITE\tDUTY\tSYSTEM\tCADENCE\tDONE\tCLAUSE")
		for _, it := range items {
			cadence := "event"
			if it.CadenceBasis != "" {
				cadence = fmt.Sprintf("%dm %s", it.CadenceMonths, it.CadenceBasis)
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", it.ID, it.Due, it.State, it.SiteName, it.Kind, it.System, cadence, it.DoneOn, it.Clause)
		}
		return tw.Flush()
	}
	if *username == "" || *item == 0 {
		return errors.New("governance done: --user and --item are required")
	}
	day, err := medsec.ParseDate(*on)
	if err != nil {
		return fmt.Errorf("governance done: --on: %q is not a date (YYYY-MM-DD)", *on)
	}
	u, err := findUserByName(ctx, sqlstore.NewUserService(store), *username)
	if err != nil {
		return fmt.Errorf("governance done: %w", err)
	}
	it, err := svc.CompleteGovernanceItem(medsec.NewContextWithUser(ctx, u), *item, medsec.GovernanceCompletion{DoneOn: day, Record: *record, Evidence: *evidence})
	if err != nil {
		return fmt.Errorf("governance done: %s", fieldProblems(err))
	}
	fmt.Fprintf(stdout, "governance item %d (%s, %s, due %s) recorded done on %s by %s\n", it.ID, it.Kind, it.SiteName, it.Due, it.DoneOn, it.DoneBy)
	return nil
}

// runTraining implements "medsec training import|hours|key-role": training attendance and
// each person's hours against what they owe [003 §3.4.2].
func runTraining(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || !slices.Contains([]string{"import", "hours", "key-role"}, args[0]) {
		return errors.New(governanceUsage)
	}
	cmd := args[0]
	fs := flag.NewFlagSet("training "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "./medsec-data", "data directory")
	db := fs.String("db", "", "PostgreSQL URL instead of the data directory's database")
	site := fs.Int64("site", 0, "the site's ID")
	year := fs.Int("year", time.Now().Year(), "the year (hours)")
	short := fs.Bool("short", false, "only the people short of hours (hours)")
	person := fs.Int64("person", 0, "the person's ID (key-role)")
	keyRole := fs.Bool("key-role", true, "holds a key role (key-role)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	store, err := sqlstore.Open(ctx, dsnFor(*data, *db))
	if err != nil {
		return fmt.Errorf("training %s: %w", cmd, err)
	}
	defer store.Close()
	svc := sqlstore.NewGovernanceService(store)
	ctx = asSystem(ctx)
	switch cmd {
	case "import":
		if fs.NArg() != 1 {
			return errors.New("training import: name one file")
		}
		b, err := os.ReadFile(fs.Arg(0))
		if err != nil {
			return fmt.Errorf("training import: %w", err)
		}
		imp := training.Read(b, filepath.Base(fs.Arg(0)))
		imp.SiteID = *site
		res, err := svc.ImportTraining(ctx, imp)
		if err != nil {
			return fmt.Errorf("training import: %s", fieldProblems(err))
		}
		fmt.Fprintf(stdout, "%d sessions added, %d attendances recorded, %d already recorded\n", res.Sessions, res.Attendances, res.Unchanged)
		return nil
	case "key-role":
		if err := svc.SetKeyRole(ctx, *person, *keyRole); err != nil {
			return fmt.Errorf("training key-role: %s", medsec.ErrorMessage(err))
		}
		fmt.Fprintf(stdout, "person %d key role: %v\n", *person, *keyRole)
		return nil
	}
	hs, err := svc.TrainingHoursOf(ctx, *site, *year)
	if err != nil {
		return fmt.Errorf("training hours: %s", medsec.ErrorMessage(err))
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PERSON\tEMPLOYEE NO\tKEY ROLE\tNEW STAFF\tHOURS\tREQUIRED\tSHORT\tCLAUSE")
	for _, h := range hs {
		if *short && h.Short == 0 {
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%v\t%v\t%s\t%s\t%s\t%s\n", h.Name, h.EmployeeNo, h.KeyRole, h.NewStaff, hours(h.Hours), hours(h.Required), hours(h.Short), h.Clause)
	}
	return tw.Flush()
}

func hours(h float64) string { return strconv.FormatFloat(h, 'f', -1, 64) }
