package sqlstore_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"medsec"
	"medsec/account"
	"medsec/sqlstore"
	"medsec/training"
)

// TestGovernanceCalendar generates every duty's item of the period at each site on both
// engines, computes states at the store's clock (2026-11-23): last month's monthly item
// overdue, this month's due soon, the yearly ones due soon at the year's end; records one
// done with its evidence (audited, refused twice, refused in the future or without
// evidence naming the field), and keeps a branch user to its site.
func TestGovernanceCalendar(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		main, branch := seedOrg(t, db)
		g := sqlstore.NewGovernanceService(db)
		n, err := g.EnsureGovernanceItems(system, time.Date(2026, 10, 15, 0, 0, 0, 0, time.UTC))
		if err != nil || n != 2*len(medsec.Duties) {
			t.Fatalf("ensure October: %d, %v", n, err)
		}
		if n, err = g.EnsureGovernanceItems(system, testNow); err != nil || n != 2*3 { // the monthly duties' November items
			t.Fatalf("ensure November: %d, %v", n, err)
		}
		if n, _ = g.EnsureGovernanceItems(system, testNow); n != 0 {
			t.Errorf("ensure again created %d", n)
		}
		items, err := g.FindGovernanceItems(system, medsec.GovernanceFilter{SiteID: main.ID, Kind: medsec.DutyLeadershipMeeting})
		if err != nil || len(items) != 2 {
			t.Fatalf("leadership meetings: %+v, %v", items, err)
		}
		oct, nov := items[0], items[1]
		if oct.Due.String() != "2026-10-31" || oct.State != medsec.GovernanceOverdue || nov.Due.String() != "2026-11-30" || nov.State != medsec.GovernanceDueSoon {
			t.Errorf("states: %+v %+v", oct, nov)
		}
		if !strings.Contains(oct.Clause, "003") {
			t.Errorf("clause %q", oct.Clause)
		}
		yearly, _ := g.FindGovernanceItems(system, medsec.GovernanceFilter{SiteID: main.ID, Kind: medsec.DutyPolicyReview})
		if len(yearly) != 1 || yearly[0].Due.String() != "2026-12-31" || yearly[0].PeriodStart.String() != "2026-01-01" {
			t.Errorf("policy review: %+v", yearly)
		}
		pentest, _ := g.FindGovernanceItems(system, medsec.GovernanceFilter{SiteID: main.ID, Kind: medsec.DutyPenTest})
		if len(pentest) != 1 || pentest[0].Due.String() != "2026-12-31" || pentest[0].PeriodStart.String() != "2026-10-01" {
			t.Errorf("pentest: %+v", pentest)
		}
		officer := as(&medsec.User{ID: 5, Username: "ciso", Role: medsec.RoleSecurityOfficer})
		day := medsec.DateOf(time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC))
		if _, err := g.CompleteGovernanceItem(officer, oct.ID, medsec.GovernanceCompletion{DoneOn: day, Record: "meeting held"}); !hasField(err, "evidence") {
			t.Errorf("no evidence: %v", err)
		}
		future := medsec.DateOf(testNow.AddDate(0, 0, 2))
		if _, err := g.CompleteGovernanceItem(officer, oct.ID, medsec.GovernanceCompletion{DoneOn: future, Record: "x", Evidence: "y"}); !hasField(err, "done_on") {
			t.Errorf("future day: %v", err)
		}
		branchUser := as(&medsec.User{ID: 6, Username: "br", Role: medsec.RoleSecurityOfficer, SiteIDs: []int64{branch.ID}})
		if _, err := g.CompleteGovernanceItem(branchUser, oct.ID, medsec.GovernanceCompletion{DoneOn: day, Record: "x", Evidence: "y"}); medsec.ErrorCode(err) != medsec.ENOTFOUND {
			t.Errorf("branch user on the main site's item: %v", err)
		}
		if _, err := g.CompleteGovernanceItem(as(&medsec.User{ID: 7, Username: "ce", Role: medsec.RoleClinicalEngineer}), oct.ID, medsec.GovernanceCompletion{DoneOn: day, Record: "x", Evidence: "y"}); medsec.ErrorCode(err) != medsec.EFORBIDDEN {
			t.Errorf("clinical engineer: %v", err)
		}
		it, err := g.CompleteGovernanceItem(officer, oct.ID, medsec.GovernanceCompletion{DoneOn: day, Record: "Leadership meeting of October", Evidence: "minutes MTG-10"})
		if err != nil || it.State != medsec.GovernanceDone || it.DoneBy != "ciso" || it.DoneOn != day {
			t.Fatalf("done: %+v, %v", it, err)
		}
		if _, err := g.CompleteGovernanceItem(officer, oct.ID, medsec.GovernanceCompletion{DoneOn: day, Record: "again", Evidence: "y"}); medsec.ErrorCode(err) != medsec.ECONFLICT {
			t.Errorf("done twice: %v", err)
		}
		if got, _ := g.FindGovernanceItems(branchUser, medsec.GovernanceFilter{}); len(got) != len(medsec.Duties)+3 {
			t.Errorf("branch user sees %d items", len(got))
		}
		if _, err := g.FindGovernanceItems(branchUser, medsec.GovernanceFilter{SiteID: main.ID}); medsec.ErrorCode(err) != medsec.ENOTFOUND {
			t.Errorf("branch user asking for the main site: %v", err)
		}
		if got, _ := g.FindGovernanceItems(system, medsec.GovernanceFilter{State: medsec.GovernanceOverdue}); len(got) != 2*3-1 {
			t.Errorf("overdue items: %d", len(got))
		}
		entries, _, err := sqlstore.NewAuditService(db).FindAuditEntries(system, medsec.AuditFilter{Action: medsec.ActionGovernanceDone})
		if err != nil || len(entries) != 1 || !strings.Contains(string(entries[0].After), "MTG-10") {
			t.Errorf("audit: %+v, %v", entries, err)
		}
	})
}

