package sqlstore_test

import (
	"strings"
	"testing"

	"medsec"
	"medsec/report"
	"medsec/sqlstore"
)

// TestSelfInspectionGradingIsTheSitesMLPS: the self-inspection's "network grading and
// filing" section [002 第九条(一) 摸清本单位网络定级、备案等情况] lists the report's site's
// systems from the recorded 等保 events as they stood at the period's end — each system's
// level then, the day it was graded, and the filing and assessment its events owe (done,
// overdue, due) — not the hospital-wide settings' networks (issue 16 A: the mainland
// site's report said 无 though HIS was graded, and a Suzhou network of the settings showed
// in a Taiwan site's report). A Taiwan site's report lists no network.
func TestSelfInspectionGradingIsTheSitesMLPS(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		at := dayClock(t, db, 2)
		at("2026-11-25")
		tw, _ := seedOrg(t, db)
		org := sqlstore.NewOrgService(db)
		cn := &medsec.Site{Code: "SZ", Name: "苏州合作院区", Jurisdiction: medsec.JurisdictionCN}
		if err := org.CreateSite(system, cn); err != nil {
			t.Fatal(err)
		}
		assess := newAssessmentService(t, db)
		// The hospital-wide settings name a Suzhou network: it is no site's grading.
		settings, err := assess.FindComplianceSettings(system)
		if err != nil {
			t.Fatal(err)
		}
		settings.Networks = []medsec.GradedNetwork{{Name: "苏州院区内网", Level: 3}}
		if err := assess.UpdateComplianceSettings(system, settings); err != nil {
			t.Fatal(err)
		}
		g := sqlstore.NewGovernanceService(db)
		officer := as(&medsec.User{ID: 5, Username: "ciso", Role: medsec.RoleSecurityOfficer})
		record := func(e *medsec.MLPSEvent) *medsec.MLPSEvent {
			t.Helper()
			e.SiteID = cn.ID
			if err := g.RecordMLPSEvent(officer, e); err != nil {
				t.Fatal(err)
			}
			return e
		}
		emr := record(&medsec.MLPSEvent{System: "EMR", Kind: medsec.MLPSGrading, Level: 2, On: mustDate(t, "2025-06-02")})
		if _, err := g.CompleteGovernanceItem(officer, emr.Items[0].ID, medsec.GovernanceCompletion{DoneOn: mustDate(t, "2026-01-10"), Record: "备案表已递交", Evidence: "备案证明 1"}); err != nil {
			t.Fatal(err)
		}
		record(&medsec.MLPSEvent{System: "LIS", Kind: medsec.MLPSGrading, Level: 2, On: mustDate(t, "2026-03-02")})
		lis := record(&medsec.MLPSEvent{System: "LIS", Kind: medsec.MLPSChange, Level: 3, On: mustDate(t, "2026-11-23"), Note: "接入区域检验平台,定级升为第三级"})
		his := record(&medsec.MLPSEvent{System: "HIS", Kind: medsec.MLPSGrading, Level: 3, On: mustDate(t, "2026-11-20")})
		at("2026-12-01")

		rig := newReportRig(t, db, report.Sources{Org: org, Assets: sqlstore.NewAssetService(db), Assessments: assess, Vulns: sqlstore.NewVulnService(db),
			Incidents: sqlstore.NewIncidentService(db), MLPS: g})
		bundle := rig.bundle
		grading := func(site *medsec.Site, period string) report.Section {
			t.Helper()
			d := rig.build(officer, report.SelfInspection, period, "en", site)
			for _, s := range d.Sections {
				if s.Heading == bundle.T("en", "report.grading") {
					return s
				}
			}
			t.Fatalf("%s %s: no grading section", site.Code, period)
			return report.Section{}
		}
		rows := func(s report.Section) map[string][]any {
			out := map[string][]any{}
			for _, tb := range s.Tables {
				for _, r := range tb.Rows {
					out[r[0].(string)] = r
				}
			}
			return out
		}
		text := func(s report.Section) string {
			var b strings.Builder
			b.WriteString(strings.Join(s.Text, "\n"))
			for _, tb := range s.Tables {
				for _, r := range tb.Rows {
					for _, c := range r {
						b.WriteString("\n" + c.(string))
					}
				}
			}
			return b.String()
		}

		now := grading(cn, "2026")
		got := rows(now)
		if len(got) != 3 || strings.Contains(text(now), "苏州院区内网") {
			t.Fatalf("SZ 2026: want EMR, LIS, HIS from the 等保 events, not the settings' networks: %q", text(now))
		}
		filing, refiling := bundle.T("en", "duty.mlps_filing"), bundle.T("en", "duty.mlps_refiling")
		if r := got["HIS"]; r[1] != "3" || r[2] != "2026-11-20" || !strings.Contains(r[3].(string), bundle.T("en", "report.mlps_duty_due", filing, his.Items[0].Due.String())) {
			t.Errorf("HIS: %q", r)
		}
		if r := got["LIS"]; r[1] != "3" || r[2] != "2026-03-02" || !strings.Contains(r[3].(string), bundle.T("en", "report.mlps_duty_due", refiling, lis.Items[0].Due.String())) {
			t.Errorf("LIS re-graded: %q", r)
		}
		if r := got["EMR"]; r[1] != "2" || !strings.Contains(r[3].(string), bundle.T("en", "report.mlps_duty_done", filing, "2026-01-10")) {
			t.Errorf("EMR filed: %q", r)
		}

		// The closed 2025: only EMR, graded then, its filing overdue at the year's end
		// (done in 2026).
		past := rows(grading(cn, "2025"))
		if r, ok := past["EMR"]; len(past) != 1 || !ok || !strings.Contains(r[3].(string), bundle.T("en", "report.mlps_duty_overdue", filing, emr.Items[0].Due.String())) {
			t.Errorf("SZ 2025 as of its end: %q", past)
		}

		// A Taiwan site: 等保 does not apply; neither the Suzhou systems nor the settings'
		// Suzhou network are listed.
		twSec := grading(tw, "2026")
		if len(rows(twSec)) != 0 || strings.Contains(text(twSec), "苏州") || strings.Contains(text(twSec), "HIS") ||
			!strings.Contains(text(twSec), bundle.T("en", "report.grading_not_cn")) {
			t.Errorf("TW site's grading: %q", text(twSec))
		}
	})
}
