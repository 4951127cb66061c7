package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"medsec"
	"medsec/sqlstore"
)

// incidentFixture has two sites, an HIS at the main one, a pump at the branch, and users.
type incidentFixture struct {
	db                  *sqlstore.DB
	svc                 *sqlstore.IncidentService
	main, branch        *medsec.Site
	his, pump           *medsec.Asset
	ciso, soc, itops    context.Context
	branchOnly, auditor context.Context
	vendor              context.Context
	now                 *time.Time
}

func newIncidentFixture(t *testing.T, db *sqlstore.DB) *incidentFixture {
	t.Helper()
	f := &incidentFixture{db: db, svc: sqlstore.NewIncidentService(db)}
	f.main, f.branch = seedOrg(t, db)
	now := testNow
	f.now = &now
	db.Now = func() time.Time { return *f.now }
	assets := sqlstore.NewAssetService(db)
	f.his = &medsec.Asset{SiteID: f.main.ID, Name: "HIS 主機", Kind: medsec.KindHIS, DataClass: medsec.DataSensitivePersonal}
	f.pump = &medsec.Asset{SiteID: f.branch.ID, Name: "輸液幫浦 07", Kind: medsec.KindInfusionPump, DataClass: medsec.DataDeviceOnly}
	for _, a := range []*medsec.Asset{f.his, f.pump} {
		if err := assets.CreateAsset(system, a); err != nil {
			t.Fatal(err)
		}
	}
	f.ciso = as(&medsec.User{ID: 11, Username: "ciso", Role: medsec.RoleSecurityOfficer})
	f.soc = as(&medsec.User{ID: 12, Username: "soc.wang", Role: medsec.RoleSOCAnalyst})
	f.itops = as(&medsec.User{ID: 13, Username: "itops.chen", Role: medsec.RoleITOperations})
	f.branchOnly = as(&medsec.User{ID: 14, Username: "ce.hsu", Role: medsec.RoleClinicalEngineer, SiteIDs: []int64{f.branch.ID}})
	f.auditor = as(&medsec.User{ID: 15, Username: "auditor", Role: medsec.RoleAuditor})
	f.vendor = as(&medsec.User{ID: 16, Username: "vendor.aurora", Role: medsec.RoleVendor, VendorID: 1})
	return f
}

func code(err error) string { return medsec.ErrorCode(err) }

func clockByKey(inc *medsec.Incident, key string) *medsec.Clock {
	var found *medsec.Clock
	for _, c := range inc.Clocks {
		if c.Key == key && c.StoppedAt.IsZero() {
			found = c
		}
	}
	return found
}

func auditCount(t *testing.T, db *sqlstore.DB, action string) int {
	t.Helper()
	entries, _, err := sqlstore.NewAuditService(db).FindAuditEntries(system, medsec.AuditFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if e.Action == action {
			n++
		}
	}
	return n
}

