package medsec_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"medsec"
	"medsec/demo"
)

func TestAssessmentValidate(t *testing.T) {
	review, _ := medsec.ParseDate("2026-01-01")
	on, _ := medsec.ParseDate("2026-06-01")
	tests := []struct {
		name string
		a    medsec.Assessment
		want string // fields in error, comma-separated; "" = valid
	}{
		{"implemented", medsec.Assessment{CatalogID: "c", ControlID: "x", Status: medsec.AssessImplemented}, ""},
		{"not applicable without reason", medsec.Assessment{CatalogID: "c", ControlID: "x", Status: medsec.AssessNotApplicable}, "reason"},
		{"not applicable with reason", medsec.Assessment{CatalogID: "c", ControlID: "x", Status: medsec.AssessNotApplicable, Reason: " 無網路 "}, ""},
		{"compensating without measure", medsec.Assessment{CatalogID: "c", ControlID: "x", Status: medsec.AssessCompensating}, "compensating"},
		{"not-assessed is not recordable", medsec.Assessment{CatalogID: "c", ControlID: "x", Status: medsec.AssessNotAssessed}, "status"},
		{"missing ids", medsec.Assessment{Status: medsec.AssessPartial}, "catalog_id,control_id"},
		{"links", medsec.Assessment{CatalogID: "c", ControlID: "x", Status: medsec.AssessPartial, Links: []string{"https://a.example/x", "ftp://b", "/rel"}}, "links,links"},
		{"review before assessment", medsec.Assessment{CatalogID: "c", ControlID: "x", Status: medsec.AssessPartial, AssessedOn: on, NextReview: review}, "next_review"},
		{"bad digest", medsec.Assessment{CatalogID: "c", ControlID: "x", Status: medsec.AssessPartial, Evidence: []medsec.Evidence{{SHA256: "abc"}}}, "evidence"},
	}
	for _, tt := range tests {
		a := tt.a
		a.Normalize()
		err := a.Validate()
		var got []string
		if ve, ok := err.(*medsec.ValidationError); ok {
			for _, fe := range ve.Errors {
				got = append(got, fe.Field)
			}
		} else if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if strings.Join(got, ",") != tt.want {
			t.Errorf("%s: fields %v, want %q", tt.name, got, tt.want)
		}
	}
}

func TestCheckRegistry(t *testing.T) {
	r, err := medsec.NewCheckRegistry(medsec.InventoryChecks()...)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Register(medsec.InventoryChecks()[0]); err == nil {
		t.Error("a duplicate check was registered")
	}
	if err := r.Register(medsec.Check{ID: "no-controls", Run: medsec.InventoryChecks()[0].Run}); err == nil {
		t.Error("a check without controls was registered")
	}
	if got := len(r.Checks()); got != 4 {
		t.Errorf("%d checks, want 4", got)
	}
}

// TestInventoryChecksOnDemo runs the automatic checks on the demo hospital's inventory as
// imported (the responsible person resolved by name, as the import does) on the demo's
// first day, 2026-11-23.
func TestInventoryChecksOnDemo(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	r, _ := medsec.NewCheckRegistry(medsec.InventoryChecks()...)
	rows := demo.Hospital().Assets
	outcomes := map[string]map[medsec.CheckOutcome]int{}
	byName := map[string]map[string]medsec.CheckResult{}
	for i, row := range rows {
		a := row.Asset
		a.ID = int64(i + 1)
		if row.Responsible != "" {
			a.ResponsibleID, a.ResponsibleName = 1, row.Responsible
		}
		a.Normalize()
		byName[a.Name] = map[string]medsec.CheckResult{}
		for _, res := range r.Run(&a, now) {
			if outcomes[res.CheckID] == nil {
				outcomes[res.CheckID] = map[medsec.CheckOutcome]int{}
			}
			outcomes[res.CheckID][res.Outcome]++
			byName[a.Name][res.CheckID] = res
			if len(res.Data) == 0 || !res.ComputedAt.Equal(now) || res.Detail == "" {
				t.Errorf("%s %s: result without its data or time: %+v", a.Name, res.CheckID, res)
			}
		}
	}
	// Known rows of the demo inventory.
	tests := []struct {
		asset, check string
		want         medsec.CheckOutcome
		datum        string
	}{
		{"LIS 檢驗資訊系統", "end-of-support-not-passed", medsec.CheckFail, "2025-12-31"},
		{"HIS 應用伺服器 1", "end-of-support-not-passed", medsec.CheckPass, "2029-12-31"},
		{"HIS 應用伺服器 1", "default-credentials-changed", medsec.CheckPass, "changed"},
		{"HIS 應用伺服器 1", "patching-permission-recorded", medsec.CheckPass, "yes"},
		{"HIS 應用伺服器 1", "responsible-person-set", medsec.CheckPass, ""},
		{"放射科判讀工作站 1", "end-of-support-not-passed", medsec.CheckFail, "2025-10-14"},
	}
	for _, tt := range tests {
		res, ok := byName[tt.asset][tt.check]
		if !ok {
			t.Errorf("no result for %s %s", tt.asset, tt.check)
			continue
		}
		if res.Outcome != tt.want || (tt.datum != "" && res.Data[0].Value != tt.datum) {
			t.Errorf("%s %s = %s from %+v, want %s from %s", tt.asset, tt.check, res.Outcome, res.Data, tt.want, tt.datum)
		}
	}
	// Every check ran on every asset and passed somewhere; the demo holds problems for
	// all but the responsible person, which every demo asset has.
	for id, o := range outcomes {
		if o[medsec.CheckPass] == 0 || o[medsec.CheckPass]+o[medsec.CheckFail]+o[medsec.CheckUnknown] != len(rows) ||
			(id != "responsible-person-set" && o[medsec.CheckFail] == 0) {
			t.Errorf("%s on %d demo assets: %v", id, len(rows), o)
		}
		t.Logf("%s: %v", id, o)
	}
}

// FuzzAssessmentJSON feeds API request bodies to the assessment's decoding, normalising
// and validation: none may panic, and a valid assessment stays valid after a JSON round
// trip.
func FuzzAssessmentJSON(f *testing.F) {
	f.Add([]byte(`{"catalog_id":"tw-mohw-medical-baseline","control_id":"tw-ac-1.l","asset_id":3,"status":"implemented"}`))
	f.Add([]byte(`{"catalog_id":"c","control_id":"x","status":"not-applicable","reason":"無網路","links":["https://a.example/x"],"next_review":"2027-01-01","assessed_on":"2026-01-01"}`))
	f.Add([]byte(`{"catalog_id":"c","control_id":"x","status":"compensating","evidence":[{"sha256":"` + strings.Repeat("ab", 32) + `"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var a medsec.Assessment
		if json.Unmarshal(data, &a) != nil {
			return
		}
		a.Normalize()
		if a.Validate() != nil {
			return
		}
		b, err := json.Marshal(&a)
		if err != nil {
			t.Fatal(err)
		}
		var again medsec.Assessment
		if err := json.Unmarshal(b, &again); err != nil {
			t.Fatalf("round trip of %s: %v", b, err)
		}
		again.Normalize()
		if err := again.Validate(); err != nil {
			t.Fatalf("valid assessment %s became invalid: %v", b, err)
		}
	})
}
