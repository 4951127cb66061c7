package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	mhttp "medsec/http"
	"medsec/i18n"
	"medsec/report"
	"medsec/sqlstore"
)

// reportDemo loads the demo hospital with its findings and incidents into a data
// directory for the report tests.
func reportDemo(t *testing.T) string {
	t.Helper()
	ctx := asSystem(context.Background())
	data := t.TempDir()
	store, err := sqlstore.Open(ctx, dsnFor(data, ""))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	s := mhttp.Services{Assets: sqlstore.NewAssetService(store), Org: sqlstore.NewOrgService(store), Users: sqlstore.NewUserService(store),
		Audit: sqlstore.NewAuditService(store), Discovery: sqlstore.NewDiscoveryService(store), Zones: sqlstore.NewZoneService(store),
		Vulns: sqlstore.NewVulnService(store), Incidents: sqlstore.NewIncidentService(store), Accounts: sqlstore.NewAccountService(store),
		Backups: sqlstore.NewBackupService(store), Systems: sqlstore.NewClinicalSystemService(store)}
	if s.Assessments, err = newAssessmentService(store, data); err != nil {
		t.Fatal(err)
	}
	// With its users: the PACS's access review is signed off by one of them.
	// As serve loads it: the inventory in use for years, so that last year's reports hold it.
	if load, err := loadDemoAndUsers(ctx, s, "demo password for the test", store); err != nil || !load.Loaded {
		t.Fatalf("demo: %v", err)
	}
	if err := loadIncidentDemo(ctx, s, store, time.Now().UTC()); err != nil {
		t.Fatal(err)
	}
	src := report.Sources{Org: s.Org, Assets: s.Assets, Assessments: s.Assessments, Vulns: sqlstore.NewVulnService(store), Incidents: s.Incidents, Zones: s.Zones}
	rr, err := newRiskReviewService(store, src)
	if err != nil {
		t.Fatal(err)
	}
	if err := loadRiskReviewDemo(ctx, rr, s.Users, s.Org, store, time.Now().UTC()); err != nil {
		t.Fatal(err)
	}
	return data
}

