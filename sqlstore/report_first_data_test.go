package sqlstore_test

import (
	"slices"
	"strings"
	"testing"

	"medsec"
	"medsec/i18n"
	"medsec/report"
	"medsec/sqlstore"
)

// TestSelfInspectionBeforeFirstData: the hospital's first assets are entered in March
// 2025. The 2024 self-inspection and gap report (of every catalog), of the hospital and
// of a site, say in the reader's language that medsec has no data for the period and list
// no open control; the 2025 ones list the organisation's open controls as before. The
// 2024 reports counted every organisation-level control open for a year before medsec
// knew the hospital (issue 16, bt16 #7; the gap report, bt16d).
func TestSelfInspectionBeforeFirstData(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		at := dayClock(t, db, 9)
		at("2025-03-01")
		f := newAssessFixture(t, db)
		at("2026-12-01")
		rig := newReportRig(t, db, report.Sources{Assets: sqlstore.NewAssetService(db), Assessments: f.svc, Vulns: sqlstore.NewVulnService(db),
			Incidents: sqlstore.NewIncidentService(db)})
		type build struct{ name, catalog string }
		builds := []build{{report.SelfInspection, ""}}
		for _, c := range report.Catalogs {
			builds = append(builds, build{report.Gap, c})
		}
		for _, site := range []*medsec.Site{nil, rig.site(f.br.SiteID)} {
			for _, lang := range i18n.Languages {
				for _, year := range []string{"2024", "2025"} {
					for _, bd := range builds {
						rig.catalog = bd.catalog
						d := rig.build(system, bd.name, year, lang, site)
						noData := rig.bundle.T(lang, "report.no_data_period", year)
						said, plans, open := 0, 0, 0
						for _, s := range d.Sections {
							if slices.Contains(s.Text, noData) {
								said++
							}
							if s.Heading == rig.bundle.T(lang, "report.remediation") {
								for _, tb := range s.Tables {
									plans++
									open += len(tb.Rows)
								}
							}
						}
						if year == "2024" && (said == 0 || open != 0) || year == "2025" && (said != 0 || plans == 0) {
							t.Errorf("%s %s %s site %v %s: the no-data text %d times, %d remediation tables, %d open rows",
								bd.name, bd.catalog, year, site != nil, lang, said, plans, open)
						}
						if lang != "en" && strings.Contains(noData, "no data") {
							t.Errorf("%s: the no-data text is English: %q", lang, noData)
						}
					}
				}
			}
		}
	})
}

// TestDataSecurityAndRiskReviewBeforeFirstData: the hospital's first assets are entered in
// March 2025. The 2024 data security assessment and risk review, of the hospital and of a
// site, say in the reader's language that medsec has no data for the period instead of
// reading as a clean year (no gap, no device at high risk); the 2025 ones do not, and
// list their assets (bt16e M1).
func TestDataSecurityAndRiskReviewBeforeFirstData(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		at := dayClock(t, db, 9)
		at("2025-03-01")
		f := newAssessFixture(t, db)
		at("2026-12-01")
		rig := newReportRig(t, db, report.Sources{Assets: sqlstore.NewAssetService(db), Assessments: f.svc, Vulns: sqlstore.NewVulnService(db),
			Incidents: sqlstore.NewIncidentService(db), Backups: sqlstore.NewBackupService(db), Zones: sqlstore.NewZoneService(db)})
		for _, site := range []*medsec.Site{nil, rig.site(f.br.SiteID)} {
			for _, lang := range i18n.Languages {
				for _, year := range []string{"2024", "2025"} {
					for _, name := range []string{report.DataSecurity, report.RiskReview} {
						d := rig.build(system, name, year, lang, site)
						noData := rig.bundle.T(lang, "report.no_data_period", year)
						said := 0
						for _, s := range d.Sections {
							if slices.Contains(s.Text, noData) {
								said++
							}
						}
						if year == "2024" && (said != 1 || len(d.Sections) != 1) || year == "2025" && (said != 0 || len(d.Sections) < 3) {
							t.Errorf("%s %s site %v %s: the no-data text %d times in %d sections", name, year, site != nil, lang, said, len(d.Sections))
						}
					}
				}
			}
		}
	})
}
