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
	"medsec/internal/shareddata"
	"medsec/sqlstore"
)

// TestSBOMImportCommand imports the real medical device SBOM onto a model and an SPDX
// document onto an asset, then refuses a broken file naming its line, storing nothing.
func TestSBOMImportCommand(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	store, err := sqlstore.Open(ctx, filepath.Join(data, "medsec.db"))
	if err != nil {
		t.Fatal(err)
	}
	sys := medsec.NewContextWithUser(ctx, medsec.SystemUser)
	org := sqlstore.NewOrgService(store)
	site := &medsec.Site{Code: "HQ", Name: "HQ"}
	if err := org.CreateSite(sys, site); err != nil {
		t.Fatal(err)
	}
	if err := org.CreateVendor(sys, &medsec.Vendor{Name: "Aurora Medical"}); err != nil {
		t.Fatal(err)
	}
	a := &medsec.Asset{SiteID: site.ID, Name: "pacs", Kind: medsec.KindPACS}
	if err := sqlstore.NewAssetService(store).CreateAsset(sys, a); err != nil {
		t.Fatal(err)
	}
	store.Close()

	var out bytes.Buffer
	narrow := shareddata.Path(t, "sbom/medical-case-study/narrow.sbom.json")
	if err := run(ctx, []string{"sbom", "import", "--data", data, "--model", "Aurora Medical/Infusa 3", narrow}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "cyclonedx-json 1.4, 55 components on device model 1") {
		t.Errorf("output %q", out.String())
	}
	out.Reset()
	spdx := shareddata.Path(t, "sbom/spdx/SPDXTagExample-v2.3.spdx")
	if err := run(ctx, []string{"sbom", "import", "--data", data, "--asset", "1", spdx}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "spdx-tag-value SPDX-2.3, 4 components on asset 1") {
		t.Errorf("output %q", out.String())
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte("{\"bomFormat\": \"CycloneDX\",\n\"specVersion\": \"1.6\",\n\"components\": [}\n"), 0o600)
	err = run(ctx, []string{"sbom", "import", "--data", data, "--asset", "1", spdx, bad}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "bad.json: line 3: json") {
		t.Errorf("bad file: %v", err)
	}
	if err := run(ctx, []string{"sbom", "import", "--data", data, bad}, io.Discard, io.Discard); err == nil {
		t.Error("no target accepted")
	}
	store, err = sqlstore.Open(ctx, filepath.Join(data, "medsec.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	got, err := sqlstore.NewComponentService(store).FindAssetComponents(sys, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.SBOMs) != 1 || len(got.Components) != 4 {
		t.Errorf("asset has %d SBOMs, %d components; want 1, 4", len(got.SBOMs), len(got.Components))
	}
}

// TestMDS2ImportCommand imports NEMA's example MDS2 form as a model's profile.
func TestMDS2ImportCommand(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	store, err := sqlstore.Open(ctx, filepath.Join(data, "medsec.db"))
	if err != nil {
		t.Fatal(err)
	}
	sys := medsec.NewContextWithUser(ctx, medsec.SystemUser)
	if err := sqlstore.NewOrgService(store).CreateVendor(sys, &medsec.Vendor{Name: "Acme"}); err != nil {
		t.Fatal(err)
	}
	store.Close()
	form := shareddata.Path(t, "mds2/nema-example-mds2-worksheet-hn1-2019.xlsx")
	var out bytes.Buffer
	if err := run(ctx, []string{"sbom", "import", "--data", data, "--model", "Acme/GlucoCheck", form}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "MDS2 form, 240 answers, profile of device model 1") {
		t.Errorf("output %q", out.String())
	}
	if err := run(ctx, []string{"sbom", "import", "--data", data, "--asset", "1", form}, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "give --model") {
		t.Errorf("MDS2 on an asset: %v", err)
	}
}

// TestVulnImportScanReport: "medsec vuln import" tells a scanner report by its content,
// attaches its host to the asset with its address and makes the CVEs findings; a broken
// report is refused naming its line.
func TestVulnImportScanReport(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	store, err := sqlstore.Open(ctx, filepath.Join(data, "medsec.db"))
	if err != nil {
		t.Fatal(err)
	}
	sys := medsec.NewContextWithUser(ctx, medsec.SystemUser)
	site := &medsec.Site{Code: "HQ", Name: "HQ"}
	if err := sqlstore.NewOrgService(store).CreateSite(sys, site); err != nil {
		t.Fatal(err)
	}
	a := &medsec.Asset{SiteID: site.ID, Name: "ubuntu-gw", Kind: medsec.KindApplicationServer, IPs: []string{"192.168.2.100"}}
	if err := sqlstore.NewAssetService(store).CreateAsset(sys, a); err != nil {
		t.Fatal(err)
	}
	store.Close()
	report := shareddata.Path(t, "scanners/nessus/libnessus-nessus_report_local_3.nessus")
	var out bytes.Buffer
	if err := run(ctx, []string{"vuln", "import", "--data", data, report}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "scanner reports: 1") {
		t.Errorf("output %q", out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"vuln", "list", "--data", data, "--json"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `"source":"scanner"`) && !strings.Contains(out.String(), `"source": "scanner"`) {
		t.Errorf("vuln list shows no scanner finding: %.300s", out.String())
	}
	bad := filepath.Join(t.TempDir(), "broken.nessus")
	os.WriteFile(bad, []byte("<?xml version=\"1.0\"?>\n<NessusClientData_v2>\n<Report>\n<ReportHost name=\"x\"></Report>"), 0o600)
	if err := run(ctx, []string{"vuln", "import", "--data", data, bad}, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "broken.nessus: line 4") {
		t.Errorf("broken report: %v", err)
	}
}
