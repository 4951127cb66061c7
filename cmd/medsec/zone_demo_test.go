package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"medsec"
	mhttp "medsec/http"
	"medsec/sqlstore"
)

// TestZoneDemo loads the demo hospital and checks its zone model: zones for every network
// segment, conduits, the planted violations, classes confirmed or overridden after the
// inventory's notes, and CRL reviews for most classified devices.
func TestZoneDemo(t *testing.T) {
	ctx := asSystem(context.Background())
	db, err := sqlstore.Open(ctx, filepath.Join(t.TempDir(), "medsec.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := mhttp.Services{Assets: sqlstore.NewAssetService(db), Org: sqlstore.NewOrgService(db), Users: sqlstore.NewUserService(db),
		Audit: sqlstore.NewAuditService(db), Zones: sqlstore.NewZoneService(db)}
	if loaded, _, err := loadDemo(ctx, s, "demo password for the test"); err != nil || !loaded {
		t.Fatalf("load demo: %v, %v", loaded, err)
	}
	sites, _ := s.Org.FindSites(ctx)
	for _, site := range sites {
		an, err := s.Zones.Analyze(ctx, site.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(an.Zones) < 10 || len(an.Conduits) < 5 {
			t.Errorf("%s: %d zones, %d conduits", site.Name, len(an.Zones), len(an.Conduits))
		}
		var vs []string
		for _, v := range an.Violations {
			vs = append(vs, v.SrcAssetName+"→"+v.Flow.Dst.String()+":"+v.Flow.Proto)
		}
		for _, fd := range an.Findings {
			if fd.Code == "asset.unplaced" {
				t.Errorf("%s: %s sits in no zone", site.Name, fd.Params["asset"])
			}
		}
		if len(an.Violations) < 3 || len(an.Violations) > 6 {
			t.Errorf("%s: violations %v, want the few planted ones", site.Name, vs)
		}
		classified, _, err := s.Assets.FindAssets(ctx, medsec.AssetFilter{SiteID: site.ID, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		n, overridden := 0, 0
		for _, a := range classified {
			if a.Class == medsec.ClassNone {
				continue
			}
			n++
			d, err := s.Zones.FindClassDecision(ctx, a.ID)
			if err != nil || d.Class != a.Class {
				t.Fatalf("%s: decision %+v, %v", a.Name, d, err)
			}
			if d.Status == medsec.DecisionOverridden {
				overridden++
				if !strings.Contains(d.Why, "分群") {
					t.Errorf("%s overridden without the reason: %q", a.Name, d.Why)
				}
			}
		}
		missing, err := s.Zones.MissingCRLReviews(ctx, site.ID)
		if err != nil {
			t.Fatal(err)
		}
		if n < 20 || len(missing) == 0 || len(missing) > n/4 {
			t.Errorf("%s: %d classified, %d overridden, %d without this year's review", site.Name, n, overridden, len(missing))
		}
		t.Logf("%s: %d zones, %d conduits, %d flows, %d violations, %d findings, %d classified (%d overridden), %d lacking a CRL review",
			site.Name, len(an.Zones), len(an.Conduits), an.Flows, len(an.Violations), len(an.Findings), n, overridden, len(missing))
	}
}
