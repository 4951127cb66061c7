package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"text/tabwriter"

	"medsec"
	"medsec/report"
	"medsec/sqlstore"
)

const riskReviewUsage = `usage:
  medsec risk-review list   --data DIR [--site ID] [--year YYYY]
  medsec risk-review show   --data DIR --id ID
  medsec risk-review start  --data DIR --user NAME --site ID --year YYYY
  medsec risk-review decide --data DIR --user NAME --id ID --seq N --decision accept|treat|transfer|avoid --reason TEXT [--owner TEXT] [--due YYYY-MM-DD]
  medsec risk-review sign   --data DIR --user NAME --id ID --as officer|leadership [--title TEXT]`

// runRiskReview implements "medsec risk-review": the yearly risk reviews, their decisions
// and signatures [000 §7(二); 002 第二十一条; 004 §4]. Reading acts as the system; start,
// decide and sign act as the medsec user --user names, whose role and sites are checked
// and who is the one recorded (a signature is that person's).
func runRiskReview(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || !slices.Contains([]string{"list", "show", "start", "decide", "sign"}, args[0]) {
		return errors.New(riskReviewUsage)
	}
	cmd := args[0]
	fs := flag.NewFlagSet("risk-review "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "./medsec-data", "data directory")
	db := fs.String("db", "", "PostgreSQL URL instead of the data directory's database")
	username := fs.String("user", "", "the medsec user who acts (start, decide, sign)")
	site := fs.Int64("site", 0, "the site's ID")
	year := fs.Int("year", 0, "the year reviewed")
	id := fs.Int64("id", 0, "the review's ID")
	seq := fs.Int("seq", 0, "the risk's number in the review (decide)")
	decision := fs.String("decision", "", "accept, treat, transfer or avoid (decide)")
	reason := fs.String("reason", "", "why (decide)")
	owner := fs.String("owner", "", "who carries the decision out (decide)")
	due := fs.String("due", "", "when a treatment is due, YYYY-MM-DD (decide)")
	as := fs.String("as", "", "officer or leadership (sign)")
	title := fs.String("title", "", "the leadership signer's title, e.g. 院長 (sign)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	store, err := openStore(ctx, *data, *db, true)
	if err != nil {
		return fmt.Errorf("risk-review %s: %w", cmd, err)
	}
	defer store.Close()
	assessments, err := newAssessmentService(store, *data)
	if err != nil {
		return fmt.Errorf("risk-review %s: %w", cmd, err)
	}
	src := report.Sources{Org: sqlstore.NewOrgService(store), Assets: sqlstore.NewAssetService(store), Assessments: assessments,
		Vulns: sqlstore.NewVulnService(store), Incidents: sqlstore.NewIncidentService(store), Zones: sqlstore.NewZoneService(store)}
	svc, err := newRiskReviewService(store, src)
	if err != nil {
		return err
	}
	ctx = asSystem(ctx)
	switch cmd {
	case "list":
		rs, err := svc.FindRiskReviews(ctx, medsec.RiskReviewFilter{SiteID: *site, Year: *year})
		if err != nil {
			return fmt.Errorf("risk-review list: %s", medsec.ErrorMessage(err))
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tSITE\tYEAR\tREVISION\tSTATUS\tDECIDED\tOFFICER\tLEADERSHIP")
		for _, r := range rs {
			fmt.Fprintf(tw, "%d\t%s\t%d\t%d\t%s\t%d/%d\t%s\t%s\n", r.ID, r.SiteName, r.Year, r.Revision, r.Status, r.Decided(), len(r.Items),
				signature(r.OfficerName, "", r.OfficerSignedAt.IsZero(), r.OfficerSignedAt.Format("2006-01-02 15:04 UTC")),
				signature(r.LeaderName, r.LeaderTitle, r.LeaderSignedAt.IsZero(), r.LeaderSignedAt.Format("2006-01-02 15:04 UTC")))
		}
		return tw.Flush()
	case "show":
		r, err := svc.FindRiskReview(ctx, *id)
		if err != nil {
			return fmt.Errorf("risk-review show: %s", medsec.ErrorMessage(err))
		}
		printRiskReview(stdout, r)
		return nil
	}
	if *username == "" {
		return fmt.Errorf("risk-review %s: --user is required (the person who acts)", cmd)
	}
	u, err := findUserByName(ctx, sqlstore.NewUserService(store), *username)
	if err != nil {
		return fmt.Errorf("risk-review %s: %w", cmd, err)
	}
	ctx = medsec.NewContextWithUser(ctx, u)
	var r *medsec.RiskReview
	switch cmd {
	case "start":
		r, err = svc.StartRiskReview(ctx, *site, *year)
	case "decide":
		d := medsec.RiskDecision{Seq: *seq, Decision: *decision, Reason: *reason, Owner: *owner}
		if *due != "" {
			if d.Due, err = medsec.ParseDate(*due); err != nil {
				return fmt.Errorf("risk-review decide: --due: %q is not a date (YYYY-MM-DD)", *due)
			}
		}
		r, err = svc.DecideRisks(ctx, *id, []medsec.RiskDecision{d})
	case "sign":
		r, err = svc.SignRiskReview(ctx, *id, *as, *title)
	}
	if err != nil {
		return fmt.Errorf("risk-review %s: %s", cmd, fieldProblems(err))
	}
	printRiskReview(stdout, r)
	return nil
}

// signature is how the command line shows one signature: "—" when not given.
func signature(name, title string, none bool, at string) string {
	if none {
		return "—"
	}
	if title != "" {
		name += " (" + title + ")"
	}
	return name + " " + at
}

// printRiskReview prints a review's facts and each risk with its decision.
func printRiskReview(w io.Writer, r *medsec.RiskReview) {
	fmt.Fprintf(w, "risk review %d: %s %d, revision %d, %s\n", r.ID, r.SiteName, r.Year, r.Revision, r.Status)
	fmt.Fprintf(w, "security officer: %s\n", signature(r.OfficerName, "", r.OfficerSignedAt.IsZero(), r.OfficerSignedAt.Format("2006-01-02 15:04 UTC")))
	fmt.Fprintf(w, "leadership: %s\n", signature(r.LeaderName, r.LeaderTitle, r.LeaderSignedAt.IsZero(), r.LeaderSignedAt.Format("2006-01-02 15:04 UTC")))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SEQ\tKIND\tSUBJECT\tDECISION\tREASON\tOWNER\tDUE")
	for _, it := range r.Items {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", it.Seq, it.Kind, it.Subject, it.Decision, it.Reason, it.Owner, it.Due)
	}
	tw.Flush()
}