// TestIncidentLifecycle runs a level-3 incident that becomes level 2, goes late, is worked,
// checked off and closed, on both engines.
func TestIncidentLifecycle(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newIncidentFixture(t, db)
		ctx := f.soc
		// An ordinary leak from the HIS suggests level 2 (sensitive personal data); the
		// analyst confirms 3 only with a reason.
		c := &medsec.IncidentCreate{SiteID: f.main.ID, Title: "HIS 異常匯出", Scenario: medsec.ScenarioDataLeak,
			Exposure: medsec.ExposureOrdinary, AssetIDs: []int64{f.his.ID}, Level: 3, DetectedAt: testNow.Add(-5 * time.Minute)}
		if lvl, reasons, err := f.svc.SuggestLevel(ctx, c); err != nil || lvl != 2 {
			t.Fatalf("suggest: %d %v %v", lvl, reasons, err)
		}
		if _, err := f.svc.CreateIncident(ctx, c); code(err) != medsec.EINVALID {
			t.Fatalf("level 3 without a reason: %v", err)
		}
		c.LevelReason = "only test records were exported"
		inc, err := f.svc.CreateIncident(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		if inc.Level != 3 || inc.SuggestedLevel != 2 || inc.Jurisdiction != medsec.JurisdictionTW || inc.Status != medsec.IncidentOpen {
			t.Fatalf("created %+v", inc)
		}
		if got := len(inc.Tasks); got != 6 {
			t.Errorf("%d tasks from the leak template", got)
		}
		for _, key := range []string{"first-report", "verification", "leadership-report", "repair", "leak-report-health", "leak-inform-patients", "tw-monitoring-alert", "task.block-sources"} {
			if clockByKey(inc, key) == nil {
				t.Errorf("no clock %s", key)
			}
		}
		if clockByKey(inc, "leak-report-cyberspace") != nil { // 網信辦 is a mainland authority
			t.Error("a leak in Taiwan owes a report to the cyberspace office")
		}
		if fr := clockByKey(inc, "first-report"); !fr.Due.Equal(testNow.Add(5*time.Minute)) || fr.State != medsec.ClockRunning {
			t.Errorf("first report %+v", fr)
		}
		if len(inc.Assets) != 1 || inc.Assets[0].Name != "HIS 主機" || len(inc.Checklist) != 5 || len(inc.Timeline) != 1 {
			t.Errorf("record: assets %+v checklist %d timeline %d", inc.Assets, len(inc.Checklist), len(inc.Timeline))
		}
		if auditCount(t, db, "incident.create") != 1 {
			t.Error("no audit row for the creation")
		}

		// Forty minutes on: the 10- and 30-minute clocks are late; the list shows them.
		*f.now = testNow.Add(40 * time.Minute)
		late, err := f.svc.LateClocks(system)
		if err != nil {
			t.Fatal(err)
		}
		var lateKeys []string
		for _, l := range late {
			lateKeys = append(lateKeys, l.Clock.Key)
		}
		if strings.Join(lateKeys, ",") != "first-report,verification,leadership-report,task.block-sources" {
			t.Errorf("late: %v", lateKeys)
		}
		list, err := f.svc.FindIncidents(f.auditor, medsec.IncidentFilter{Status: medsec.IncidentOpen})
		if err != nil || len(list) != 1 || clockByKey(list[0], "first-report").State != medsec.ClockLate {
			t.Fatalf("list: %v %v", list, err)
		}

		// The authority is told with a template; the notification meets the leak clock.
		leak := clockByKey(inc, "leak-report-health")
		inc, err = f.svc.RecordNotification(ctx, inc.ID, inc.Version, medsec.IncidentNotification{Recipient: medsec.RecipientAuthority,
			Name: "市衛生局", Channel: "phone", Language: "zh-TW", Content: "通報:HIS 異常匯出", ClockID: leak.ID})
		if err != nil {
			t.Fatal(err)
		}
		if c := clockByKey(inc, "leak-report-health"); c.State != medsec.ClockMet || c.MetBy != "soc.wang" {
			t.Errorf("leak clock after notification: %+v", c)
		}
		if len(inc.Notifications) != 1 || inc.Notifications[0].SentBy != "soc.wang" {
			t.Errorf("notifications %+v", inc.Notifications)
		}
		// A late clock met stays late for the record.
		inc, err = f.svc.MeetClock(ctx, inc.ID, inc.Version, clockByKey(inc, "first-report").ID, "phoned the duty officer", "", time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if c := clockByKey(inc, "first-report"); c.State != medsec.ClockLate || c.MetAt.IsZero() {
			t.Errorf("first report met late: %+v", c)
		}

		// Escalation to level 2: level 3's clocks stop, level 2's start from the change.
		inc, err = f.svc.ChangeLevel(f.ciso, inc.ID, inc.Version, 2, "patient records confirmed in the export")
		if err != nil {
			t.Fatal(err)
		}
		if inc.Level != 2 || clockByKey(inc, "repair") != nil || clockByKey(inc, "initial-control") == nil {
			t.Errorf("after level change: level %d", inc.Level)
		}
		if ic := clockByKey(inc, "initial-control"); !ic.Start.Equal(*f.now) || !ic.Due.Equal(f.now.Add(12*time.Hour)) {
			t.Errorf("initial control %+v", ic)
		}

		// A repeating clock starts its next round when met.
		tp := clockByKey(inc, "technical-progress")
		inc, err = f.svc.MeetClock(ctx, inc.ID, inc.Version, tp.ID, "report to the leading group", "", time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, c := range inc.Clocks {
			if c.Key == "technical-progress" && c.MetAt.IsZero() {
				n++
				if !c.Due.Equal(f.now.Add(2 * time.Hour)) {
					t.Errorf("next round due %v", c.Due)
				}
			}
		}
		if n != 1 {
			t.Errorf("%d running technical-progress clocks", n)
		}

		// The incident cannot close with the checklist open; only a security officer waives.
		if _, err := f.svc.CloseIncident(ctx, inc.ID, inc.Version, leadingGroup); code(err) != medsec.EINVALID {
			t.Fatalf("close with open checklist: %v", err)
		}
		if _, err := f.svc.WaiveChecklistItem(ctx, inc.ID, inc.Version, "no-anomaly-72h", "drill"); code(err) != medsec.EFORBIDDEN {
			t.Fatalf("analyst waives: %v", err)
		}
		if _, err := f.svc.WaiveChecklistItem(f.ciso, inc.ID, inc.Version, "no-anomaly-72h", ""); code(err) != medsec.EINVALID {
			t.Fatalf("waive without reason: %v", err)
		}
		inc, err = f.svc.WaiveChecklistItem(f.ciso, inc.ID, inc.Version, "no-anomaly-72h", "monitoring moved to the new SIEM; 48 h clean")
		if err != nil {
			t.Fatal(err)
		}
		// Core systems stable for 24 h cannot be met hours after detection; the officer
		// waives it (TestChecklistSpansOfCalm).
		if inc, err = f.svc.WaiveChecklistItem(f.ciso, inc.ID, inc.Version, "stable-24h", "stable since the repair; the plan's 24 h are accepted early"); err != nil {
			t.Fatal(err)
		}
		for _, key := range []string{"integrity-hash", "vulns-retested", "sources-blocked"} {
			if inc, err = f.svc.MeetChecklistItem(f.itops, inc.ID, inc.Version, key, "done"); err != nil {
				t.Fatal(err)
			}
		}
		// Closed on a Friday before a holiday Monday.
		if err := f.svc.ImportHolidays(f.ciso, medsec.JurisdictionTW, []medsec.Holiday{{Date: mustDate(t, "2026-11-30"), Name: "補假"}}); err != nil {
			t.Fatal(err)
		}
		*f.now = time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
		inc = tasksDone(t, f, inc)
		if inc, err = f.svc.UpdateRecord(f.ciso, inc.ID, inc.Version, "HIS export job misused", "account disabled", "no records left the hospital"); err != nil {
			t.Fatal(err)
		}
		if inc, err = f.svc.CloseIncident(f.ciso, inc.ID, inc.Version, leadingGroup); err != nil {
			t.Fatal(err)
		}
		if inc.Status != medsec.IncidentClosed || !inc.ClosedAt.Equal(*f.now) {
			t.Errorf("closed %+v", inc)
		}
		// Three working days after Friday, Monday off: Tue, Wed, Thu 3 December.
		if s := clockByKey(inc, "summary"); s == nil || !s.Due.Equal(time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)) {
			t.Errorf("summary clock %+v", s)
		}
		if r := clockByKey(inc, "review-meeting"); r == nil || !r.Due.Equal(f.now.AddDate(0, 0, 10)) {
			t.Errorf("review meeting clock %+v", r)
		}
		// Lessons learned become tasks after closing; the checklist no longer changes.
		if inc, err = f.svc.AddTask(f.ciso, inc.ID, inc.Version, medsec.IncidentTask{Title: "每季演練資料外洩情境", Lesson: true}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.ChangeLevel(f.ciso, inc.ID, inc.Version, 1, "x"); code(err) != medsec.EINVALID {
			t.Errorf("level change after closing: %v", err)
		}

		ledger, err := f.svc.Ledger(f.auditor, medsec.IncidentFilter{})
		if err != nil || len(ledger) != 1 {
			t.Fatalf("ledger %v %v", ledger, err)
		}
		if l := ledger[0]; l.Level != 2 || l.Status != medsec.IncidentClosed || l.ClocksLate == 0 || l.ClocksMet == 0 {
			t.Errorf("ledger row %+v", l)
		}
		full, err := f.svc.FindIncidentByID(f.auditor, inc.ID)
		if err != nil {
			t.Fatal(err)
		}
		// Every change is on the timeline and in the audit trail.
		// (13, and the six template tasks done before the close, which they hold.)
		if got := len(full.Timeline); got != 19 {
			for _, e := range full.Timeline {
				t.Logf("%s %s %s", e.Username, e.Kind, e.Text)
			}
			t.Errorf("%d timeline entries", got)
		}
		if got := auditCount(t, db, "incident.checklist.met") + auditCount(t, db, "incident.checklist.waived"); got != 5 {
			t.Errorf("%d audit rows for checklist items", got)
		}
	})
}

func mustDate(t *testing.T, s string) medsec.Date {
	d, err := medsec.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestIncidentScope: a user limited to the branch does not see the main site's incidents;
// a vendor holds no incident permission; the auditor reads but does not write.
func TestIncidentScope(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newIncidentFixture(t, db)
		inc, err := f.svc.CreateIncident(f.soc, &medsec.IncidentCreate{SiteID: f.main.ID, Title: "疑似掃描"})
		if err != nil {
			t.Fatal(err)
		}
		if inc.Level != 4 {
			t.Errorf("level %d", inc.Level)
		}
		if _, err := f.svc.FindIncidentByID(f.branchOnly, inc.ID); code(err) != medsec.ENOTFOUND {
			t.Errorf("branch user reads main incident: %v", err)
		}
		if denied, _ := medsec.DeniedObject(func() error { _, err := f.svc.FindIncidentByID(f.branchOnly, inc.ID); return err }()); denied == "" {
			t.Error("out-of-scope read is not marked for the audit trail")
		}
		if list, err := f.svc.FindIncidents(f.branchOnly, medsec.IncidentFilter{}); err != nil || len(list) != 0 {
			t.Errorf("branch list %v %v", list, err)
		}
		if _, err := f.svc.AddNote(f.branchOnly, inc.ID, inc.Version, "x"); code(err) != medsec.ENOTFOUND {
			t.Errorf("branch user writes: %v", err)
		}
		if _, err := f.svc.CreateIncident(f.branchOnly, &medsec.IncidentCreate{SiteID: f.main.ID, Title: "x"}); code(err) != medsec.ENOTFOUND {
			t.Errorf("branch user opens at main: %v", err)
		}
		// An asset of another site cannot be linked.
		if _, err := f.svc.AddAsset(f.soc, inc.ID, inc.Version, f.pump.ID); code(err) != medsec.EINVALID {
			t.Errorf("pump of the branch on a main incident: %v", err)
		}
		if _, err := f.svc.FindIncidents(f.vendor, medsec.IncidentFilter{}); code(err) != medsec.EFORBIDDEN {
			t.Errorf("vendor: %v", err)
		}
		if _, err := f.svc.FindIncidentByID(f.auditor, inc.ID); err != nil {
			t.Errorf("auditor reads: %v", err)
		}
		if _, err := f.svc.AddNote(f.auditor, inc.ID, inc.Version, "x"); code(err) != medsec.EFORBIDDEN {
			t.Errorf("auditor writes: %v", err)
		}
	})
}

