package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"medsec"
	"medsec/sqlstore"
)

const siteUsage = `usage:
  medsec site list --data DIR
  medsec site set  --data DIR --id ID [--jurisdiction TW|CN|JP] [--time-zone NAME|--time-zone ""]
  medsec site retire --data DIR --id ID`

// runSite implements "medsec site list|set|retire": each site's jurisdiction and time zone
// (the jurisdiction's, TW Asia/Taipei, CN Asia/Shanghai, JP Asia/Tokyo, unless set), and
// retiring a site no active asset is at (refused, naming how many remain, otherwise).
// Changes are audited as the system user.
func runSite(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "list" && args[0] != "set" && args[0] != "retire") {
		return errors.New(siteUsage)
	}
	cmd := args[0]
	fs := flag.NewFlagSet("site "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "./medsec-data", "data directory")
	db := fs.String("db", "", "PostgreSQL URL instead of the data directory's database")
	id := fs.Int64("id", 0, "the site to change, as site list shows it (set, retire)")
	jurisdiction := fs.String("jurisdiction", "", "TW, CN or JP (set; default: unchanged)")
	zone := fs.String("time-zone", "", `IANA time zone such as Asia/Tokyo, or "" for the jurisdiction's (set)`)
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	zoneSet := false
	fs.Visit(func(f *flag.Flag) { zoneSet = zoneSet || f.Name == "time-zone" })
	store, err := openStore(ctx, *data, *db, cmd == "list")
	if err != nil {
		return fmt.Errorf("site %s: %w", cmd, err)
	}
	defer store.Close()
	org := sqlstore.NewOrgService(store)
	ctx = asSystem(ctx)
	sites, err := org.FindSites(ctx)
	if err != nil {
		return fmt.Errorf("site %s: %w", cmd, err)
	}
	if cmd == "list" {
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tCODE\tNAME\tJURISDICTION\tTIME ZONE\tRETIRED")
		for _, s := range sites {
			z := s.Zone()
			if s.TimeZone == "" {
				z += " (jurisdiction's)"
			}
			retired := "-"
			if !s.RetiredAt.IsZero() {
				retired = s.RetiredAt.Format(time.RFC3339)
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", s.ID, s.Code, s.Name, s.Jurisdiction, z, retired)
		}
		return tw.Flush()
	}
	if *id <= 0 {
		return fmt.Errorf("site %s: --id is required", cmd)
	}
	if cmd == "retire" {
		site, err := org.RetireSite(ctx, *id)
		if err != nil {
			return fmt.Errorf("site retire: %s", medsec.ErrorMessage(err))
		}
		fmt.Fprintf(stdout, "site %d (%s): retired %s\n", site.ID, site.Name, site.RetiredAt.Format(time.RFC3339))
		return nil
	}
	for _, s := range sites {
		if s.ID != *id {
			continue
		}
		if *jurisdiction != "" {
			s.Jurisdiction = medsec.Jurisdiction(*jurisdiction)
		}
		if zoneSet {
			s.TimeZone = *zone
		}
		if err := org.UpdateSite(ctx, s); err != nil {
			var ve *medsec.ValidationError
			if errors.As(err, &ve) && len(ve.Errors) > 0 {
				return fmt.Errorf("site set: --%s: %q %s", flagOf(ve.Errors[0].Field), ve.Errors[0].Value, ve.Errors[0].Message)
			}
			return fmt.Errorf("site set: %s", medsec.ErrorMessage(err))
		}
		fmt.Fprintf(stdout, "site %d (%s): jurisdiction %s, time zone %s\n", s.ID, s.Name, s.Jurisdiction, s.Zone())
		return nil
	}
	return fmt.Errorf("site set: no site %d", *id)
}

// flagOf names the command-line flag of a site field.
func flagOf(field string) string {
	if field == "time_zone" {
		return "time-zone"
	}
	return field
}
