package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"slices"
	"time"

	"medsec"
	"medsec/sqlstore"
)

const vulnScansUsage = `usage:
  medsec vuln scans [--data DIR | --db URL] [--site CODE] [--state never|overdue|due_soon|ok] [--json]

Prints, from the imported scanner reports (OpenVAS, Nessus, Trivy, Grype; their hosts
attached to assets), when each asset subject to a scan cadence was last scanned and
when its next scan is due: yearly for boundary hosts and control systems at level 高
(000 附表一 漏洞修補 (高) 二, control tw-si-1.h), monthly for core systems — HIS, EMR,
LIS, RIS, PACS (003 §3.2.2, control ir-3.2.2-3). First a line per site and
requirement, then the assets, the most urgent first. --json prints the schedule as
the API answers it. Exits non-zero when an asset is overdue or never scanned (after
printing), so that a cron job can tell.
`

// errScansLate is returned by "medsec vuln scans" when an asset is late.
type errScansLate struct{ late int }

func (e errScansLate) Error() string {
	return fmt.Sprintf("vuln scans: %d asset(s) overdue or never scanned", e.late)
}

// runVulnScans implements "medsec vuln scans" (issue 11: the scan cadences).
func runVulnScans(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("vuln scans", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, vulnScansUsage) }
	data := fs.String("data", "./medsec-data", "data directory")
	db := fs.String("db", "", "PostgreSQL URL instead of the data directory's database")
	site := fs.String("site", "", "only this site (its code)")
	state := fs.String("state", "", "only the assets in this state: never, overdue, due_soon, ok")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	f := medsec.ScanScheduleFilter{State: medsec.ScanDueState(*state)}
	if f.State != "" && !slices.Contains(medsec.ScanDueStates, f.State) {
		return fmt.Errorf("vuln scans: --state %q: must be one of never, overdue, due_soon, ok", *state)
	}
	store, err := openStore(ctx, *data, *db, true)
	if err != nil {
		return fmt.Errorf("vuln scans: %w", err)
	}
	defer store.Close()
	ctx = asSystem(ctx)
	if *site != "" {
		sites, err := sqlstore.NewOrgService(store).FindSites(ctx)
		if err != nil {
			return fmt.Errorf("vuln scans: %s", describe(err))
		}
		for _, s := range sites {
			if s.Code == *site {
				f.SiteID = s.ID
			}
		}
		if f.SiteID == 0 {
			return fmt.Errorf("vuln scans: --site %q: no such site", *site)
		}
	}
	sched, err := sqlstore.NewScanService(store).ScanSchedule(ctx, f)
	if err != nil {
		return fmt.Errorf("vuln scans: %s", describe(err))
	}
	late := 0
	for _, s := range sched.Sites {
		late += s.Late()
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(sched); err != nil {
			return err
		}
	} else {
		day := func(t time.Time) string {
			if t.IsZero() {
				return "-"
			}
			return t.Format("2006-01-02")
		}
		fmt.Fprintf(stdout, "%-28s %-24s %6s %6s %8s %8s %6s  %s\n", "site", "requirement", "assets", "never", "overdue", "due soon", "ok", "earliest due")
		for _, s := range sched.Sites {
			fmt.Fprintf(stdout, "%-28s %-24s %6d %6d %8d %8d %6d  %s\n", s.SiteName, s.Requirement, s.Assets, s.Never, s.Overdue, s.DueSoon, s.OK, day(s.NextDue))
		}
		fmt.Fprintln(stdout)
		for _, d := range sched.Assets {
			fmt.Fprintf(stdout, "%-9s %-32s %-24s last %s (%s report %d)  due %s\n", d.State, d.AssetName, d.Requirement, day(d.LastScanAt), d.LastScanner, d.LastReportID, day(d.DueAt))
		}
	}
	if late > 0 {
		return errScansLate{late}
	}
	return nil
}