// TestIncidentConcurrentUpdate: two people change the same version of one incident; one
// wins, the other gets ECONFLICT and nothing of its change is written.
func TestIncidentConcurrentUpdate(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newIncidentFixture(t, db)
		inc, err := f.svc.CreateIncident(f.soc, &medsec.IncidentCreate{SiteID: f.main.ID, Title: "PACS 緩慢", Outage: medsec.OutageSystem, OutageMinutes: 90})
		if err != nil {
			t.Fatal(err)
		}
		// In turn: the second writer's version is stale.
		if _, err := f.svc.AddNote(f.soc, inc.ID, inc.Version, "first"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.ChangeLevel(f.ciso, inc.ID, inc.Version, 2, "stale"); code(err) != medsec.ECONFLICT {
			t.Fatalf("stale version: %v", err)
		}
		// At once, many times: exactly one of each pair wins.
		for round := 0; round < 5; round++ {
			cur, err := f.svc.FindIncidentByID(f.soc, inc.ID)
			if err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			errs := make([]error, 2)
			for i, ctx := range []context.Context{f.soc, f.itops} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, errs[i] = f.svc.AddNote(ctx, cur.ID, cur.Version, "at once")
				}()
			}
			wg.Wait()
			ok, conflicts := 0, 0
			for _, err := range errs {
				switch code(err) {
				case "":
					ok++
				case medsec.ECONFLICT:
					conflicts++
				default:
					t.Fatalf("round %d: %v", round, err)
				}
			}
			if ok != 1 || conflicts != 1 {
				t.Fatalf("round %d: %d succeeded, %d conflicts", round, ok, conflicts)
			}
		}
		final, err := f.svc.FindIncidentByID(f.soc, inc.ID)
		if err != nil {
			t.Fatal(err)
		}
		if final.Level != 3 || len(final.Timeline) != 7 || final.Version != inc.Version+6 {
			t.Errorf("level %d, %d timeline entries, version %d", final.Level, len(final.Timeline), final.Version)
		}
	})
}