// TestTrainingHours imports attendance at a site on both engines and finds the people
// short of the hours they owe [003 §3.4.2]: a key role with 10 of 16 hours, a new hire
// with 3 of 8; an attendance file naming an unknown person is refused whole, naming its
// line and field; importing the same file again adds nothing.
func TestTrainingHours(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		main, branch := seedOrg(t, db)
		roster := "employee_no,name,status,joined,department\nI0031,陳建宏,active,2010-02-01,放射科\nN1305,王怡君,active,2026-03-01,\nN1022,張淑芬,active,2009-03-01,\n"
		if _, err := sqlstore.NewAccountService(db).ImportRoster(system, account.ReadRoster([]byte(roster), "roster.csv")); err != nil {
			t.Fatal(err)
		}
		staff, _ := sqlstore.NewAccountService(db).FindStaff(system)
		ids := map[string]int64{}
		for _, m := range staff {
			ids[m.Name] = m.PersonID
		}
		g := sqlstore.NewGovernanceService(db)
		branchUser := as(&medsec.User{ID: 6, Username: "br", Role: medsec.RoleSecurityOfficer, SiteIDs: []int64{branch.ID}})
		if err := g.SetKeyRole(branchUser, ids["陳建宏"], true); medsec.ErrorCode(err) != medsec.EFORBIDDEN {
			t.Errorf("branch user's key role: %v", err)
		}
		if err := g.SetKeyRole(system, ids["陳建宏"], true); err != nil {
			t.Fatal(err)
		}
		file := "課程,日期,時數,員工編號,姓名\n年度資安意識,2026-03-10,3,I0031,\n年度資安意識,2026-03-10,3,N1305,\n年度資安意識,2026-03-10,3,,張淑芬\n勒索軟體應變,2026-06-01,7,I0031,\n去年課程,2025-12-01,8,I0031,\n"
		imp := training.Read([]byte(file), "attendance.csv")
		imp.SiteID = main.ID
		res, err := g.ImportTraining(system, imp)
		if err != nil || res.Sessions != 3 || res.Attendances != 5 {
			t.Fatalf("import: %+v, %v", res, err)
		}
		if res, err = g.ImportTraining(system, imp); err != nil || res.Sessions != 0 || res.Attendances != 0 || res.Unchanged != 5 {
			t.Errorf("import again: %+v, %v", res, err)
		}
		bad := training.Read([]byte("課程,日期,時數,員工編號\n新課程,2026-07-01,2,I0031\n新課程,2026-07-01,2,X9999\n"), "bad.csv")
		bad.SiteID = main.ID
		if _, err := g.ImportTraining(system, bad); !hasField(err, "employee_no") || !strings.Contains(err.Error(), "3") {
			t.Errorf("unknown person: %v", err)
		}
		bad.SiteID = main.ID
		if _, err := g.ImportTraining(branchUser, imp); medsec.ErrorCode(err) != medsec.ENOTFOUND {
			t.Errorf("branch user importing at the main site: %v", err)
		}
		if ss, _ := g.FindTrainingSessions(system, main.ID, 2026); len(ss) != 2 || ss[0].Course != "勒索軟體應變" {
			t.Errorf("sessions of 2026: %+v", ss)
		}
		hs, err := g.TrainingHoursOf(system, main.ID, 2026)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]medsec.TrainingHours{}
		for _, h := range hs {
			got[h.Name] = h
		}
		if h := got["陳建宏"]; !h.KeyRole || h.Hours != 10 || h.Required != 16 || h.Short != 6 || h.Clause != "003 §3.4.2" {
			t.Errorf("key role: %+v", h)
		}
		if h := got["王怡君"]; !h.NewStaff || h.Hours != 3 || h.Required != 8 || h.Short != 5 {
			t.Errorf("new hire: %+v", h)
		}
		if h := got["張淑芬"]; h.Required != 0 || h.Short != 0 || h.Hours != 3 {
			t.Errorf("other staff: %+v", h)
		}
		if hs, _ := g.TrainingHoursOf(branchUser, 0, 2026); len(hs) != 0 {
			t.Errorf("branch user sees the main site's hours: %+v", hs)
		}
		entries, _, _ := sqlstore.NewAuditService(db).FindAuditEntries(system, medsec.AuditFilter{Action: medsec.ActionTrainingImport})
		if len(entries) != 2 {
			t.Errorf("import audit: %d", len(entries))
		}
	})
}

