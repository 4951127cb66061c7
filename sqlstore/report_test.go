package sqlstore_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

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
			Assessments: f.svc, Vulns: sqlstore.NewVulnService(db), Incidents: sqlstore.NewIncidentService(db), Discovery: sqlstore.NewDiscoveryService(db), Zones: sqlstore.NewZoneService(db),
			Backups: sqlstore.NewBackupService(db)}, bundle)

		req := medsec.ReportRequest{Name: report.SelfInspection, SiteID: f.hq.SiteID, Period: "2026", Lang: "ja", Format: "pdf"}
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
		seen, err := svc.FindReports(f.branchCE, medsec.ReportFilter{})
		if err != nil || len(seen) != 1 || seen[0].ID != own.ID || seen[0].Format != "xlsx" {
			t.Errorf("branch engineer lists %v (%v), want only its own xlsx report", seen, err)
		}
		all, err := svc.FindReports(f.auditor, medsec.ReportFilter{})
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
		// The branch's report asked by the security officer, who sees both sites, is the
		// same document naming the branch's hospital (bt16 #3: the hospital line named every
		// site its generator could see, so the content hash depended on who asked).
		byOfficer, err := svc.Generate(f.ciso, other)
		if err != nil || byOfficer.Change != "unchanged" || byOfficer.ContentHash != own.ContentHash {
			t.Errorf("the branch's report by the officer: %v, change %q, content %s vs %s", err, byOfficer.Change, byOfficer.ContentHash, own.ContentHash)
		}
	})
}

// newReportService is the report service of an assessment fixture, its files in a
// temporary evidence store.
func newReportService(t *testing.T, db *sqlstore.DB, f *assessFixture) *sqlstore.ReportService {
	t.Helper()
	files, err := evidence.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	bundle, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	return sqlstore.NewReportService(db, files, report.Sources{Org: sqlstore.NewOrgService(db), Assets: sqlstore.NewAssetService(db),
		Assessments: f.svc, Vulns: sqlstore.NewVulnService(db), Incidents: sqlstore.NewIncidentService(db), Discovery: sqlstore.NewDiscoveryService(db), Zones: sqlstore.NewZoneService(db),
		Backups: sqlstore.NewBackupService(db)}, bundle)
}

// TestReportStartRunsInBackground starts a report: it is listed as running at once, then
// done with its file, its hashes and "new"; a second start of the same parameters says
// unchanged and names the first; the auditor may read but not start; a report left running
// by a stopped server is marked failed and cannot be opened.
func TestReportStartRunsInBackground(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newAssessFixture(t, db)
		svc := newReportService(t, db, f)
		req := medsec.ReportRequest{Name: report.IncidentLedger, SiteID: f.hq.SiteID, Period: "2026-11", Lang: "zh-TW", Format: "html"}
		started, err := svc.StartReport(f.ciso, req)
		if err != nil {
			t.Fatal(err)
		}
		if started.Status != medsec.ReportRunning || started.ID == 0 || started.SHA256 != "" {
			t.Errorf("started: %+v", started)
		}
		svc.Wait()
		done, err := svc.FindReport(f.auditor, started.ID)
		if err != nil {
			t.Fatal(err)
		}
		if done.Status != medsec.ReportDone || done.Change != medsec.ReportNew || len(done.SHA256) != 64 || done.Size == 0 || done.GeneratedBy != "ciso" {
			t.Errorf("done: %+v", done)
		}
		_, file, err := svc.OpenReport(f.auditor, done.ID)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(file)
		file.Close()
		if !strings.Contains(string(body), "網絡安全事件臺賬") && !strings.Contains(string(body), "<html") {
			t.Errorf("the file is not the HTML ledger: %.200s", body)
		}
		again, err := svc.StartReport(f.ciso, req)
		if err != nil {
			t.Fatal(err)
		}
		svc.Wait()
		if again, err = svc.FindReport(f.ciso, again.ID); err != nil || again.Change != medsec.ReportUnchanged || again.PreviousID != done.ID {
			t.Errorf("second generation: %+v (%v), want unchanged since %d", again, err, done.ID)
		}
		if _, err := svc.StartReport(f.auditor, req); medsec.ErrorCode(err) != medsec.EFORBIDDEN {
			t.Errorf("auditor starts a report: %v, want forbidden", err)
		}
		if _, err := svc.StartReport(f.ciso, medsec.ReportRequest{Name: "annual", Period: "2026", Lang: "ja", Format: "pdf"}); medsec.ErrorCode(err) != medsec.EINVALID ||
			!strings.Contains(err.Error(), "name") {
			t.Errorf("unknown report: %v", err)
		}
		// A server stopped while a report ran: at the next start it is failed.
		svc.Timeout = time.Nanosecond
		slow, err := svc.StartReport(f.ciso, medsec.ReportRequest{Name: report.SelfInspection, Period: "2026", Lang: "ja", Format: "pdf"})
		if err != nil {
			t.Fatal(err)
		}
		svc.Wait()
		if got, _ := svc.FindReport(f.ciso, slow.ID); got == nil || got.Status != medsec.ReportFailed || got.Error != "err.report_timeout" {
			t.Errorf("report past its time: %+v, want failed with err.report_timeout", got)
		}
		if _, _, err := svc.OpenReport(f.ciso, slow.ID); medsec.ErrorCode(err) != medsec.ECONFLICT {
			t.Errorf("open a failed report: %v, want conflict", err)
		}
		if err := svc.FailInterrupted(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
}

// TestReportQueueRunsInRequestOrder starts eight reports at once: they are generated one
// at a time in the order they were asked for (bt16b: each waited in its own goroutine for
// the one slot, and whichever the scheduler woke first ran first). The clock moves on at
// every reading, so the finishing times tell the order.
func TestReportQueueRunsInRequestOrder(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newAssessFixture(t, db)
		svc := newReportService(t, db, f)
		var mu sync.Mutex
		clock := time.Date(2026, 12, 1, 1, 0, 0, 0, time.UTC)
		db.Now = func() time.Time {
			mu.Lock()
			defer mu.Unlock()
			clock = clock.Add(time.Second)
			return clock
		}
		var ids []int64
		for m := 1; m <= 8; m++ {
			r, err := svc.StartReport(f.ciso, medsec.ReportRequest{Name: report.IncidentLedger, SiteID: f.hq.SiteID, Period: fmt.Sprintf("2026-%02d", m), Lang: "en", Format: "html"})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, r.ID)
		}
		svc.Wait()
		list, err := svc.FindReports(f.ciso, medsec.ReportFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var done []int64 // oldest finished first
		for i := len(list) - 1; i >= 0; i-- {
			if list[i].Status != medsec.ReportDone {
				t.Errorf("report %d: %s", list[i].ID, list[i].Status)
			}
			done = append(done, list[i].ID)
		}
		if !slices.Equal(done, ids) {
			t.Errorf("finished in the order %v, asked for in %v", done, ids)
		}
	})
}