// TestIncidentTimelineAppendOnly: the database refuses to change or delete timeline and
// custody rows, whatever the code does.
func TestIncidentTimelineAppendOnly(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newIncidentFixture(t, db)
		if _, err := f.svc.CreateIncident(f.soc, &medsec.IncidentCreate{SiteID: f.main.ID, Title: "x"}); err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{`UPDATE incident_timeline SET text = 'rewritten'`, `DELETE FROM incident_timeline`} {
			if err := db.ExecRaw(context.Background(), q); err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s: %v", q, err)
			}
		}
	})
}

// TestIncidentEvidence: only a file the caller uploaded (or already linked) can be linked;
// linking starts the chain of custody and steps append to it.
func TestIncidentEvidence(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newIncidentFixture(t, db)
		as := newAssessmentService(t, db)
		ev, err := as.StoreEvidence(f.itops, "his-export.pcap", strings.NewReader("capture bytes"))
		if err != nil {
			t.Fatal(err)
		}
		inc, err := f.svc.CreateIncident(f.soc, &medsec.IncidentCreate{SiteID: f.main.ID, Title: "x"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.LinkEvidence(f.soc, inc.ID, inc.Version, ev.SHA256, "", ""); code(err) != medsec.EINVALID {
			t.Errorf("someone else's upload: %v", err)
		}
		inc, err = f.svc.LinkEvidence(f.itops, inc.ID, inc.Version, ev.SHA256, "", "from the core switch mirror port")
		if err != nil {
			t.Fatal(err)
		}
		inc, err = f.svc.AddCustody(f.soc, inc.ID, inc.Version, ev.SHA256, "transferred", "to the forensic examiner")
		if err != nil {
			t.Fatal(err)
		}
		if len(inc.Evidence) != 1 || inc.Evidence[0].Name != "his-export.pcap" || len(inc.Evidence[0].Custody) != 2 ||
			inc.Evidence[0].Custody[1].Username != "soc.wang" || inc.Evidence[0].Custody[0].Action != "collected" {
			t.Errorf("evidence %+v", inc.Evidence)
		}
		// Others who may read the incident may open the file; a branch user may not.
		if rc, _, err := as.OpenEvidence(f.soc, ev.SHA256); err != nil {
			t.Errorf("responder opens incident evidence: %v", err)
		} else {
			rc.Close()
		}
		if _, _, err := as.OpenEvidence(f.branchOnly, ev.SHA256); code(err) != medsec.ENOTFOUND {
			t.Errorf("branch user opens main-site incident evidence: %v", err)
		}
		// Each download is a step of the chain and audited (bt14 #3: none left a trace);
		// the refused one is neither.
		if inc, err = f.svc.FindIncidentByID(f.soc, inc.ID); err != nil {
			t.Fatal(err)
		}
		if c := inc.Evidence[0].Custody; len(c) != 3 || c[2].Action != "copied" || c[2].Username != "soc.wang" {
			t.Errorf("custody after a download: %+v", c)
		}
		entries, _, err := sqlstore.NewAuditService(db).FindAuditEntries(system, medsec.AuditFilter{Action: "evidence.download"})
		if err != nil || len(entries) != 1 || entries[0].Username != "soc.wang" || entries[0].SiteID != f.main.ID {
			t.Errorf("download audit: %+v %v", entries, err)
		}
		hashes, err := db.EvidenceHashes(system)
		if err != nil || len(hashes) != 1 || hashes[0] != ev.SHA256 {
			t.Errorf("cited hashes %v %v", hashes, err)
		}
	})
}

// insertAlert stores an alert as the detection pipeline does (its table, migration 0026)
// and returns its id.
func insertAlert(t *testing.T, db *sqlstore.DB, n int, title, level string, siteID, assetID int64) int64 {
	t.Helper()
	ctx := context.Background()
	uid := fmt.Sprintf("00000000-0000-4000-8000-%012d", n)
	if err := db.ExecRaw(ctx, `INSERT INTO detection_rules (rule_uid, title, level, origin, yaml, created_at, updated_at) VALUES (?, ?, ?, 'test', 'title: x', ?, ?)
		ON CONFLICT (rule_uid) DO NOTHING`, uid, title, level, testNow, testNow); err != nil {
		t.Fatal(err)
	}
	var asset any
	if assetID != 0 {
		asset = assetID
	}
	if err := db.ExecRaw(ctx, `INSERT INTO alerts (dedup_key, rule_id, title, level, tags, site_id, asset_id, event_count, first_at, last_at, created_at, updated_at)
		VALUES (?, (SELECT id FROM detection_rules WHERE rule_uid = ?), ?, ?, 'attack.impact', ?, ?, 3, ?, ?, ?, ?)`,
		fmt.Sprintf("k%d-%d", n, assetID), uid, title, level, siteID, asset, testNow.Add(-2*time.Minute), testNow, testNow, testNow); err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := db.QueryRowForTest(`SELECT MAX(id) FROM alerts`, &id); err != nil {
		t.Fatal(err)
	}
	return id
}