// hasField reports whether err is a validation error naming the field.
func hasField(err error, field string) bool {
	var ve *medsec.ValidationError
	if !errors.As(err, &ve) {
		return false
	}
	for _, fe := range ve.Errors {
		if fe.Field == field {
			return true
		}
	}
	return false
}

// TestContinuityDrills plans a drill on both engines and records its result: a partial
// result without findings is refused naming the field, a branch user cannot plan one on
// the main site's system, a result marks the site's continuity-drill item of the year
// done, and a second result is a conflict.
func TestContinuityDrills(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		main, branch := seedOrg(t, db)
		his := &medsec.Asset{SiteID: main.ID, Name: "HIS-DB", Kind: medsec.KindHIS}
		if err := sqlstore.NewAssetService(db).CreateAsset(system, his); err != nil {
			t.Fatal(err)
		}
		g := sqlstore.NewGovernanceService(db)
		if _, err := g.EnsureGovernanceItems(system, testNow); err != nil {
			t.Fatal(err)
		}
		branchUser := as(&medsec.User{ID: 6, Username: "br", Role: medsec.RoleSecurityOfficer, SiteIDs: []int64{branch.ID}})
		planned := medsec.DateOf(testNow.AddDate(0, 0, -3))
		if err := g.PlanContinuityDrill(branchUser, &medsec.ContinuityDrill{AssetID: his.ID, Scenario: "HIS down", Planned: planned}); medsec.ErrorCode(err) != medsec.ENOTFOUND {
			t.Errorf("branch user on the main site's system: %v", err)
		}
		if err := g.PlanContinuityDrill(system, &medsec.ContinuityDrill{SiteID: main.ID, Planned: planned}); !hasField(err, "scenario") {
			t.Errorf("no scenario: %v", err)
		}
		d := &medsec.ContinuityDrill{AssetID: his.ID, Scenario: "HIS database lost: paper prescriptions for 4 hours", Planned: planned}
		if err := g.PlanContinuityDrill(system, d); err != nil || d.SiteID != main.ID || d.AssetName != "HIS-DB" {
			t.Fatalf("plan: %+v, %v", d, err)
		}
		if _, err := g.RecordDrillResult(system, d.ID, medsec.DrillResult{RunOn: planned, Result: medsec.DrillPartial}); !hasField(err, "findings") {
			t.Errorf("partial without findings: %v", err)
		}
		if _, err := g.RecordDrillResult(branchUser, d.ID, medsec.DrillResult{RunOn: planned, Result: medsec.DrillPass}); medsec.ErrorCode(err) != medsec.ENOTFOUND {
			t.Errorf("branch user's result: %v", err)
		}
		got, err := g.RecordDrillResult(system, d.ID, medsec.DrillResult{RunOn: planned, Result: medsec.DrillPartial, Findings: "pharmacy fallback took 50 minutes"})
		if err != nil || got.Result != medsec.DrillPartial || got.RunOn != planned {
			t.Fatalf("result: %+v, %v", got, err)
		}
		if _, err := g.RecordDrillResult(system, d.ID, medsec.DrillResult{RunOn: planned, Result: medsec.DrillPass}); medsec.ErrorCode(err) != medsec.ECONFLICT {
			t.Errorf("second result: %v", err)
		}
		items, _ := g.FindGovernanceItems(system, medsec.GovernanceFilter{SiteID: main.ID, Kind: medsec.DutyContinuityDrill})
		// The item keeps the run as data (the drill's result code and findings), shown in
		// the reader's language; its record holds no raw code (was "… — partial: …").
		if len(items) != 1 || items[0].State != medsec.GovernanceDone || items[0].DrillResult != medsec.DrillPartial || items[0].DrillFindings != "pharmacy fallback took 50 minutes" ||
			items[0].DrillScenario != d.Scenario || strings.Contains(items[0].Record, "partial") || items[0].DoneOn != planned || items[0].DrillID != d.ID {
			t.Errorf("calendar item: %+v", items)
		}
		other, _ := g.FindGovernanceItems(system, medsec.GovernanceFilter{SiteID: branch.ID, Kind: medsec.DutyContinuityDrill})
		if len(other) != 1 || other[0].State == medsec.GovernanceDone {
			t.Errorf("branch calendar item: %+v", other)
		}
		if ds, _ := g.FindContinuityDrills(branchUser, 0); len(ds) != 0 {
			t.Errorf("branch user sees %+v", ds)
		}
	})
}

