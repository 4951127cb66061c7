package sqlstore_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"medsec"
	"medsec/notify"
	"medsec/sbom"
	"medsec/sqlstore"
	"medsec/vuln"
)

const vulnData = "../../shared/data/vuln"

func readVulnFile(t *testing.T, rel string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(vulnData, rel))
	if err != nil {
		t.Skipf("shared data absent: %v", err)
	}
	return data
}

// vulnFixture is a hospital with two Philips MX40 telemetry monitors (one on the fixed
// firmware), a GE Optima 520, and a vendor user of GE.
type vulnFixture struct {
	svc               *sqlstore.VulnService
	mx40old, mx40, ge *medsec.Asset
	geUser            *medsec.User
	optimaCVEs        int
	advisories        []*vuln.Advisory
	kev               *vuln.KEVCatalog
	epss              *vuln.EPSSFile
}

func newVulnFixture(t *testing.T, db *sqlstore.DB) *vulnFixture {
	t.Helper()
	main, _ := seedOrg(t, db)
	org := sqlstore.NewOrgService(db)
	philips := &medsec.Vendor{Name: "Philips"}
	ge := &medsec.Vendor{Name: "General Electric (GE)"}
	for _, v := range []*medsec.Vendor{philips, ge} {
		if err := org.CreateVendor(system, v); err != nil {
			t.Fatal(err)
		}
	}
	assets := sqlstore.NewAssetService(db)
	f := &vulnFixture{svc: sqlstore.NewVulnService(db)}
	f.mx40old = &medsec.Asset{SiteID: main.ID, Name: "MX40-7F-01", Kind: medsec.KindPatientMonitor, VendorID: philips.ID, Model: "IntelliVue MX40", Firmware: "B.06.17"}
	f.mx40 = &medsec.Asset{SiteID: main.ID, Name: "MX40-7F-02", Kind: medsec.KindPatientMonitor, VendorID: philips.ID, Model: "IntelliVue MX40", Firmware: "B.06.18"}
	f.ge = &medsec.Asset{SiteID: main.ID, Name: "XR-01", Kind: medsec.KindModality, VendorID: ge.ID, Model: "Optima 520", Firmware: "3.0",
		FirmwareCPE: "", HardwareCPE: "", PURL: ""}
	for _, a := range []*medsec.Asset{f.mx40old, f.mx40, f.ge} {
		if err := assets.CreateAsset(system, a); err != nil {
			t.Fatal(err)
		}
	}
	f.geUser = &medsec.User{ID: 50, Username: "ge-service", Role: medsec.RoleVendor, VendorID: ge.ID}
	nvd, err := vuln.ParseNVD("CVE-2017-9657.json", readVulnFile(t, "nvd-cve-2.0/CVE-2017-9657.json"))
	if err != nil {
		t.Fatal(err)
	}
	icsma, err := vuln.ParseCSAF("icsma-18-037-02.json", readVulnFile(t, "csaf-icsma/icsma-18-037-02.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range icsma.Vulnerabilities {
		for _, id := range v.Affected {
			if id == "CSAFPID-0001" {
				f.optimaCVEs++
			}
		}
	}
	mx40, err := vuln.ParseCSAF("icsma-17-255-01.json", readVulnFile(t, "csaf-icsma/icsma-17-255-01.json"))
	if err != nil {
		t.Fatal(err)
	}
	f.advisories = append(nvd, icsma, mx40)
	if f.kev, err = vuln.ParseKEV("kev.json", readVulnFile(t, "kev/known_exploited_vulnerabilities.json")); err != nil {
		t.Fatal(err)
	}
	// KEV's real catalog does not list CVE-2017-9657; a local entry shows the KEV rule.
	f.kev.Entries = append(f.kev.Entries, vuln.KEVEntry{CVE: "CVE-2010-5306", Name: "test entry", DueDate: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)})
	if f.epss, err = vuln.ParseEPSS("epss.csv", readVulnFile(t, "epss/vunnel-example-1.csv")); err != nil {
		t.Fatal(err)
	}
	f.epss.Scores = append(f.epss.Scores, vuln.EPSSScore{CVE: "CVE-2017-9657", EPSS: 0.0042, Percentile: 0.61})
	return f
}