// TestIncidentFromAlert: an alert opens an incident with the suggested level (a ransomware
// outbreak on a core system is level 1 [003 §3.3.2]); a second alert of the same rule, or on
// the same asset, joins it; an alert already linked answers its incident; a branch user
// cannot reach a main-site alert.
func TestIncidentFromAlert(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newIncidentFixture(t, db)
		a1 := insertAlert(t, db, 1, "Ransomware file renames on HIS", "critical", f.main.ID, f.his.ID)
		inc, joined, err := f.svc.OpenFromAlert(f.soc, &medsec.IncidentFromAlert{AlertID: a1})
		if err != nil {
			t.Fatal(err)
		}
		if joined || inc.Level != 1 || inc.SuggestedLevel != 1 || inc.Scenario != medsec.ScenarioRansomware || len(inc.AlertIDs) != 1 ||
			len(inc.Assets) != 1 || !inc.DetectedAt.Equal(testNow) || !inc.OccurredAt.Equal(testNow.Add(-2*time.Minute)) || inc.Title != "Ransomware file renames on HIS" {
			t.Fatalf("from alert: joined %v %+v", joined, inc)
		}
		// The same rule fires again: it joins.
		a2 := insertAlert(t, db, 1, "Ransomware file renames on HIS", "critical", f.main.ID, 0)
		got, joined, err := f.svc.OpenFromAlert(f.soc, &medsec.IncidentFromAlert{AlertID: a2})
		if err != nil || !joined || got.ID != inc.ID || len(got.AlertIDs) != 2 || got.Version != inc.Version+1 {
			t.Fatalf("second alert: joined %v %+v %v", joined, got, err)
		}
		// Asked again, the first alert answers its incident.
		if again, joined, err := f.svc.OpenFromAlert(f.soc, &medsec.IncidentFromAlert{AlertID: a1}); err != nil || !joined || again.ID != inc.ID {
			t.Errorf("again: %v %v", joined, err)
		}
		// Another rule, another asset at the branch, with what the analyst knows: level 2.
		a3 := insertAlert(t, db, 3, "Port scan from infusion pump", "medium", f.branch.ID, f.pump.ID)
		if _, _, err := f.svc.OpenFromAlert(f.auditor, &medsec.IncidentFromAlert{AlertID: a3}); code(err) != medsec.EFORBIDDEN {
			t.Errorf("auditor: %v", err)
		}
		other, joined, err := f.svc.OpenFromAlert(f.branchOnly, &medsec.IncidentFromAlert{AlertID: a3, Outage: medsec.OutageDepartment, OutageMinutes: 150})
		if err != nil || joined || other.ID == inc.ID || other.Level != 2 || other.SiteID != f.branch.ID {
			t.Fatalf("branch alert: %v %+v %v", joined, other, err)
		}
		if _, _, err := f.svc.OpenFromAlert(f.branchOnly, &medsec.IncidentFromAlert{AlertID: a1}); code(err) != medsec.ENOTFOUND {
			t.Errorf("branch user, main alert: %v", err)
		}
		if _, _, err := f.svc.OpenFromAlert(f.soc, &medsec.IncidentFromAlert{AlertID: 99999}); code(err) != medsec.ENOTFOUND {
			t.Errorf("missing alert: %v", err)
		}
		full, err := f.svc.FindIncidentByID(f.soc, inc.ID)
		if err != nil || full.Timeline[len(full.Timeline)-1].Kind != "alert" || auditCount(t, db, "incident.alert") != 1 {
			t.Errorf("timeline %+v %v", full.Timeline, err)
		}
	})
}

// TestIncidentCalendarAdmin: only an administrator or security officer not limited to
// sites replaces a holiday calendar (it moves every site's due dates); the change is
// audited.
func TestIncidentCalendarAdmin(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newIncidentFixture(t, db)
		days := []medsec.Holiday{{Date: mustDate(t, "2026-10-01"), Name: "國慶日"}}
		siteSO := as(&medsec.User{ID: 17, Username: "so.branch", Role: medsec.RoleSecurityOfficer, SiteIDs: []int64{f.branch.ID}})
		for name, ctx := range map[string]context.Context{"site-limited engineer": f.branchOnly, "analyst": f.soc, "IT operations": f.itops, "site-limited security officer": siteSO} {
			if err := f.svc.ImportHolidays(ctx, medsec.JurisdictionTW, days); code(err) != medsec.EFORBIDDEN {
				t.Errorf("%s replaces the calendar: %v", name, err)
			}
		}
		if n := auditCount(t, db, "incident.holidays"); n != 0 {
			t.Errorf("%d imports audited after refusals", n)
		}
		if err := f.svc.ImportHolidays(f.ciso, medsec.JurisdictionTW, days); err != nil {
			t.Fatal(err)
		}
		if n := auditCount(t, db, "incident.holidays"); n != 1 {
			t.Errorf("%d imports audited, want 1", n)
		}
	})
}