// TestDrillCalendarLinkByID links a continuity-drill calendar item to the drill whose run
// did it by the drill's ID, on both engines: at the branch a user records the item done by
// hand with evidence reading like a drill's ("continuity drill N" of the main site's drill)
// and the item names no drill (it named drill N when items were linked by evidence text);
// at the main site the drill's run links the item whatever its evidence says.
func TestDrillCalendarLinkByID(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		main, branch := seedOrg(t, db)
		g := sqlstore.NewGovernanceService(db)
		if _, err := g.EnsureGovernanceItems(system, testNow); err != nil {
			t.Fatal(err)
		}
		day := medsec.DateOf(testNow.AddDate(0, 0, -2))
		d := &medsec.ContinuityDrill{SiteID: main.ID, Scenario: "PACS archive unreachable", Planned: day}
		if err := g.PlanContinuityDrill(system, d); err != nil {
			t.Fatal(err)
		}
		if _, err := g.RecordDrillResult(system, d.ID, medsec.DrillResult{RunOn: day, Result: medsec.DrillPass}); err != nil {
			t.Fatal(err)
		}
		items, _ := g.FindGovernanceItems(system, medsec.GovernanceFilter{SiteID: main.ID, Kind: medsec.DutyContinuityDrill})
		if len(items) != 1 || items[0].DrillID != d.ID || items[0].DrillScenario != d.Scenario || items[0].DrillResult != medsec.DrillPass {
			t.Fatalf("main site's item: %+v", items)
		}
		br, _ := g.FindGovernanceItems(system, medsec.GovernanceFilter{SiteID: branch.ID, Kind: medsec.DutyContinuityDrill})
		if len(br) != 1 {
			t.Fatalf("branch items: %+v", br)
		}
		done, err := g.CompleteGovernanceItem(system, br[0].ID, medsec.GovernanceCompletion{DoneOn: day, Record: "tabletop exercise with the ward", Evidence: medsec.DrillEvidence(d.ID)})
		if err != nil {
			t.Fatal(err)
		}
		if done.DrillID != 0 || done.DrillScenario != "" || done.Record != "tabletop exercise with the ward" {
			t.Errorf("hand-recorded item links a drill by its evidence text: %+v", done)
		}
		br, _ = g.FindGovernanceItems(system, medsec.GovernanceFilter{SiteID: branch.ID, Kind: medsec.DutyContinuityDrill})
		if len(br) != 1 || br[0].DrillID != 0 {
			t.Errorf("branch item listed: %+v", br)
		}
	})
}

