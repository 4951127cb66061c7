package sqlstore_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"medsec"
	"medsec/notify"
	"medsec/sqlstore"
	"medsec/vuln"
)

// TestScanSchedule follows the scan cadences on a settable clock: a core system (HIS) is
// due monthly (003 §3.2.2), a boundary host at 高 yearly (000 附表一 漏洞修補 高 二), a
// boundary host at 普 and a modality not at all. From imported reports (the newest
// covering report counts) each is ok, due soon, overdue or never scanned; the site sums,
// the compliance checks of tw-si-1.h and ir-3.2.2-3, the notifications (once per state of
// a site's group) and a site-limited user's view follow.
func TestScanSchedule(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		main, branch := seedOrg(t, db)
		assets := sqlstore.NewAssetService(db)
		mk := func(a *medsec.Asset) *medsec.Asset {
			if err := assets.CreateAsset(system, a); err != nil {
				t.Fatal(err)
			}
			return a
		}
		his := mk(&medsec.Asset{SiteID: main.ID, Name: "HIS-1", Kind: medsec.KindHIS, IPs: []string{"10.0.0.10"}})
		gw := mk(&medsec.Asset{SiteID: main.ID, Name: "GW-1", Kind: medsec.KindEdgeGateway, Class: medsec.ClassBoundary, Level: medsec.LevelHigh, IPs: []string{"10.0.0.20"}})
		mk(&medsec.Asset{SiteID: main.ID, Name: "GW-low", Kind: medsec.KindEdgeGateway, Class: medsec.ClassBoundary, Level: medsec.LevelLow, IPs: []string{"10.0.0.21"}})
		mk(&medsec.Asset{SiteID: main.ID, Name: "XR-1", Kind: medsec.KindModality, IPs: []string{"10.0.0.30"}})
		pacs := mk(&medsec.Asset{SiteID: branch.ID, Name: "PACS-BR", Kind: medsec.KindPACS, IPs: []string{"10.1.0.10"}})
		svc := sqlstore.NewScanService(db)

		t0 := testNow
		scan := func(at time.Time, addrs ...string) {
			imp := medsec.ScanImport{Format: "openvas", Scanner: "OpenVAS", FileName: "scan.xml", SHA256: at.Format(time.RFC3339) + strings.Join(addrs, ","), ScannedAt: at}
			for _, a := range addrs {
				imp.Hosts = append(imp.Hosts, medsec.ScanHost{Address: a})
			}
			if _, err := svc.ImportScan(system, imp); err != nil {
				t.Fatal(err)
			}
		}
		// An older report, then the one that counts; the newer one imported first.
		scan(t0, "10.0.0.10", "10.0.0.20")
		scan(t0.AddDate(0, 0, -50), "10.0.0.10")

		at := func(d time.Duration) *medsec.ScanSchedule {
			t.Helper()
			db.Now = func() time.Time { return t0.Add(d) }
			s, err := svc.ScanSchedule(system, medsec.ScanScheduleFilter{})
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		state := func(s *medsec.ScanSchedule, asset int64, req string) medsec.AssetScanDue {
			for _, d := range s.Assets {
				if d.AssetID == asset && d.Requirement == req {
					return d
				}
			}
			return medsec.AssetScanDue{State: "not subject"}
		}
		day := 24 * time.Hour
		s := at(20 * day)
		if len(s.Assets) != 3 {
			t.Errorf("%d rows, want HIS monthly, GW-1 yearly, PACS monthly: %+v", len(s.Assets), s.Assets)
		}
		if d := state(s, his.ID, vuln.ScanMonthly); d.State != medsec.ScanOK || !d.LastScanAt.Equal(t0) || !d.DueAt.Equal(t0.AddDate(0, 1, 0)) || d.LastScanner != "OpenVAS" {
			t.Errorf("HIS at day 20: %+v", d)
		}
		if d := state(s, gw.ID, vuln.ScanYearly); d.State != medsec.ScanOK || !d.DueAt.Equal(t0.AddDate(1, 0, 0)) {
			t.Errorf("GW-1 at day 20: %+v", d)
		}
		if d := state(s, pacs.ID, vuln.ScanMonthly); d.State != medsec.ScanNever || s.Assets[0].AssetID != pacs.ID {
			t.Errorf("PACS never scanned, first: %+v (%+v)", d, s.Assets[0])
		}
		for _, sum := range s.Sites {
			want := medsec.SiteScanSummary{SiteID: main.ID, SiteName: main.Name, Requirement: vuln.ScanMonthly, Assets: 1, OK: 1, OldestScan: t0, NextDue: t0.AddDate(0, 1, 0)}
			if sum.SiteID == branch.ID {
				want = medsec.SiteScanSummary{SiteID: branch.ID, SiteName: branch.Name, Requirement: vuln.ScanMonthly, Assets: 1, Never: 1}
			} else if sum.Requirement == vuln.ScanYearly {
				want = medsec.SiteScanSummary{SiteID: main.ID, SiteName: main.Name, Requirement: vuln.ScanYearly, Assets: 1, OK: 1, OldestScan: t0, NextDue: t0.AddDate(1, 0, 0)}
			}
			if sum != want {
				t.Errorf("site sum %+v, want %+v", sum, want)
			}
		}
		if d := state(at(26*day), his.ID, vuln.ScanMonthly); d.State != medsec.ScanDueSoon {
			t.Errorf("HIS at day 26: %s, want due soon", d.State)
		}
		s = at(31 * day)
		if d := state(s, his.ID, vuln.ScanMonthly); d.State != medsec.ScanOverdue {
			t.Errorf("HIS at day 31: %s, want overdue", d.State)
		}
		if d := state(s, gw.ID, vuln.ScanYearly); d.State != medsec.ScanOK {
			t.Errorf("GW-1 at day 31: %s", d.State)
		}
		if d := state(at(340*day), gw.ID, vuln.ScanYearly); d.State != medsec.ScanDueSoon {
			t.Errorf("GW-1 at day 340: %s, want due soon", d.State)
		}
		if d := state(at(366*day), gw.ID, vuln.ScanYearly); d.State != medsec.ScanOverdue {
			t.Errorf("GW-1 a year on: %s, want overdue", d.State)
		}

		// The filter, and a user of the branch sees its site only.
		db.Now = func() time.Time { return t0.Add(31 * day) }
		late, err := svc.ScanSchedule(system, medsec.ScanScheduleFilter{State: medsec.ScanOverdue})
		if err != nil || len(late.Assets) != 1 || late.Assets[0].AssetID != his.ID {
			t.Errorf("overdue only: %+v %v", late, err)
		}
		br := as(&medsec.User{ID: 9, Username: "ce", Role: medsec.RoleClinicalEngineer, SiteIDs: []int64{branch.ID}})
		if s, err := svc.ScanSchedule(br, medsec.ScanScheduleFilter{}); err != nil || len(s.Assets) != 1 || len(s.Sites) != 1 || s.Sites[0].SiteID != branch.ID {
			t.Errorf("branch user: %+v %v", s, err)
		}

		// The compliance checks of the controls that ask the scans.
		check := func(asset int64, id string) medsec.CheckResult {
			t.Helper()
			ac, err := newAssessmentService(t, db).AssetControls(system, asset)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range ac.Checks {
				if r.CheckID == vuln.CheckScanPrefix+id {
					return r
				}
			}
			return medsec.CheckResult{}
		}
		if r := check(his.ID, vuln.ScanMonthly); r.Outcome != medsec.CheckFail || r.Controls[0].ControlID != "ir-3.2.2-3" || !strings.Contains(r.Data[1].Value, "OpenVAS report") {
			t.Errorf("HIS monthly check at day 31: %+v", r)
		}
		if r := check(gw.ID, vuln.ScanYearly); r.Outcome != medsec.CheckPass || r.Controls[0].ControlID != "tw-si-1.h" {
			t.Errorf("GW-1 yearly check at day 31: %+v", r)
		}
		if r := check(pacs.ID, vuln.ScanMonthly); r.Outcome != medsec.CheckFail || r.Data[1].Value != "never" {
			t.Errorf("PACS monthly check: %+v", r)
		}

		// Notifications: one per site and requirement that is late, once; a new scan
		// quiets it; due soon is told before.
		n := &notes{}
		job := &notify.ScanCadence{Scans: svc, Notifier: n}
		for range 2 {
			if err := job.Run(context.Background(), time.Time{}); err != nil {
				t.Fatal(err)
			}
		}
		kinds := map[string]int{}
		for _, x := range n.got {
			kinds[string(x.Kind)+" "+x.Args[0].Text+" "+x.Args[1].Key]++
			if x.Scope.SiteID == 0 || !strings.HasPrefix(x.Link, "/scans/schedule?site=") {
				t.Errorf("notification %+v", x)
			}
		}
		if kinds["scan.overdue "+main.Name+" scan_req.monthly-core-systems"] != 2 || kinds["scan.overdue "+branch.Name+" scan_req.monthly-core-systems"] != 2 || len(n.got) != 4 {
			// The recorder sees every call; the dispatcher drops the repeats by key.
			t.Errorf("notifications %v", kinds)
		}
		if n.got[0].DedupKey != n.got[2].DedupKey {
			t.Errorf("the same state, another key: %s, %s", n.got[0].DedupKey, n.got[2].DedupKey)
		}
		n.got = nil
		db.Now = func() time.Time { return t0.Add(26 * day) }
		if err := job.Run(context.Background(), time.Time{}); err != nil {
			t.Fatal(err)
		}
		soon := 0
		for _, x := range n.got {
			if x.Kind == medsec.KindScanDueSoon && x.Key == "notify.scan_due_soon" && x.Scope.SiteID == main.ID && x.Args[3].Text == "2026-12-23" {
				soon++
			}
		}
		if len(n.got) != 2 || soon != 1 {
			t.Errorf("at day 26: %+v", n.got)
		}
	})
}