func TestVulnImportAndWorkflow(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newVulnFixture(t, db)
		sum, err := f.svc.Import(system, sqlstore.VulnImport{Files: []string{"test"}, Advisories: f.advisories, KEV: f.kev, EPSS: f.epss})
		if err != nil {
			t.Fatal(err)
		}
		if sum.Advisories != 3 || sum.NewFindings != 2+f.optimaCVEs || sum.EPSS != 1 {
			t.Fatalf("summary %+v, want 3 advisories, %d new findings, 1 EPSS", sum, 2+f.optimaCVEs)
		}
		// The MX40 on B.06.17: CVE-2017-9657 from NVD and ICSMA-17-255-01 (one finding
		// naming both), CVE-2017-9658 from the ICSMA only.
		list, total, err := f.svc.FindFindings(system, medsec.FindingFilter{AssetID: f.mx40old.ID, CVE: "CVE-2017-9657"})
		if err != nil || total != 1 {
			t.Fatalf("findings of old MX40: %d, %v", total, err)
		}
		if _, n, _ := f.svc.FindFindings(system, medsec.FindingFilter{AssetID: f.mx40old.ID}); n != 2 {
			t.Errorf("old MX40 has %d findings, want 2", n)
		}
		if _, n, _ := f.svc.FindFindings(system, medsec.FindingFilter{Advisory: "ICSMA-17-255-01"}); n != 2 {
			t.Errorf("ICSMA-17-255-01 has %d findings, want 2", n)
		}
		mx := list[0]
		if mx.CVE != "CVE-2017-9657" || mx.Advisory != "CVE-2017-9657" || strings.Join(mx.Advisories, " ") != "CVE-2017-9657 ICSMA-17-255-01" || mx.State != medsec.FindingNew || mx.BaseScore != 6.5 ||
			mx.EPSS != 0.0042 || !mx.Due.Equal(testNow.Add(72*time.Hour)) || mx.DeadlineRule != "medium" {
			t.Errorf("MX40 finding %+v", mx)
		}
		if !strings.Contains(mx.VersionTest, "B.06.17 < b.06.18") || mx.Confidence != "medium" {
			t.Errorf("why: %q, %q", mx.VersionTest, mx.Confidence)
		}
		if _, n, _ := f.svc.FindFindings(system, medsec.FindingFilter{AssetID: f.mx40.ID}); n != 0 {
			t.Errorf("fixed MX40 has %d findings", n)
		}
		kev, _, err := f.svc.FindFindings(system, medsec.FindingFilter{CVE: "CVE-2010-5306"})
		if err != nil || len(kev) != 1 || !kev[0].KEV || kev[0].DeadlineRule != "kev" || !kev[0].Due.Equal(testNow.Add(24*time.Hour)) {
			t.Errorf("KEV finding: %+v, %v", kev, err)
		}

		// A vendor user sees its company's assets' findings only.
		geCtx := as(f.geUser)
		_, n, err := f.svc.FindFindings(geCtx, medsec.FindingFilter{})
		if err != nil || n != f.optimaCVEs {
			t.Errorf("GE user sees %d findings, want %d (%v)", n, f.optimaCVEs, err)
		}
		if _, err := f.svc.FindFinding(geCtx, mx.ID); medsec.ErrorCode(err) != medsec.ENOTFOUND {
			t.Errorf("GE user reads the Philips finding: %v", err)
		}
		if _, err := f.svc.AnalyzeFinding(geCtx, kev[0].ID, medsec.FindingAnalysis{State: medsec.FindingConfirmed}); medsec.ErrorCode(err) != medsec.EFORBIDDEN && medsec.ErrorCode(err) != medsec.EUNAUTHORIZED {
			t.Errorf("GE user analyzes: %v", err)
		}

		// Workflow: not affected needs a justification; mitigated a control.
		if _, err := f.svc.AnalyzeFinding(system, mx.ID, medsec.FindingAnalysis{State: medsec.FindingNotAffected}); medsec.ErrorCode(err) != medsec.EINVALID {
			t.Errorf("not affected without justification: %v", err)
		}
		if _, err := f.svc.AnalyzeFinding(system, mx.ID, medsec.FindingAnalysis{State: medsec.FindingMitigated}); medsec.ErrorCode(err) != medsec.EINVALID {
			t.Errorf("mitigated without control: %v", err)
		}
		got, err := f.svc.AnalyzeFinding(system, mx.ID, medsec.FindingAnalysis{State: medsec.FindingNotAffected, Justification: "vulnerable_code_not_in_execute_path", Detail: "Wi-Fi off", Version: mx.Version})
		if err != nil || got.State != medsec.FindingNotAffected || got.Version != mx.Version+1 {
			t.Fatalf("analyze: %+v, %v", got, err)
		}
		if _, err := f.svc.AnalyzeFinding(system, mx.ID, medsec.FindingAnalysis{State: medsec.FindingConfirmed, Version: mx.Version}); medsec.ErrorCode(err) != medsec.ECONFLICT {
			t.Errorf("stale analysis: %v", err)
		}

		// Re-import keeps the decision.
		if _, err := f.svc.Import(system, sqlstore.VulnImport{Advisories: f.advisories}); err != nil {
			t.Fatal(err)
		}
		again, err := f.svc.FindFinding(system, mx.ID)
		if err != nil || again.State != medsec.FindingNotAffected || again.Justification != "vulnerable_code_not_in_execute_path" {
			t.Errorf("after re-import: %+v, %v", again, err)
		}

		// Manufacturer does not allow the patch: compensating control, mitigated, still open.
		k := kev[0]
		perm := &medsec.PatchPermission{AssetID: f.ge.ID, Allowed: false, SaidBy: "GE field engineer", SaidOn: medsec.DateOf(testNow), Evidence: "letter GE-2026-11"}
		if err := f.svc.SetPatchPermission(system, perm); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.AddCompensatingControl(system, &medsec.CompensatingControl{FindingID: k.ID, Description: "isolated VLAN 40, conduit to PACS only", ReviewOn: medsec.DateOf(testNow.Add(90 * 24 * time.Hour))}); err != nil {
			t.Fatal(err)
		}
		m, err := f.svc.FindFinding(system, k.ID)
		if err != nil || m.State != medsec.FindingMitigated || !m.State.Open() || m.Permission == nil || m.Permission.Allowed || m.Permission.SaidBy != "GE field engineer" {
			t.Errorf("mitigated finding %+v, %v", m, err)
		}

		// The fix ledger: a passed verification fixes the finding.
		e := &medsec.FixEntry{FindingID: k.ID, At: testNow, Operator: "林醫工", Action: "firmware 3.1 installed", Verification: "rescan", Result: medsec.FixPassed}
		if err := f.svc.AddFixEntry(system, e); err != nil {
			t.Fatal(err)
		}
		if fx, _ := f.svc.FindFinding(system, k.ID); fx.State != medsec.FindingFixed || fx.FixedAt.IsZero() {
			t.Errorf("after passed fix: %+v", fx)
		}
		ledger, err := f.svc.FindFixEntries(system, 0)
		if err != nil || len(ledger) != 1 || ledger[0].AssetName != "XR-01" {
			t.Errorf("ledger %+v, %v", ledger, err)
		}
		if l, err := f.svc.FindFixEntries(geCtx, 0); err != nil || len(l) != 1 {
			t.Errorf("GE user's ledger %+v, %v", l, err)
		}

		// Overdue: two days later the open findings past 24/72 h are overdue.
		db.Now = func() time.Time { return testNow.Add(80 * time.Hour) }
		c, err := f.svc.CountFindings(system)
		if err != nil {
			t.Fatal(err)
		}
		if c.Overdue != f.optimaCVEs || c.ByState["fixed"] != 1 || c.ByState["not_affected"] != 1 {
			t.Errorf("counts %+v, want %d overdue", c, f.optimaCVEs)
		}

		// Audit rows in the same transactions.
		entries, _, err := sqlstore.NewAuditService(db).FindAuditEntries(system, medsec.AuditFilter{ObjectType: "vuln_finding", ObjectID: mx.ID})
		if err != nil || len(entries) != 2 {
			t.Errorf("audit of the finding: %d entries, %v", len(entries), err)
		}
		advs, err := f.svc.FindAdvisories(system)
		if err != nil || len(advs) != 3 {
			t.Errorf("advisories %+v, %v", advs, err)
		}
	})
}

