package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"medsec"
	"medsec/sqlstore"
)

// runLogsReview implements "medsec logs review list|export" [004 §17]: the periodic log
// reviews with their sign-off, read from the data directory's database.
func runLogsReview(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "list" && args[0] != "export") {
		fmt.Fprint(stderr, logsUsage)
		return errors.New("logs review: give list or export")
	}
	fs := flag.NewFlagSet("logs review "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "./medsec-data", "data directory")
	site := fs.Int64("site", 0, "list: only this site's reviews (its ID)")
	status := fs.String("status", "", "list: open, signed or overdue")
	asJSON := fs.Bool("json", false, "list: print JSON")
	out := fs.String("out", "", "export: file to write (must not exist; default standard output)")
	if err := fs.Parse(moveFlagsFirst(args[1:], "json")); err != nil {
		return err
	}
	if _, err := os.Stat(dsnFor(*data, "")); err != nil {
		return fmt.Errorf("logs review: no database in %s", *data)
	}
	db, err := sqlstore.Open(ctx, dsnFor(*data, ""))
	if err != nil {
		return fmt.Errorf("logs review: %w", err)
	}
	defer db.Close()
	svc := sqlstore.NewLogReviewService(db, nil)
	if args[0] == "export" {
		return exportLogReview(asSystem(ctx), svc, fs.Args(), *out, stdout)
	}
	f := medsec.LogReviewFilter{SiteID: *site, Status: *status}
	if *status == "overdue" {
		f.Status, f.Overdue = "", true
	}
	rs, err := svc.FindLogReviews(asSystem(ctx), f)
	if err != nil {
		return fmt.Errorf("logs review list: %s", medsec.ErrorMessage(err))
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", " ")
		return enc.Encode(rs)
	}
	for _, r := range rs {
		state := r.Status
		if r.Overdue {
			state = "overdue"
		}
		signed := ""
		if r.Status == medsec.LogReviewSigned {
			signed = fmt.Sprintf(" signed by %s at %s", r.SignedByName, r.SignedAt.Format(time.RFC3339))
		}
		fmt.Fprintf(stdout, "#%d site %d %s..%s due %s %s, %d queries%s\n", r.ID, r.SiteID, r.PeriodStart.Format(time.DateOnly),
			r.PeriodEnd.AddDate(0, 0, -1).Format(time.DateOnly), r.Due.Format(time.DateOnly), state, len(r.Queries), signed)
	}
	fmt.Fprintf(stdout, "%d reviews\n", len(rs))
	return nil
}

// exportLogReview writes one review, with its queries, their hashes and its sign-off, as
// JSON: the record an auditor files.
func exportLogReview(ctx context.Context, svc *sqlstore.LogReviewService, args []string, out string, stdout io.Writer) error {
	if len(args) != 1 {
		return errors.New("logs review export: give one review ID")
	}
	id, err := strconv.ParseInt(args[0], 10, 64)
	if err != nil {
		return fmt.Errorf("logs review export: %q is not a review ID", args[0])
	}
	r, err := svc.FindLogReview(ctx, id)
	if err != nil {
		return fmt.Errorf("logs review export: %s", medsec.ErrorMessage(err))
	}
	body, err := json.MarshalIndent(r, "", " ")
	if err != nil {
		return err
	}
	body = append(body, '\n')
	if out == "" {
		_, err = stdout.Write(body)
		return err
	}
	w, err := os.OpenFile(out, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("logs review export: %w", err)
	}
	if _, err := w.Write(body); err != nil {
		w.Close()
		os.Remove(out)
		return fmt.Errorf("logs review export: %w", err)
	}
	return w.Close()
}
