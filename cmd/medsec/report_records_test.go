package main

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

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
	return ctx, report.Sources{Org: sqlstore.NewOrgService(store), Assets: sqlstore.NewAssetService(store), Assessments: assessments,
		Vulns: sqlstore.NewVulnService(store), Incidents: sqlstore.NewIncidentService(store), Accounts: sqlstore.NewAccountService(store)}
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
	if len(d.Sections) != 3 {
		t.Fatalf("sections %d, want the summary and two reviews", len(d.Sections))
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
		pacs[10] != "medsec (system, on the server)" || time.Time(pacs[11].(report.Stamp)).IsZero() {
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
	for _, want := range []string{"アクセス権見直し記録", "承認済み", "medsec（システム、サーバー上）", "資料庫服務帳號，密碼已於上線時變更", "lumen-maint", "未決定",
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
}

// TestReportComplianceByDomain builds the demo's gap report of the TW baseline: the
// compliance section charts the controls by domain, one bar per domain of the catalog as it
// prints it, the domains' totals adding up to the report's (counted apart, by level), and
// its table gives each domain's English beside the original.
func TestReportComplianceByDomain(t *testing.T) {
	data := reportDemo(t)
	ctx, src := demoSources(t, data)
	bundle, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	p, _ := report.ParsePeriod(fmt.Sprint(time.Now().Year()), time.UTC)
	d, err := report.Build(ctx, report.Params{Name: report.Gap, Lang: "ja", Period: p, Organization: "Demo", GeneratedBy: "ciso", Now: time.Now()},
		src, func(k string, args ...any) string { return bundle.T("ja", k, args...) })
	if err != nil {
		t.Fatal(err)
	}
	sec := d.Sections[0]
	if len(sec.Charts) != 2 || len(sec.Tables) != 2 {
		t.Fatalf("compliance section: %d charts, %d tables", len(sec.Charts), len(sec.Tables))
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
		t.Errorf("by domain: %d domains, %v rows; by level %v", len(byDomain.Categories), total(byDomain), total(levels))
	}
	rows := sec.Tables[1].Rows
	english := 0
	for i, r := range rows {
		if r[0] != byDomain.Categories[i] {
			t.Errorf("row %d: %v, chart %q", i, r[0], byDomain.Categories[i])
		}
		if r[1] != "" {
			english++
		}
	}
	if english == 0 || !strings.Contains(sec.Tables[1].Title, "管理領域別") {
		t.Errorf("domain table: %q, %d with English", sec.Tables[1].Title, english)
	}
}