// TestIncidentLevelBack: a late repair clock at level 3 is not given a fresh deadline by
// changing to level 4 and back; the one clock resumes, still late.
func TestIncidentLevelBack(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newIncidentFixture(t, db)
		inc, err := f.svc.CreateIncident(f.soc, &medsec.IncidentCreate{SiteID: f.main.ID, Title: "HIS 異常", Scenario: medsec.ScenarioOther,
			Exposure: medsec.ExposureNone, Outage: medsec.OutageSystem, OutageMinutes: 90, AssetIDs: []int64{f.his.ID}, Level: 3, LevelReason: "r"})
		if err != nil {
			t.Fatal(err)
		}
		repair := clockByKey(inc, "repair")
		if repair == nil {
			t.Fatalf("no repair clock: %+v", inc.Clocks)
		}
		*f.now = f.now.Add(5 * time.Hour)
		if inc, err = f.svc.ChangeLevel(f.ciso, inc.ID, inc.Version, 4, "only one PC"); err != nil {
			t.Fatal(err)
		}
		if inc, err = f.svc.ChangeLevel(f.ciso, inc.ID, inc.Version, 3, "the HIS after all"); err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, c := range inc.Clocks {
			if c.Key == "repair" {
				n++
			}
		}
		back := clockByKey(inc, "repair")
		if n != 1 || back == nil || back.ID != repair.ID || !back.Due.Equal(repair.Due) || back.State != medsec.ClockLate {
			t.Errorf("%d repair clocks; running %+v, want the original %+v, late", n, back, repair)
		}
	})
}

// TestIncidentRepeatingClocksEnd: at level 1 the technical group's report stops when the
// systems are recovered (stable-24h met) and the progress update when the last termination
// condition is met or waived — before the incident closes — each stopped, not late, with
// the timeline saying so; a level change afterwards starts no new round. Both engines.
func TestIncidentRepeatingClocksEnd(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newIncidentFixture(t, db)
		inc, err := f.svc.CreateIncident(f.soc, &medsec.IncidentCreate{SiteID: f.main.ID, Title: "全院癱瘓", Scenario: medsec.ScenarioRansomware,
			Exposure: medsec.ExposureNone, Outage: medsec.OutageCore, OutageMinutes: 300, AssetIDs: []int64{f.his.ID}})
		if err != nil {
			t.Fatal(err)
		}
		if inc.Level != 1 || clockByKey(inc, "progress-update") == nil || clockByKey(inc, "technical-progress") == nil {
			t.Fatalf("level %d clocks %+v", inc.Level, inc.Clocks)
		}
		// Three hours on, both rounds are late; the systems are back.
		*f.now = testNow.Add(3 * time.Hour)
		if inc, err = f.svc.WaiveChecklistItem(f.ciso, inc.ID, inc.Version, "stable-24h", "HIS 穩定"); err != nil {
			t.Fatal(err)
		}
		if c := clockByKey(inc, "technical-progress"); c != nil {
			t.Errorf("technical progress still running after recovery: %+v", c)
		}
		if c := clockByKey(inc, "progress-update"); c == nil || c.State != medsec.ClockLate {
			t.Errorf("progress update during the response: %+v", c)
		}
		for _, key := range []string{"integrity-hash", "vulns-retested", "sources-blocked"} {
			if inc, err = f.svc.MeetChecklistItem(f.soc, inc.ID, inc.Version, key, ""); err != nil {
				t.Fatal(err)
			}
		}
		if clockByKey(inc, "progress-update") == nil {
			t.Error("progress update ended with a termination condition open")
		}
		if inc, err = f.svc.WaiveChecklistItem(f.ciso, inc.ID, inc.Version, "no-anomaly-72h", "監控平台更換中"); err != nil {
			t.Fatal(err)
		}
		for _, c := range inc.Clocks {
			if c.Every > 0 && c.MetAt.IsZero() && (c.StoppedAt.IsZero() || c.State != medsec.ClockStopped) {
				t.Errorf("%s after the last condition: %s, stopped %v", c.Key, c.State, c.StoppedAt)
			}
		}
		if inc.Status != medsec.IncidentOpen {
			t.Errorf("status %s", inc.Status)
		}
		full, err := f.svc.FindIncidentByID(f.soc, inc.ID)
		if err != nil {
			t.Fatal(err)
		}
		last := full.Timeline[len(full.Timeline)-1]
		if last.Msg == nil || last.Msg.Key != "incident.tl.item_waived_stopped" || !slices.Equal(last.Msg.Args[1].Keys, []string{"incident.clock.progress-update"}) {
			t.Errorf("timeline %+v", last.Msg)
		}
		// Back to level 2 and to 1: the response is over, no new rounds.
		*f.now = testNow.Add(4 * time.Hour)
		for _, l := range []medsec.IncidentLevel{2, 1} {
			if inc, err = f.svc.ChangeLevel(f.soc, inc.ID, inc.Version, l, "重新評估"); err != nil {
				t.Fatal(err)
			}
		}
		for _, key := range []string{"progress-update", "technical-progress"} {
			if c := clockByKey(inc, key); c != nil {
				t.Errorf("%s running again after the level change: %+v", key, c)
			}
		}
	})
}