// TestMLPSEventsCreateDuties records 等保 events at a mainland site on both engines (store
// clock Monday 2026-11-23) and finds the calendar items they owe [002 第六条(二), (四)]: a
// level-3 grading on Friday 2026-11-20 owes its filing 10 working days later on the CN
// calendar (2026-12-07: the holiday of 2026-11-25 moves it a day; due soon) and its first
// assessment within a year (planned); a grading on 2026-10-01 is filed late (overdue) and
// recorded done with evidence; a change owes the re-filing; a level-2 system with 100,000
// people is assessed within 3 years, a level-1 one owes nothing; two systems graded on
// one day each get their items. Refused naming the field: a Taiwan site, a day in the
// future, a second grading, a change of a system never graded, a change without a note;
// a branch user does not see the site, a clinical engineer may not record; audited.
func TestMLPSEventsCreateDuties(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		tw, branch := seedOrg(t, db)
		cn := &medsec.Site{Code: "SZ", Name: "苏州合作院区", Jurisdiction: medsec.JurisdictionCN}
		if err := sqlstore.NewOrgService(db).CreateSite(system, cn); err != nil {
			t.Fatal(err)
		}
		if err := sqlstore.NewIncidentService(db).ImportHolidays(system, medsec.JurisdictionCN, []medsec.Holiday{{Date: mustDate(t, "2026-11-25"), Name: "调休"}}); err != nil {
			t.Fatal(err)
		}
		g := sqlstore.NewGovernanceService(db)
		officer := as(&medsec.User{ID: 5, Username: "ciso", Role: medsec.RoleSecurityOfficer})
		his := &medsec.MLPSEvent{SiteID: cn.ID, System: "HIS 医院信息系统", Kind: medsec.MLPSGrading, Level: 3, On: mustDate(t, "2026-11-20")}
		if err := g.RecordMLPSEvent(officer, his); err != nil {
			t.Fatal(err)
		}
		if len(his.Items) != 2 || his.Items[0].Kind != medsec.DutyMLPSFiling || his.Items[0].Due.String() != "2026-12-07" || his.Items[0].State != medsec.GovernanceDueSoon ||
			his.Items[1].Kind != medsec.DutyMLPSAssessment || his.Items[1].Due.String() != "2027-11-20" || his.Items[1].State != medsec.GovernancePlanned {
			t.Fatalf("grading's items: %+v", his.Items)
		}
		if !strings.Contains(his.Items[0].Clause, "10个工作日") || his.Items[0].System != "HIS 医院信息系统" || his.Items[0].Level != 3 || his.Items[0].EventID != his.ID {
			t.Errorf("filing item: %+v", his.Items[0])
		}
		cal, err := g.FindGovernanceItems(system, medsec.GovernanceFilter{SiteID: cn.ID, Kind: medsec.DutyMLPSFiling})
		if err != nil || len(cal) != 1 || cal[0].ID != his.Items[0].ID || cal[0].PeriodStart.String() != "2026-11-20" {
			t.Fatalf("calendar: %+v, %v", cal, err)
		}
		lis := &medsec.MLPSEvent{SiteID: cn.ID, System: "LIS", Kind: medsec.MLPSGrading, Level: 2, People: 100000, On: mustDate(t, "2026-11-20")}
		if err := g.RecordMLPSEvent(officer, lis); err != nil || len(lis.Items) != 2 || lis.Items[1].Due.String() != "2029-11-20" {
			t.Fatalf("level 2 graded the same day: %+v, %v", lis.Items, err)
		}
		oa := &medsec.MLPSEvent{SiteID: cn.ID, System: "OA", Kind: medsec.MLPSGrading, Level: 1, On: mustDate(t, "2026-11-20")}
		if err := g.RecordMLPSEvent(officer, oa); err != nil || len(oa.Items) != 0 {
			t.Errorf("level 1: %+v, %v", oa.Items, err)
		}
		pacs := &medsec.MLPSEvent{SiteID: cn.ID, System: "PACS", Kind: medsec.MLPSGrading, Level: 3, On: mustDate(t, "2026-10-01")}
		if err := g.RecordMLPSEvent(officer, pacs); err != nil || pacs.Items[0].Due.String() != "2026-10-15" || pacs.Items[0].State != medsec.GovernanceOverdue {
			t.Fatalf("late filing: %+v, %v", pacs.Items, err)
		}
		done, err := g.CompleteGovernanceItem(officer, pacs.Items[0].ID, medsec.GovernanceCompletion{DoneOn: mustDate(t, "2026-11-02"), Record: "备案表已递交市公安局网安支队", Evidence: "备案证明 32050013001-26001"})
		if err != nil || done.State != medsec.GovernanceDone || done.System != "PACS" {
			t.Errorf("filing done: %+v, %v", done, err)
		}
		change := &medsec.MLPSEvent{SiteID: cn.ID, System: "PACS", Kind: medsec.MLPSChange, Level: 2, On: mustDate(t, "2026-11-23"), Note: "影像归档迁至区域影像平台,定级降为第二级"}
		if err := g.RecordMLPSEvent(officer, change); err != nil || len(change.Items) != 1 || change.Items[0].Kind != medsec.DutyMLPSRefiling || change.Items[0].Due.String() != "2026-12-08" {
			t.Fatalf("change: %+v, %v", change.Items, err)
		}
		for name, c := range map[string]struct {
			e     medsec.MLPSEvent
			field string
		}{
			"taiwan site":  {medsec.MLPSEvent{SiteID: tw.ID, System: "HIS", Kind: medsec.MLPSGrading, Level: 3, On: mustDate(t, "2026-11-20")}, "site_id"},
			"future":       {medsec.MLPSEvent{SiteID: cn.ID, System: "EMR", Kind: medsec.MLPSGrading, Level: 3, On: mustDate(t, "2026-11-25")}, "on"},
			"graded twice": {medsec.MLPSEvent{SiteID: cn.ID, System: "HIS 医院信息系统", Kind: medsec.MLPSGrading, Level: 3, On: mustDate(t, "2026-11-21")}, "system"},
			"never graded": {medsec.MLPSEvent{SiteID: cn.ID, System: "EMR", Kind: medsec.MLPSChange, Level: 3, On: mustDate(t, "2026-11-21"), Note: "x"}, "system"},
			"no note":      {medsec.MLPSEvent{SiteID: cn.ID, System: "LIS", Kind: medsec.MLPSChange, Level: 3, On: mustDate(t, "2026-11-21")}, "note"},
			"level 6":      {medsec.MLPSEvent{SiteID: cn.ID, System: "EMR", Kind: medsec.MLPSGrading, Level: 6, On: mustDate(t, "2026-11-21")}, "level"},
		} {
			if err := g.RecordMLPSEvent(officer, &c.e); !hasField(err, c.field) {
				t.Errorf("%s: %v", name, err)
			}
		}
		branchUser := as(&medsec.User{ID: 6, Username: "br", Role: medsec.RoleSecurityOfficer, SiteIDs: []int64{branch.ID}})
		if err := g.RecordMLPSEvent(branchUser, &medsec.MLPSEvent{SiteID: cn.ID, System: "EMR", Kind: medsec.MLPSGrading, Level: 3, On: mustDate(t, "2026-11-20")}); medsec.ErrorCode(err) != medsec.ENOTFOUND {
			t.Errorf("branch user: %v", err)
		}
		if evs, err := g.FindMLPSEvents(branchUser, 0); err != nil || len(evs) != 0 {
			t.Errorf("branch user sees %+v, %v", evs, err)
		}
		if err := g.RecordMLPSEvent(as(&medsec.User{ID: 7, Username: "ce", Role: medsec.RoleClinicalEngineer}), &medsec.MLPSEvent{SiteID: cn.ID, System: "EMR", Kind: medsec.MLPSGrading, Level: 3, On: mustDate(t, "2026-11-20")}); medsec.ErrorCode(err) != medsec.EFORBIDDEN {
			t.Errorf("clinical engineer: %v", err)
		}
		evs, err := g.FindMLPSEvents(system, cn.ID)
		if err != nil || len(evs) != 5 || evs[0].ID != change.ID || len(evs[0].Items) != 1 || evs[len(evs)-1].ID != pacs.ID || evs[len(evs)-1].Items[0].State != medsec.GovernanceDone {
			t.Errorf("events: %+v, %v", evs, err)
		}
		// The hourly calendar run leaves the event items alone and adds its own.
		if _, err := g.EnsureGovernanceItems(system, testNow); err != nil {
			t.Fatal(err)
		}
		if got, _ := g.FindGovernanceItems(system, medsec.GovernanceFilter{SiteID: cn.ID, Kind: medsec.DutyMLPSFiling}); len(got) != 3 {
			t.Errorf("filings after ensure: %d", len(got))
		}
		entries, _, err := sqlstore.NewAuditService(db).FindAuditEntries(system, medsec.AuditFilter{Action: medsec.ActionMLPSRecord})
		if err != nil || len(entries) != 5 || !strings.Contains(string(entries[0].After), "PACS") {
			t.Errorf("audit: %d, %v", len(entries), err)
		}
	})
}