// TestVulnRematchGone: a device updated to the fixed firmware loses its finding when it
// is updated (marked gone, the analysis kept).
func TestVulnRematchGone(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newVulnFixture(t, db)
		if _, err := f.svc.Import(system, sqlstore.VulnImport{Advisories: f.advisories}); err != nil {
			t.Fatal(err)
		}
		assets := sqlstore.NewAssetService(db)
		a, _ := assets.FindAssetByID(system, f.mx40old.ID)
		a.Firmware = "B.06.18"
		if err := assets.UpdateAsset(system, a); err != nil {
			t.Fatal(err)
		}
		// The update itself matched the asset again: a full rematch finds nothing left.
		sum, err := f.svc.Rematch(system)
		if err != nil || sum.Gone != 0 || sum.NewFindings != 0 {
			t.Fatalf("rematch %+v, %v", sum, err)
		}
		list, _, _ := f.svc.FindFindings(system, medsec.FindingFilter{AssetID: a.ID})
		if len(list) != 2 || list[0].GoneAt.IsZero() || list[0].Overdue {
			t.Errorf("gone finding %+v", list)
		}
	})
}

// TestVulnComponents matches the components of a real medical device's SBOM (the FDA
// case study's, imported onto the MX40 by the SBOM import): its FreeRTOS 10.0.1 is in the
// range of an NVD record written in the shape of CVE-2018-16525's (testdata).
func TestVulnComponents(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newVulnFixture(t, db)
		data, err := os.ReadFile("../../shared/data/sbom/medical-case-study/extended.sbom.json")
		if err != nil {
			t.Skipf("shared data absent: %v", err)
		}
		doc, err := sbom.Parse("extended.sbom.json", data)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sqlstore.NewComponentService(db).ImportSBOM(system, doc.Import(medsec.ComponentTarget{AssetID: f.mx40.ID}, "extended.sbom.json", data)); err != nil {
			t.Fatal(err)
		}
		rec, err := os.ReadFile("testdata/vuln/freertos-tcp.json")
		if err != nil {
			t.Fatal(err)
		}
		as, err := vuln.ParseNVD("freertos-tcp.json", rec)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Import(system, sqlstore.VulnImport{Advisories: as}); err != nil {
			t.Fatal(err)
		}
		list, _, err := f.svc.FindFindings(system, medsec.FindingFilter{AssetID: f.mx40.ID})
		if err != nil || len(list) != 1 {
			t.Fatalf("findings %+v, %v", list, err)
		}
		if got := list[0]; got.ComponentID == 0 || got.CVE != "CVE-2018-16525" || got.Confidence != "high" || !strings.Contains(got.VersionTest, "10.0.1 <= 10.0.1") {
			t.Errorf("component finding %+v", got)
		}
	})
}

