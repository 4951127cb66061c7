package sqlstore_test

import (
	"errors"
	"testing"

	"medsec"
	"medsec/sqlstore"
	"medsec/vuln"
)

// TestRescoreFinding re-scores the real MX40 finding (CVE-2017-9657, NVD's v3.0 vector,
// base 6.5: a 72-hour deadline) for a monitor on its own segment whose loss could harm a
// patient: the finding takes the environmental score and the deadline it gives, the
// re-scoring is kept with who, when and why and audited, and matching the advisories
// again keeps it. Bad answers and metrics are refused by name; a user of another site or
// vendor cannot re-score or read it.
func TestRescoreFinding(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newVulnFixture(t, db)
		if _, err := f.svc.Import(system, sqlstore.VulnImport{Advisories: f.advisories, KEV: f.kev}); err != nil {
			t.Fatal(err)
		}
		list, _, err := f.svc.FindFindings(system, medsec.FindingFilter{AssetID: f.mx40old.ID, CVE: "CVE-2017-9657"})
		if err != nil || len(list) != 1 {
			t.Fatalf("MX40 finding: %v", err)
		}
		mx := list[0]
		in := medsec.FindingRescore{Reason: "central station monitoring in the ICU",
			Answers: medsec.RubricAnswers{Reach: "segment", IntegrityHarm: "minor", AvailabilityHarm: "serious", ClinicalUse: "life-sustaining", PatientData: "one"}}
		want, err := vuln.Rescore(mx.CVSSVector, in.Answers, false, nil)
		if err != nil {
			t.Fatal(err)
		}
		dl, err := vuln.ComputeDeadline(vuln.Policy{}, vuln.Exposure{Score: want.Environmental}, mx.FoundAt)
		if err != nil {
			t.Fatal(err)
		}
		if want.Environmental == mx.Score || dl.Rule == vuln.Rule(mx.DeadlineRule) {
			t.Fatalf("the test's re-scoring changes nothing: %.1f %s", want.Environmental, dl.Rule)
		}
		r, err := f.svc.RescoreFinding(system, mx.ID, in)
		if err != nil {
			t.Fatal(err)
		}
		if r.Vector != want.Vector || r.Score != want.Environmental || r.ScoredBy != "system" || !r.ScoredAt.Equal(testNow) || !r.Due.Equal(dl.Due) {
			t.Errorf("rescore %+v, want %s %.1f due %v", r, want.Vector, want.Environmental, dl.Due)
		}
		check := func(when string) {
			t.Helper()
			got, err := f.svc.FindFinding(system, mx.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.EnvVector != want.Vector || got.EnvScore != want.Environmental || got.Score != want.Environmental ||
				!got.Due.Equal(dl.Due) || got.DeadlineRule != string(dl.Rule) || got.BaseScore != mx.BaseScore {
				t.Errorf("%s: finding %s %.1f %.1f due %v %s", when, got.EnvVector, got.EnvScore, got.Score, got.Due, got.DeadlineRule)
			}
		}
		check("after re-scoring")
		if _, err := f.svc.Rematch(system); err != nil {
			t.Fatal(err)
		}
		check("after matching again")
		g, err := f.svc.RescoreGuide(system, mx.ID)
		if err != nil || len(g.History) != 1 || g.History[0].Reason != in.Reason || g.History[0].Answers != in.Answers {
			t.Errorf("guide %+v, %v", g, err)
		}
		entries, total, err := sqlstore.NewAuditService(db).FindAuditEntries(system, medsec.AuditFilter{Action: "vuln.finding.rescore"})
		if err != nil || total != 1 || entries[0].ObjectID != mx.ID {
			t.Errorf("audit: %d rows, %v", total, err)
		}

		for _, tt := range []struct {
			in    medsec.FindingRescore
			field string
		}{
			{medsec.FindingRescore{Reason: "x", Answers: medsec.RubricAnswers{Reach: "moon"}}, "answers.reach"},
			{medsec.FindingRescore{Reason: "x", Metrics: map[string]string{"MAV": "Q"}}, "metrics.MAV"},
			{medsec.FindingRescore{Reason: "x", Metrics: map[string]string{"AV": "L"}}, "metrics.AV"},
			{medsec.FindingRescore{Answers: in.Answers}, "reason"},
		} {
			_, err := f.svc.RescoreFinding(system, mx.ID, tt.in)
			var ve *medsec.ValidationError
			if !errors.As(err, &ve) || ve.Errors[0].Field != tt.field {
				t.Errorf("%+v: %v, want a refusal naming %s", tt.in, err, tt.field)
			}
		}
		if _, err := f.svc.RescoreFinding(as(f.geUser), mx.ID, in); medsec.ErrorCode(err) != medsec.EFORBIDDEN && medsec.ErrorCode(err) != medsec.ENOTFOUND {
			t.Errorf("GE user re-scores the Philips finding: %v", err)
		}
		branch := f.mx40old.SiteID + 1 // seedOrg's second site
		ce := as(&medsec.User{ID: 77, Username: "branch-ce", Role: medsec.RoleClinicalEngineer, SiteIDs: []int64{branch}})
		if _, err := f.svc.RescoreFinding(ce, mx.ID, in); medsec.ErrorCode(err) != medsec.ENOTFOUND {
			t.Errorf("branch user re-scores a main-site finding: %v", err)
		}
		if _, err := f.svc.RescoreGuide(ce, mx.ID); medsec.ErrorCode(err) != medsec.ENOTFOUND {
			t.Errorf("branch user reads a main-site finding's re-scorings: %v", err)
		}
		if g, _ := f.svc.RescoreGuide(system, mx.ID); len(g.History) != 1 {
			t.Errorf("refused re-scorings were stored: %d", len(g.History))
		}
	})
}
