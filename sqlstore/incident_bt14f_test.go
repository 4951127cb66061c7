package sqlstore_test

import (
	"slices"
	"testing"
	"time"

	"medsec"
	"medsec/incident"
	"medsec/sqlstore"
)

// clockOf returns inc's first clock of the duty key, failing the test when it has none.
func clockOf(t *testing.T, inc *medsec.Incident, key string) *medsec.Clock {
	t.Helper()
	for _, c := range inc.Clocks {
		if c.Key == key {
			return c
		}
	}
	t.Fatalf("incident %d has no %s clock", inc.ID, key)
	return nil
}

// TestEndDeclaredAfterConditionsMet (bt14f H2): 當滿足終止條件時，由領導小組宣布應急響應結束
// (003 §4.4.4). A declaration of the end before the termination condition met last is
// refused naming declared_at, the condition (a message key) and its time in the site's
// zone; the post-incident clocks — hand-over in 2 h, summary in 3 working days, review
// meeting in 10 days (§4.4.4, §5.4.1 應急終止後) — count from the declaration, not from
// the moment the close is recorded in medsec. Both engines.
func TestEndDeclaredAfterConditionsMet(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newIncidentFixture(t, db)
		inc, err := f.svc.CreateIncident(f.ciso, &medsec.IncidentCreate{SiteID: f.main.ID, Title: "HIS 勒索",
			Scenario: medsec.ScenarioRansomware, DetectedAt: f.now.Add(-5 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		*f.now = f.now.Add(-time.Hour)
		inc = readyToClose(t, f, inc)
		lastMet := *f.now
		last := inc.Checklist[len(inc.Checklist)-1]
		*f.now = f.now.Add(time.Hour)
		_, err = f.svc.CloseIncident(f.ciso, inc.ID, inc.Version, medsec.EndDeclaration{DeclaredBy: "江文雄", DeclaredAt: lastMet.Add(-30 * time.Minute)})
		fe := fieldErr(err, "declared_at")
		if fe == nil || fe.Key != "incident.err.declared_before_conditions" || len(fe.Args) != 2 ||
			fe.Args[0] != "incident.check."+last.Key || fe.Args[1] != medsec.ZonedTime(lastMet, inc.TimeZone) {
			t.Fatalf("declared before the conditions were met: %v %+v", err, fe)
		}
		declared := lastMet.Add(10 * time.Minute)
		if inc, err = f.svc.CloseIncident(f.ciso, inc.ID, inc.Version, medsec.EndDeclaration{DeclaredBy: "江文雄", DeclaredAt: declared}); err != nil {
			t.Fatal(err)
		}
		for key, due := range map[string]time.Time{"handover": declared.Add(2 * time.Hour), "review-meeting": declared.AddDate(0, 0, 10)} {
			c := clockOf(t, inc, key)
			if !c.Start.Equal(declared) || !c.Due.Equal(due) || c.Basis != medsec.BasisClosed {
				t.Errorf("%s: start %v due %v (%s), want from the declaration %v, due %v", key, c.Start, c.Due, c.Basis, declared, due)
			}
		}
		if c := clockOf(t, inc, "summary"); !c.Start.Equal(declared) {
			t.Errorf("summary counts from %v, want the declaration %v", c.Start, declared)
		}
		// Declared 50 minutes before the close was recorded: the hand-over is due 70
		// minutes after the close, not 2 hours.
		if c := clockOf(t, inc, "handover"); c.State != medsec.ClockRunning {
			t.Errorf("handover %s, want running", c.State)
		}
	})
}

// TestEndDeclaredByLeadingGroupMember (bt14f H4): declared_by takes a person's name, but a
// name that is a medsec username must be a user who sees the incident (a vendor's
// account is refused as a task's assignee is) and of the leading group — the leadership
// role, or the incident's lead; an IT operator is refused until made the incident's lead.
// Both engines.
func TestEndDeclaredByLeadingGroupMember(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newIncidentFixture(t, db)
		users := sqlstore.NewUserService(db)
		vendors, err := sqlstore.NewOrgService(db).FindVendors(system)
		if err != nil || len(vendors) == 0 {
			t.Fatalf("vendors %v %v", vendors, err)
		}
		for _, u := range []*medsec.User{
			{Username: "vendor.aurora", DisplayName: "Aurora", Role: medsec.RoleVendor, VendorID: vendors[0].ID},
			{Username: "director.chiang", DisplayName: "江文雄", Role: medsec.RoleLeadership},
			{Username: "itops.chen", DisplayName: "Chen", Role: medsec.RoleITOperations},
		} {
			if err := users.CreateUser(system, u, "a long enough password"); err != nil {
				t.Fatal(err)
			}
		}
		inc, err := f.svc.CreateIncident(f.ciso, &medsec.IncidentCreate{SiteID: f.main.ID, Title: "HIS 勒索",
			Scenario: medsec.ScenarioRansomware, DetectedAt: f.now.Add(-2 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		inc = readyToClose(t, f, inc)
		for who, key := range map[string]string{"vendor.aurora": "incident.err.assignee_site", "Vendor.Aurora": "incident.err.assignee_site",
			"itops.chen": "incident.err.declared_by_not_leading"} {
			_, err := f.svc.CloseIncident(f.ciso, inc.ID, inc.Version, medsec.EndDeclaration{DeclaredBy: who})
			if fe := fieldErr(err, "declared_by"); fe == nil || fe.Key != key {
				t.Errorf("declared by %s: %v, want %s", who, err, key)
			}
		}
		if inc, err = f.svc.AddPerson(f.soc, inc.ID, inc.Version, medsec.IncidentPerson{Name: "itops.chen", Role: medsec.IncidentRoleLead}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.CloseIncident(f.ciso, inc.ID, inc.Version, medsec.EndDeclaration{DeclaredBy: "itops.chen", DeclaredAt: *f.now}); err != nil {
			t.Errorf("declared by the incident's lead: %v", err)
		}
		other, err := f.svc.CreateIncident(f.ciso, &medsec.IncidentCreate{SiteID: f.main.ID, Title: "PACS", Scenario: medsec.ScenarioRansomware})
		if err != nil {
			t.Fatal(err)
		}
		other = readyToClose(t, f, other)
		if other, err = f.svc.CloseIncident(f.ciso, other.ID, other.Version, medsec.EndDeclaration{DeclaredBy: "director.chiang"}); err != nil || other.EndDeclaredBy != "director.chiang" {
			t.Errorf("declared by the director's account: %v", err)
		}
	})
}

// TestClosedDrillReportsUnmet (bt14f H3): a drill closed before its reports to the leading
// group and the president were made ends them unmet at close: they do not run on, go late
// or get notified, and the ledger counts them unmet; a real incident's run on. Both
// engines.
func TestClosedDrillReportsUnmet(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newIncidentFixture(t, db)
		ids := map[bool]int64{}
		for _, drill := range []bool{true, false} {
			inc, err := f.svc.CreateIncident(f.ciso, &medsec.IncidentCreate{SiteID: f.main.ID, Title: "演練", Drill: drill, Level: 2, LevelReason: "drill",
				Scenario: medsec.ScenarioRansomware})
			if err != nil {
				t.Fatal(err)
			}
			inc = readyToClose(t, f, inc)
			if inc, err = f.svc.CloseIncident(f.ciso, inc.ID, inc.Version, leadingGroup); err != nil {
				t.Fatal(err)
			}
			ids[drill] = inc.ID
		}
		*f.now = f.now.Add(2 * time.Hour)
		late, err := f.svc.LateClocks(system)
		if err != nil {
			t.Fatal(err)
		}
		lateKeys := map[bool][]string{}
		for _, l := range late {
			lateKeys[l.Incident.Drill] = append(lateKeys[l.Incident.Drill], l.Clock.Key)
		}
		check := func(when string) {
			t.Helper()
			for _, drill := range []bool{true, false} {
				inc, err := f.svc.FindIncidentByID(f.ciso, ids[drill])
				if err != nil {
					t.Fatal(err)
				}
				for _, key := range []string{"leadership-report", "president-report"} {
					want := medsec.ClockLate
					if drill {
						want = medsec.ClockUnmet
					}
					if c := clockOf(t, inc, key); c.State != want {
						t.Errorf("%s: drill %v: %s is %s two hours after close, want %s", when, drill, key, c.State, want)
					}
				}
			}
		}
		check("closed")
		// A drill closed by an older version: its reports still running; migration 0114
		// ends them at the drill's close.
		if err := db.ExecForTest(`UPDATE incident_clocks SET stopped_at = NULL, stop_reason = '' WHERE incident_id = ? AND key IN ('leadership-report', 'president-report')`, ids[true]); err != nil {
			t.Fatal(err)
		}
		if err := db.RerunMigrationForTest("0114_closed_drill_reports_unmet.sql"); err != nil {
			t.Fatal(err)
		}
		check("after migration 0114")
		if len(lateKeys[true]) != 0 || len(lateKeys[false]) == 0 {
			t.Errorf("late clocks notified: drill %v, incident %v", lateKeys[true], lateKeys[false])
		}
		rows, err := f.svc.Ledger(f.auditor, medsec.IncidentFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if r.IncidentID == ids[true] && r.ClocksUnmet < 2 {
				t.Errorf("the drill's ledger row counts %d unmet, want the two reports at least", r.ClocksUnmet)
			}
		}
	})
}

// TestRestorationResuggestsLevel (bt14f M1): recording the restoration suggests the level
// again from the outage's length to it: a core-systems outage opened 5 hours in, suggested
// level 1 while "not restored", restored 90 minutes after it began is suggested level 3
// (one system abnormal more than 1 h), its reasons no longer saying it is not restored —
// stored, as the page, the API and the scheduler read it. Both engines.
func TestRestorationResuggestsLevel(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newIncidentFixture(t, db)
		began := f.now.Add(-5 * time.Hour)
		inc, err := f.svc.CreateIncident(f.soc, &medsec.IncidentCreate{SiteID: f.main.ID, Title: "HIS 停擺", Outage: medsec.OutageCore,
			AssetIDs: []int64{f.his.ID}, DetectedAt: began, Level: 3, LevelReason: "only the lab's HIS module"})
		if err != nil {
			t.Fatal(err)
		}
		if inc.SuggestedLevel != 1 || !slices.Contains(inc.LevelReasons, incident.ReasonOutageOngoing) {
			t.Fatalf("not restored: suggested %d %v", inc.SuggestedLevel, inc.LevelReasons)
		}
		if inc, err = f.svc.SetRestored(f.soc, inc.ID, inc.Version, began.Add(90*time.Minute), "HIS back"); err != nil {
			t.Fatal(err)
		}
		for _, when := range []string{"read at once", "a day later"} {
			if inc.SuggestedLevel != 3 || slices.Contains(inc.LevelReasons, incident.ReasonOutageOngoing) || !slices.Contains(inc.LevelReasons, incident.ReasonSystemDown1h) {
				t.Errorf("%s: restored after 90 minutes: suggested %d %v, want 3 for one system down more than 1 h", when, inc.SuggestedLevel, inc.LevelReasons)
			}
			*f.now = f.now.Add(24 * time.Hour)
			if inc, err = f.svc.FindIncidentByID(f.soc, inc.ID); err != nil {
				t.Fatal(err)
			}
		}
		rising, err := f.svc.LevelSuggestions(system)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rising {
			if r.ID == inc.ID {
				t.Errorf("the scheduler still finds a higher level suggested: %d %v", r.SuggestedLevel, r.LevelReasons)
			}
		}
	})
}

