package sqlstore_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"medsec"
	"medsec/i18n"
	"medsec/report"
	"medsec/sqlstore"
)

// TestSelfInspectionBeforeFirstData: the hospital's first assets are entered in March
// 2025. The 2024 self-inspection, of the hospital and of a site, says in the reader's
// language that medsec has no data for the period and lists no open control; the 2025 one
// lists the organisation's open controls as before. The 2024 report counted every
// organisation-level control open for a year before medsec knew the hospital (issue 16,
// bt16 #7).
func TestSelfInspectionBeforeFirstData(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		at := func(s string) {
			tm, err := time.Parse(time.DateOnly, s)
			if err != nil {
				t.Fatal(err)
			}
			db.Now = func() time.Time { return tm.Add(9 * time.Hour) }
		}
		at("2025-03-01")
		f := newAssessFixture(t, db)
		at("2026-12-01")
		org := sqlstore.NewOrgService(db)
		sites, err := org.FindSites(system)
		if err != nil {
			t.Fatal(err)
		}
		var branch *medsec.Site
		for _, s := range sites {
			if s.ID == f.br.SiteID {
				branch = s
			}
		}
		bundle, err := i18n.Load()
		if err != nil {
			t.Fatal(err)
		}
		src := report.Sources{Org: org, Assets: sqlstore.NewAssetService(db), Assessments: f.svc, Vulns: sqlstore.NewVulnService(db), Incidents: sqlstore.NewIncidentService(db)}
		for _, site := range []*medsec.Site{nil, branch} {
			for _, lang := range i18n.Languages {
				for _, year := range []string{"2024", "2025"} {
					p, err := report.ParsePeriod(year, time.UTC)
					if err != nil {
						t.Fatal(err)
					}
					d, err := report.Build(system, report.Params{Name: report.SelfInspection, Lang: lang, Period: p, Now: db.Now(), Site: site}, src,
						func(key string, args ...any) string { return bundle.T(lang, key, args...) })
					if err != nil {
						t.Fatal(err)
					}
					noData := bundle.T(lang, "report.no_data_period", year)
					said, plans := 0, 0
					for _, s := range d.Sections {
						if slices.Contains(s.Text, noData) {
							said++
						}
						if s.Heading == bundle.T(lang, "report.remediation") {
							plans += len(s.Tables)
						}
					}
					if year == "2024" && (said == 0 || plans != 0) || year == "2025" && (said != 0 || plans == 0) {
						t.Errorf("%s site %v %s: the no-data text %d times, %d remediation tables", year, site != nil, lang, said, plans)
					}
					if lang != "en" && strings.Contains(noData, "no data") {
						t.Errorf("%s: the no-data text is English: %q", lang, noData)
					}
				}
			}
		}
	})
}
