package main

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"medsec"
	"medsec/i18n"
	"medsec/report"
)

// TestRiskReviewRecordedInReport takes the demo's risk review of last year — every risk
// decided, signed by the security officer and by the superintendent for the leadership —
// into the risk-review report of that year in every language: each risk's decision,
// reason, owner and due date are in the "risks to decide on" table, and the sign-off
// names both signers with their times instead of blank lines. Then, through the command
// line, a new revision is started (it keeps the decisions), a decision is refused
// without its reason, and one person cannot sign twice.
func TestRiskReviewRecordedInReport(t *testing.T) {
	data := reportDemo(t)
	ctx, src := demoSources(t, data)
	bundle, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	lastYear := now.Year() - 1
	p, err := report.ParsePeriod(fmt.Sprint(lastYear), time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range i18n.Languages {
		tr := func(k string, args ...any) string { return bundle.T(lang, k, args...) }
		d, err := report.Build(ctx, report.Params{Name: report.RiskReview, Lang: lang, Period: p, Organization: "Demo", GeneratedBy: "ciso", Now: now}, src, tr)
		if err != nil {
			t.Fatal(err)
		}
		var rows [][]any
		var sign report.Section
		for _, s := range d.Sections {
			switch s.Heading {
			case tr("report.risk_decisions"):
				rows = s.Tables[0].Rows
			case tr("report.risk_signoff"):
				sign = s
			}
		}
		if len(rows) == 0 {
			t.Fatalf("%s: no risks to decide on in %d", lang, lastYear)
		}
		// id, kind, subject, why, record, decision, reason, owner, due
		for _, r := range rows {
			dec, ok := r[5].(report.Status)
			if !ok || dec.Text == "" || r[6] == "" || r[7] == "" {
				t.Errorf("%s: risk without its recorded decision: %v", lang, r)
				continue
			}
			if dec.Text == tr("risk_decision.treat") && r[8].(time.Time).IsZero() {
				t.Errorf("%s: a treatment without its due date: %v", lang, r)
			}
		}
		facts := fmt.Sprint(sign.Facts)
		for _, want := range []string{"蔡宗翰", "江文雄 (院長)", fmt.Sprint(now.Year(), "-01-")} {
			if !strings.Contains(facts, want) && !(strings.HasPrefix(want, fmt.Sprint(now.Year())) && now.YearDay() < 20) {
				t.Errorf("%s: sign-off lacks %q: %s", lang, want, facts)
			}
		}
		if strings.Contains(facts, "____") || !strings.Contains(facts, tr("risk_review_status.signed")) {
			t.Errorf("%s: sign-off not as recorded: %s", lang, facts)
		}
	}

	cli := func(args ...string) (string, error) {
		var out, errb bytes.Buffer
		err := run(context.Background(), append([]string{"risk-review", args[0], "--data", data}, args[1:]...), &out, &errb)
		return out.String() + errb.String(), err
	}
	out, err := cli("list")
	if err != nil || !strings.Contains(out, "signed") || !strings.Contains(out, "江文雄 (院長)") {
		t.Fatalf("list: %v\n%s", err, out)
	}
	sites, err := src.Org.FindSites(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out, err = cli("start", "--user", "ciso", "--site", fmt.Sprint(sites[0].ID), "--year", fmt.Sprint(lastYear))
	if err != nil || !strings.Contains(out, "revision 2, draft") || !strings.Contains(out, "treat") {
		t.Fatalf("start: %v\n%s", err, out)
	}
	var id string
	fmt.Sscanf(out, "risk review %s", &id)
	id = strings.TrimSuffix(id, ":")
	if out, err := cli("decide", "--user", "ciso", "--id", id, "--seq", "1", "--decision", "accept"); err == nil || !strings.Contains(out+err.Error(), "decisions.1.reason") {
		t.Errorf("a decision without its reason: %v\n%s", err, out)
	}
	// While revision 2 is prepared, last year's report still stands on the signed
	// revision 1 and says a newer one is in preparation (t16 break-test 4: the draft hid
	// the signatures).
	tr := func(k string, args ...any) string { return bundle.T("en", k, args...) }
	d, err := report.Build(ctx, report.Params{Name: report.RiskReview, Lang: "en", Period: p, Organization: "Demo", GeneratedBy: "ciso", Now: now}, src, tr)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range d.Sections {
		if s.Heading == tr("report.risk_signoff") {
			if text := fmt.Sprint(s.Text, s.Facts); !strings.Contains(text, "江文雄 (院長)") || !strings.Contains(text, tr("report.risk_newer_revision", sites[0].Name, 2, 1)) {
				t.Errorf("a draft revision hid the signed one: %s", text)
			}
		}
	}
	// A high cyber risk level is not accepted [000 §7(二) 1] (t16 break-test 1): this
	// year's review lists the demo's CR reader of a high level.
	rv, err := src.RiskReviews.StartRiskReview(ctx, sites[0].ID, now.Year())
	if err != nil {
		t.Fatal(err)
	}
	rvID := rv.ID
	high := slices.IndexFunc(rv.Items, func(it medsec.RiskItem) bool { return it.Why != nil && it.Why.Key == "report.risk_why_high" })
	if high < 0 {
		t.Fatal("the demo's review lists no device of a high cyber risk level")
	}
	_, err = src.RiskReviews.DecideRisks(ctx, rvID, []medsec.RiskDecision{{Seq: rv.Items[high].Seq, Decision: medsec.RiskAccept, Reason: "風險可接受"}})
	if ve, ok := err.(*medsec.ValidationError); !ok || len(ve.Errors) != 1 || ve.Errors[0].Key != "err.risk_high_not_acceptable" {
		t.Errorf("a high risk was accepted: %v", err)
	}
	if out, err := cli("sign", "--user", "ciso", "--id", id, "--as", "officer"); err != nil {
		t.Fatalf("sign as officer: %v\n%s", err, out)
	}
	if out, err := cli("sign", "--user", "ciso", "--id", id, "--as", "leadership", "--title", "院長"); err == nil || !strings.Contains(err.Error(), "leadership") {
		t.Errorf("the security officer signed for the leadership: %v\n%s", err, out)
	}
	if out, err := cli("sign", "--user", "auditor", "--id", id, "--as", "leadership"); err == nil {
		t.Errorf("the auditor signed: %s", out)
	}
	if out, err := cli("sign", "--user", "director", "--id", id, "--as", "officer"); err == nil {
		t.Errorf("the director signed as the security officer: %s", out)
	}
	if out, err := cli("sign", "--user", "director", "--id", id, "--as", "leadership", "--title", "院長"); err != nil || !strings.Contains(out, "signed") || !strings.Contains(out, "江文雄 (院長)") {
		t.Errorf("the director signs for the leadership: %v\n%s", err, out)
	}
}

// TestReportDataSecurity builds the data security risk assessment [002 第二十一条] of the demo
// hospital for the year of its last access reviews: the summary counts the assets holding
// personal data as the inventory classifies them and agrees with the gap table; the PACS
// (personal data) shows its backup plan and its signed account review; the ICU system's
// backups are a gap with their clause (002 第二十二条(三)); each gap cites a clause.
func TestReportDataSecurity(t *testing.T) {
	data := reportDemo(t)
	ctx, src := demoSources(t, data)
	bundle, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	p, err := report.ParsePeriod(reviewYear(now), time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	d, err := report.Build(ctx, report.Params{Name: report.DataSecurity, Lang: "en", Period: p, Organization: "Demo", GeneratedBy: "ciso", Now: now}, src,
		func(k string, args ...any) string { return bundle.T("en", k, args...) })
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	personal := 0
	if err := src.Assets.EachAsset(ctx, medsec.AssetFilter{Status: medsec.StatusActive}, func(a *medsec.Asset) error {
		if a.DataClass == medsec.DataSensitivePersonal {
			personal++
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	facts := map[string]string{}
	for _, f := range d.Sections[0].Facts {
		facts[f.Label] = f.Value
	}
	if facts["Assets holding medical data with personal information"] != fmt.Sprint(personal) || personal == 0 {
		t.Errorf("personal-data assets: summary %q, inventory %d", facts["Assets holding medical data with personal information"], personal)
	}
	assets, gaps := d.Sections[1].Tables[0].Rows, d.Sections[2].Tables[0].Rows
	if facts["Data security gaps"] != fmt.Sprint(len(gaps)) || len(gaps) == 0 {
		t.Errorf("gaps: summary %q, table %d", facts["Data security gaps"], len(gaps))
	}
	// name, site, department, kind, data class, backups, accounts reviewed, open vulns, owner
	pacs := false
	for _, r := range assets {
		if r[0] == "PACS 影像主伺服器" {
			pacs = r[4] == "Sensitive medical data with personal information" && r[5].(report.Status).Text != "No backup plan" && r[6] == "Yes"
		}
	}
	if !pacs {
		t.Errorf("the PACS row (backups, signed account review): %v", assets)
	}
	icu := false
	for _, r := range gaps {
		if r[4] == "" {
			t.Errorf("a gap without its clause: %v", r)
		}
		if r[0] == "重症照護資訊系統" && strings.HasPrefix(r[3].(report.Status).Text, "Backups break") && r[4] == "002 第二十二条(三)" {
			icu = true
		}
	}
	if !icu {
		t.Errorf("the ICU system's backup rules are not a gap: %v", gaps)
	}
	// The flows of personal or patient data between zones (issue 16 break-test: missing):
	// the demo's conduits from or to a zone holding medical data, each with its holders.
	var flows *report.Section
	for i := range d.Sections {
		if d.Sections[i].Heading == "Personal-data flows between zones" {
			flows = &d.Sections[i]
		}
	}
	if flows == nil || len(flows.Tables) != 1 || len(flows.Tables[0].Rows) == 0 {
		t.Fatalf("no personal-data flows between zones: %+v", flows)
	}
	if flows.Facts[0].Value != fmt.Sprint(len(flows.Tables[0].Rows)) {
		t.Errorf("flows: fact %q, table %d rows", flows.Facts[0].Value, len(flows.Tables[0].Rows))
	}
	holders := false
	for _, r := range flows.Tables[0].Rows {
		// conduit, site, from zone, to zone, service, holders at each end, controls
		if r[2] == "" || r[3] == "" {
			t.Errorf("a flow without its zones: %v", r)
		}
		for _, h := range []any{r[5], r[6]} {
			if strings.Contains(h.(string), "with personal information") && !strings.HasPrefix(h.(string), "0 ") {
				holders = true
			}
		}
	}
	if !holders {
		t.Errorf("no flow names the assets holding personal data at its ends: %v", flows.Tables[0].Rows)
	}
}

// TestRiskReviewNamesInReadersLanguage builds the demo's risk-review report and its
// self-inspection report in every language: no catalog ID (tw-mohw-medical-baseline) in
// a sheet name or in the risk review's tables — the compensating measures name their
// catalog by its title in the reader's language — and every sheet name of the risk review
// is its own short translated name, valid for XLSX as it stands (at most 31 characters,
// none of []:*?/\), not a long title cut short (was: raw IDs in the PDF and the sheets,
// "Vulnerabilities_ compensating c").
func TestRiskReviewNamesInReadersLanguage(t *testing.T) {
	data := reportDemo(t)
	ctx, src := demoSources(t, data)
	bundle, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	// This year: a closed year shows only the measures recorded in it, and the demo records them today.
	p, err := report.ParsePeriod(fmt.Sprint(now.Year()), time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range i18n.Languages {
		tr := func(k string, args ...any) string { return bundle.T(lang, k, args...) }
		for _, name := range []string{report.RiskReview, report.SelfInspection} {
			d, err := report.Build(ctx, report.Params{Name: name, Lang: lang, Period: p, Organization: "Demo", GeneratedBy: "ciso", Now: now}, src, tr)
			if err != nil {
				t.Fatal(err)
			}
			titles := 0
			for _, s := range d.Sections {
				for _, tb := range s.Tables {
					cells := fmt.Sprint(tb.Rows)
					for _, id := range report.Catalogs {
						if strings.Contains(tb.Sheet, id) || name == report.RiskReview && strings.Contains(cells, id) {
							t.Errorf("%s %s: catalog ID %s in sheet %q or its cells", lang, name, id, tb.Sheet)
						}
						titles += strings.Count(cells, tr("catalog."+id))
					}
					if name == report.RiskReview && (len([]rune(tb.Sheet)) > 31 || strings.ContainsAny(tb.Sheet, `[]:*?/\`)) {
						t.Errorf("%s: sheet name %q is not valid for XLSX as it stands", lang, tb.Sheet)
					}
				}
			}
			if name == report.RiskReview && titles == 0 {
				t.Errorf("%s: the compensating measures do not name their catalog in the reader's language", lang)
			}
		}
	}
}