// TestClosedIncidentTasksNotCompleted (bt14f M5): a task of the response (a drill's
// template task left undone, a task added by hand) is not completed once the incident or
// drill is closed, refused naming task_id; a lesson learned, work after the review (003
// §5.4.1), is. Both engines.
func TestClosedIncidentTasksNotCompleted(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newIncidentFixture(t, db)
		inc, err := f.svc.CreateIncident(f.ciso, &medsec.IncidentCreate{SiteID: f.main.ID, Title: "演練", Drill: true, Scenario: medsec.ScenarioRansomware})
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range inc.Checklist {
			if inc, err = f.svc.WaiveChecklistItem(f.ciso, inc.ID, inc.Version, it.Key, "drill"); err != nil {
				t.Fatal(err)
			}
		}
		if inc, err = f.svc.UpdateRecord(f.ciso, inc.ID, inc.Version, "c", "a", "r"); err != nil {
			t.Fatal(err)
		}
		if inc, err = f.svc.CloseIncident(f.ciso, inc.ID, inc.Version, leadingGroup); err != nil {
			t.Fatal(err)
		}
		if inc, err = f.svc.AddTask(f.soc, inc.ID, inc.Version, medsec.IncidentTask{Title: "演練改善：備份演練", Lesson: true}); err != nil {
			t.Fatal(err)
		}
		var template, lesson *medsec.IncidentTask
		for _, task := range inc.Tasks {
			switch {
			case task.Lesson:
				lesson = task
			case task.Key != "" && template == nil:
				template = task
			}
		}
		if template == nil || lesson == nil {
			t.Fatalf("tasks %+v", inc.Tasks)
		}
		if _, err := f.svc.CompleteTask(f.soc, inc.ID, inc.Version, template.ID, "done late"); fieldKey(err, "task_id") != "incident.err.task_closed" {
			t.Errorf("a closed drill's template task completed: %v", err)
		}
		if _, err := f.svc.CompleteTask(f.soc, inc.ID, inc.Version, lesson.ID, "備份演練完成"); err != nil {
			t.Errorf("a lesson learned after the close: %v", err)
		}
	})
}