// TestTWMonitoringAlertClockEnds: Taiwan's duty that the hospital's network monitoring
// raise a warning (000 附表一 系統與資訊完整性/惡意程式防護: 納入全院網路安全監控機制，並有
// 警訊通報) has no time set and used to run for ever. It is met by medsec when an alert of
// its monitoring is linked to the incident: at once for an incident opened from an alert,
// when an alert joins a hand-opened one; an incident that never gets an alert ends it with
// the response (stopped, never late). Settable clock, both engines.
func TestTWMonitoringAlertClockEnds(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newIncidentFixture(t, db)
		const key = "tw-monitoring-alert"
		// Opened by hand: the duty runs, without a due time, and is not late a week on.
		manual, err := f.svc.CreateIncident(f.soc, &medsec.IncidentCreate{SiteID: f.main.ID, Title: "HIS 異常", AssetIDs: []int64{f.his.ID}})
		if err != nil {
			t.Fatal(err)
		}
		if c := clockByKey(manual, key); c == nil || c.State != medsec.ClockRunning || !c.Due.IsZero() {
			t.Fatalf("hand-opened: %+v", c)
		}
		*f.now = testNow.Add(7 * 24 * time.Hour)
		if got, _ := f.svc.FindIncidentByID(f.soc, manual.ID); clockByKey(got, key).State != medsec.ClockRunning {
			t.Errorf("a week on: %s, want running (no time set, never late)", clockByKey(got, key).State)
		}
		// An alert on the incident's asset joins it: the monitoring raised the warning.
		a1 := insertAlert(t, db, 41, "Suspicious SMB burst on HIS", "high", f.main.ID, f.his.ID)
		joined, ok, err := f.svc.OpenFromAlert(f.soc, &medsec.IncidentFromAlert{AlertID: a1})
		if err != nil || !ok || joined.ID != manual.ID {
			t.Fatalf("join: %v %v", ok, err)
		}
		c := clockByKey(joined, key)
		if c == nil || c.State != medsec.ClockMet || !c.MetAt.Equal(*f.now) || c.MetBy != "soc.wang" || c.MetMsg == nil ||
			c.MetMsg.Key != "incident.met.alert" || len(c.MetMsg.Args) != 1 || c.MetMsg.Args[0].Text != fmt.Sprint(a1) {
			t.Errorf("after the alert joined: %+v", c)
		}
		// Opened from an alert: met at once.
		a2 := insertAlert(t, db, 42, "Unusual outbound connection from pump", "high", f.branch.ID, f.pump.ID)
		fromAlert, _, err := f.svc.OpenFromAlert(f.soc, &medsec.IncidentFromAlert{AlertID: a2, Scenario: medsec.ScenarioDevice})
		if err != nil {
			t.Fatal(err)
		}
		if c := clockByKey(fromAlert, key); c == nil || c.State != medsec.ClockMet || c.MetMsg == nil || c.MetMsg.Args[0].Text != fmt.Sprint(a2) {
			t.Errorf("opened from an alert: %+v", c)
		}
		// Another duty without a time (a device scenario's ADR report) is not met by an alert.
		if c := clockByKey(fromAlert, "tw-adr-report"); c == nil || c.State != medsec.ClockRunning {
			t.Errorf("ADR report: %+v, want running until a person meets it", c)
		}
		// Never an alert: it ends with the response, stopped, not late.
		quiet, err := f.svc.CreateIncident(f.soc, &medsec.IncidentCreate{SiteID: f.main.ID, Title: "演練外事件"})
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range quiet.Checklist {
			if quiet, err = f.svc.WaiveChecklistItem(f.ciso, quiet.ID, quiet.Version, it.Key, "not applicable"); err != nil {
				t.Fatal(err)
			}
		}
		quiet = tasksDone(t, f, quiet)
		if quiet, err = f.svc.UpdateRecord(f.soc, quiet.ID, quiet.Version, "c", "a", "r"); err != nil {
			t.Fatal(err)
		}
		if quiet, err = f.svc.CloseIncident(f.soc, quiet.ID, quiet.Version, leadingGroup); err != nil {
			t.Fatal(err)
		}
		*f.now = f.now.AddDate(1, 0, 0)
		quiet, _ = f.svc.FindIncidentByID(f.soc, quiet.ID)
		for _, c := range quiet.Clocks {
			if c.Key == key && c.State != medsec.ClockStopped {
				t.Errorf("closed without an alert: %s %s, want stopped", c.Key, c.State)
			}
		}
	})
}

// TestIncidentCiteLinkedEvidence: citing an evidence file to meet a clock links it and
// starts its chain of custody once; citing a file already linked (again, for another
// clock) adds no custody step, and linking it again neither.
func TestIncidentCiteLinkedEvidence(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newIncidentFixture(t, db)
		as := newAssessmentService(t, db)
		ev, err := as.StoreEvidence(f.itops, "call-log.pdf", strings.NewReader("duty officer call log"))
		if err != nil {
			t.Fatal(err)
		}
		inc, err := f.svc.CreateIncident(f.itops, &medsec.IncidentCreate{SiteID: f.main.ID, Title: "PACS 異常"})
		if err != nil {
			t.Fatal(err)
		}
		steps := func(inc *medsec.Incident) int {
			t.Helper()
			if len(inc.Evidence) != 1 {
				t.Fatalf("evidence %+v", inc.Evidence)
			}
			return len(inc.Evidence[0].Custody)
		}
		inc, err = f.svc.MeetClock(f.itops, inc.ID, inc.Version, clockByKey(inc, "first-report").ID, "called", ev.SHA256, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if n := steps(inc); n != 1 || inc.Evidence[0].Custody[0].Msg == nil || inc.Evidence[0].Custody[0].Msg.Key != "incident.custody.cited" {
			t.Fatalf("first citation: %d steps %+v", n, inc.Evidence[0].Custody)
		}
		inc, err = f.svc.MeetClock(f.itops, inc.ID, inc.Version, clockByKey(inc, "verification").ID, "verified", ev.SHA256, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if n := steps(inc); n != 1 {
			t.Errorf("citing linked evidence again: %d custody steps, want 1", n)
		}
		if c := clockByKey(inc, "verification"); c.Evidence != ev.SHA256 {
			t.Errorf("the second clock does not cite the file: %q", c.Evidence)
		}
		inc, err = f.svc.LinkEvidence(f.itops, inc.ID, inc.Version, ev.SHA256, "", "")
		if err != nil {
			t.Fatal(err)
		}
		if n := steps(inc); n != 1 {
			t.Errorf("linking linked evidence again: %d custody steps, want 1", n)
		}
	})
}

