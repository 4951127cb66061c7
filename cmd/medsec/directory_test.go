package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"medsec"
	mhttp "medsec/http"
	"medsec/internal/slapdtest"
	"medsec/sqlstore"
)

// TestDirectoryCommand sets the directory settings from a JSON file with the password from
// its own file, shows them without the password, and looks a user up in a real slapd; a
// password inside the settings file is refused.
func TestDirectoryCommand(t *testing.T) {
	ldap := slapdtest.Start(t)
	ctx := context.Background()
	data := t.TempDir()
	set := ldap.Settings()
	set.BindPassword = ""
	set.Mappings = []medsec.DirectoryMapping{{Group: slapdtest.GroupSecurity, Role: medsec.RoleSecurityOfficer}}
	b, _ := json.Marshal(set)
	file, pwFile := filepath.Join(data, "directory.json"), filepath.Join(data, "bind-password")
	os.WriteFile(file, b, 0o600)
	os.WriteFile(pwFile, []byte(slapdtest.ServicePassword+"\n"), 0o600)
	var out bytes.Buffer
	if err := run(ctx, []string{"directory", "set", "--data", data, "--file", file, "--bind-password-file", pwFile}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), slapdtest.ServicePassword) || !strings.Contains(out.String(), `"bind_password_set": true`) {
		t.Errorf("set printed:\n%s", out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"directory", "lookup", "--data", data, "--user", "alice"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `"role": "security-officer"`) || !strings.Contains(out.String(), "Alice Chen") {
		t.Errorf("lookup printed:\n%s", out.String())
	}
	if err := run(ctx, []string{"directory", "lookup", "--data", data, "--user", "mallory"}, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "no single entry") {
		t.Errorf("lookup of an unknown name: %v", err)
	}
	set.BindPassword = "inline-Secret-1"
	b, _ = json.Marshal(set)
	os.WriteFile(file, b, 0o600)
	if err := run(ctx, []string{"directory", "set", "--data", data, "--file", file}, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "bind_password") {
		t.Errorf("password in the settings file: %v", err)
	}
	os.WriteFile(file, []byte(`{"enabled": true, "url": "ftp://x"}`), 0o600)
	if err := run(ctx, []string{"directory", "set", "--data", data, "--file", file}, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "url") {
		t.Errorf("bad URL: %v", err)
	}
	out.Reset()
	if err := run(ctx, []string{"directory", "show", "--data", data}, &out, io.Discard); err != nil || !strings.Contains(out.String(), slapdtest.GroupSecurity) {
		t.Errorf("show after refused sets: %v\n%s", err, out.String())
	}
}

// TestDirectoryDemo loads the demo: its directory settings are off, with the four group
// mappings on the demo's sites and vendor.
func TestDirectoryDemo(t *testing.T) {
	ctx := asSystem(context.Background())
	db, err := sqlstore.Open(ctx, filepath.Join(t.TempDir(), "medsec.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := mhttp.Services{Assets: sqlstore.NewAssetService(db), Org: sqlstore.NewOrgService(db), Users: sqlstore.NewUserService(db),
		Audit: sqlstore.NewAuditService(db), Zones: sqlstore.NewZoneService(db), Directory: sqlstore.NewDirectoryService(db)}
	if loaded, _, err := loadDemo(ctx, s, "demo password for the test"); err != nil || !loaded {
		t.Fatalf("load demo: %v, %v", loaded, err)
	}
	set, err := s.Directory.FindDirectorySettings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if set.Enabled || len(set.Mappings) != 4 || set.Mappings[1].SiteIDs[0] == set.Mappings[2].SiteIDs[0] || set.Mappings[3].VendorID == 0 {
		t.Errorf("demo directory settings = %+v", set)
	}
}