// TestScheduledReports turns a site's schedule on and moves a settable clock: at the
// start of December the self-inspection of last year and the ledgers of November are
// generated once (a second run generates nothing), in the schedule's language; a month
// later the ledgers of December are added; a site whose schedule is off gets none; a
// site-limited engineer may not change the schedule, and the security officer may
// not set an unknown language.
func TestScheduledReports(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newAssessFixture(t, db)
		svc := newReportService(t, db, f)
		now := time.Date(2026, 12, 1, 1, 0, 0, 0, time.UTC) // 09:00 in Taipei
		db.Now = func() time.Time { return now }
		scheds, err := svc.ReportSchedules(f.auditor)
		if err != nil || len(scheds) != 2 || scheds[0].Enabled || scheds[0].Lang != "zh-TW" || scheds[0].Format != "pdf" {
			t.Fatalf("default schedules: %+v (%v)", scheds, err)
		}
		if err := svc.SetReportSchedule(f.ciso, medsec.ReportSchedule{SiteID: f.hq.SiteID, Enabled: true, Lang: "tlh", Format: "pdf"}); medsec.ErrorCode(err) != medsec.EINVALID {
			t.Errorf("unknown language: %v", err)
		}
		if err := svc.SetReportSchedule(f.branchCE, medsec.ReportSchedule{SiteID: f.br.SiteID, Enabled: true, Lang: "ja", Format: "pdf"}); medsec.ErrorCode(err) != medsec.EFORBIDDEN {
			t.Errorf("clinical engineer sets a schedule: %v, want forbidden", err)
		}
		if err := svc.SetReportSchedule(f.ciso, medsec.ReportSchedule{SiteID: f.hq.SiteID, Enabled: true, Lang: "ja", Format: "xlsx"}); err != nil {
			t.Fatal(err)
		}
		got, err := svc.EnsureScheduledReports(system, now)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, r := range got {
			names = append(names, r.Name+" "+r.Period+" "+r.Lang+" "+r.Format)
			if !r.Scheduled || r.SiteID != f.hq.SiteID || r.Status != medsec.ReportDone {
				t.Errorf("scheduled report %+v", r)
			}
		}
		want := []string{"self-inspection 2025 ja xlsx", "risk-review 2025 ja xlsx", "data-security 2025 ja xlsx", "vuln-ledger 2026-11 ja xlsx", "incident-ledger 2026-11 ja xlsx",
			"backup-record 2026-11 ja xlsx"}
		if !slices.Equal(names, want) {
			t.Errorf("first run generated %q, want %q", names, want)
		}
		again, err := svc.EnsureScheduledReports(system, now.Add(time.Hour))
		if err != nil || len(again) != 6 || again[0].ID != got[0].ID {
			t.Errorf("second run: %d reports (%v), want the same 6", len(again), err)
		}
		all, _ := svc.FindReports(f.ciso, medsec.ReportFilter{})
		if len(all) != 6 {
			t.Errorf("%d reports stored after two runs, want 6", len(all))
		}
		now = time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC) // 08:00 on 1 January in Taipei
		later, err := svc.EnsureScheduledReports(system, now)
		if err != nil {
			t.Fatal(err)
		}
		names = nil
		for _, r := range later {
			names = append(names, r.Name+" "+r.Period)
		}
		if want := []string{"self-inspection 2026", "risk-review 2026", "data-security 2026", "vuln-ledger 2026-12", "incident-ledger 2026-12", "backup-record 2026-12"}; !slices.Equal(names, want) {
			t.Errorf("in January: %q, want %q", names, want)
		}
		if br, _ := svc.FindReports(f.ciso, medsec.ReportFilter{SiteID: f.br.SiteID}); len(br) != 0 {
			t.Errorf("the branch, whose schedule is off, has %d reports", len(br))
		}
		entries, _, err := sqlstore.NewAuditService(db).FindAuditEntries(system, medsec.AuditFilter{Action: "report.schedule"})
		if err != nil || len(entries) != 1 {
			t.Errorf("audit holds %d report.schedule entries (%v), want 1", len(entries), err)
		}
	})
}