// TestDutyCadenceHospitalChoice: on both engines, a duty the seeds leave to the hospital
// (the access review) reads as medsec's default until a site chooses its own cadence with
// a reason; then that site's later items follow it (monthly), said as the hospital's
// choice with who and why, while the other site keeps the quarterly default; a seed's own
// cadence (the penetration test) is refused naming kind, 5 months naming cadence_months,
// no reason naming reason; a branch user does not see the site, a clinical engineer may
// not change it; the default again clears the choice; a continuity drill run marks the
// item of the site's chosen half-year; audited.
func TestDutyCadenceHospitalChoice(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		main, branch := seedOrg(t, db)
		g := sqlstore.NewGovernanceService(db)
		officer := as(&medsec.User{ID: 5, Username: "ciso", Role: medsec.RoleSecurityOfficer})
		if _, err := g.EnsureGovernanceItems(system, time.Date(2026, 10, 15, 0, 0, 0, 0, time.UTC)); err != nil {
			t.Fatal(err)
		}
		items, _ := g.FindGovernanceItems(system, medsec.GovernanceFilter{SiteID: main.ID, Kind: medsec.DutyAccessReview})
		if len(items) != 1 || items[0].CadenceBasis != medsec.CadenceMedsecDefault || items[0].CadenceMonths != 3 {
			t.Fatalf("default: %+v", items)
		}
		if scans, _ := g.FindGovernanceItems(system, medsec.GovernanceFilter{SiteID: main.ID, Kind: medsec.DutyPenTest}); scans[0].CadenceBasis != medsec.CadenceSeed {
			t.Errorf("pentest basis %q", scans[0].CadenceBasis)
		}
		for name, c := range map[string]struct {
			c     medsec.CadenceChange
			field string
		}{
			"seed's":    {medsec.CadenceChange{SiteID: main.ID, Kind: medsec.DutyPenTest, CadenceMonths: 6, Reason: "x"}, "kind"},
			"5 months":  {medsec.CadenceChange{SiteID: main.ID, Kind: medsec.DutyAccessReview, CadenceMonths: 5, Reason: "x"}, "cadence_months"},
			"no reason": {medsec.CadenceChange{SiteID: main.ID, Kind: medsec.DutyAccessReview, CadenceMonths: 1}, "reason"},
			"event":     {medsec.CadenceChange{SiteID: main.ID, Kind: medsec.DutyMLPSFiling, CadenceMonths: 1, Reason: "x"}, "kind"},
		} {
			if _, err := g.SetDutyCadence(officer, c.c); !hasField(err, c.field) {
				t.Errorf("%s: %v", name, err)
			}
		}
		branchUser := as(&medsec.User{ID: 6, Username: "br", Role: medsec.RoleSecurityOfficer, SiteIDs: []int64{branch.ID}})
		monthly := medsec.CadenceChange{SiteID: main.ID, Kind: medsec.DutyAccessReview, CadenceMonths: 1, Reason: "ICU 人員流動大,帳號每月盤點"}
		if _, err := g.SetDutyCadence(branchUser, monthly); medsec.ErrorCode(err) != medsec.ENOTFOUND {
			t.Errorf("branch user: %v", err)
		}
		if _, err := g.SetDutyCadence(as(&medsec.User{ID: 7, Username: "ce", Role: medsec.RoleClinicalEngineer}), monthly); medsec.ErrorCode(err) != medsec.EFORBIDDEN {
			t.Errorf("clinical engineer: %v", err)
		}
		dc, err := g.SetDutyCadence(officer, monthly)
		if err != nil || dc.Basis != medsec.CadenceHospital || dc.CadenceMonths != 1 || dc.DefaultMonths != 3 || dc.SetBy != "ciso" || dc.Reason != monthly.Reason {
			t.Fatalf("set: %+v, %v", dc, err)
		}
		drills := medsec.CadenceChange{SiteID: main.ID, Kind: medsec.DutyContinuityDrill, CadenceMonths: 6, Reason: "PACS 與 HIS 各半年演練一次"}
		if _, err := g.SetDutyCadence(officer, drills); err != nil {
			t.Fatal(err)
		}
		if _, err := g.EnsureGovernanceItems(system, testNow); err != nil {
			t.Fatal(err)
		}
		got, _ := g.FindGovernanceItems(system, medsec.GovernanceFilter{SiteID: main.ID, Kind: medsec.DutyAccessReview})
		if len(got) != 2 || got[0].PeriodStart.String() != "2026-11-01" || got[0].Due.String() != "2026-11-30" || got[0].CadenceBasis != medsec.CadenceHospital || got[0].CadenceMonths != 1 {
			t.Errorf("main site's access reviews: %+v", got)
		}
		if other, _ := g.FindGovernanceItems(system, medsec.GovernanceFilter{SiteID: branch.ID, Kind: medsec.DutyAccessReview}); len(other) != 1 || other[0].CadenceBasis != medsec.CadenceMedsecDefault {
			t.Errorf("branch's access reviews: %+v", other)
		}
		cads, err := g.FindDutyCadences(officer, main.ID)
		if err != nil || len(cads) != len(medsec.Duties) {
			t.Fatalf("cadences: %+v, %v", cads, err)
		}
		if _, err := g.FindDutyCadences(branchUser, main.ID); medsec.ErrorCode(err) != medsec.ENOTFOUND {
			t.Errorf("branch user reads: %v", err)
		}
		d := &medsec.ContinuityDrill{SiteID: main.ID, Scenario: "HIS 中斷", Planned: medsec.DateOf(testNow.AddDate(0, 0, -2))}
		if err := g.PlanContinuityDrill(officer, d); err != nil {
			t.Fatal(err)
		}
		if _, err := g.RecordDrillResult(officer, d.ID, medsec.DrillResult{RunOn: d.Planned, Result: medsec.DrillPass}); err != nil {
			t.Fatal(err)
		}
		half, _ := g.FindGovernanceItems(system, medsec.GovernanceFilter{SiteID: main.ID, Kind: medsec.DutyContinuityDrill, State: medsec.GovernanceDone})
		if len(half) == 0 {
			t.Errorf("the drill marked no item of the chosen cadence")
		}
		if dc, err = g.SetDutyCadence(officer, medsec.CadenceChange{SiteID: main.ID, Kind: medsec.DutyAccessReview, CadenceMonths: 3, Reason: "回到季度盤點"}); err != nil || dc.Basis != medsec.CadenceMedsecDefault || dc.SetBy != "" {
			t.Errorf("back to the default: %+v, %v", dc, err)
		}
		entries, _, err := sqlstore.NewAuditService(db).FindAuditEntries(system, medsec.AuditFilter{Action: medsec.ActionGovernanceCadence})
		if err != nil || len(entries) != 3 || !strings.Contains(string(entries[len(entries)-1].After), "ICU") {
			t.Errorf("audit: %d %v", len(entries), err)
		}
	})
}

