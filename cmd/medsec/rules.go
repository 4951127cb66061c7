package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"medsec"
	"medsec/detection"
	"medsec/sqlstore"
)

const rulesUsage = `usage:
  medsec rules import [--data DIR | --db URL] PATH...   (Sigma YAML files, directories, zips)
  medsec rules list   [--data DIR | --db URL]
  medsec rules suppress [--data DIR | --db URL] --rule ID|UUID --site ID|CODE [--host NAME] [--user NAME] [--source IP|CIDR] [--expires YYYY-MM-DD] --reason TEXT
  medsec rules suppressions [--data DIR | --db URL] [--rule ID|UUID] [--active]
  medsec rules unsuppress [--data DIR | --db URL] ID   (expire a suppression now)
  medsec alerts list  [--data DIR | --db URL] [--status open|new|acknowledged|investigating|closed_true_positive|closed_false_positive]`

// runRules implements "medsec rules import|list": Sigma rules for the detection service,
// read from files, directories (a checkout of SigmaHQ's repository) or zips, all or none;
// every problem is printed with its file and line. Imported rules are off until a site
// turns them on. The import is audited as the system user.
func runRules(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && (args[0] == "suppress" || args[0] == "suppressions" || args[0] == "unsuppress") {
		return runSuppress(ctx, args, stdout, stderr)
	}
	if len(args) == 0 || (args[0] != "import" && args[0] != "list") {
		return errors.New(rulesUsage)
	}
	cmd := args[0]
	fs := flag.NewFlagSet("rules "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "./medsec-data", "data directory")
	dbURL := fs.String("db", "", "PostgreSQL URL instead of the data directory's database")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if cmd == "import" && fs.NArg() == 0 {
		return errors.New("rules import: name at least one file, directory or zip\n" + rulesUsage)
	}
	var rules []*medsec.DetectionRule
	seen := map[string]string{} // a Sigma id, the path that had it first
	for _, p := range fs.Args() {
		rs, err := readRulePath(p)
		if err != nil {
			return fmt.Errorf("rules import: %w", err)
		}
		// Two paths of one run sharing an id are refused as one upload's files are;
		// otherwise the second would silently replace the first.
		for _, r := range rs {
			where := p
			if r.FileName != "" && r.FileName != filepath.Base(p) { // a file inside a zip or directory
				where = p + ": " + r.FileName
			}
			if other, dup := seen[r.UID]; dup {
				return fmt.Errorf("rules import: %s: id %s is also the id of a rule in %s", where, r.UID, other)
			}
			seen[r.UID] = where
		}
		rules = append(rules, rs...)
	}
	store, err := openStore(ctx, *data, *dbURL, cmd == "list")
	if err != nil {
		return fmt.Errorf("rules %s: %w", cmd, err)
	}
	defer store.Close()
	sys := asSystem(ctx)
	det := sqlstore.NewDetectionService(store)
	uses := sqlstore.NewEmergencyUseService(store)
	svc := detection.New(detection.Stores{Rules: det, Alerts: det, Suppressions: det, Events: sqlstore.NewEventService(store), Accounts: uses, Followers: []medsec.AlertFollower{uses}, Sites: sqlstore.NewOrgService(store)}, nil)
	if err := svc.InstallBuiltins(sys); err != nil {
		return fmt.Errorf("rules %s: %w", cmd, err)
	}
	if cmd == "import" {
		// Refused as the server's import refuses: a rule the engine cannot run, or with
		// a backtracking regular expression too slow to run on every event.
		if err := svc.Load(sys); err != nil {
			return fmt.Errorf("rules import: %w", err)
		}
		if err := svc.CheckRules(strings.Join(fs.Args(), ", "), rules); err != nil {
			return fmt.Errorf("rules import: %w", err)
		}
		if err := det.SaveRules(sys, rules); err != nil {
			return fmt.Errorf("rules import: %w", err)
		}
		fmt.Fprintf(stdout, "%d rules imported (off until a site turns them on)\n", len(rules))
		return nil
	}
	list, err := det.FindRules(sys, medsec.RuleFilter{})
	if err != nil {
		return fmt.Errorf("rules list: %w", err)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tORIGIN\tKIND\tLEVEL\tHITS\tON AT\tTITLE")
	for _, r := range list {
		on := 0
		for _, s := range r.Sites {
			if s.Enabled {
				on++
			}
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%d/%d\t%s\n", r.ID, r.Origin, r.Kind, r.Level, r.Hits, on, len(r.Sites), r.Title)
	}
	return tw.Flush()
}

// readRulePath reads a Sigma file, a zip or a directory of them.
func readRulePath(p string) ([]*medsec.DetectionRule, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return detection.ReadDir(p, os.DirFS(p))
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	return detection.ReadImport(filepath.Base(p), data)
}

// runAlerts implements "medsec alerts list": the alert queue of every site.
func runAlerts(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "list" {
		return errors.New(rulesUsage)
	}
	fs := flag.NewFlagSet("alerts list", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "./medsec-data", "data directory")
	dbURL := fs.String("db", "", "PostgreSQL URL instead of the data directory's database")
	status := fs.String("status", "open", "a triage state, or open (not closed), or all")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	store, err := openStore(ctx, *data, *dbURL, true)
	if err != nil {
		return fmt.Errorf("alerts list: %w", err)
	}
	defer store.Close()
	f := medsec.AlertFilter{Limit: medsec.MaxPageSize}
	switch *status {
	case "open":
		f.Open = true
	case "all":
	default:
		f.Status = medsec.AlertStatus(*status)
	}
	alerts, total, err := sqlstore.NewDetectionService(store).FindAlerts(asSystem(ctx), f)
	if err != nil {
		return fmt.Errorf("alerts list: %w", err)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tLAST EVENT\tLEVEL\tSTATUS\tSITE\tASSET\tEVENTS\tTITLE")
	for _, a := range alerts {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%d\t%s\n", a.ID, a.LastAt.Format("2006-01-02 15:04"), a.Level, a.Status, a.SiteName, a.AssetName, a.EventCount, a.Title)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d alerts\n", total)
	return nil
}