// TestIncidentDetectionTime: the detection time given starts the clocks that run from
// detection (first report in 10 minutes [003 §4.1.2]); the occurrence time is kept; a
// detection or occurrence in the future, or a detection before the occurrence, is refused
// naming the field. Settable clock, both engines.
func TestIncidentDetectionTime(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newIncidentFixture(t, db)
		detected, occurred := testNow.Add(-25*time.Minute), testNow.Add(-2*time.Hour)
		inc, err := f.svc.CreateIncident(f.soc, &medsec.IncidentCreate{SiteID: f.main.ID, Title: "夜間 PACS 異常", DetectedAt: detected, OccurredAt: occurred})
		if err != nil {
			t.Fatal(err)
		}
		if !inc.DetectedAt.Equal(detected) || !inc.OccurredAt.Equal(occurred) {
			t.Errorf("times: detected %v occurred %v", inc.DetectedAt, inc.OccurredAt)
		}
		if fr := clockByKey(inc, "first-report"); !fr.Start.Equal(detected) || !fr.Due.Equal(detected.Add(10*time.Minute)) || fr.State != medsec.ClockLate {
			t.Errorf("first report from detection: %+v", fr)
		}
		if v := clockByKey(inc, "verification"); !v.Start.Equal(testNow) {
			t.Errorf("verification starts at recording, not detection: %+v", v)
		}
		unknown, err := f.svc.CreateIncident(f.soc, &medsec.IncidentCreate{SiteID: f.main.ID, Title: "x"})
		if err != nil || !unknown.OccurredAt.IsZero() || !unknown.DetectedAt.Equal(testNow) {
			t.Errorf("no times: %v %+v", err, unknown)
		}
		bad := []struct {
			name               string
			detected, occurred time.Time
			field, key         string
		}{
			{"detected in the future", testNow.Add(time.Hour), time.Time{}, "detected_at", "incident.err.time_future"},
			{"occurred in the future", time.Time{}, testNow.Add(time.Hour), "occurred_at", "incident.err.time_future"},
			{"detected before occurred", testNow.Add(-2 * time.Hour), testNow.Add(-time.Hour), "detected_at", "incident.err.detected_before_occurred"},
		}
		for _, b := range bad {
			_, err := f.svc.CreateIncident(f.soc, &medsec.IncidentCreate{SiteID: f.main.ID, Title: "x", DetectedAt: b.detected, OccurredAt: b.occurred})
			var ve *medsec.ValidationError
			if !errors.As(err, &ve) || len(ve.Errors) != 1 || ve.Errors[0].Field != b.field || ve.Errors[0].Key != b.key {
				t.Errorf("%s: %v", b.name, err)
			}
		}
	})
}

// TestIncidentOpenedByHandLinksOnlyItsSitesFreeAlert: an incident opened by hand may name
// an alert only if it exists, is of the incident's site (seen by the caller) and answers no
// other incident; the refusal writes nothing, and the main site still opens its incident
// from its own alert (bt14f H1: a branch user linked a main-site alert, or alert #999 not
// raised yet, and took it from the main site).
func TestIncidentOpenedByHandLinksOnlyItsSitesFreeAlert(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newIncidentFixture(t, db)
		mainAlert := insertAlert(t, db, 1, "Ransomware file renames on HIS", "critical", f.main.ID, f.his.ID)
		before, err := f.svc.FindIncidents(f.ciso, medsec.IncidentFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, alertID := range []int64{mainAlert, 999} {
			_, err := f.svc.CreateIncident(f.branchOnly, &medsec.IncidentCreate{SiteID: f.branch.ID, Title: "branch", Scenario: medsec.ScenarioOther, AlertID: alertID})
			var ve *medsec.ValidationError
			if !errors.As(err, &ve) || len(ve.Errors) != 1 || ve.Errors[0].Field != "alert_id" || ve.Errors[0].Key != "incident.err.alert_not_found" {
				t.Errorf("branch incident naming alert %d: %v, want alert_id not found", alertID, err)
			}
		}
		if after, err := f.svc.FindIncidents(f.ciso, medsec.IncidentFilter{}); err != nil || len(after) != len(before) {
			t.Errorf("refused creates wrote incidents: %d → %d (%v)", len(before), len(after), err)
		}
		inc, joined, err := f.svc.OpenFromAlert(f.soc, &medsec.IncidentFromAlert{AlertID: mainAlert})
		if err != nil || joined || inc.SiteID != f.main.ID {
			t.Fatalf("main site from its alert: %+v joined %v, %v", inc, joined, err)
		}
		// Named again by hand at its own site, it already answers that incident.
		_, err = f.svc.CreateIncident(f.soc, &medsec.IncidentCreate{SiteID: f.main.ID, Title: "again", Scenario: medsec.ScenarioOther, AlertID: mainAlert})
		var ve *medsec.ValidationError
		if !errors.As(err, &ve) || len(ve.Errors) != 1 || ve.Errors[0].Key != "incident.err.join_linked" || ve.Errors[0].Args[0] != fmt.Sprint(inc.ID) {
			t.Errorf("a linked alert named by hand: %v", err)
		}
	})
}
