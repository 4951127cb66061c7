package main

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"medsec"
	mhttp "medsec/http"
	"medsec/sqlstore"
)

// TestComplianceDemo loads the demo hospital with its assessments and checks the TW gap
// report against 000 四: the CT, MRI and angiography consoles (system-type devices recorded
// with their console) carry the boundary-host column, the monitors behind central stations
// are left out naming the station that carries their controls, every in-use asset is
// counted or listed with the reason, and the branch CT's end of support (2022) shows.
func TestComplianceDemo(t *testing.T) {
	ctx := asSystem(context.Background())
	dir := t.TempDir()
	db, err := sqlstore.Open(ctx, filepath.Join(dir, "medsec.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	as, err := newAssessmentService(db, dir)
	if err != nil {
		t.Fatal(err)
	}
	s := mhttp.Services{Assets: sqlstore.NewAssetService(db), Org: sqlstore.NewOrgService(db), Users: sqlstore.NewUserService(db),
		Audit: sqlstore.NewAuditService(db), Zones: sqlstore.NewZoneService(db), Assessments: as}
	if loaded, _, err := loadDemo(ctx, s, "demo password for the test"); err != nil || !loaded {
		t.Fatalf("load demo: %v, %v", loaded, err)
	}
	assets, total, err := s.Assets.FindAssets(ctx, medsec.AssetFilter{Status: medsec.StatusActive, Limit: 100000})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := as.GapReport(ctx, medsec.GapFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if got := rep.Subjects + len(rep.LeftOut); got != total {
		t.Errorf("gap report: %d subjects + %d left out = %d, want every in-use asset (%d)", rep.Subjects, len(rep.LeftOut), got, total)
	}
	reasons := map[string]int{}
	leftOut := map[string]medsec.GapLeftOut{}
	for _, lo := range rep.LeftOut {
		reasons[lo.Reason]++
		leftOut[lo.Asset.Name] = lo
	}
	for _, a := range assets {
		switch {
		case a.Class == medsec.ClassSystem && (strings.HasPrefix(a.Name, "CT") || strings.HasPrefix(a.Name, "MRI")):
			ac, err := as.AssetControls(ctx, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			if ac.Carriage != medsec.CarriedAsSystemConsole || len(ac.Controls) == 0 {
				t.Errorf("%s: carriage %s, %d controls; want the console's boundary-host rows", a.Name, ac.Carriage, len(ac.Controls))
			}
			if _, out := leftOut[a.Name]; out {
				t.Errorf("%s is left out of the gap report", a.Name)
			}
		case strings.Contains(a.Notes, "邊界主機：") && a.Class == medsec.ClassGroup:
			lo, ok := leftOut[a.Name]
			if !ok || lo.Reason != medsec.CarriedByBoundaryHost || len(lo.CarriedBy) != 1 || !strings.Contains(a.Notes, lo.CarriedBy[0].Name) {
				t.Errorf("%s (%s): left out %+v, want carried by the boundary host its notes name", a.Name, a.Notes, lo)
			}
		}
	}
	eos := false
	for _, it := range rep.Open {
		if it.AssetName == "CT 電腦斷層掃描儀" && slices.Contains(it.FailedChecks, "end-of-support-not-passed") {
			eos = true
		}
	}
	if !eos {
		t.Error("the branch CT's passed end of support (2022-12-31) is not in the gap report")
	}
	t.Logf("%d in-use assets: %d subjects, left out %v, %d failing checks no row carries", total, rep.Subjects, reasons, len(rep.UncarriedChecks))
}
