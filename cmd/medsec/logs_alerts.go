package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"medsec"
	"medsec/sqlstore"
)

// runLogsAlerts is "medsec logs alerts [--data DIR] [--all] [--json]": the log alerts the
// server raised — silent sources, clocks off, storage failures, failed seal verifications
// (issue 12) — open ones by default, with the latest seal verification of each site.
func runLogsAlerts(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("logs alerts", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "./medsec-data", "data directory")
	all := fs.Bool("all", false, "also the resolved alerts (the latest 200)")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(moveFlagsFirst(args, "json", "all")); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("logs alerts: unexpected argument %q", fs.Arg(0))
	}
	if _, err := os.Stat(dsnFor(*data, "")); err != nil {
		return fmt.Errorf("logs alerts: no database in %s", *data)
	}
	db, err := sqlstore.Open(ctx, dsnFor(*data, ""))
	if err != nil {
		return fmt.Errorf("logs alerts: %w", err)
	}
	defer db.Close()
	svc := sqlstore.NewLogAlertService(db)
	sys := asSystem(ctx)
	as, err := svc.FindLogAlerts(sys, medsec.LogAlertFilter{Active: !*all})
	if err != nil {
		return fmt.Errorf("logs alerts: %s", medsec.ErrorMessage(err))
	}
	vs, err := svc.LogVerifications(sys)
	if err != nil {
		return fmt.Errorf("logs alerts: %s", medsec.ErrorMessage(err))
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", " ")
		return enc.Encode(map[string]any{"alerts": as, "verifications": vs})
	}
	for _, a := range as {
		state := "OPEN"
		if !a.Active {
			state = "resolved " + a.ResolvedAt.Format(time.RFC3339)
		}
		fmt.Fprintf(stdout, "#%d %s site %d %s raised %s %s: %s\n", a.ID, a.Kind, a.SiteID, a.Subject, a.RaisedAt.Format(time.RFC3339), state, strings.Join(a.Args, ", "))
	}
	fmt.Fprintf(stdout, "%d alerts\n", len(as))
	for _, v := range vs {
		fmt.Fprintf(stdout, "site %d seal verified %s: %d records, %d problems\n", v.SiteID, v.At.Format(time.RFC3339), v.Checked, v.Problems)
	}
	return nil
}
