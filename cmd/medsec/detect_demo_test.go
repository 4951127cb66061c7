package main

import (
	"context"
	"path/filepath"
	"testing"

	"medsec"
	mhttp "medsec/http"
	"medsec/sqlstore"
)

// TestDetectionDemoAssets: the demo's export on HIS-DB1 is about the inventory's HIS
// database server, so its alert (and an incident opened from it) carries the asset.
func TestDetectionDemoAssets(t *testing.T) {
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
	events := sqlstore.NewEventService(db)
	s := mhttp.Services{Assets: sqlstore.NewAssetService(db), Org: sqlstore.NewOrgService(db), Users: sqlstore.NewUserService(db),
		Audit: sqlstore.NewAuditService(db), Zones: sqlstore.NewZoneService(db), Assessments: as, Events: events}
	if loaded, _, err := loadDemo(ctx, s, "demo password for the test"); err != nil || !loaded {
		t.Fatalf("load demo: %v, %v", loaded, err)
	}
	list, _, err := events.FindEvents(ctx, medsec.EventFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range list {
		if e.Text("host.name") != "HIS-DB1" {
			continue
		}
		found = true
		a, err := s.Assets.FindAssetByID(ctx, e.AssetID)
		if err != nil || a.Name != "HIS 資料庫伺服器" || e.Text("host.ip") == "" {
			t.Errorf("HIS-DB1 event on asset %d (%v, %v), host.ip %q", e.AssetID, a, err, e.Text("host.ip"))
		}
	}
	if !found {
		t.Fatal("no HIS-DB1 event in the demo")
	}
}
