package sqlstore_test

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"medsec"
	"medsec/i18n"
	"medsec/report"
	"medsec/sqlstore"
)

// TestClosedLedgerKeepsFindingsAsTheyWere: November 2026's vulnerability ledger and
// self-inspection, generated in December, are the same documents after the MX40's
// findings are analysed and re-scored in December (issue 16 break-test: CVE-2017-9657,
// open all November, left November's ledger once analysed not affected, and CVE-2017-9658
// turned from "new" to "affected (confirmed)"). Each finding open in November is listed
// with its state, score and deadline as recorded at November's end, rewound from the audit
// trail; the December ledger shows the analysis.
func TestClosedLedgerKeepsFindingsAsTheyWere(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newVulnFixture(t, db)
		if _, err := f.svc.Import(system, sqlstore.VulnImport{Advisories: f.advisories, KEV: f.kev}); err != nil {
			t.Fatal(err)
		}
		db.Now = func() time.Time { return time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC) }
		bundle, err := i18n.Load()
		if err != nil {
			t.Fatal(err)
		}
		src := report.Sources{Org: sqlstore.NewOrgService(db), Assets: sqlstore.NewAssetService(db), Assessments: newAssessmentService(t, db),
			Vulns: f.svc, Incidents: sqlstore.NewIncidentService(db)}
		build := func(name, period string) *report.Document {
			t.Helper()
			p, err := report.ParsePeriod(period, time.UTC)
			if err != nil {
				t.Fatal(err)
			}
			d, err := report.Build(system, report.Params{Name: name, Lang: "en", Period: p, Now: db.Now()}, src,
				func(key string, args ...any) string { return bundle.T("en", key, args...) })
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
		// rows gives the findings table's rows as text.
		rows := func(d *report.Document) []string {
			var out []string
			for _, s := range d.Sections {
				for _, tb := range s.Tables {
					if tb.Title == "Vulnerabilities" {
						for _, r := range tb.Rows {
							out = append(out, fmt.Sprint(r))
						}
					}
				}
			}
			return out
		}
		state := func(d *report.Document, cve string) string {
			for _, s := range d.Sections {
				for _, tb := range s.Tables {
					if tb.Title != "Vulnerabilities" {
						continue
					}
					for _, r := range tb.Rows {
						if r[0] == cve && r[2] == f.mx40old.Name {
							return r[5].(string)
						}
					}
				}
			}
			return "(not listed)"
		}
		ledger, inspection := build(report.VulnLedger, "2026-11"), build(report.SelfInspection, "2026-11")
		if len(rows(ledger)) == 0 || state(ledger, "CVE-2017-9657") == "(not listed)" || state(ledger, "CVE-2017-9658") == "(not listed)" {
			t.Fatalf("November ledger before the analysis lists %q", rows(ledger))
		}
		before9658 := state(ledger, "CVE-2017-9658")

		find := func(cve string) *medsec.Finding {
			list, _, err := f.svc.FindFindings(system, medsec.FindingFilter{AssetID: f.mx40old.ID, CVE: cve})
			if err != nil || len(list) != 1 {
				t.Fatalf("%s: %d findings, %v", cve, len(list), err)
			}
			return list[0]
		}
		x := find("CVE-2017-9657")
		if _, err := f.svc.AnalyzeFinding(system, x.ID, medsec.FindingAnalysis{State: medsec.FindingNotAffected,
			Justification: "vulnerable_code_not_in_execute_path", Detail: "test", Version: x.Version}); err != nil {
			t.Fatal(err)
		}
		y := find("CVE-2017-9658")
		if _, err := f.svc.AnalyzeFinding(system, y.ID, medsec.FindingAnalysis{State: medsec.FindingConfirmed, Detail: "test", Version: y.Version}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.RescoreFinding(system, y.ID, medsec.FindingRescore{Reason: "ICU central station",
			Answers: medsec.RubricAnswers{Reach: "segment", IntegrityHarm: "minor", AvailabilityHarm: "serious", ClinicalUse: "life-sustaining", PatientData: "one"}}); err != nil {
			t.Fatal(err)
		}

		if got, want := rows(build(report.VulnLedger, "2026-11")), rows(ledger); !reflect.DeepEqual(got, want) {
			t.Errorf("November ledger changed by December's analysis:\n got %q\nwant %q", got, want)
		}
		if got, want := rows(build(report.SelfInspection, "2026-11")), rows(inspection); !reflect.DeepEqual(got, want) {
			t.Errorf("November self-inspection changed by December's analysis:\n got %q\nwant %q", got, want)
		}
		now := build(report.VulnLedger, "2026-12")
		if got := state(now, "CVE-2017-9658"); got == before9658 || got == "(not listed)" {
			t.Errorf("December ledger: CVE-2017-9658 %q, want the December analysis (was %q)", got, before9658)
		}
	})
}
