package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"medsec"
	mhttp "medsec/http"
	"medsec/sqlstore"
)

// TestBackupPlanCommand records a plan, imports a Veeam session export, records a restore
// test, lists the findings and the record from the command line, and shows that a bad
// copy or a hash mismatch that passes is refused naming the field.
func TestBackupPlanCommand(t *testing.T) {
	d := newCLIData(t, func(ctx context.Context, store *sqlstore.DB) {
		site := mustSite(t, ctx, store, "HQ", "本院")
		mustAssets(t, ctx, store, &medsec.Asset{SiteID: site.ID, Name: "PACS-01", Kind: medsec.KindPACS})
	})
	out := &d.out
	cli := func(args ...string) error { return d.run("backup-plan", args...) }
	if err := cli("add", "--asset", "1", "--name", "PACS DB", "--generations", "3", "--copy", "NAS:floppy"); err == nil || !strings.Contains(err.Error(), "copies.0.medium") {
		t.Errorf("unknown medium: %v", err)
	}
	if err := cli("add", "--asset", "1", "--name", "PACS DB", "--job", "PACS-Daily", "--generations", "7", "--immutable-from", "3",
		"--copy", "NAS:disk", "--copy", "LTO vault:tape:offsite:offline:immutable", "--rto", "8", "--fallback", "paper forms"); err != nil {
		t.Fatal(err)
	}
	if err := cli("import-runs", "../../backup/testdata/veeam-sessions.csv"); err != nil || !strings.Contains(out.String(), "3 job results recorded") || !strings.Contains(out.String(), "HIS-Nightly") {
		t.Fatalf("import: %v %q", err, out.String())
	}
	if err := cli("restore-test", "--plan", "1", "--at", "2026-11-23T08:00:00Z", "--what", "full", "--target", "VM", "--minutes", "60", "--hash", "no", "--result", "pass", "--evidence", "T-1"); err == nil ||
		!strings.Contains(err.Error(), "result") {
		t.Errorf("pass with a hash mismatch: %v", err)
	}
	if err := cli("restore-test", "--plan", "1", "--at", "2026-11-23T08:00:00Z", "--what", "full", "--target", "VM", "--minutes", "60", "--hash", "yes", "--result", "pass", "--evidence", "T-1"); err != nil {
		t.Fatal(err)
	}
	if err := cli("findings"); err != nil || !strings.Contains(out.String(), "job-failed") || !strings.Contains(out.String(), "004 §12") {
		t.Errorf("findings: %v %q", err, out.String())
	}
	if err := cli("list"); err != nil || !strings.Contains(out.String(), "PACS-Daily") || !strings.Contains(out.String(), "2026-11-23 pass") {
		t.Errorf("list: %v %q", err, out.String())
	}
	if err := cli("record", "--since", "2026-11-01", "--until", "2026-11-30"); err != nil {
		t.Fatal(err)
	}
	var rec medsec.BackupRecord
	if err := json.Unmarshal(out.Bytes(), &rec); err != nil || len(rec.Runs) != 3 || len(rec.Tests) != 1 {
		t.Errorf("record: %v %+v", err, rec)
	}
}

// TestDemoBackups loads the demo hospital and finds the backup states the demo promises:
// the PACS's failed job, the ICU system without an offline copy and with every generation
// writable, the LIS's failed restore test, and the HIS meeting every rule.
func TestDemoBackups(t *testing.T) {
	ctx := asSystem(context.Background())
	dir := t.TempDir()
	db, err := sqlstore.Open(ctx, filepath.Join(dir, "medsec.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	backups := sqlstore.NewBackupService(db)
	s := mhttp.Services{Assets: sqlstore.NewAssetService(db), Org: sqlstore.NewOrgService(db), Users: sqlstore.NewUserService(db), Audit: sqlstore.NewAuditService(db),
		Discovery: sqlstore.NewDiscoveryService(db), Zones: sqlstore.NewZoneService(db), Components: sqlstore.NewComponentService(db), Scans: sqlstore.NewScanService(db),
		Backups: backups}
	if s.Assessments, err = newAssessmentService(db, dir); err != nil {
		t.Fatal(err)
	}
	if loaded, err := loadDemoHospital(ctx, s); err != nil || !loaded {
		t.Fatalf("load: %v, %v", loaded, err)
	}
	fs, err := backups.BackupFindings(ctx, medsec.BackupPlanFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range fs {
		got = append(got, f.AssetName+" "+string(f.Kind))
	}
	slices.Sort(got)
	want := []string{"LIS 檢驗資訊系統 restore-failed", "PACS 影像主伺服器 job-failed", "PACS 影像主伺服器 restore-overdue",
		"重症照護資訊系統 no-continuity", "重症照護資訊系統 offline", "重症照護資訊系統 writable"}
	if !slices.Equal(got, want) {
		t.Errorf("demo findings = %q\nwant %q", got, want)
	}
}

// TestBackupPlanCommandSystem records a backup plan of a clinical system with
// "backup-plan add --system", lists it by the system's name, and shows its findings held
// against the system's targets (a daily job against the HIS's RPO of 12 h); naming both an
// asset and a system is refused naming the field.
func TestBackupPlanCommandSystem(t *testing.T) {
	d := newCLIData(t, func(ctx context.Context, store *sqlstore.DB) {
		site := mustSite(t, ctx, store, "HQ", "本院")
		mustAssets(t, ctx, store, &medsec.Asset{SiteID: site.ID, Name: "HIS-DB", Kind: medsec.KindApplicationServer})
		his := &medsec.ClinicalSystem{SiteID: site.ID, Name: "HIS", RTOHours: 4, RPOHours: 12, Fallback: "paper", Members: []medsec.SystemMember{{AssetID: 1}}}
		if err := sqlstore.NewClinicalSystemService(store).CreateClinicalSystem(asSystem(ctx), his); err != nil {
			t.Fatal(err)
		}
	})
	out := &d.out
	cli := func(args ...string) error { return d.run("backup-plan", args...) }
	if err := cli("add", "--asset", "1", "--system", "1", "--name", "HIS DB", "--generations", "3"); err == nil || !strings.Contains(err.Error(), "system_id") {
		t.Errorf("both an asset and a system: %v", err)
	}
	if err := cli("add", "--system", "1", "--name", "HIS DB", "--job", "HIS-Nightly", "--generations", "7", "--copy", "NAS:disk"); err != nil ||
		!strings.Contains(out.String(), "recorded for HIS") {
		t.Fatalf("add: %v %q", err, out.String())
	}
	out.Reset()
	if err := cli("list", "--system", "1"); err != nil || !strings.Contains(out.String(), "HIS DB") || !strings.Contains(out.String(), "HIS-Nightly") {
		t.Errorf("list: %v %q", err, out.String())
	}
	out.Reset()
	if err := cli("findings", "--system", "1"); err != nil || !strings.Contains(out.String(), "rpo-unmet") || strings.Contains(out.String(), "no-continuity") {
		t.Errorf("findings: %v %q", err, out.String())
	}
}
