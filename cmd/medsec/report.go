package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
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
NAME: ` + strings.Join(report.Names, ", ") + `
--catalog is for the gap report only. The report is kept as evidence, listed and audited as
one generated on the Reports page; the command prints its number and SHA-256.`

// runReport implements "medsec report NAME": one report [M12] for a site (or every
// site) and a year or month, in one language and format, generated as the page and the
// API generate it (issue 16 M2) — checked by the report service, stored in the data
// directory's evidence store with its SHA-256, recorded in the reports list and audited
// (report.generate) — then copied whole to --out (a file that does not exist yet) or not
// at all. It prints the report's number and SHA-256.
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
	catalogID := fs.String("catalog", "", "the gap report's catalog (default: the TW baseline; only for the gap report)")
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
	reports, err := newReportService(store, *data, src)
	if err != nil {
		return fmt.Errorf("report %s: %w", name, err)
	}
	ctx = asSystem(ctx)

	req := medsec.ReportRequest{Name: name, Period: *period, Lang: *lang, Format: *format, Catalog: *catalogID}
	if *siteCode != "" {
		sites, err := src.Org.FindSites(ctx)
		if err != nil {
			return fmt.Errorf("report %s: %w", name, err)
		}
		for _, s := range sites {
			if s.Code == *siteCode {
				req.SiteID = s.ID
			}
		}
		if req.SiteID == 0 {
			bad("--site", *siteCode, "err.site_not_found", "no such site")
		}
	}
	// The report service checks the rest as it does for the API, each problem named
	// by its flag here.
	if err := reports.CheckReport(ctx, req); err != nil {
		var ve *medsec.ValidationError
		if !errors.As(err, &ve) {
			return fmt.Errorf("report %s: %w", name, err)
		}
		for _, fe := range ve.Errors {
			if fe.Field == "site_id" && req.SiteID == 0 {
				continue
			}
			fe.Field = reportFlags[fe.Field]
			if fe.Field == "" {
				fe.Field = "NAME"
			}
			if fe.Value == "" && fe.Field != "--out" {
				fe.Value = map[string]string{"NAME": name, "--period": *period, "--lang": *lang, "--format": *format, "--catalog": *catalogID}[fe.Field]
			}
			problems = append(problems, fe)
		}
	}
	if len(problems) > 0 {
		return &medsec.ValidationError{Errors: problems}
	}
	rep, err := reports.GenerateOnServer(ctx, req, *org)
	if err != nil {
		return fmt.Errorf("report %s: %w", name, err)
	}
	_, file, err := reports.OpenReport(ctx, rep.ID)
	if err != nil {
		return fmt.Errorf("report %s: %w", name, err)
	}
	defer file.Close()
	h := sha256.New()
	if err := writeNew(*out, func(w io.Writer) error { _, err := io.Copy(io.MultiWriter(w, h), file); return err }); err != nil {
		return fmt.Errorf("report %s: --out %s: %w", name, *out, err)
	}
	if sum := hex.EncodeToString(h.Sum(nil)); sum != rep.SHA256 {
		os.Remove(*out)
		return fmt.Errorf("report %s: the evidence file has SHA-256 %s, recorded %s", name, sum, rep.SHA256)
	}
	fmt.Fprintf(stdout, "wrote %s: report #%d (%s, %s, %d bytes), SHA-256 %s\n", *out, rep.ID, *format, *lang, rep.Size, rep.SHA256)
	return nil
}

// reportFlags names the flag of each field of a report request, for the report service's
// problems.
var reportFlags = map[string]string{"name": "NAME", "site_id": "--site", "period": "--period", "lang": "--lang", "format": "--format", "catalog": "--catalog"}

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
