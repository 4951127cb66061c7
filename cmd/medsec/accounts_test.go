package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"medsec"
	"medsec/internal/slapdtest"
	"medsec/sqlstore"
)

// TestAccountsCommand imports a roster and a system's accounts from an LDIF that Debian's
// slapd exported (slapcat), lists the findings, and shows that a bad file is refused
// naming its line with nothing imported.
func TestAccountsCommand(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	store, err := sqlstore.Open(ctx, filepath.Join(data, "medsec.db"))
	if err != nil {
		t.Fatal(err)
	}
	site := &medsec.Site{Code: "HQ", Name: "本院"}
	if err := sqlstore.NewOrgService(store).CreateSite(asSystem(ctx), site); err != nil {
		t.Fatal(err)
	}
	pacs := &medsec.Asset{SiteID: site.ID, Name: "PACS-01", Kind: medsec.KindPACS, Class: medsec.ClassApplication}
	if err := sqlstore.NewAssetService(store).CreateAsset(asSystem(ctx), pacs); err != nil {
		t.Fatal(err)
	}
	store.Close()
	dir := t.TempDir()
	roster := filepath.Join(dir, "roster.csv")
	os.WriteFile(roster, []byte("employee_no,name,username,status,effective\nE1,Alice Chen,alice,left,2026-01-31\nE2,Bob Lin,bob,active,\n"), 0o600)
	var out bytes.Buffer
	if err := run(ctx, []string{"roster", "import", "--data", data, roster}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "2 people created") {
		t.Errorf("roster import: %q", out.String())
	}
	srv := slapdtest.Start(t)
	ldif := filepath.Join(dir, "directory.ldif")
	os.WriteFile(ldif, srv.Slapcat(t), 0o600)
	out.Reset()
	if err := run(ctx, []string{"accounts", "import", "--data", data, "--asset", "1", ldif}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "6 accounts created") || !strings.Contains(out.String(), "2 linked") {
		t.Errorf("import: %q", out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"accounts", "findings", "--data", data}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); !strings.Contains(got, "alice") || !strings.Contains(got, "departed") || !strings.Contains(got, "000 帳號管理(中) 一") || strings.Contains(got, "bob") {
		t.Errorf("findings:\n%s", got)
	}
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("username,enabled\nx,maybe\n"), 0o600)
	err = run(ctx, []string{"accounts", "import", "--data", data, "--asset", "1", bad}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "bad.csv: line 2: enabled") || !strings.Contains(err.Error(), "nothing was imported") {
		t.Errorf("bad file: %v", err)
	}
	out.Reset()
	if err := run(ctx, []string{"accounts", "list", "--data", data, "--asset", "1"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if strings.Count(out.String(), "\n") != 7 {
		t.Errorf("list after a refused import:\n%s", out.String())
	}
}

// TestAccountsCommandSystem imports the account list of a clinical system (an HIS of two
// servers) with --system, lists its findings naming the system and citing the seed, and
// refuses an import naming both --asset and --system.
func TestAccountsCommandSystem(t *testing.T) {
	d := newCLIData(t, func(ctx context.Context, store *sqlstore.DB) {
		site := mustSite(t, ctx, store, "HQ", "本院")
		app, db := &medsec.Asset{SiteID: site.ID, Name: "HIS-APP", Kind: medsec.KindApplicationServer}, &medsec.Asset{SiteID: site.ID, Name: "HIS-DB", Kind: medsec.KindApplicationServer}
		mustAssets(t, ctx, store, app, db)
		his := &medsec.ClinicalSystem{SiteID: site.ID, Name: "HIS", Members: []medsec.SystemMember{{AssetID: app.ID}, {AssetID: db.ID}}}
		if err := sqlstore.NewClinicalSystemService(store).CreateClinicalSystem(ctx, his); err != nil {
			t.Fatal(err)
		}
	})
	dir := t.TempDir()
	roster, accounts := filepath.Join(dir, "roster.csv"), filepath.Join(dir, "his.csv")
	os.WriteFile(roster, []byte("employee_no,name,status,effective\nD1,Dr Chen,left,2026-01-31\n"), 0o600)
	os.WriteFile(accounts, []byte("username,person,type,enabled\nchen.dr,D1,personal,yes\n"), 0o600)
	if err := run(d.ctx, []string{"roster", "import", "--data", d.dir, roster}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := d.run("accounts", "import", "--system", "1", accounts); err != nil || !strings.Contains(d.out.String(), "1 accounts created") {
		t.Fatalf("import: %v %q", err, d.out.String())
	}
	if err := d.run("accounts", "findings", "--system", "1"); err != nil || !strings.Contains(d.out.String(), "HIS") || !strings.Contains(d.out.String(), "departed") ||
		!strings.Contains(d.out.String(), "000 帳號管理(中) 一") {
		t.Errorf("findings: %v\n%s", err, d.out.String())
	}
	if err := d.run("accounts", "import", "--system", "1", "--asset", "1", accounts); err == nil || !strings.Contains(err.Error(), "either --asset or --system") {
		t.Errorf("both: %v", err)
	}
}
