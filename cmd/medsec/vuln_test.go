package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"medsec"
	mhttp "medsec/http"
	"medsec/i18n"
	"medsec/sqlstore"
	"medsec/vuln"
)

const sharedVuln = "../../../shared/data/vuln"

// seedVulnStore creates, in the data directory's database, a site with a Philips MX40 on
// B.06.17 and a GE Optima 520.
func seedVulnStore(t *testing.T, data string) {
	t.Helper()
	ctx := asSystem(context.Background())
	store, err := sqlstore.Open(ctx, dsnFor(data, ""))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	org := sqlstore.NewOrgService(store)
	site := &medsec.Site{Code: "HQ", Name: "Main"}
	if err := org.CreateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	philips, ge := &medsec.Vendor{Name: "Phillips"}, &medsec.Vendor{Name: "GE Healthcare"}
	for _, v := range []*medsec.Vendor{philips, ge} {
		if err := org.CreateVendor(ctx, v); err != nil {
			t.Fatal(err)
		}
	}
	assets := sqlstore.NewAssetService(store)
	for _, a := range []*medsec.Asset{
		{SiteID: site.ID, Name: "MX40-01", Kind: medsec.KindPatientMonitor, VendorID: philips.ID, Model: "IntelliVue MX40", Firmware: "B.06.17"},
		{SiteID: site.ID, Name: "XR-01", Kind: medsec.KindModality, VendorID: ge.ID, Model: "Optima 520", Firmware: "3.0"},
	} {
		if err := assets.CreateAsset(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
}

// TestVulnCLI imports the 72 real ICSMA advisories, the NVD records, KEV and EPSS through
// "medsec vuln import", refuses a bad file with nothing stored, lists the findings as JSON
// and exports VEX in both formats.
func TestVulnCLI(t *testing.T) {
	if _, err := os.Stat(sharedVuln); err != nil {
		t.Skipf("%s absent", sharedVuln)
	}
	ctx := context.Background()
	data := t.TempDir()
	seedVulnStore(t, data)

	// A bad file among good ones: refused, named with its JSON pointer; nothing stored.
	bad := filepath.Join(t.TempDir(), "bad.json")
	good, _ := os.ReadFile(filepath.Join(sharedVuln, "nvd-cve-2.0/CVE-2017-9657.json"))
	os.WriteFile(bad, bytes.Replace(good, []byte(`"operator": "AND"`), []byte(`"operator": "XOR"`), 1), 0o644)
	err := run(ctx, []string{"vuln", "import", "--data", data, filepath.Join(sharedVuln, "csaf-icsma"), bad}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "bad.json: /configurations/0/operator") {
		t.Fatalf("bad file: %v", err)
	}
	var out bytes.Buffer
	if err := run(ctx, []string{"vuln", "list", "--data", data, "--json"}, &out, io.Discard); err != nil || strings.TrimSpace(out.String()) != "[]" {
		t.Fatalf("after a refused import: %q, %v", out.String(), err)
	}

	out.Reset()
	var stderr bytes.Buffer
	if err := run(ctx, []string{"vuln", "import", "--data", data, filepath.Join(sharedVuln, "csaf-icsma"), filepath.Join(sharedVuln, "nvd-cve-2.0"),
		filepath.Join(sharedVuln, "kev/known_exploited_vulnerabilities.json"), filepath.Join(sharedVuln, "epss/epss_scores-2026-09-29-head.csv")}, &out, &stderr); err != nil {
		t.Fatal(err)
	}
	// 72 ICSMA documents, the 4 NVD records and the same 4 in the API envelope.
	if !strings.Contains(out.String(), "80 advisories") || !strings.Contains(out.String(), "1404 KEV entries") {
		t.Errorf("summary %q", out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"vuln", "list", "--data", data, "--json"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	var list []findingJSON
	if err := json.Unmarshal(out.Bytes(), &list); err != nil {
		t.Fatal(err)
	}
	byCVE := map[string]findingJSON{}
	for _, f := range list {
		byCVE[f.Asset+" "+f.CVE] = f
	}
	mx := byCVE["MX40-01 CVE-2017-9657"]
	if strings.Join(mx.Advisories, ",") != "CVE-2017-9657,ICSMA-17-255-01" || mx.Status != "new" || mx.Scores.Base != 6.5 || mx.Deadline.Rule != "medium" || mx.Reason.VersionTest == "" {
		t.Errorf("MX40 finding %+v", mx)
	}
	if _, ok := byCVE["XR-01 CVE-2010-5306"]; !ok {
		t.Errorf("no Optima finding for ICSMA-18-037-02 in %d findings", len(list))
	}

	// The list as text says why a finding matched in MEDSEC_LANG's language, as the pages
	// do: the MX40's version test in Japanese, not the English NVD range (issue 16).
	if mx.Reason.Why == nil || len(mx.Reason.Why.VersionTests) == 0 {
		t.Fatalf("MX40 finding has no version test as data: %+v", mx.Reason)
	}
	bundle, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"ja", "zh-TW", "en"} {
		t.Setenv("MEDSEC_LANG", lang)
		_, _, tests := mx.Reason.Why.Text(func(k string, args ...any) string { return bundle.T(lang, k, args...) }, map[bool]string{true: "; ", false: "；"}[lang == "en"])
		out.Reset()
		if err := run(ctx, []string{"vuln", "list", "--data", data}, &out, io.Discard); err != nil {
			t.Fatal(err)
		}
		var line string
		for _, l := range strings.Split(out.String(), "\n") {
			if strings.HasPrefix(l, "MX40-01 ") && strings.Contains(l, " CVE-2017-9657 ") {
				line = l
			}
		}
		if !strings.HasSuffix(line, tests) || lang != "en" && strings.Contains(line, mx.Reason.VersionTest) {
			t.Errorf("%s: vuln list says %q, want the version test %q", lang, line, tests)
		}
	}
	os.Unsetenv("MEDSEC_LANG")

	// Re-scored for the device: the environmental score sets the deadline; a bad answer
	// is refused naming it.
	id := strconv.FormatInt(mx.ID, 10)
	if err := run(ctx, []string{"vuln", "rescore", "--data", data, "--finding", id, "--reach", "moon", "--reason", "x"}, io.Discard, io.Discard); err == nil ||
		!strings.Contains(err.Error(), "answers.reach") {
		t.Errorf("bad answer: %v", err)
	}
	out.Reset()
	if err := run(ctx, []string{"vuln", "rescore", "--data", data, "--finding", id, "--reach", "segment", "--availability-harm", "serious",
		"--clinical-use", "life-sustaining", "--metrics", "MAC:L", "--reason", "ICU telemetry"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	var r medsec.Rescore
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	want, err := vuln.Rescore(mx.Scores.CVSSVector, medsec.RubricAnswers{Reach: "segment", AvailabilityHarm: "serious", ClinicalUse: "life-sustaining"}, false, map[string]string{"MAC": "L"})
	if err != nil || r.Vector != want.Vector || r.Score != want.Environmental || r.Reason != "ICU telemetry" {
		t.Errorf("rescore %+v, want %s (%v)", r, want.Vector, err)
	}

	// The deadline policy: the plan's by default; a site's own set from the CLI moves the
	// open findings' deadlines; a window out of bounds is refused naming it, a bad site
	// named.
	out.Reset()
	if err := run(ctx, []string{"vuln", "deadlines", "show", "--data", data}, &out, io.Discard); err != nil || !strings.Contains(out.String(), "   24h    72h   168h       48h    min  the plan's") {
		t.Errorf("deadlines show: %v\n%s", err, out.String())
	}
	if err := run(ctx, []string{"vuln", "deadlines", "set", "--data", data, "--site", "HQ", "--medium-hours", "9000"}, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "medium_hours") {
		t.Errorf("a window of 9000 h: %v", err)
	}
	if err := run(ctx, []string{"vuln", "deadlines", "set", "--data", data, "--site", "NOPE"}, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), `"NOPE": no such site`) {
		t.Errorf("an unknown site: %v", err)
	}
	out.Reset()
	if err := run(ctx, []string{"vuln", "deadlines", "set", "--data", data, "--site", "HQ", "--medium-hours", "48"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	var pol medsec.DeadlinePolicy
	if err := json.Unmarshal(out.Bytes(), &pol); err != nil || !pol.Custom || pol.MediumHours != 48 || pol.HighHours != 24 || pol.Recomputed == 0 {
		t.Errorf("deadlines set: %+v %v", pol, err)
	}
	out.Reset()
	if err := run(ctx, []string{"vuln", "deadlines", "show", "--data", data, "--json"}, &out, io.Discard); err != nil || !strings.Contains(out.String(), `"medium_hours": 48`) {
		t.Errorf("deadlines show --json after set: %v\n%s", err, out.String())
	}

	for _, format := range []string{"csaf", "cyclonedx"} {
		out.Reset()
		if err := run(ctx, []string{"vex", "export", "--data", data, "--advisory", "ICSMA-18-037-02", "--format", format}, &out, io.Discard); err != nil {
			t.Fatalf("vex %s: %v", format, err)
		}
		if format == "csaf" {
			if err := vuln.ValidateCSAFSchema(out.Bytes()); err != nil {
				t.Error(err)
			}
		}
		if !bytes.Contains(out.Bytes(), []byte("CVE-2010-5306")) {
			t.Errorf("vex %s without the CVE", format)
		}
	}
	if err := run(ctx, []string{"vex", "export", "--data", data, "--advisory", "ICSMA-00-000-00", "--format", "csaf"}, io.Discard, io.Discard); err == nil {
		t.Error("VEX of an unknown advisory")
	}
}

// TestVulnDemo loads the demo hospital and checks the demo's findings: real advisories
// matched to its devices of real manufacturers, in every state of the workflow, the
// MX40 on the fixed firmware left out.
func TestVulnDemo(t *testing.T) {
	ctx := asSystem(context.Background())
	data := t.TempDir()
	store, err := sqlstore.Open(ctx, dsnFor(data, ""))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	s := mhttp.Services{Assets: sqlstore.NewAssetService(store), Org: sqlstore.NewOrgService(store), Users: sqlstore.NewUserService(store),
		Audit: sqlstore.NewAuditService(store), Discovery: sqlstore.NewDiscoveryService(store), Zones: sqlstore.NewZoneService(store),
		Vulns: sqlstore.NewVulnService(store), Scans: sqlstore.NewScanService(store)}
	if s.Assessments, err = newAssessmentService(store, data); err != nil {
		t.Fatal(err)
	}
	if loaded, err := loadDemoHospital(ctx, s); err != nil || !loaded {
		t.Fatalf("demo: %v", err)
	}
	c, err := s.Vulns.CountFindings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range medsec.FindingStates {
		if c.ByState[string(st)] == 0 {
			t.Errorf("no demo finding in state %s (%v)", st, c.ByState)
		}
	}
	fs, _, err := s.Vulns.FindFindings(ctx, medsec.FindingFilter{Query: "MX40-03"})
	if err != nil || len(fs) != 0 {
		t.Errorf("the MX40 on B.06.18 has findings: %v %v", fs, err)
	}
	if fs, _, err := s.Vulns.FindFindings(ctx, medsec.FindingFilter{Query: "MX40-01", CVE: "CVE-2017-9658"}); err != nil || len(fs) != 1 || fs[0].EnvVector == "" || fs[0].Score != fs[0].EnvScore {
		t.Errorf("the demo's re-scored MX40 finding: %+v, %v", fs, err)
	}
	// Every finding on the MX40 monitors (two on B.06.17, two CVEs each) is mitigated by a
	// compensating control.
	mx40, _, err := s.Vulns.FindFindings(ctx, medsec.FindingFilter{Query: "MX40", Limit: 1000})
	if err != nil || len(mx40) != 4 {
		t.Fatalf("demo MX40 findings: %d, %v; want 4", len(mx40), err)
	}
	for _, f := range mx40 {
		controls, err := s.Vulns.FindControls(ctx, f.ID)
		if err != nil || len(controls) == 0 || f.State != medsec.FindingMitigated {
			t.Errorf("demo MX40 finding %s on %s: %s, %d controls, %v; want mitigated by a control", f.CVE, f.AssetName, f.State, len(controls), err)
		}
	}
	// The branch hospital has findings of its own: its GE B450 on firmware 2.1, the six
	// CVEs of ICSMA-20-023-01, one confirmed, deadlines by the branch's policy.
	sites, err := s.Org.FindSites(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var branchID int64
	for _, site := range sites {
		if site.Code == "BR" {
			branchID = site.ID
		}
	}
	br, _, err := s.Vulns.FindFindings(ctx, medsec.FindingFilter{SiteID: branchID, Limit: 1000})
	if err != nil || branchID == 0 || len(br) != 6 {
		t.Fatalf("demo branch findings: %d, %v; want 6", len(br), err)
	}
	confirmed := 0
	for _, f := range br {
		if f.AssetName != "GE 床邊監視器 B450-BR1" || f.SiteID != branchID || f.DeadlineRule == "medium" && f.DeadlineBasis.Hours != 48 {
			t.Errorf("demo branch finding %s on %s: site %d, basis %+v", f.CVE, f.AssetName, f.SiteID, f.DeadlineBasis)
		}
		if f.State == medsec.FindingConfirmed {
			confirmed++
		}
	}
	if confirmed != 1 {
		t.Errorf("demo branch findings confirmed: %d, want 1", confirmed)
	}
	// The branch hospital has a deadline policy of its own, the medical centre the plan's.
	ps, err := s.Vulns.FindDeadlinePolicies(ctx)
	if err != nil || len(ps) != 2 {
		t.Fatalf("demo policies: %+v %v", ps, err)
	}
	for _, p := range ps {
		if own := p.MediumHours == 48 && p.KEVHours == 12; p.Custom != own || p.Custom != strings.Contains(p.SiteName, "竹北") {
			t.Errorf("demo policy of %s: %+v", p.SiteName, p)
		}
	}
	// The scan schedule: the branch hospital's monthly scan of its core systems is
	// overdue, the medical centre's in time; the CLI says so and exits non-zero.
	sched, err := s.Scans.ScanSchedule(ctx, medsec.ScanScheduleFilter{Requirement: vuln.ScanMonthly})
	if err != nil || len(sched.Sites) != 2 {
		t.Fatalf("demo scan schedule: %+v %v", sched, err)
	}
	for _, sum := range sched.Sites {
		branch := strings.Contains(sum.SiteName, "竹北")
		if branch && (sum.Overdue == 0 || sum.OK != 0) || !branch && (sum.Late() != 0 || sum.OK == 0) {
			t.Errorf("demo monthly scans of %s: %+v", sum.SiteName, sum)
		}
	}
	var out bytes.Buffer
	err = run(context.Background(), []string{"vuln", "scans", "--data", data, "--site", "BR"}, &out, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "overdue or never scanned") || !strings.Contains(out.String(), "overdue   PACS 分院影像快取伺服器") || strings.Contains(out.String(), "HIS 應用伺服器") {
		t.Errorf("vuln scans --site BR: %v\n%s", err, out.String())
	}
	out.Reset()
	if err := run(context.Background(), []string{"vuln", "scans", "--data", data, "--site", "MC", "--json"}, &out, io.Discard); err != nil {
		t.Errorf("vuln scans --site MC: %v", err)
	}
	var mc medsec.ScanSchedule
	if err := json.Unmarshal(out.Bytes(), &mc); err != nil || len(mc.Assets) == 0 || mc.Assets[0].LastScanner != "Greenbone/OpenVAS" {
		t.Errorf("vuln scans --json: %v %+v", err, mc.Assets)
	}
	if err := run(context.Background(), []string{"vuln", "scans", "--data", data, "--state", "late"}, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), `--state "late"`) {
		t.Errorf("a bad state: %v", err)
	}
	advs, err := s.Vulns.FindAdvisories(ctx)
	if err != nil || len(advs) != 9 {
		t.Errorf("%d demo advisories, want 5 ICSMA and 4 NVD records (%v)", len(advs), err)
	}
}

// TestVulnAliasesCLI: "medsec vuln aliases" lists the built-in lines, adds a hospital's
// line, refuses removing a built-in one naming it, and removes the hospital's.
func TestVulnAliasesCLI(t *testing.T) {
	data := t.TempDir()
	seedVulnStore(t, data)
	ctx := context.Background()
	var out bytes.Buffer
	if err := run(ctx, []string{"vuln", "aliases", "list", "--data", data}, &out, io.Discard); err != nil || !strings.Contains(out.String(), "Phillips") {
		t.Fatalf("list: %v\n%s", err, out.String())
	}
	if err := run(ctx, []string{"vuln", "aliases", "add", "--data", data, "Phil. Med. Systems", "Philips"}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(ctx, []string{"vuln", "aliases", "list", "--data", data, "--json"}, &out, io.Discard); err != nil || !strings.Contains(out.String(), `"alias": "Phil. Med. Systems"`) {
		t.Errorf("list after add: %v\n%.300s", err, out.String())
	}
	if err := run(ctx, []string{"vuln", "aliases", "remove", "--data", data, "Phillips"}, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "Phillips") {
		t.Errorf("remove a built-in line: %v", err)
	}
	if err := run(ctx, []string{"vuln", "aliases", "remove", "--data", data, "Phil. Med. Systems"}, io.Discard, io.Discard); err != nil {
		t.Errorf("remove: %v", err)
	}
	if err := run(ctx, []string{"vuln", "aliases", "add", "--data", data, "only-one"}, io.Discard, io.Discard); err == nil {
		t.Errorf("add with one argument accepted")
	}
}
