package main

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"medsec"
	"medsec/catalog"
	"medsec/i18n"
	"medsec/report"
	"medsec/sqlstore"
)

// reviewYear is the year of the last whole quarter before now: the demo's access reviews
// are of that quarter.
func reviewYear(now time.Time) string {
	now = now.UTC()
	q := time.Date(now.Year(), time.Month((int(now.Month())-1)/3*3+1), 1, 0, 0, 0, 0, time.UTC)
	return fmt.Sprint(q.AddDate(0, 0, -1).Year())
}

// demoSources opens the demo's data directory and returns every service a report reads,
// acting as the system; the store closes when the test ends.
func demoSources(t *testing.T, data string) (context.Context, report.Sources) {
	t.Helper()
	ctx := asSystem(context.Background())
	store, err := sqlstore.Open(ctx, dsnFor(data, ""))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	assessments, err := newAssessmentService(store, data)
	if err != nil {
		t.Fatal(err)
	}
	src := report.Sources{Org: sqlstore.NewOrgService(store), Assets: sqlstore.NewAssetService(store), Assessments: assessments,
		Vulns: sqlstore.NewVulnService(store), Incidents: sqlstore.NewIncidentService(store), Accounts: sqlstore.NewAccountService(store),
		Backups: sqlstore.NewBackupService(store), Zones: sqlstore.NewZoneService(store)}
	if src.RiskReviews, err = newRiskReviewService(store, src); err != nil {
		t.Fatal(err)
	}
	return ctx, src
}

