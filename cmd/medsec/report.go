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
	"time"

	"medsec"
	"medsec/evidence"
	"medsec/i18n"
	"medsec/report"
	"medsec/sqlstore"
)

// reportUsage is "medsec report"'s usage, naming every report (report.Names).
var reportUsage = `usage:
  medsec report NAME --period 2026|2026-11 [--site CODE] [--lang zh-TW|zh-CN|ja|en] --format pdf|xlsx|html --out FILE
                [--catalog ID] [--org NAME] [--data DIR] [--db URL]
NAME: ` + strings.Join(report.Names, ", ")

// runReport implements "medsec report NAME": one report [M12] for a site (or every
// site) and a year or month, in one language and format, written whole to --out (a
// file that does not exist yet) or not at all.
func runReport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return errors.New(reportUsage)
	}
	name := args[0]
	fs := flag.NewFlagSet("report "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "./medsec-data", "data directory")
	db := fs.String("db", "", "PostgreSQL URL instead of the data directory's database")
	siteCode := fs.String("site", "", "the site's code (default: every site)")
	period := fs.String("period", "", "a year (2026) or a month (2026-11)")
	lang := fs.String("lang", "", "language: zh-TW, zh-CN, ja or en (default: MEDSEC_LANG, else the locale, else en)")
	format := fs.String("format", "", "pdf, xlsx or html")
	out := fs.String("out", "", "the file to write (must not exist)")
	catalogID := fs.String("catalog", "", "the gap report's catalog (default: the TW baseline)")
	org := fs.String("org", "", "the hospital's name on the cover (default: the sites' names)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	// The flags' problems, all at once, with the API's translation keys: main prints them
	// in the user's language (MEDSEC_LANG), each after the flag it is about.
	var problems []medsec.FieldError
	bad := func(field, value, key, msg string, args ...string) {
		problems = append(problems, medsec.FieldError{Field: field, Value: value, Key: key, Message: msg, Args: args})
	}
	if !contains(report.Names, name) {
		problems = append(problems, medsec.FieldError{Field: "NAME", Value: name, Key: "err.report_name",
			Message: "is not a report: want one of " + strings.Join(report.Names, ", "), Enum: "report", Allowed: report.Names})
	}
	bundle, err := i18n.Load()
	if err != nil {
		return err
	}
	if *lang == "" {
		if err := checkMedsecLang(bundle, os.Getenv); err != nil {
			return fmt.Errorf("report %s: %w", name, err)
		}
		*lang = envLanguage(bundle)
	}
	if !contains(i18n.Languages, *lang) {
		bad("--lang", *lang, "err.report_lang", "must be one of zh-TW, zh-CN, ja, en")
	}
	write := map[string]func(io.Writer, *report.Document) error{"pdf": report.WritePDF, "xlsx": report.WriteXLSX, "html": report.WriteHTML}[*format]
	if write == nil {
		bad("--format", *format, "err.report_format", "must be pdf, xlsx or html")
	}
	if name == report.Gap && *catalogID != "" && !contains(report.Catalogs, *catalogID) {
		bad("--catalog", *catalogID, "err.report_catalog", fmt.Sprintf("is not a catalog: want one of %v", report.Catalogs))
	}
	switch dir := filepath.Dir(*out); {
	case *out == "":
		bad("--out", "", "err.required", "is required")
	case !isDir(dir):
		bad("--out", "", "err.report_out_dir", fmt.Sprintf("the folder %s does not exist", dir), dir)
	default:
		if _, err := os.Lstat(*out); err == nil {
			bad("--out", "", "err.report_out_exists", fmt.Sprintf("%s exists already: a report is written to a new file", *out), *out)
		}
	}
	store, err := openStore(ctx, *data, *db, true)
	if err != nil && len(problems) > 0 {
		return &medsec.ValidationError{Errors: problems}
	} else if err != nil {
		return fmt.Errorf("report %s: %w", name, err)
	}
	defer store.Close()
	assessments, err := newAssessmentService(store, *data)
	if err != nil {
		return fmt.Errorf("report %s: %w", name, err)
	}
	src := report.Sources{Org: sqlstore.NewOrgService(store), Assets: sqlstore.NewAssetService(store), Assessments: assessments,
		Vulns: sqlstore.NewVulnService(store), Incidents: sqlstore.NewIncidentService(store), Discovery: sqlstore.NewDiscoveryService(store), Zones: sqlstore.NewZoneService(store),
		Accounts: sqlstore.NewAccountService(store), Backups: sqlstore.NewBackupService(store), MLPS: sqlstore.NewGovernanceService(store)}
	if src.RiskReviews, err = newRiskReviewService(store, src); err != nil {
		return fmt.Errorf("report %s: %w", name, err)
	}
	ctx = asSystem(ctx)

	sites, err := src.Org.FindSites(ctx)
	if err != nil {
		return fmt.Errorf("report %s: %w", name, err)
	}
	p := report.Params{Name: name, Lang: *lang, CatalogID: *catalogID, Organization: *org, GeneratedBy: bundle.T(*lang, "report.generated_by_cli")}
	for _, s := range sites {
		if s.Code == *siteCode {
			p.Site = s
		}
	}
	if *siteCode != "" && p.Site == nil {
		bad("--site", *siteCode, "err.site_not_found", "no such site")
	}
	var siteID int64
	if p.Site != nil {
		siteID = p.Site.ID
	}
	zone := report.Zone(sites, siteID)
	if p.Organization == "" {
		p.Organization = report.Organization(sites, siteID)
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		loc = time.UTC
	}
	p.Now = time.Now().In(loc)
	if p.Period, err = report.ParsePeriod(*period, loc); err != nil {
		bad("--period", *period, "err.report_period", "must be a year (2026) or a month (2026-11)")
	} else if !report.PeriodInRange(p.Period, p.Now) {
		bad("--period", *period, "err.report_period_range", fmt.Sprintf("must be a year or month from %d to %d (the current year)", report.FirstYear, p.Now.Year()),
			fmt.Sprint(report.FirstYear), fmt.Sprint(p.Now.Year()))
	} else if p.Period.IsMonth() && contains(report.Yearly, name) {
		bad("--period", *period, "err.report_period_yearly", "this report covers a calendar year: give a year (2026), not a month")
	}
	if len(problems) > 0 {
		return &medsec.ValidationError{Errors: problems}
	}
	t := func(key string, args ...any) string { return bundle.T(*lang, key, args...) }
	d, err := report.Build(ctx, p, src, t)
	if err != nil {
		return fmt.Errorf("report %s: %w", name, err)
	}
	if err := writeNew(*out, func(w io.Writer) error { return write(w, d) }); err != nil {
		return fmt.Errorf("report %s: --out %s: %w", name, *out, err)
	}
	fmt.Fprintf(stderr, "wrote %s (%s, %s, %d sections, content %s)\n", *out, *format, *lang, len(d.Sections), d.ContentHash()[:16])
	return nil
}

