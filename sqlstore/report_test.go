package sqlstore_test

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strings"
	"testing"

	"medsec"
	"medsec/evidence"
	"medsec/i18n"
	"medsec/report"
	"medsec/sqlstore"
)

// TestReportGenerateStoresEvidence generates reports through the service: the stored
// file's SHA-256 matches the row, a regeneration for the same parameters says unchanged,
// a site-limited user cannot generate or open another site's report, and the audit trail
// holds each generation.
func TestReportGenerateStoresEvidence(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newAssessFixture(t, db)
		files, err := evidence.Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		bundle, err := i18n.Load()
		if err != nil {
			t.Fatal(err)
		}
		svc := sqlstore.NewReportService(db, files, report.Sources{Org: sqlstore.NewOrgService(db), Assets: sqlstore.NewAssetService(db),
			Assessments: f.svc, Vulns: sqlstore.NewVulnService(db), Incidents: sqlstore.NewIncidentService(db)}, bundle)

		req := sqlstore.ReportRequest{Name: report.SelfInspection, SiteID: f.hq.SiteID, Period: "2026", Lang: "ja", Format: "pdf"}
		first, err := svc.Generate(f.ciso, req)
		if err != nil {
			t.Fatal(err)
		}
		if first.Change != "new" || first.SiteName != "示範醫學中心" || first.GeneratedBy != "ciso" {
			t.Errorf("first generation: %+v", first)
		}
		_, file, err := svc.OpenReport(f.auditor, first.ID)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(file)
		file.Close()
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(body)
		if hex.EncodeToString(sum[:]) != first.SHA256 || int64(len(body)) != first.Size || !strings.HasPrefix(string(body), "%PDF-") {
			t.Errorf("stored file: %d bytes, sha256 %x, head %q; row says %d bytes, %s", len(body), sum, body[:min(8, len(body))], first.Size, first.SHA256)
		}

		again, err := svc.Generate(f.ciso, req)
		if err != nil {
			t.Fatal(err)
		}
		if again.Change != "unchanged" || again.ContentHash != first.ContentHash || again.ID == first.ID {
			t.Errorf("regeneration: change %q, content %s vs %s", again.Change, again.ContentHash, first.ContentHash)
		}
		if err := sqlstore.NewAssetService(db).CreateAsset(system, &medsec.Asset{SiteID: f.hq.SiteID, Name: "新增超音波", Kind: medsec.KindWorkstation,
			Class: medsec.ClassApplication, Level: medsec.LevelLow}); err != nil {
			t.Fatal(err)
		}
		if changed, err := svc.Generate(f.ciso, req); err != nil || changed.Change != "changed" {
			t.Errorf("generation after a new asset: %v, %+v", err, changed)
		}

		// The branch engineer may not generate for the main site, nor see its reports.
		other := req
		other.Format = "xlsx"
		if _, err := svc.Generate(f.branchCE, other); medsec.ErrorCode(err) != medsec.ENOTFOUND {
			t.Errorf("branch engineer generates for the main site: %v, want not found", err)
		}
		if _, _, err := svc.OpenReport(f.branchCE, first.ID); medsec.ErrorCode(err) != medsec.ENOTFOUND {
			t.Errorf("branch engineer opens the main site's report: %v, want not found", err)
		}
		other.SiteID = f.br.SiteID
		own, err := svc.Generate(f.branchCE, other)
		if err != nil {
			t.Fatal(err)
		}
		seen, err := svc.FindReports(f.branchCE)
		if err != nil || len(seen) != 1 || seen[0].ID != own.ID || seen[0].Format != "xlsx" {
			t.Errorf("branch engineer lists %v (%v), want only its own xlsx report", seen, err)
		}
		all, err := svc.FindReports(f.auditor)
		if err != nil || len(all) != 4 {
			t.Errorf("auditor lists %d reports (%v), want 4", len(all), err)
		}
		if _, err := svc.Generate(f.vendor, other); medsec.ErrorCode(err) != medsec.EFORBIDDEN {
			t.Errorf("vendor generates: %v, want forbidden", err)
		}
		bad := req
		bad.Period = "26"
		if _, err := svc.Generate(f.ciso, bad); medsec.ErrorCode(err) != medsec.EINVALID || !strings.Contains(err.Error(), "period") {
			t.Errorf("bad period: %v", err)
		}
		entries, _, err := sqlstore.NewAuditService(db).FindAuditEntries(system, medsec.AuditFilter{Action: "report.generate"})
		if err != nil || len(entries) != 4 {
			t.Errorf("audit holds %d report.generate entries (%v), want 4", len(entries), err)
		}
	})
}
