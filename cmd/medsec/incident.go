package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"medsec"
	"medsec/i18n"
	"medsec/incident"
	"medsec/sqlstore"
)

const incidentUsage = `usage:
  medsec incident list   --data DIR [--db URL] [--site N] [--status open|closed] [--drill yes|no] [--json]
  medsec incident ledger --data DIR [--db URL] --format csv|xlsx [--lang en|ja|zh-CN|zh-TW] [--site N] [--drill yes|no] [--out FILE]
  medsec incident evidence add --data DIR [--db URL] --incident N --user NAME [--note TEXT] FILE
  medsec incident task assign --data DIR [--db URL] --incident N --task T --user NAME --assignee NAME`

// runIncident implements "medsec incident list|ledger|evidence|task": the incidents with
// their clocks, and the 網絡安全事件臺賬 [003 §3.3.3] as CSV or XLSX, read as the operator
// (medsec itself); "evidence add" stores a file as an incident's evidence
// (runIncidentEvidence); "task assign" assigns a task (runIncidentTask).
func runIncident(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "evidence" {
		return runIncidentEvidence(ctx, args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "task" {
		return runIncidentTask(ctx, args[1:], stdout, stderr)
	}
	if len(args) == 0 || (args[0] != "list" && args[0] != "ledger") {
		return errors.New(incidentUsage)
	}
	cmd := args[0]
	fs := flag.NewFlagSet("incident "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "./medsec-data", "data directory")
	db := fs.String("db", "", "PostgreSQL URL instead of the data directory's database")
	site := fs.Int64("site", 0, "only the incidents of the site with this id")
	status := fs.String("status", "", "open or closed (list)")
	drill := fs.String("drill", "", "yes: drills only; no: real incidents only")
	asJSON := fs.Bool("json", false, "print JSON: every incident with its clocks, checklist and tasks (list; tasks[].id is what incident task assign --task takes)")
	format := fs.String("format", "", "csv or xlsx (ledger)")
	lang := fs.String("lang", "", "language of the ledger's headers and values: en, ja, zh-CN, zh-TW (default: MEDSEC_LANG, else the locale, else en)")
	out := fs.String("out", "", "write the ledger to FILE instead of standard output")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *status != "" && *status != "open" && *status != "closed" {
		return fmt.Errorf("incident %s: --status must be open or closed", cmd)
	}
	if *site < 0 {
		return fmt.Errorf("incident %s: --site must be a site's id", cmd)
	}
	if *drill != "" && *drill != "yes" && *drill != "no" {
		return fmt.Errorf("incident %s: --drill must be yes or no", cmd)
	}
	if cmd == "ledger" && *format != "csv" && *format != "xlsx" {
		return fmt.Errorf("incident ledger: --format must be csv or xlsx")
	}
	bundle, err := i18n.Load()
	if err != nil {
		return err
	}
	if *lang == "" {
		if err := checkMedsecLang(bundle, os.Getenv); err != nil {
			return fmt.Errorf("incident %s: %w", cmd, err)
		}
		*lang = envLanguage(bundle)
	}
	if !contains(i18n.Languages, *lang) {
		return fmt.Errorf("incident %s: --lang must be one of en, ja, zh-CN, zh-TW", cmd)
	}
	store, err := openStore(ctx, *data, *db, true)
	if err != nil {
		return fmt.Errorf("incident %s: %w", cmd, err)
	}
	defer store.Close()
	svc := sqlstore.NewIncidentService(store)
	ctx = asSystem(ctx)
	f := medsec.IncidentFilter{SiteID: *site, Status: medsec.IncidentStatus(*status), Drill: *drill}
	if cmd == "list" {
		list, err := svc.FindIncidents(ctx, f)
		if err != nil {
			return fmt.Errorf("incident list: %w", err)
		}
		if *asJSON {
			if list == nil {
				list = []*medsec.Incident{}
			}
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(list)
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		// LATE/UNMET/CLOCKS counts as the ledger's Late, Unmet and Clocks columns do
		// (medsec.CountClockStates): duties met late, stopped late or running past due;
		// duties the response ended before they were done or due; of the duties counted.
		fmt.Fprintln(tw, "ID\tLEVEL\tSTATUS\tDRILL\tLATE/UNMET/CLOCKS (AS THE LEDGER)\tDETECTED (SITE TIME)\tTITLE")
		for _, inc := range list {
			drill := ""
			if inc.Drill {
				drill = "drill"
			}
			n := medsec.CountClockStates(inc.Clocks)
			fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t%d/%d/%d\t%s\t%s\n", inc.ID, inc.Level, inc.Status, drill, n.Late, n.Unmet, n.Total, medsec.ZonedTime(inc.DetectedAt, inc.TimeZone), inc.Title)
		}
		return tw.Flush()
	}
	rows, err := svc.Ledger(ctx, f)
	if err != nil {
		return fmt.Errorf("incident ledger: %w", err)
	}
	w := stdout
	if *out == "" && *format == "xlsx" && isTerminal(stdout) {
		return errors.New("incident ledger: an XLSX file is binary and is not written to a terminal: give --out FILE or redirect standard output to a file")
	}
	if *out != "" {
		file, err := os.OpenFile(*out, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil {
			return fmt.Errorf("incident ledger: %w", err)
		}
		defer file.Close()
		w = file
	}
	t := func(k string) string { return bundle.T(*lang, k) }
	if err := incident.WriteLedger(w, incident.LedgerFormat(*format), rows, t); err != nil {
		return fmt.Errorf("incident ledger: %w", err)
	}
	if *out != "" {
		fmt.Fprintf(stderr, "wrote %d ledger rows to %s\n", len(rows), *out)
	}
	return nil
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