// TestReportAccessReviewRecord builds the access-review record of the demo hospital and
// checks what it says: the PACS review signed off with its four accounts kept, each with
// the owner's reason; the ICU system's review open (or overdue) with its seven accounts
// not decided, the departed doctor's account marked; and the PDF reads the same.
func TestReportAccessReviewRecord(t *testing.T) {
	data := reportDemo(t)
	ctx, src := demoSources(t, data)
	bundle, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	period, err := report.ParsePeriod(reviewYear(now), time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	build := func(lang string) *report.Document {
		d, err := report.Build(ctx, report.Params{Name: report.AccessReview, Lang: lang, Period: period, Organization: "示範醫學中心",
			GeneratedBy: "ciso", Now: now}, src, func(k string, args ...any) string { return bundle.T(lang, k, args...) })
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	d := build("en")
	// With the clinical systems loaded as serve loads them, the HIS's own campaign is the
	// third review.
	if len(d.Sections) != 4 {
		t.Fatalf("sections %d, want the summary and three reviews (PACS, ICU, HIS)", len(d.Sections))
	}
	rows := d.Sections[0].Tables[0].Rows
	byName := map[string][]any{}
	for _, r := range rows {
		byName[r[1].(string)] = r
	}
	pacs, icu := byName["PACS 影像主伺服器"], byName["重症照護資訊系統"]
	if pacs == nil || icu == nil {
		t.Fatalf("reviews: %v", rows)
	}
	// campaign, system, site, owner, accounts, kept, removed, undecided, due, status, signer, signed at
	if got := fmt.Sprint(pacs[4:8]...); got != fmt.Sprint(4, 4, 0, 0) || pacs[9].(report.Status).Text != "Signed off" ||
		pacs[10] != "陳建宏" || time.Time(pacs[11].(report.Stamp)).IsZero() {
		t.Errorf("PACS review row: %v", pacs)
	}
	wantICU := "Open"
	if now.After(icu[8].(time.Time)) {
		wantICU = "Overdue"
	}
	if fmt.Sprint(icu[4:8]...) != fmt.Sprint(7, 0, 0, 7) || icu[9].(report.Status).Text != wantICU || icu[10] != "" {
		t.Errorf("ICU review row: %v", icu)
	}
	if !strings.HasPrefix(pacs[0].(string), reviewYear(now)+" Q") || pacs[3] == "" {
		t.Errorf("PACS campaign or owner: %v", pacs)
	}
	accounts := map[string][]any{}
	for _, s := range d.Sections[1:] {
		if strings.Contains(s.Heading, demoHIS) {
			continue // the HIS's own accounts share user names with the PACS's and the ICU's
		}
		for _, r := range s.Tables[0].Rows {
			accounts[r[0].(string)] = r
		}
	}
	// user, type, person, enabled, last login, findings, decision, reason, decided by, decided at
	for user, reason := range map[string]string{"huang.cj": "放射科主治醫師，判讀需要", "chen.jh": "PACS 系統管理者",
		"lumen-maint": "原廠維護專用帳號，僅於核准之維護時段啟用", "sa": "資料庫服務帳號，密碼已於上線時變更"} {
		r := accounts[user]
		if r == nil || r[6].(report.Status).Text != "Keep" || r[7] != reason || time.Time(r[9].(report.Stamp)).IsZero() {
			t.Errorf("PACS account %s: %v", user, r)
		}
	}
	if r := accounts["chen.cy"]; r == nil || r[6].(report.Status).Text != "Not decided" || !strings.Contains(r[5].(string), "Account of a person who left") {
		t.Errorf("ICU account chen.cy: %v", r)
	}
	if r := accounts["sa"]; r[1] != "Manufacturer default" {
		t.Errorf("sa type %v", r[1])
	}

	// The Japanese PDF says the same.
	var pdf bytes.Buffer
	if err := report.WritePDF(&pdf, build("ja")); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("pdftotext", "-", "-")
	cmd.Stdin = &pdf
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(string(out)), "")
	for _, want := range []string{"アクセス権見直し記録", "承認済み", "陳建宏", "資料庫服務帳號，密碼已於上線時變更", "lumen-maint", "未決定",
		"退職者のアカウント", reviewYear(now) + "年第"} {
		if !strings.Contains(text, want) {
			t.Errorf("Japanese PDF lacks %q", want)
		}
	}
}

// TestReportFindingsTrend builds the demo's vulnerability ledger of this year and of this
// month: the trend of open vulnerabilities has a point per month up to now (a point per
// day for the month), and its last point, by severity, adds up to the open
// vulnerabilities the self-inspection's summary counts.
func TestReportFindingsTrend(t *testing.T) {
	data := reportDemo(t)
	ctx, src := demoSources(t, data)
	bundle, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	build := func(name, period string) *report.Document {
		p, err := report.ParsePeriod(period, time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		d, err := report.Build(ctx, report.Params{Name: name, Lang: "en", Period: p, Organization: "Demo", GeneratedBy: "ciso", Now: now},
			src, func(k string, args ...any) string { return bundle.T("en", k, args...) })
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	trend := func(d *report.Document) report.Chart {
		for _, s := range d.Sections {
			for _, c := range s.Charts {
				if c.Line {
					return c
				}
			}
		}
		t.Fatalf("%s: no trend chart", d.Name)
		return report.Chart{}
	}
	year := build(report.VulnLedger, fmt.Sprint(now.Year()))
	c := trend(year)
	if len(c.Categories) != int(now.Month()) || c.Categories[0] != fmt.Sprintf("%d-01", now.Year()) || len(c.Series) != 5 || c.Series[0].Name != bundle.T("en", "severity.Critical") {
		t.Errorf("yearly trend: categories %v, series %d", c.Categories, len(c.Series))
	}
	last := 0.0
	for _, s := range c.Series {
		last += s.Values[len(s.Values)-1]
	}
	self := build(report.SelfInspection, fmt.Sprint(now.Year()))
	open := ""
	for _, f := range self.Sections[0].Facts {
		if f.Label == "Open vulnerabilities" {
			open = f.Value
		}
	}
	if fmt.Sprint(last) != open || last == 0 {
		t.Errorf("trend ends at %v open vulnerabilities, the summary says %q", last, open)
	}
	if c := trend(self); len(c.Categories) != int(now.Month()) {
		t.Errorf("self-inspection's trend: %v", c.Categories)
	}
	month := trend(build(report.VulnLedger, now.Format("2006-01")))
	if len(month.Categories) != now.Day() || month.Categories[0] != "1" {
		t.Errorf("monthly trend: %v", month.Categories)
	}
	if !strings.Contains(c.Alt, bundle.T("en", "severity.Critical")+": ") || !strings.HasPrefix(c.Alt, "Vulnerabilities open at the end of each month") {
		t.Errorf("alt: %s", c.Alt)
	}
	// The demo's findings were found over the past year, one advisory feed after another,
	// and some closed since: the yearly line has a shape, not one flat value.
	if len(c.Categories) >= 6 {
		totals := map[float64]bool{}
		for i := range c.Categories {
			sum := 0.0
			for _, s := range c.Series {
				sum += s.Values[i]
			}
			totals[sum] = true
		}
		if len(totals) < 3 {
			t.Errorf("the yearly trend takes %d values over %d months, want a shape (at least 3): %s", len(totals), len(c.Categories), c.Alt)
		}
	}
}

// TestReportComplianceByDomain builds the demo's gap report of every catalog in every
// language: the compliance section charts the controls by domain, one bar per domain, the
// domains' totals adding up to the report's (counted apart, by level); chart and table
// name each domain in the reader's language (medsec.DomainKey: the TW baseline's 存取控制
// is アクセス制御 in a Japanese report, the JP guidelines' chapters are Chinese in a
// Chinese one), with the catalog's own name beside it in the table when the two differ.
// The domains showed only as their catalog prints them (issue 16).
func TestReportComplianceByDomain(t *testing.T) {
	data := reportDemo(t)
	ctx, src := demoSources(t, data)
	bundle, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	cs, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	p, _ := report.ParsePeriod(fmt.Sprint(time.Now().Year()), time.UTC)
	for _, cat := range report.Catalogs {
		c, err := catalog.Find(cs, cat)
		if err != nil {
			t.Fatal(err)
		}
		english := map[string]string{} // the catalog's domain -> its English
		for _, ctl := range c.AllControls() {
			english[ctl.Domain()] = ctl.DomainEnglish()
		}
		for _, lang := range i18n.Languages {
			d, err := report.Build(ctx, report.Params{Name: report.Gap, CatalogID: cat, Lang: lang, Period: p, Organization: "Demo", GeneratedBy: "ciso", Now: time.Now()},
				src, func(k string, args ...any) string { return bundle.T(lang, k, args...) })
			if err != nil {
				t.Fatal(err)
			}
			sec := d.Sections[0]
			if len(sec.Charts) != 2 || len(sec.Tables) != 2 {
				t.Fatalf("%s %s: compliance section: %d charts, %d tables", cat, lang, len(sec.Charts), len(sec.Tables))
			}
			byDomain, levels := sec.Charts[1], sec.Charts[0]
			total := func(c report.Chart) float64 {
				sum := 0.0
				for _, s := range c.Series {
					for _, v := range s.Values {
						sum += v
					}
				}
				return sum
			}
			if len(byDomain.Categories) < 3 || total(byDomain) != total(levels) || total(levels) == 0 {
				t.Errorf("%s %s: by domain: %d domains, %v rows; by level %v", cat, lang, len(byDomain.Categories), total(byDomain), total(levels))
			}
			table := sec.Tables[1]
			beside := len(table.Columns) > 1 && table.Columns[1].Header == bundle.T(lang, "report.domain")
			if table.Columns[0].Header != bundle.T(lang, "report.domain_named") || !strings.Contains(table.Title, bundle.T(lang, "report.by_domain", "")[:6]) {
				t.Errorf("%s %s: domain table %q: columns %v", cat, lang, table.Title, table.Columns)
			}
			translated := 0
			for i, r := range table.Rows {
				orig := r[0].(string)
				if beside {
					orig = r[1].(string)
				}
				en, ok := english[orig]
				want := bundle.T(lang, medsec.DomainKey(cat, en))
				if !ok || r[0] != want || byDomain.Categories[i] != want {
					t.Errorf("%s %s: row %d: %v, chart %q; want %q for the catalog's %q", cat, lang, i, r, byDomain.Categories[i], want, orig)
				}
				if want != orig {
					translated++
				}
			}
			if (translated > 0) != beside {
				t.Errorf("%s %s: %d domains translated, the original beside them: %v", cat, lang, translated, beside)
			}
			if cat == "tw-mohw-medical-baseline" && lang == "ja" && !slices.Contains(byDomain.Categories, "アクセス制御") ||
				cat == "tw-mohw-medical-baseline" && lang == "en" && !slices.Contains(byDomain.Categories, "Access control") ||
				cat == "jp-mhlw-6.0-system-operation" && lang == "zh-TW" && !slices.Contains(byDomain.Categories, "3. 責任分界") {
				t.Errorf("%s %s: domains %q", cat, lang, byDomain.Categories)
			}
		}
	}
}

// TestReportControlTextsInReaderLanguage builds the gap report of every catalog and the
// self-inspection in each language: a Chinese or Japanese report quotes each control and
// domain as its catalog prints it and shows no English rendering (the catalogs carry
// only the original and English), nor a catalog's English title, except, in a report
// whose language is not the catalog's, the English beside the original in a column of
// its own marked lang="en", the original's cells marked with the catalog's language
// (bt16g M1); an English report keeps the English beside the original. The reports showed the English title of every open
// control (some 900 English phrases in a ja self-inspection).
func TestReportControlTextsInReaderLanguage(t *testing.T) {
	data := reportDemo(t)
	ctx, src := demoSources(t, data)
	bundle, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	cs, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	// What the catalogs say in English: titles of controls, domains and catalogs.
	english := map[string]bool{}
	original := map[string]bool{}
	for _, c := range cs {
		english[c.Title()] = true
		for _, ctl := range c.AllControls() {
			if en := ctl.TitleEnglish(); en != "" && en != ctl.Title {
				english[en] = true
				original[ctl.Title] = true
			}
			if en := ctl.DomainEnglish(); en != "" && en != ctl.Domain() {
				english[en] = true
			}
		}
	}
	// Each catalog's language, as its metadata says.
	catalogLang := map[string]string{}
	for _, c := range cs {
		for _, pr := range c.Metadata.Props {
			if pr.Name == "source-language" {
				catalogLang[c.ID()] = pr.Value
			}
		}
	}
	p, _ := report.ParsePeriod(fmt.Sprint(time.Now().Year()), time.UTC)
	type build struct{ name, catalog string }
	builds := []build{{report.SelfInspection, ""}}
	for _, id := range report.Catalogs {
		builds = append(builds, build{report.Gap, id})
	}
	for _, lang := range i18n.Languages {
		for _, bd := range builds {
			d, err := report.Build(ctx, report.Params{Name: bd.name, CatalogID: bd.catalog, Lang: lang, Period: p, Organization: "Demo", GeneratedBy: "ciso", Now: time.Now()},
				src, func(k string, args ...any) string { return bundle.T(lang, k, args...) })
			if err != nil {
				t.Fatal(err)
			}
			var texts []string
			enColumns, enCells, originalLang := 0, 0, ""
			texts = append(texts, d.Title, d.Subtitle)
			for _, f := range d.Facts {
				texts = append(texts, f.Value)
			}
			for _, s := range d.Sections {
				texts = append(texts, s.Heading)
				texts = append(texts, s.Text...)
				for _, c := range s.Charts {
					texts = append(texts, c.Title, c.Alt)
					texts = append(texts, c.Categories...)
				}
				for _, tb := range s.Tables {
					texts = append(texts, tb.Title)
					for _, c := range tb.Columns {
						texts = append(texts, c.Header)
						if c.Lang == "en" && lang != "en" {
							enColumns++
						}
						if c.Lang != "" && c.Lang != "en" {
							originalLang = c.Lang
						}
					}
					for _, r := range tb.Rows {
						for k, v := range r {
							str, ok := v.(string)
							switch {
							case !ok:
							case tb.Columns[k].Lang == "en" && lang != "en":
								// The English beside the original, marked as English.
								if english[str] {
									enCells++
								}
							default:
								texts = append(texts, str)
							}
						}
					}
				}
			}
			// bt16g M1: a report in the catalog's own language shows its text alone; in
			// any other, the original (marked with the catalog's language) and the English.
			if bd.catalog != "" && len(d.Sections) > 2 {
				own := catalogLang[bd.catalog] == lang || catalogLang[bd.catalog] == "zh-Hant" && lang == "zh-TW"
				switch {
				case own && (enColumns > 0 || originalLang != ""):
					t.Errorf("%s %s %s: the report is in the catalog's language, yet %d English columns, original marked %q", bd.name, bd.catalog, lang, enColumns, originalLang)
				case !own && originalLang != catalogLang[bd.catalog]:
					t.Errorf("%s %s %s: the original text is marked %q, want %q", bd.name, bd.catalog, lang, originalLang, catalogLang[bd.catalog])
				case !own && lang != "en" && (enColumns == 0 || enCells == 0):
					t.Errorf("%s %s %s: %d English columns with %d English control texts beside the original", bd.name, bd.catalog, lang, enColumns, enCells)
				}
				if !own {
					var page strings.Builder
					if err := report.WriteHTML(&page, d); err != nil {
						t.Fatal(err)
					}
					if want := `<td lang="` + catalogLang[bd.catalog] + `">`; !strings.Contains(page.String(), want) {
						t.Errorf("%s %s %s: the HTML has no %s cell", bd.name, bd.catalog, lang, want)
					}
				}
			}
			shown, originals, bad := 0, 0, 0
			for _, s := range texts {
				if original[s] {
					originals++
				}
				for en := range english {
					if s == en || len(en) > 40 && strings.Contains(s, en) {
						shown++
						if lang != "en" {
							if bad++; bad <= 3 {
								t.Errorf("%s %s %s: English on the page: %.120q", bd.name, bd.catalog, lang, s)
							}
						}
					}
				}
			}
			if bad > 3 {
				t.Errorf("%s %s %s: %d English texts in all", bd.name, bd.catalog, lang, bad)
			}
			if lang == "en" && shown == 0 || originals == 0 && bd.catalog != "" && len(d.Sections) > 2 {
				t.Errorf("%s %s %s: %d English renderings, %d original control texts", bd.name, bd.catalog, lang, shown, originals)
			}
		}
	}
}

// TestReportBackupAndRiskReview builds the demo hospital's backup and restore-test record
// and its yearly risk review and checks what they say. The record: the four plans with
// their 3-2-1 counts (the PACS 3 copies on 2 media, 1 off site and 1 off line; the ICU
// system none off line), the PACS job that failed counted in the period, the LIS restore
// test whose hashes did not match as failed with its evidence, and the rules broken with
// their clauses. The risk review: its summary counts agree with its tables, the MX40's
// compensating control and the programmer's "not affected" analysis are exceptions, the
// overdue vulnerabilities are risks to decide on, and the sign-off lines are there.
func TestReportBackupAndRiskReview(t *testing.T) {
	data := reportDemo(t)
	ctx, src := demoSources(t, data)
	bundle, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	// The period holding the PACS job that failed two hours ago.
	year := fmt.Sprint(now.Add(-2 * time.Hour).Year())
	build := func(name string) *report.Document {
		p, err := report.ParsePeriod(year, time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		d, err := report.Build(ctx, report.Params{Name: name, Lang: "en", Period: p, Organization: "Demo", GeneratedBy: "ciso", Now: now},
			src, func(k string, args ...any) string { return bundle.T("en", k, args...) })
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Validate(); err != nil {
			t.Fatal(err)
		}
		return d
	}
	section := func(d *report.Document, heading string) report.Section {
		for _, s := range d.Sections {
			if s.Heading == heading {
				return s
			}
		}
		t.Fatalf("%s: no section %q", d.Name, heading)
		return report.Section{}
	}

	rec := build(report.BackupRecord)
	plans := map[string][]any{}
	for _, r := range section(rec, "Backup plans").Tables[0].Rows {
		plans[r[1].(string)] = r
	}
	// site, system, plan, job, every, copies, media, off site, off line, generations, unwritable from, ...
	if len(plans) != 4 {
		t.Fatalf("backup plans: %v", plans)
	}
	if p := plans["PACS 影像主伺服器"]; p == nil || fmt.Sprint(p[3:11]...) != fmt.Sprint("PACS-Daily", 24, 3, 2, 1, 1, 14, 3) {
		t.Errorf("PACS plan row: %v", p)
	}
	if p := plans["重症照護資訊系統"]; p == nil || p[8] != 0 || p[10] != 0 || p[17].(report.Status).Tone != report.Bad {
		t.Errorf("ICU plan row: %v", p)
	}
	// The HIS is backed up as a clinical system: listed by the system's name, with the
	// system's targets and fallback.
	if p := plans["HIS 醫院資訊系統"]; p == nil || p[17].(report.Status).Text != "Meets every rule" || p[12] != 4 || p[13] != 12 || !strings.Contains(fmt.Sprint(p[14]), "紙本處方箋") {
		t.Errorf("HIS plan row: %v", p)
	}
	chart := section(rec, "Backup plans").Charts[0]
	if i := slices.Index(chart.Categories, "PACS 影像主伺服器 · PACS 資料庫與影像"); i < 0 || chart.Series[2].Values[i] < 1 {
		t.Errorf("the PACS job that failed is not counted: %v %v", chart.Categories, chart.Series)
	}
	lisTest := now.AddDate(0, 0, -3)
	if fmt.Sprint(lisTest.Year()) == year {
		found := false
		for _, r := range section(rec, "Restore tests").Tables[0].Rows {
			if r[1] == "LIS 檢驗資訊系統 · LIS 資料庫" {
				found = r[5].(report.Status).Text == "No" && r[6].(report.Status).Text == "Fail" && strings.Contains(r[7].(string), "IT-2026-1199")
			}
		}
		if !found {
			t.Errorf("the LIS restore test that failed its hash comparison: %v", section(rec, "Restore tests").Tables[0].Rows)
		}
	}
	kinds := map[string]string{}
	for _, r := range section(rec, "Rules broken").Tables[0].Rows {
		kinds[r[1].(string)+" "+r[3].(report.Status).Text] = r[4].(string)
	}
	for k, clause := range map[string]string{"重症照護資訊系統 No copy off line": "004 §11 ①, §18.1", "重症照護資訊系統 No tolerable outage or manual fallback": "000 tw-cp-1.l 一; 004 §11 ①",
		"LIS 檢驗資訊系統 Last restore test failed": "003 §3.1.3; 000 tw-cp-1.hm 一", "PACS 影像主伺服器 Last backup job failed": ""} {
		if got, ok := kinds[k]; !ok || clause != "" && got != clause {
			t.Errorf("rule %q: clause %q, want %q (all: %v)", k, got, clause, kinds)
		}
	}

	risk := build(report.RiskReview)
	facts := map[string]string{}
	for _, f := range risk.Sections[0].Facts {
		facts[f.Label] = f.Value
	}
	open := section(risk, "Vulnerabilities open at the end of the period")
	if facts["Vulnerabilities open at the end of the period"] != fmt.Sprint(len(open.Tables[0].Rows)) || len(open.Tables[0].Rows) == 0 {
		t.Errorf("open vulnerabilities: summary %q, table %d rows", facts["Vulnerabilities open at the end of the period"], len(open.Tables[0].Rows))
	}
	exc := section(risk, "Exceptions and compensating controls")
	var measures []string
	for _, r := range exc.Tables[0].Rows {
		measures = append(measures, r[0].(string)+" "+r[3].(string)+" "+r[4].(string))
	}
	all := strings.Join(measures, "\n")
	if !strings.Contains(all, "CVE-2017-9657 mitigated (open) 遙測監視器限於 CCU 內網 VLAN 103") || !strings.Contains(all, "CVE-2018-10596 not affected vulnerable code cannot be controlled by an adversary; 程控儀不連外網") {
		t.Errorf("exceptions:\n%s", all)
	}
	decisions := section(risk, "Risks to decide on").Tables[0].Rows
	overdue := 0
	for _, r := range decisions {
		if r[1] == "Vulnerability" {
			overdue++
		}
		if r[5] != "" {
			t.Errorf("a decision is filled in before the reviewers: %v", r)
		}
	}
	if fmt.Sprint(overdue) != facts["Of which past their deadline"] || overdue == 0 || facts["Risks a decision is due on"] != fmt.Sprint(len(decisions)) {
		t.Errorf("decisions: %d overdue vulnerabilities of %d rows; summary %v", overdue, len(decisions), facts)
	}
	// The vulnerability ledger ends with the fix ledger: the B450's fix waiting for the
	// manufacturer, recorded an hour ago.
	fixes := section(build(report.VulnLedger), "Fix ledger").Tables[0].Rows
	if i := slices.IndexFunc(fixes, func(r []any) bool { return r[1] == "CVE-2020-6961" && r[2] == "GE 床邊監視器 B450-01" }); i < 0 ||
		fixes[i][3] != "郭子豪" || fixes[i][6].(report.Status).Text != "pending" {
		t.Errorf("fix ledger: %v", fixes)
	}
	sign := section(risk, "Review and sign-off")
	if len(sign.Facts) != 4 || sign.Facts[2].Label != "Approved by the head of the hospital" {
		t.Errorf("sign-off: %v", sign.Facts)
	}
}

// TestReportBackupDetailTranslated builds the demo's backup record in every language: the
// "Rules broken" table's detail column says what was found in the report's language — in
// Chinese and Japanese no English word (three Latin letters or more, "UTC" aside) is left
// of the texts the backup rules write, and the same rows are there in every language.
func TestReportBackupDetailTranslated(t *testing.T) {
	data := reportDemo(t)
	ctx, src := demoSources(t, data)
	bundle, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	p, err := report.ParsePeriod(fmt.Sprint(now.Year()), time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	english := regexp.MustCompile(`[A-Za-z]{3,}`)
	var enRows int
	for _, lang := range []string{"en", "ja", "zh-TW", "zh-CN"} {
		d, err := report.Build(ctx, report.Params{Name: report.BackupRecord, Lang: lang, Period: p, Organization: "Demo", GeneratedBy: "ciso", Now: now},
			src, func(k string, args ...any) string { return bundle.T(lang, k, args...) })
		if err != nil {
			t.Fatal(err)
		}
		var rows [][]any
		for _, s := range d.Sections {
			if s.Heading == bundle.T(lang, "report.backup_findings") {
				rows = s.Tables[0].Rows
			}
		}
		if len(rows) == 0 {
			t.Fatalf("%s: no rules broken in the demo's backup record", lang)
		}
		if lang == "en" {
			enRows = len(rows)
			if !strings.Contains(fmt.Sprint(rows), "no copy is kept off line") {
				t.Errorf("en: the ICU plan's missing off-line copy is not told: %v", rows)
			}
			continue
		}
		if len(rows) != enRows {
			t.Errorf("%s: %d rules broken, English %d", lang, len(rows), enRows)
		}
		for _, r := range rows {
			detail := r[6].(string)
			if detail == "" {
				t.Errorf("%s: no detail: %v", lang, r)
			}
			for _, w := range english.FindAllString(detail, -1) {
				if w != "UTC" {
					t.Errorf("%s: English %q in the detail %q", lang, w, detail)
				}
			}
		}
	}
}

// TestReportUsageNamesEveryReport: "medsec report" without a name lists every report
// (its list was written out by hand and lacked data-security).
func TestReportUsageNamesEveryReport(t *testing.T) {
	err := runReport(context.Background(), nil, new(bytes.Buffer), new(bytes.Buffer))
	if err == nil {
		t.Fatal("no usage")
	}
	for _, name := range report.Names {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("usage lacks %s:\n%v", name, err)
		}
	}
}