// TestConfirmCurrentLevel (bt14f M2): a responder confirms the current level against the
// suggestion — a level-3 incident whose ongoing core outage is suggested level 1 — with a
// reason: the level and its clocks stay, the reason is recorded, and the timeline says
// which suggestion was weighed (the audit row with it). Both engines.
func TestConfirmCurrentLevel(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newIncidentFixture(t, db)
		inc, err := f.svc.CreateIncident(f.soc, &medsec.IncidentCreate{SiteID: f.main.ID, Title: "HIS 檢驗模組", Outage: medsec.OutageCore,
			AssetIDs: []int64{f.his.ID}, DetectedAt: f.now.Add(-5 * time.Hour), Level: 3, LevelReason: "僅檢驗模組"})
		if err != nil {
			t.Fatal(err)
		}
		clocks := len(inc.Clocks)
		if _, err := f.svc.ChangeLevel(f.soc, inc.ID, inc.Version, 3, ""); fieldKey(err, "reason") != "err.required" {
			t.Errorf("a confirmation without a reason: %v", err)
		}
		if inc, err = f.svc.ChangeLevel(f.soc, inc.ID, inc.Version, 3, "只影響檢驗模組，非全院核心業務"); err != nil {
			t.Fatal(err)
		}
		last := inc.Timeline[len(inc.Timeline)-1]
		if inc.Level != 3 || len(inc.Clocks) != clocks || inc.LevelReason != "只影響檢驗模組，非全院核心業務" || last.Msg == nil ||
			last.Msg.Key != "incident.tl.level_confirmed" || last.Msg.Args[0].Key != "incident.level.3" || last.Msg.Args[1].Key != "incident.level.1" || last.Text != inc.LevelReason {
			t.Errorf("confirmed: level %d, %d clocks (was %d), reason %q, timeline %+v %+v", inc.Level, len(inc.Clocks), clocks, inc.LevelReason, last, last.Msg)
		}
		entries, _, err := sqlstore.NewAuditService(db).FindAuditEntries(system, medsec.AuditFilter{Action: "incident.level"})
		if err != nil || len(entries) != 1 {
			t.Errorf("audit rows %d %v", len(entries), err)
		}
	})
}

