package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"medsec"
	mhttp "medsec/http"
	"medsec/i18n"
	"medsec/sqlstore"
)

// TestSystemCommand records a PACS of two assets from the command line, adds a third,
// refuses an asset of another site naming the field members, lists the system and
// deletes it, its assets staying.
func TestSystemCommand(t *testing.T) {
	d := newCLIData(t, func(ctx context.Context, store *sqlstore.DB) {
		main, branch := mustSite(t, ctx, store, "HQ", "本院"), mustSite(t, ctx, store, "BR", "分院")
		mustAssets(t, ctx, store, &medsec.Asset{SiteID: main.ID, Name: "PACS-APP", Kind: medsec.KindApplicationServer},
			&medsec.Asset{SiteID: main.ID, Name: "PACS-DB", Kind: medsec.KindApplicationServer},
			&medsec.Asset{SiteID: main.ID, Name: "RAD-WS", Kind: medsec.KindWorkstation}, &medsec.Asset{SiteID: branch.ID, Name: "BR-PACS", Kind: medsec.KindPACS})
	})
	out := &d.out
	cli := func(args ...string) error { return d.run("system", args...) }
	if err := cli("add", "--site", "1", "--name", "PACS", "--rto", "4", "--rpo", "1", "--fallback", "paper request forms", "--members", "1,2"); err != nil ||
		!strings.Contains(out.String(), "2 member assets") {
		t.Fatalf("add: %v %q", err, out.String())
	}
	if err := cli("members", "--system", "1", "--add", "4"); err == nil || !strings.Contains(err.Error(), "members") {
		t.Errorf("a member of the branch: %v", err)
	} else if b, lerr := i18n.Load(); lerr != nil {
		t.Fatal(lerr)
	} else if text := errorText(b, "ja", err); !strings.Contains(text, b.T("ja", "err.system_member_site")) {
		t.Errorf("a member of the branch under MEDSEC_LANG=ja: %q", text)
	}
	if err := cli("members", "--system", "1", "--add", "x"); err == nil || !strings.Contains(err.Error(), "--add") {
		t.Errorf("a member that is not an ID: %v", err)
	}
	if err := cli("members", "--system", "1", "--add", "3", "--remove", "2"); err != nil || !strings.Contains(out.String(), "2 member assets") {
		t.Errorf("members: %v %q", err, out.String())
	}
	if err := cli("list", "--asset", "3"); err != nil || !strings.Contains(out.String(), "PACS-APP, RAD-WS") || !strings.Contains(out.String(), "paper request forms") {
		t.Errorf("list: %v %q", err, out.String())
	}
	if err := cli("delete", "--system", "1"); err != nil {
		t.Fatal(err)
	}
	if err := cli("list"); err != nil || strings.Contains(out.String(), "PACS-APP") {
		t.Errorf("list after delete: %v %q", err, out.String())
	}
}