// TestReportEveryNameLanguageFormat generates every report of the demo hospital in every
// language and format with "medsec report" and reads each back: pdffonts shows every
// font embedded, pdftotext finds the report's title, section headings and a demo value
// in the right language; the XLSX has the sheets and typed cells; the HTML its headings.
func TestReportEveryNameLanguageFormat(t *testing.T) {
	for _, tool := range []string{"pdftotext", "pdffonts"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (Debian poppler-utils)", tool)
		}
	}
	data := reportDemo(t)
	bundle, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	year := fmt.Sprint(time.Now().Year())
	out := t.TempDir()
	// A value of the demo each report must show, whatever the language.
	values := map[string]string{report.SelfInspection: "PACS", report.Gap: "", // the catalog title, in the reader's language (below)
		report.VulnLedger: "CVE-", report.IncidentLedger: "PACS 影像主伺服器遭勒索軟體加密", report.Drill: "年度勒索軟體應變演練",
		report.Stocktake: "", // the demo has no discovery run: the stocktake's tables are empty
		report.CRLReview: "ISO 14971 + IEC 80001-1", report.AccessReview: "資料庫服務帳號，密碼已於上線時變更",
		report.BackupRecord: "資訊室工單 IT-2026-1199", report.RiskReview: "遙測監視器限於 CCU 內網 VLAN 103",
		report.DataSecurity: "PACS 影像主伺服器"}
	type job struct{ name, period, value string }
	var jobs []job
	for _, name := range report.Names {
		period := year
		if name == report.AccessReview {
			period = reviewYear(time.Now())
		}
		jobs = append(jobs, job{name, period, values[name]})
	}
	// Last year's risk review shows the decisions recorded in medsec by the demo's signed
	// review (a device's treatment with its reason).
	jobs = append(jobs, job{report.RiskReview, fmt.Sprint(time.Now().Year() - 1), "去年未完成資安風險等級評估"})
	for _, j := range jobs {
		name := j.name
		for _, lang := range i18n.Languages {
			tr := func(k string) string { return bundle.T(lang, k) }
			headings := map[string][]string{
				report.SelfInspection: {"report.asset_list", "report.grading", "report.findings", "report.incidents", "report.remediation"},
				report.Gap:            {"report.remediation"},
				report.VulnLedger:     {"report.findings", "ledger.title"},
				report.IncidentLedger: {"report.incidents", "report.drills"},
				report.Drill:          {"report.drills", "incident.clocks", "incident.people", "incident.tasks"},
				report.Stocktake:      {"report.stocktake_runs", "report.stocktake_unknown", "report.stocktake_not_seen", "report.stocktake_matched"},
				report.CRLReview:      {"crl.title", "report.crl_by_level"},
				report.AccessReview:   {"report.access_reviews", "report.kept", "review_decision.keep", "logreview.signed_by"},
				report.BackupRecord:   {"report.backup_plans", "report.backup_copies", "report.backup_tests", "report.backup_findings", "report.backup_runs", "backup_finding.restore-failed"},
				report.RiskReview:     {"report.summary", "report.crl-review", "report.risk_open", "report.risk_exceptions", "report.risk_decisions", "report.risk_signoff"},
				report.DataSecurity:   {"report.summary", "report.data_assets", "report.data_gaps", "report.data_by_class", "report.data_backup"},
			}[name]
			for _, format := range []string{"pdf", "xlsx", "html"} {
				file := filepath.Join(out, name+"-"+j.period+"-"+lang+"."+format)
				var stderr bytes.Buffer
				args := []string{"report", name, "--data", data, "--period", j.period, "--lang", lang, "--format", format, "--out", file}
				if err := run(context.Background(), args, new(bytes.Buffer), &stderr); err != nil {
					t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, stderr.String())
				}
				var text string
				switch format {
				case "pdf":
					fonts, err := exec.Command("pdffonts", file).CombinedOutput()
					if err != nil {
						t.Fatal(err)
					}
					for _, l := range strings.Split(strings.TrimSpace(string(fonts)), "\n")[2:] {
						if f := strings.Fields(l); f[len(f)-5] != "yes" {
							t.Errorf("%s: font not embedded: %s", file, l)
						}
					}
					b, err := exec.Command("pdftotext", file, "-").CombinedOutput()
					if err != nil {
						t.Fatal(err)
					}
					text = string(b)
				case "html":
					b, _ := os.ReadFile(file)
					text = string(b)
				case "xlsx":
					f, err := excelize.OpenFile(file)
					if err != nil {
						t.Fatal(err)
					}
					var all []string
					for _, sh := range f.GetSheetList() {
						// A name at Excel's limit was cut from a longer title (t16
						// break-test 7: "…ガイドライン 第6.0版 シ" in the English gap report).
						if utf8.RuneCountInString(sh) >= 31 {
							t.Errorf("%s: sheet %q cut to 31 characters", filepath.Base(file), sh)
						}
						all = append(all, sh)
						rows, _ := f.GetRows(sh)
						for _, r := range rows {
							all = append(all, r...)
						}
					}
					f.Close()
					text = strings.Join(all, "\n")
				}
				// A table cell wraps anywhere: compare without white space.
				text = strings.Join(strings.Fields(text), "")
				value := j.value
				if name == report.Gap {
					// The gap report names its catalog by its title in the reader's language.
					value = tr("catalog.tw-mohw-medical-baseline")
				}
				for _, want := range append([]string{tr("report." + name), value}, translate(tr, headings)...) {
					if !strings.Contains(text, strings.Join(strings.Fields(want), "")) {
						t.Errorf("%s lacks %q", filepath.Base(file), want)
					}
				}
				for _, raw := range []string{"incident.clock.", "incident.task."} {
					if strings.Contains(text, raw) {
						t.Errorf("%s shows a message key %q… instead of its text", filepath.Base(file), raw)
					}
				}
				// A message given fewer arguments than it names (bt16 #1: the gap report's
				// left-out assets read "Local LAN %s … boundary host: %s").
				for _, verb := range []string{"%s", "%d", "%v", "%!"} {
					if strings.Contains(text, verb) {
						t.Errorf("%s shows an unfilled %q", filepath.Base(file), verb)
					}
				}
				if lang != "en" && strings.Contains(text, "Page") {
					t.Errorf("%s: English page numbers", filepath.Base(file))
				}
			}
		}
	}
	t.Run("golden pages", func(t *testing.T) { goldenPages(t, data) })

	// Nothing overwritten, nothing half written.
	file := filepath.Join(out, "gap-"+year+"-en.pdf")
	if err := run(context.Background(), []string{"report", "gap", "--data", data, "--period", year, "--format", "pdf", "--out", file}, new(bytes.Buffer), new(bytes.Buffer)); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("an existing file was overwritten: %v", err)
	}
	for _, bad := range [][]string{{"--period", "26"}, {"--period", year, "--site", "NOPE"}, {"--period", year, "--format", "doc"}, {"--period", year, "--catalog", "x"}} {
		file := filepath.Join(out, "bad.pdf")
		args := append([]string{"report", "gap", "--data", data, "--format", "pdf", "--out", file}, bad...)
		if err := run(context.Background(), args, new(bytes.Buffer), new(bytes.Buffer)); err == nil {
			t.Errorf("%v accepted", bad)
		}
		if _, err := os.Stat(file); err == nil {
			t.Errorf("%v left a file", bad)
		}
	}
}

