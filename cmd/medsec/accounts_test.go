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