// newReportService wires the report service of a server: its files in the data
// directory's evidence store (as every other evidence file), reading src.
func newReportService(db *sqlstore.DB, dataDir string, src report.Sources) (*sqlstore.ReportService, error) {
	bundle, err := i18n.Load()
	if err != nil {
		return nil, err
	}
	files, err := evidence.Open(filepath.Join(dataDir, "evidence"))
	if err != nil {
		return nil, err
	}
	return sqlstore.NewReportService(db, files, src, bundle), nil
}

// newRiskReviewService wires the yearly risk reviews over db, a new revision listing the
// risks src's risk-review report finds.
func newRiskReviewService(db *sqlstore.DB, src report.Sources) (*sqlstore.RiskReviewService, error) {
	bundle, err := i18n.Load()
	if err != nil {
		return nil, err
	}
	return sqlstore.NewRiskReviewService(db, src, bundle), nil
}

// loadDemoReports starts two reports of the demo hospital's main site in the background,
// as its security officer would: last year's self-inspection in Traditional Chinese as
// PDF and last month's vulnerability ledger in English as XLSX, so that the reports page
// shows generated reports from the start.
func loadDemoReports(ctx context.Context, reports medsec.ReportService, org medsec.OrgService, now time.Time) error {
	ctx = asSystem(ctx)
	sites, err := org.FindSites(ctx)
	if err != nil || len(sites) == 0 {
		return err
	}
	main := sites[0]
	for _, s := range sites {
		if s.ID < main.ID {
			main = s
		}
	}
	month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -1, 0).Format("2006-01")
	for _, req := range []medsec.ReportRequest{
		{Name: report.SelfInspection, SiteID: main.ID, Period: fmt.Sprint(now.Year() - 1), Lang: "zh-TW", Format: "pdf"},
		{Name: report.VulnLedger, SiteID: main.ID, Period: month, Lang: "en", Format: "xlsx"},
	} {
		if _, err := reports.StartReport(ctx, req); err != nil {
			return err
		}
	}
	return nil
}

// writeNew writes a file that must not exist yet, whole or not at all: into a
// temporary file beside it, synced, then linked to its name (which fails if the name was
// taken meanwhile).
// isDir reports whether path is an existing directory.
func isDir(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}

func writeNew(path string, fill func(io.Writer) error) error {
	if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("%s exists", path)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".medsec-report-*")
	if err != nil {
		// The cause alone ("permission denied"): the temporary file's name is ours.
		var pe *os.PathError
		if errors.As(err, &pe) {
			return pe.Err
		}
		return err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	if err := fill(tmp); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Link(tmp.Name(), path)
}