func translate(tr func(string) string, keys []string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = tr(k)
	}
	return out
}

var updateGolden = flag.Bool("update-golden", false, "rewrite the report tests' golden page images")

// goldenPages renders the first three pages (cover, contents, summary and the start of
// the asset list) of the demo's self-inspection report in ja and zh-TW at a fixed time
// with pdftoppm and compares them with testdata/golden: a page differs when more than
// 1 % of its pixels differ by more than a quarter of the grey scale, which a moved
// table, a lost glyph or a changed font shows and a changed count does not.
func goldenPages(t *testing.T, data string) {
	if _, err := exec.LookPath("pdftoppm"); err != nil {
		t.Skip("pdftoppm not installed (Debian poppler-utils)")
	}
	ctx, src := demoSources(t, data)
	bundle, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	taipei := time.FixedZone("CST", 8*3600)
	for _, lang := range []string{"ja", "zh-TW"} {
		period, _ := report.ParsePeriod("2026", taipei)
		p := report.Params{Name: report.SelfInspection, Lang: lang, Period: period, Organization: "示範醫學中心",
			GeneratedBy: "ciso", Now: time.Date(2026, 12, 1, 9, 0, 0, 0, taipei)}
		d, err := report.Build(ctx, p, src, func(k string, args ...any) string { return bundle.T(lang, k, args...) })
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		pdf := filepath.Join(dir, "r.pdf")
		f, _ := os.Create(pdf)
		if err := report.WritePDF(f, d); err != nil {
			t.Fatal(err)
		}
		f.Close()
		for page := 1; page <= 3; page++ {
			n := fmt.Sprint(page)
			if out, err := exec.Command("pdftoppm", "-r", "40", "-gray", "-png", "-f", n, "-l", n, "-singlefile", pdf, filepath.Join(dir, "p"+n)).CombinedOutput(); err != nil {
				t.Fatalf("pdftoppm: %v %s", err, out)
			}
			got := filepath.Join(dir, "p"+n+".png")
			golden := filepath.Join("testdata", "golden", fmt.Sprintf("self-inspection-%s-%d.png", lang, page))
			if *updateGolden {
				b, _ := os.ReadFile(got)
				os.MkdirAll(filepath.Dir(golden), 0o755)
				if err := os.WriteFile(golden, b, 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			if share := pixelsDiffering(t, got, golden); share > 0.01 {
				b, _ := os.ReadFile(got)
				os.WriteFile(filepath.Join(os.TempDir(), filepath.Base(golden)), b, 0o644)
				t.Errorf("%s page %d: %.2f %% of the pixels differ from %s (the new page is in %s)", lang, page, 100*share, golden, os.TempDir())
			}
		}
	}
}

// pixelsDiffering is the share of pixels of two grey images that differ by more than 64
// of 255 (1 when their sizes differ).
func pixelsDiffering(t *testing.T, a, b string) float64 {
	t.Helper()
	load := func(path string) image.Image {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		img, err := png.Decode(f)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		return img
	}
	ia, ib := load(a), load(b)
	if ia.Bounds() != ib.Bounds() {
		return 1
	}
	r := ia.Bounds()
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			ga := color.GrayModel.Convert(ia.At(x, y)).(color.Gray).Y
			gb := color.GrayModel.Convert(ib.At(x, y)).(color.Gray).Y
			if d := int(ga) - int(gb); d > 64 || d < -64 {
				n++
			}
		}
	}
	return float64(n) / float64(r.Dx()*r.Dy())
}