// TestMLPSTodayIsTheSitesDate: a mainland-China site that keeps Los Angeles time records
// a grading by its own date. At 02:00 UTC on 2026-11-25 it is already the 25th in Shanghai
// but still the 24th at the site, so a grading on the 25th is in the future there and a
// grading on the 24th is not (counted by the jurisdiction calendar's zone before).
func TestMLPSTodayIsTheSitesDate(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		db.Now = func() time.Time { return time.Date(2026, 11, 25, 2, 0, 0, 0, time.UTC) }
		cn := &medsec.Site{Code: "SZ", Name: "苏州合作院区", Jurisdiction: medsec.JurisdictionCN, TimeZone: "America/Los_Angeles"}
		if err := sqlstore.NewOrgService(db).CreateSite(system, cn); err != nil {
			t.Fatal(err)
		}
		g := sqlstore.NewGovernanceService(db)
		future := &medsec.MLPSEvent{SiteID: cn.ID, System: "HIS", Kind: medsec.MLPSGrading, Level: 3, On: mustDate(t, "2026-11-25")}
		if err := g.RecordMLPSEvent(system, future); !hasField(err, "on") {
			t.Errorf("grading on the site's tomorrow: %v", err)
		}
		today := &medsec.MLPSEvent{SiteID: cn.ID, System: "HIS", Kind: medsec.MLPSGrading, Level: 3, On: mustDate(t, "2026-11-24")}
		if err := g.RecordMLPSEvent(system, today); err != nil || len(today.Items) == 0 || today.Items[0].Due.String() != "2026-12-08" {
			t.Errorf("grading on the site's today: %+v, %v", today.Items, err)
		}
	})
}