// TestSystemImportCommand imports a spreadsheet of systems with "medsec systems import":
// a member no asset of the site is, is refused naming the file, line 3 and the column as
// written, in Japanese under MEDSEC_LANG=ja (errorText), and nothing is stored; the good
// file creates both systems with their members found by name and IP address.
func TestSystemImportCommand(t *testing.T) {
	d := newCLIData(t, func(ctx context.Context, store *sqlstore.DB) {
		main := mustSite(t, ctx, store, "HQ", "本院")
		mustAssets(t, ctx, store, &medsec.Asset{SiteID: main.ID, Name: "PACS-APP", Kind: medsec.KindApplicationServer, IPs: []string{"10.1.5.20"}},
			&medsec.Asset{SiteID: main.ID, Name: "HIS-APP", Kind: medsec.KindApplicationServer})
	})
	dir := t.TempDir()
	bad, good := filepath.Join(dir, "bad.csv"), filepath.Join(dir, "systems.csv")
	os.WriteFile(bad, []byte("システム名,拠点,構成資産\nPACS,HQ,PACS-APP\nHIS,HQ,HIS-APP;NO-SUCH\n"), 0o600)
	os.WriteFile(good, []byte("\ufeffname,site,members\r\nPACS,HQ,10.1.5.20\r\nHIS,本院,HIS-APP\r\n"), 0o600)
	bundle, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	err = d.run("systems", "import", bad)
	if err == nil {
		t.Fatal("a file with an unknown member was imported")
	}
	if text := errorText(bundle, "ja", err); !strings.Contains(text, "bad.csv: line 3: 構成資産: "+bundle.T("ja", "err.system_member_not_found")) || !strings.Contains(text, "NO-SUCH") {
		t.Errorf("in Japanese: %q", text)
	}
	if err := d.run("system", "list"); err != nil || strings.Contains(d.out.String(), "PACS") {
		t.Errorf("a refused file left systems: %v %q", err, d.out.String())
	}
	if err := d.run("systems", "import", good); err != nil || !strings.Contains(d.out.String(), "2 created") {
		t.Fatalf("import: %v %q", err, d.out.String())
	}
	if err := d.run("system", "list"); err != nil || !strings.Contains(d.out.String(), "HIS-APP") || !strings.Contains(d.out.String(), "PACS-APP") {
		t.Errorf("list: %v %q", err, d.out.String())
	}
}

// TestDemoSystems loads the demo hospital and finds its HIS and PACS at the medical
// centre, each a system of four assets with its targets, fallback and owner, and the HIS's
// account list with the departed doctor's enabled account.
func TestDemoSystems(t *testing.T) {
	ctx := asSystem(context.Background())
	dir := t.TempDir()
	db, err := sqlstore.Open(ctx, filepath.Join(dir, "medsec.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	systems := sqlstore.NewClinicalSystemService(db)
	s := mhttp.Services{Assets: sqlstore.NewAssetService(db), Org: sqlstore.NewOrgService(db), Users: sqlstore.NewUserService(db), Audit: sqlstore.NewAuditService(db),
		Discovery: sqlstore.NewDiscoveryService(db), Zones: sqlstore.NewZoneService(db), Components: sqlstore.NewComponentService(db), Scans: sqlstore.NewScanService(db),
		Backups: sqlstore.NewBackupService(db), Systems: systems, Accounts: sqlstore.NewAccountService(db)}
	if s.Assessments, err = newAssessmentService(db, dir); err != nil {
		t.Fatal(err)
	}
	if loaded, err := loadDemoHospital(ctx, s); err != nil || !loaded {
		t.Fatalf("load: %v, %v", loaded, err)
	}
	cs, err := systems.FindClinicalSystems(ctx, medsec.ClinicalSystemFilter{})
	if err != nil || len(cs) != 2 {
		t.Fatalf("demo systems = %v, %v", cs, err)
	}
	for _, c := range cs {
		if len(c.Members) != 4 || c.RTOHours == 0 || c.RPOHours == 0 || c.Fallback == "" || c.OwnerName == "" {
			t.Errorf("demo system %s = %+v", c.Name, c)
		}
	}
	// The HIS's own accounts: the departed doctor's is still enabled.
	his, err := demoSystemID(ctx, s, demoHIS)
	if err != nil {
		t.Fatal(err)
	}
	fs, err := s.Accounts.AccountFindings(ctx, medsec.AccountFilter{SystemID: his}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 || fs[0].Username != "chen.cy" || fs[0].Kind != medsec.FindingDeparted || fs[0].SystemName != demoHIS || fs[0].Clause != "000 帳號管理(中) 一" {
		t.Errorf("HIS findings = %+v", fs)
	}
	rs, err := s.Accounts.FindAccessReviews(ctx, medsec.AccessReviewFilter{SystemID: his})
	if err != nil || len(rs) != 1 || rs[0].OwnerName != "陳建宏" || rs[0].Status != medsec.AccessReviewOpen {
		t.Errorf("HIS access reviews = %+v, %v", rs, err)
	}
}
