package main

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"medsec"
	mhttp "medsec/http"
	"medsec/sqlstore"
)

// TestDemoComponents loads the demo hospital and finds its SBOMs on the infusion pump and
// PACS web viewer models, the pump's MDS2 profile and the gaps it opens on a pump, and the
// Greenbone report on the HIS application server.
func TestDemoComponents(t *testing.T) {
	ctx := asSystem(context.Background())
	dir := t.TempDir()
	db, err := sqlstore.Open(ctx, filepath.Join(dir, "medsec.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	comps, scans := sqlstore.NewComponentService(db), sqlstore.NewScanService(db)
	s := mhttp.Services{Assets: sqlstore.NewAssetService(db), Org: sqlstore.NewOrgService(db), Users: sqlstore.NewUserService(db), Audit: sqlstore.NewAuditService(db),
		Discovery: sqlstore.NewDiscoveryService(db), Zones: sqlstore.NewZoneService(db), Components: comps, Scans: scans}
	if s.Assessments, err = newAssessmentService(db, dir); err != nil {
		t.Fatal(err)
	}
	if loaded, err := loadDemoHospital(ctx, s); err != nil || !loaded {
		t.Fatalf("load: %v, %v", loaded, err)
	}
	models, err := comps.FindDeviceModels(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"InfuSmart LVP-7": 65, "InfuSmart LVP-5": 55, "LumenPACS WebView": 62}
	var lvp7 int64
	for _, m := range models {
		n, ok := want[m.Name]
		if !ok || m.ID == 0 {
			continue
		}
		_, c, err := comps.FindDeviceModel(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Components) != n || m.Assets == 0 {
			t.Errorf("%s: %d components on %d assets, want %d components", m.Name, len(c.Components), m.Assets, n)
		}
		delete(want, m.Name)
		if m.Name == "InfuSmart LVP-7" {
			lvp7 = m.ID
		}
	}
	if len(want) != 0 {
		t.Errorf("models without their SBOM: %v", want)
	}
	p, err := comps.FindMDS2(ctx, lvp7)
	if err != nil {
		t.Fatal(err)
	}
	status := map[medsec.Capability]medsec.Tristate{}
	for _, c := range p.Capabilities {
		status[c.Capability] = c.Status
	}
	if status[medsec.CapPasswordChange] != medsec.No || status[medsec.CapEncryptionTransit] != medsec.Yes || status[medsec.CapSBOM] != medsec.Yes {
		t.Errorf("LVP-7 capabilities %v", status)
	}
	pumps, _, err := s.Assets.FindAssets(ctx, medsec.AssetFilter{Query: "InfuSmart LVP-7", Limit: 100})
	if err != nil || len(pumps) == 0 {
		t.Fatalf("pumps: %d, %v", len(pumps), err)
	}
	ac, err := s.Assessments.AssetControls(ctx, pumps[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	var failing []string
	for _, r := range ac.Checks {
		if r.Outcome == medsec.CheckFail {
			failing = append(failing, r.CheckID)
		}
	}
	if !slices.Contains(failing, "mds2-password-change") {
		t.Errorf("pump %s failing checks %v, want mds2-password-change", pumps[0].Name, failing)
	}
	list, _, _ := s.Assets.FindAssets(ctx, medsec.AssetFilter{Query: "HIS 應用伺服器 1"})
	i := slices.IndexFunc(list, func(a *medsec.Asset) bool { return a.Name == "HIS 應用伺服器 1" })
	if i < 0 {
		t.Fatalf("no HIS server among %d", len(list))
	}
	results, err := scans.FindAssetScanResults(ctx, list[i].ID)
	if err != nil || len(results) != 1 || len(results[0].CVEs) != 93 {
		t.Errorf("HIS server scan results: %d, %v", len(results), err)
	}
}