// TestTaskAssigneeWorksIncidents (bt14f LOWs): a task is not handed to a medsec user whose
// role only reads incidents (the auditor, the director), added or assigned, naming the
// assignee; a task is not completed without a note. Both engines.
func TestTaskAssigneeWorksIncidents(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newIncidentFixture(t, db)
		users := sqlstore.NewUserService(db)
		for _, u := range []*medsec.User{
			{Username: "audit.lin", DisplayName: "Lin", Role: medsec.RoleAuditor},
			{Username: "director.chiang", DisplayName: "江文雄", Role: medsec.RoleLeadership},
		} {
			if err := users.CreateUser(system, u, "a long enough password"); err != nil {
				t.Fatal(err)
			}
		}
		inc, err := f.svc.CreateIncident(f.soc, &medsec.IncidentCreate{SiteID: f.main.ID, Title: "x", Scenario: medsec.ScenarioRansomware})
		if err != nil {
			t.Fatal(err)
		}
		for _, who := range []string{"audit.lin", "director.chiang"} {
			if _, err := f.svc.AddTask(f.soc, inc.ID, inc.Version, medsec.IncidentTask{Title: "重建 VLAN", Assignee: who}); fieldKey(err, "assignee") != "incident.err.assignee_read_only" {
				t.Errorf("add a task for %s: %v", who, err)
			}
			if _, err := f.svc.AssignTask(f.soc, inc.ID, inc.Version, inc.Tasks[0].ID, who); fieldKey(err, "assignee") != "incident.err.assignee_read_only" {
				t.Errorf("assign a task to %s: %v", who, err)
			}
		}
		if _, err := f.svc.CompleteTask(f.soc, inc.ID, inc.Version, inc.Tasks[0].ID, "  "); fieldKey(err, "note") != "err.required" {
			t.Errorf("a task completed without a note: %v", err)
		}
	})
}