// notes records notifications.
type notes struct{ got []medsec.Notification }

func (n *notes) Notify(_ context.Context, x medsec.Notification) error {
	n.got = append(n.got, x)
	return nil
}

// TestVulnDeadlineNotifications: the scheduler's hourly job tells of every overdue
// finding once per deadline; mitigated and not-affected findings are not overdue.
func TestVulnDeadlineNotifications(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newVulnFixture(t, db)
		if _, err := f.svc.Import(system, sqlstore.VulnImport{Advisories: f.advisories}); err != nil {
			t.Fatal(err)
		}
		n := &notes{}
		job := &notify.VulnDeadlines{Vulns: f.svc, Notifier: n}
		if err := job.Run(context.Background(), testNow); err != nil || len(n.got) != 0 {
			t.Fatalf("nothing is overdue yet: %v %v", n.got, err)
		}
		db.Now = func() time.Time { return testNow.Add(100 * time.Hour) }
		if err := job.Run(context.Background(), testNow.Add(100*time.Hour)); err != nil {
			t.Fatal(err)
		}
		_, open, _ := f.svc.FindFindings(system, medsec.FindingFilter{Open: true})
		if len(n.got) != open || open == 0 {
			t.Fatalf("%d notifications, want one per open finding (%d)", len(n.got), open)
		}
		g := n.got[0]
		if g.Kind != medsec.KindVulnOverdue || g.Key != "notify.vuln_overdue" || g.Scope.AssetID == 0 || !strings.HasPrefix(g.Link, "/vulnerabilities/") || g.DedupKey == "" {
			t.Errorf("notification %+v", g)
		}
	})
}
