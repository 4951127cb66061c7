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

// TestDemoAccounts loads the demo hospital and finds the account states the demo promises:
// the departed doctor's enabled account, the shared login on the ICU clinical information
// system (a device application system), the manufacturer's Administrator, the unreset
// emergency account, the unused and the transferred person's accounts; the PACS review
// signed off and the ICU system's open.
func TestDemoAccounts(t *testing.T) {
	ctx := asSystem(context.Background())
	dir := t.TempDir()
	db, err := sqlstore.Open(ctx, filepath.Join(dir, "medsec.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	accounts := sqlstore.NewAccountService(db)
	s := mhttp.Services{Assets: sqlstore.NewAssetService(db), Org: sqlstore.NewOrgService(db), Users: sqlstore.NewUserService(db), Audit: sqlstore.NewAuditService(db),
		Discovery: sqlstore.NewDiscoveryService(db), Zones: sqlstore.NewZoneService(db), Components: sqlstore.NewComponentService(db), Scans: sqlstore.NewScanService(db),
		Accounts: accounts}
	if s.Assessments, err = newAssessmentService(db, dir); err != nil {
		t.Fatal(err)
	}
	if loaded, err := loadDemoHospital(ctx, s); err != nil || !loaded {
		t.Fatalf("load: %v, %v", loaded, err)
	}
	fs, err := accounts.AccountFindings(ctx, medsec.AccountFilter{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range fs {
		got = append(got, f.Username+" "+string(f.Kind))
	}
	slices.Sort(got)
	want := []string{"Administrator default-credentials", "chen.cy departed", "icu-breakglass emergency-used", "icu-nurse shared-forbidden", "lin.jr transferred", "tsai.old unused"}
	if !slices.Equal(got, want) {
		t.Errorf("demo findings = %q\nwant %q", got, want)
	}
	rs, err := accounts.FindAccessReviews(ctx, medsec.AccessReviewFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var states []string
	for _, r := range rs {
		states = append(states, r.AssetName+" "+r.Status)
	}
	slices.Sort(states)
	if want := []string{"PACS 影像主伺服器 signed", "重症照護資訊系統 open"}; !slices.Equal(states, want) {
		t.Errorf("demo reviews = %q, want %q", states, want)
	}
}
