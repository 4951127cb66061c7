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
	mhttp "medsec/http"
	"medsec/sqlstore"
)

// TestDemoGovernance loads the demo hospital and finds the calendar and training states
// the demo promises, then reads them from the command line: an overdue penetration test,
// a leadership meeting recorded done with its evidence, and people short of training
// hours (the radiology doctor with a key role, the nurse who joined this year); the
// command line records a duty done and refuses a training file naming an unknown person
// by its line.
func TestDemoGovernance(t *testing.T) {
	ctx := asSystem(context.Background())
	dir := t.TempDir()
	db, err := sqlstore.Open(ctx, filepath.Join(dir, "medsec.db"))
	if err != nil {
		t.Fatal(err)
	}
	gov := sqlstore.NewGovernanceService(db)
	s := mhttp.Services{Assets: sqlstore.NewAssetService(db), Org: sqlstore.NewOrgService(db), Users: sqlstore.NewUserService(db), Audit: sqlstore.NewAuditService(db),
		Discovery: sqlstore.NewDiscoveryService(db), Zones: sqlstore.NewZoneService(db), Components: sqlstore.NewComponentService(db), Scans: sqlstore.NewScanService(db),
		Accounts: sqlstore.NewAccountService(db), Governance: gov}
	if s.Assessments, err = newAssessmentService(db, dir); err != nil {
		t.Fatal(err)
	}
	if loaded, err := loadDemoHospital(ctx, s); err != nil || !loaded {
		t.Fatalf("load: %v, %v", loaded, err)
	}
	overdue, err := gov.FindGovernanceItems(ctx, medsec.GovernanceFilter{State: medsec.GovernanceOverdue, Kind: medsec.DutyPenTest})
	if err != nil || len(overdue) == 0 {
		t.Errorf("no overdue penetration test: %v", err)
	}
	done, _ := gov.FindGovernanceItems(ctx, medsec.GovernanceFilter{State: medsec.GovernanceDone, Kind: medsec.DutyLeadershipMeeting})
	if len(done) == 0 || !strings.Contains(done[0].Evidence, "MTG") {
		t.Errorf("no leadership meeting done: %+v", done)
	}
	drills, _ := gov.FindContinuityDrills(ctx, 0)
	if len(drills) != 2 || drills[1].Result != medsec.DrillPartial || drills[0].Result != "" {
		t.Errorf("demo drills: %+v", drills)
	}
	late, _ := gov.FindGovernanceItems(ctx, medsec.GovernanceFilter{State: medsec.GovernanceOverdue, Kind: medsec.DutyMLPSFiling})
	if len(late) != 1 || !strings.Contains(late[0].System, "PACS") {
		t.Errorf("no late 等保 filing of the PACS: %+v", late)
	}
	if len(late) == 1 {
		// The partner campus, created by the demo after the calendar was made, has its
		// recurring duties of this period at once (before: only after the hourly job).
		if cal, _ := gov.FindGovernanceItems(ctx, medsec.GovernanceFilter{SiteID: late[0].SiteID, Kind: medsec.DutyLeadershipMeeting}); len(cal) != 1 {
			t.Errorf("the mainland campus's leadership meetings: %+v", cal)
		}
	}
	if soon, _ := gov.FindGovernanceItems(ctx, medsec.GovernanceFilter{State: medsec.GovernanceDueSoon, Kind: medsec.DutyMLPSRefiling}); len(soon) != 1 || !strings.Contains(soon[0].System, "LIS") {
		t.Errorf("no LIS re-filing due soon: %+v", soon)
	}
	db.Close()

	var out bytes.Buffer
	cli := func(name string, args ...string) error {
		out.Reset()
		run := runGovernance
		if name == "training" {
			run = runTraining
		}
		return run(context.Background(), append([]string{args[0], "--data", dir}, args[1:]...), &out, io.Discard)
	}
	if err := cli("training", "hours", "--short"); err != nil || !strings.Contains(out.String(), "黃俊傑") || !strings.Contains(out.String(), "王怡君") || strings.Contains(out.String(), "陳建宏") {
		t.Errorf("hours --short: %v\n%s", err, out.String())
	}
	if err := cli("governance", "list", "--state", "overdue"); err != nil || !strings.Contains(out.String(), "pentest") {
		t.Errorf("list: %v\n%s", err, out.String())
	}
	if err := cli("governance", "done", "--user", "nobody", "--item", "1", "--on", "2026-01-01", "--record", "x", "--evidence", "y"); err == nil {
		t.Error("an unknown user recorded a duty")
	}
	if err := cli("governance", "drill-result", "--drill", "2", "--on", "2026-01-01", "--result", "fail"); err == nil || !strings.Contains(err.Error(), "findings") {
		t.Errorf("failed drill without findings: %v", err)
	}
	if err := cli("governance", "drills"); err != nil || !strings.Contains(out.String(), "HIS") {
		t.Errorf("drills: %v\n%s", err, out.String())
	}
	if err := cli("governance", "mlps"); err != nil || !strings.Contains(out.String(), "mlps_refiling") || !strings.Contains(out.String(), "HIS 医院信息系统") {
		t.Errorf("mlps: %v\n%s", err, out.String())
	}
	if err := cli("governance", "mlps-record", "--site", "1", "--system", "HIS", "--level", "3", "--on", "2026-01-05"); err == nil || !strings.Contains(err.Error(), "site_id") {
		t.Errorf("等保 at a Taiwan site: %v", err)
	}
	if err := cli("governance", "mlps-record", "--site", "3", "--system", "EMR 电子病历", "--level", "3", "--on", "2026-01-05"); err != nil || !strings.Contains(out.String(), "mlps_filing due 2026-01-19") {
		t.Errorf("mlps-record: %v\n%s", err, out.String())
	}
	if err := cli("governance", "cadence", "--site", "1", "--kind", "pentest", "--months", "6", "--reason", "x"); err == nil || !strings.Contains(err.Error(), "kind") {
		t.Errorf("seed's cadence changed: %v", err)
	}
	if err := cli("governance", "cadence", "--site", "1", "--kind", "log_review", "--months", "2", "--reason", "每兩個月與稽核室共同審查"); err != nil || !strings.Contains(out.String(), "hospital") {
		t.Errorf("cadence: %v\n%s", err, out.String())
	}
	if err := cli("governance", "cadences", "--site", "1"); err != nil || !strings.Contains(out.String(), "medsec_default") || !strings.Contains(out.String(), "稽核室") {
		t.Errorf("cadences: %v\n%s", err, out.String())
	}
	if err := cli("governance", "list", "--kind", "access_review"); err != nil || !strings.Contains(out.String(), "3m medsec_default") {
		t.Errorf("list says whose the cadence is: %v\n%s", err, out.String())
	}
	file := filepath.Join(t.TempDir(), "t.csv")
	os.WriteFile(file, []byte("course,date,hours,employee_no\nA,2026-02-01,2,NOPE\n"), 0o600)
	if err := cli("training", "import", "--site", "1", file); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("unknown person: %v", err)
	}
}
