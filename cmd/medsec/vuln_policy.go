package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"

	"medsec"
	"medsec/sqlstore"
)

const vulnDeadlinesUsage = `usage:
  medsec vuln deadlines show [--data DIR | --db URL] [--json]
  medsec vuln deadlines set  [--data DIR | --db URL] --site CODE [--high-hours N]
                             [--medium-hours N] [--low-hours N]
                             [--terminal-high-hours N] [--kev-hours N]

show prints every site's fix-deadline policy: the window of each rule in hours and
whether the site has its own or the plan's (003 §5.2.1: a CVSS score of 7.0 or more
24 h, 4.0 to 6.9 72 h, under 4.0 7 days; §3.1.2: a high-risk vulnerability of a
terminal device 48 h; a KEV entry the shortest window, unless --kev-hours sets one).

set replaces a site's policy: a window not given (or 0) takes the plan's default; each
is at most 8784 hours (a year). The deadlines of the site's open findings are computed
again in the same transaction, and the change is audited. It prints the policy as it
applies and how many findings got a new deadline.
`

// runVulnDeadlines implements "medsec vuln deadlines show|set" (issue 11: deadlines by
// policy, per site).
func runVulnDeadlines(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, vulnDeadlinesUsage)
		if len(args) == 0 {
			return flag.ErrHelp
		}
		return nil
	}
	fs := flag.NewFlagSet("vuln deadlines "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "./medsec-data", "data directory")
	db := fs.String("db", "", "PostgreSQL URL instead of the data directory's database")
	asJSON := fs.Bool("json", false, "show: print JSON")
	site := fs.String("site", "", "set: the site's code")
	var p medsec.DeadlinePolicy
	fs.IntVar(&p.HighHours, "high-hours", 0, "set: window of a score of 7.0 or more (0: 24)")
	fs.IntVar(&p.MediumHours, "medium-hours", 0, "set: window of a score of 4.0 to 6.9 (0: 72)")
	fs.IntVar(&p.LowHours, "low-hours", 0, "set: window of a score under 4.0 (0: 168)")
	fs.IntVar(&p.TerminalHighHours, "terminal-high-hours", 0, "set: window of a high-risk vulnerability of a terminal device (0: 48)")
	fs.IntVar(&p.KEVHours, "kev-hours", 0, "set: window of a KEV entry (0: the shortest of the others)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if args[0] != "show" && args[0] != "set" {
		fmt.Fprint(stderr, vulnDeadlinesUsage)
		return fmt.Errorf("vuln deadlines: unknown subcommand %q", args[0])
	}
	store, err := openStore(ctx, *data, *db, args[0] == "show")
	if err != nil {
		return fmt.Errorf("vuln deadlines: %w", err)
	}
	defer store.Close()
	ctx = asSystem(ctx)
	svc := sqlstore.NewVulnService(store)
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if args[0] == "show" {
		ps, err := svc.FindDeadlinePolicies(ctx)
		if err != nil {
			return fmt.Errorf("vuln deadlines show: %s", describe(err))
		}
		if *asJSON {
			return enc.Encode(ps)
		}
		fmt.Fprintf(stdout, "%-28s %6s %6s %6s %9s %6s  %s\n", "site", "high", "medium", "low", "terminal", "KEV", "policy")
		for _, p := range ps {
			kev, own := strconv.Itoa(p.KEVHours), "the plan's (003 §5.2.1, §3.1.2)"
			if p.KEVHours == 0 {
				kev = "min"
			}
			if p.Custom {
				own = "the site's own"
			}
			fmt.Fprintf(stdout, "%-28s %5dh %5dh %5dh %8dh %6s  %s\n", p.SiteName, p.HighHours, p.MediumHours, p.LowHours, p.TerminalHighHours, kev, own)
		}
		return nil
	}
	if *site == "" {
		return errors.New("vuln deadlines set: give --site CODE")
	}
	sites, err := sqlstore.NewOrgService(store).FindSites(ctx)
	if err != nil {
		return fmt.Errorf("vuln deadlines set: %s", describe(err))
	}
	for _, s := range sites {
		if s.Code == *site {
			p.SiteID = s.ID
		}
	}
	if p.SiteID == 0 {
		return fmt.Errorf("vuln deadlines set: --site %q: no such site", *site)
	}
	if err := svc.SetDeadlinePolicy(ctx, &p); err != nil {
		return fmt.Errorf("vuln deadlines set: site %s: %s", *site, describe(err))
	}
	return enc.Encode(&p)
}
