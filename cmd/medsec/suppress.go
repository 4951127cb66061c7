package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"medsec"
	"medsec/sqlstore"
)

// runSuppress implements "medsec rules suppress|suppressions|unsuppress": suppressions of
// known false positives (see medsec.Suppression), made, listed and expired as the system
// user, audited. A running server applies a change within 30 seconds.
func runSuppress(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmd := args[0]
	fs := flag.NewFlagSet("rules "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "./medsec-data", "data directory")
	dbURL := fs.String("db", "", "PostgreSQL URL instead of the data directory's database")
	rule := fs.String("rule", "", "the rule: its id or Sigma id (UUID)")
	site := fs.String("site", "", "the site: its id or code (0: the organisation)")
	host := fs.String("host", "", "host.name the events hold")
	user := fs.String("user", "", "user.name the events hold")
	source := fs.String("source", "", "source.ip the events hold: an address or a CIDR network")
	expires := fs.String("expires", "", "last day it applies (YYYY-MM-DD, in the site's time zone)")
	reason := fs.String("reason", "", "why the matches are false positives (required)")
	active := fs.Bool("active", false, "list only the suppressions still applying")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	store, err := openStore(ctx, *data, *dbURL, cmd == "suppressions")
	if err != nil {
		return fmt.Errorf("rules %s: %w", cmd, err)
	}
	defer store.Close()
	sys := asSystem(ctx)
	det := sqlstore.NewDetectionService(store)
	ruleID := func() (int64, error) {
		if *rule == "" {
			return 0, nil
		}
		if id, err := strconv.ParseInt(*rule, 10, 64); err == nil {
			return id, nil
		}
		list, err := det.FindRules(sys, medsec.RuleFilter{})
		if err != nil {
			return 0, err
		}
		for _, r := range list {
			if strings.EqualFold(r.UID, *rule) {
				return r.ID, nil
			}
		}
		return 0, fmt.Errorf("--rule: no rule %q", *rule)
	}
	switch cmd {
	case "unsuppress":
		if fs.NArg() != 1 {
			return errors.New("rules unsuppress: name the suppression's id\n" + rulesUsage)
		}
		id, err := strconv.ParseInt(fs.Arg(0), 10, 64)
		if err != nil {
			return fmt.Errorf("rules unsuppress: %q is not an id", fs.Arg(0))
		}
		if err := det.ExpireSuppression(sys, id); err != nil {
			return fmt.Errorf("rules unsuppress: %w", err)
		}
		fmt.Fprintf(stdout, "suppression %d expired\n", id)
		return nil
	case "suppressions":
		id, err := ruleID()
		if err != nil {
			return fmt.Errorf("rules suppressions: %w", err)
		}
		list, err := det.FindSuppressions(sys, medsec.SuppressionFilter{RuleID: id, AnySite: true, Active: *active})
		if err != nil {
			return fmt.Errorf("rules suppressions: %w", err)
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tRULE\tSITE\tHOST\tUSER\tSOURCE\tEXPIRES\tSUPPRESSED\tLAST\tREASON")
		for _, x := range list {
			exp := "never"
			if !x.ExpiresAt.IsZero() {
				exp = x.ExpiresAt.Format(time.RFC3339)
			}
			if x.Expired {
				exp = "expired " + exp
			}
			last := "-"
			if !x.LastSuppressedAt.IsZero() {
				last = x.LastSuppressedAt.Format(time.RFC3339)
			}
			siteName := x.SiteName
			if x.SiteID == 0 {
				siteName = "(organisation)"
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", x.ID, x.RuleTitle, siteName, x.Host, x.User, x.Source, exp, x.Suppressed, last, strings.ReplaceAll(x.Reason, "\n", " "))
		}
		return tw.Flush()
	}
	id, err := ruleID()
	if err != nil {
		return fmt.Errorf("rules suppress: %w", err)
	}
	if id == 0 || *site == "" {
		return errors.New("rules suppress: --rule and --site are required\n" + rulesUsage)
	}
	x := &medsec.Suppression{RuleID: id, Host: *host, User: *user, Source: *source, Reason: *reason}
	loc := time.Local
	if n, err := strconv.ParseInt(*site, 10, 64); err == nil {
		x.SiteID = n
	}
	sites, err := sqlstore.NewOrgService(store).FindSites(sys)
	if err != nil {
		return fmt.Errorf("rules suppress: %w", err)
	}
	found := x.SiteID == 0 && *site == "0"
	for _, s := range sites {
		if s.ID == x.SiteID && x.SiteID != 0 || strings.EqualFold(s.Code, *site) {
			x.SiteID, found = s.ID, true
			if l, err := medsec.LoadZone("time_zone", s.Zone()); err == nil {
				loc = l
			}
		}
	}
	if !found {
		return fmt.Errorf("rules suppress: --site: no site %q", *site)
	}
	if *expires != "" {
		day, err := time.ParseInLocation("2006-01-02", *expires, loc)
		if err != nil {
			return fmt.Errorf("rules suppress: --expires: %q is not a date (YYYY-MM-DD)", *expires)
		}
		x.ExpiresAt = day.AddDate(0, 0, 1)
	}
	if err := det.CreateSuppression(sys, x); err != nil {
		return fmt.Errorf("rules suppress: %w", err)
	}
	fmt.Fprintf(stdout, "suppression %d of %q at %s saved (a running server applies it within 30 s)\n", x.ID, x.RuleTitle, *site)
	return nil
}
