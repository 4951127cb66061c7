package sqlstore_test

import (
	"context"
	"errors"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"

	"medsec"
	"medsec/catalog"
	"medsec/evidence"
	"medsec/sqlstore"
)

var testCatalogs = func() []*catalog.Catalog {
	cs, err := catalog.Load()
	if err != nil {
		panic(err)
	}
	return cs
}()

func newAssessmentService(t *testing.T, db *sqlstore.DB) *sqlstore.AssessmentService {
	t.Helper()
	files, err := evidence.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	checks, err := medsec.NewCheckRegistry(medsec.InventoryChecks()...)
	if err != nil {
		t.Fatal(err)
	}
	return sqlstore.NewAssessmentService(db, testCatalogs, files, checks)
}

// assessFixture has a boundary host at each site (the main one from vendor 1) and users.
type assessFixture struct {
	svc              *sqlstore.AssessmentService
	hq, br           *medsec.Asset
	vendorID         int64
	ciso, auditor    context.Context
	vendor, branchCE context.Context
	soc              context.Context
}

func newAssessFixture(t *testing.T, db *sqlstore.DB) *assessFixture {
	t.Helper()
	main, branch := seedOrg(t, db)
	vendors, _ := sqlstore.NewOrgService(db).FindVendors(system)
	people, _ := sqlstore.NewOrgService(db).FindPeople(system)
	assets := sqlstore.NewAssetService(db)
	f := &assessFixture{svc: newAssessmentService(t, db), vendorID: vendors[0].ID}
	f.hq = &medsec.Asset{SiteID: main.ID, Name: "CT 邊界主機", Kind: medsec.KindWorkstation, VendorID: f.vendorID, Class: medsec.ClassBoundary,
		Level: medsec.LevelModerate, ResponsibleID: people[0].ID, DefaultCreds: medsec.CredUnchanged}
	f.br = &medsec.Asset{SiteID: branch.ID, Name: "分院 PACS", Kind: medsec.KindPACS, Class: medsec.ClassApplication, Level: medsec.LevelLow}
	for _, a := range []*medsec.Asset{f.hq, f.br} {
		if err := assets.CreateAsset(system, a); err != nil {
			t.Fatal(err)
		}
	}
	f.ciso = as(&medsec.User{ID: 10, Username: "ciso", Role: medsec.RoleSecurityOfficer})
	f.auditor = as(&medsec.User{ID: 11, Username: "auditor", Role: medsec.RoleAuditor})
	f.vendor = as(&medsec.User{ID: 12, Username: "vendor", Role: medsec.RoleVendor, VendorID: f.vendorID})
	f.branchCE = as(&medsec.User{ID: 13, Username: "ce", Role: medsec.RoleClinicalEngineer, SiteIDs: []int64{branch.ID}})
	f.soc = as(&medsec.User{ID: 14, Username: "soc", Role: medsec.RoleSOCAnalyst})
	return f
}

func TestAssessmentHistory(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newAssessFixture(t, db)
		first := &medsec.Assessment{CatalogID: catalog.IDTaiwanBaseline, ControlID: "tw-ac-1.l", AssetID: f.hq.ID, Status: medsec.AssessPartial,
			Notes: "兩台仍用預設密碼", Links: []string{" https://wiki.example/ct ", ""}}
		if err := f.svc.Assess(f.ciso, first); err != nil {
			t.Fatal(err)
		}
		next, _ := medsec.ParseDate("2027-05-01")
		second := &medsec.Assessment{CatalogID: catalog.IDTaiwanBaseline, ControlID: "tw-ac-1.l", AssetID: f.hq.ID, Status: medsec.AssessImplemented,
			NextReview: next}
		if err := f.svc.Assess(f.ciso, second); err != nil {
			t.Fatal(err)
		}
		cur, err := f.svc.FindAssessments(f.auditor, medsec.AssessmentFilter{AssetID: f.hq.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(cur) != 1 || cur[0].ID != second.ID || cur[0].Status != medsec.AssessImplemented || cur[0].NextReview.String() != "2027-05-01" {
			t.Fatalf("current = %+v, want the second assessment", cur)
		}
		if cur[0].Assessor != "ciso" || cur[0].AssessedOn.String() != "2026-11-23" || cur[0].AssetName != "CT 邊界主機" {
			t.Errorf("current assessor/date/name = %q %s %q", cur[0].Assessor, cur[0].AssessedOn, cur[0].AssetName)
		}
		hist, err := f.svc.AssessmentHistory(f.auditor, catalog.IDTaiwanBaseline, "tw-ac-1.l", f.hq.ID)
		if err != nil {
			t.Fatal(err)
		}
		var got []medsec.AssessmentStatus
		for _, h := range hist {
			got = append(got, h.Status)
		}
		if want := []medsec.AssessmentStatus{medsec.AssessImplemented, medsec.AssessPartial}; !slices.Equal(got, want) {
			t.Errorf("history = %v, want %v", got, want)
		}
		if !slices.Equal(hist[1].Links, []string{"https://wiki.example/ct"}) {
			t.Errorf("links = %q", hist[1].Links)
		}
		entries, total, err := sqlstore.NewAuditService(db).FindAuditEntries(system, medsec.AuditFilter{Action: "assessment.create"})
		if err != nil || total != 2 || entries[0].ObjectID != second.ID || entries[0].SiteID != f.hq.SiteID {
			t.Errorf("audit = %d entries (%v), first %+v", total, err, entries)
		}
	})
}

func TestAssessmentValidationAndRoles(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newAssessFixture(t, db)
		tw := func(status medsec.AssessmentStatus) *medsec.Assessment {
			return &medsec.Assessment{CatalogID: catalog.IDTaiwanBaseline, ControlID: "tw-ac-1.l", AssetID: f.hq.ID, Status: status}
		}
		tests := []struct {
			name     string
			ctx      context.Context
			a        *medsec.Assessment
			code     string
			badField string
		}{
			{"not applicable needs a reason", f.ciso, tw(medsec.AssessNotApplicable), medsec.EINVALID, "reason"},
			{"compensating needs the measure", f.ciso, tw(medsec.AssessCompensating), medsec.EINVALID, "compensating"},
			{"unknown status", f.ciso, tw("done"), medsec.EINVALID, "status"},
			{"unknown control", f.ciso, &medsec.Assessment{CatalogID: catalog.IDTaiwanBaseline, ControlID: "tw-xx-9", AssetID: f.hq.ID, Status: medsec.AssessImplemented}, medsec.EINVALID, "control_id"},
			{"TW for the organisation", f.ciso, &medsec.Assessment{CatalogID: catalog.IDTaiwanBaseline, ControlID: "tw-ac-1.l", Status: medsec.AssessImplemented}, medsec.EINVALID, "asset_id"},
			{"CN for an asset", f.ciso, &medsec.Assessment{CatalogID: catalog.IDChinaMeasures, ControlID: "cn-6-1", AssetID: f.hq.ID, Status: medsec.AssessImplemented}, medsec.EINVALID, "asset_id"},
			{"bad link", f.ciso, &medsec.Assessment{CatalogID: catalog.IDTaiwanBaseline, ControlID: "tw-ac-1.l", AssetID: f.hq.ID, Status: medsec.AssessImplemented, Links: []string{"javascript:alert(1)"}}, medsec.EINVALID, "links"},
			{"unstored evidence", f.ciso, &medsec.Assessment{CatalogID: catalog.IDTaiwanBaseline, ControlID: "tw-ac-1.l", AssetID: f.hq.ID, Status: medsec.AssessImplemented, Evidence: []medsec.Evidence{{SHA256: strings.Repeat("a", 64)}}}, medsec.EINVALID, "evidence"},
			{"auditor reads only", f.auditor, tw(medsec.AssessImplemented), medsec.EFORBIDDEN, ""},
			{"SOC reads only", f.soc, tw(medsec.AssessImplemented), medsec.EFORBIDDEN, ""},
			{"vendor reads only", f.vendor, tw(medsec.AssessImplemented), medsec.EFORBIDDEN, ""},
			{"branch engineer cannot see the main site", f.branchCE, tw(medsec.AssessImplemented), medsec.ENOTFOUND, ""},
			{"branch engineer cannot judge the organisation", f.branchCE, &medsec.Assessment{CatalogID: catalog.IDIncidentPlan, ControlID: "ir-5.2.1-1", Status: medsec.AssessImplemented}, medsec.EFORBIDDEN, ""},
		}
		for _, tt := range tests {
			err := f.svc.Assess(tt.ctx, tt.a)
			if got := medsec.ErrorCode(err); got != tt.code {
				t.Errorf("%s: code = %q (%v), want %q", tt.name, got, err, tt.code)
				continue
			}
			var ve *medsec.ValidationError
			if tt.badField != "" && (!errors.As(err, &ve) || ve.Errors[0].Field != tt.badField) {
				t.Errorf("%s: err = %v, want field %s", tt.name, err, tt.badField)
			}
		}
		if list, _ := f.svc.FindAssessments(f.ciso, medsec.AssessmentFilter{}); len(list) != 0 {
			t.Errorf("rejected assessments were stored: %v", list)
		}
	})
}

func TestAssessmentVisibilityAndEvidence(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newAssessFixture(t, db)
		content := "防火牆規則審查紀錄 2026-11"
		ev, err := f.svc.StoreEvidence(f.ciso, `C:\scans\review.pdf`, strings.NewReader(content))
		if err != nil {
			t.Fatal(err)
		}
		if ev.Name != "review.pdf" || ev.Size != int64(len(content)) || ev.MediaType != "application/pdf" {
			t.Errorf("evidence = %+v", ev)
		}
		if _, err := f.svc.StoreEvidence(f.auditor, "x.txt", strings.NewReader("x")); medsec.ErrorCode(err) != medsec.EFORBIDDEN {
			t.Errorf("auditor stores evidence: %v", err)
		}
		for _, id := range []int64{f.hq.ID, f.br.ID} {
			a := &medsec.Assessment{CatalogID: catalog.IDTaiwanBaseline, ControlID: "tw-ac-1.l", AssetID: id, Status: medsec.AssessImplemented}
			if id == f.br.ID {
				a.Evidence = []medsec.Evidence{ev}
			}
			if err := f.svc.Assess(f.ciso, a); err != nil {
				t.Fatal(err)
			}
		}
		org := &medsec.Assessment{CatalogID: catalog.IDIncidentPlan, ControlID: "ir-5.2.1-1", Status: medsec.AssessImplemented}
		if err := f.svc.Assess(f.ciso, org); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name string
			ctx  context.Context
			want []string // asset names; "" = the organisation
		}{
			{"auditor sees all", f.auditor, []string{"", "CT 邊界主機", "分院 PACS"}},
			{"SOC sees all", f.soc, []string{"", "CT 邊界主機", "分院 PACS"}},
			{"vendor sees its assets only", f.vendor, []string{"CT 邊界主機"}},
			{"branch engineer sees the branch and the organisation", f.branchCE, []string{"", "分院 PACS"}},
		}
		for _, tt := range tests {
			list, err := f.svc.FindAssessments(tt.ctx, medsec.AssessmentFilter{})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, x := range list {
				got = append(got, x.AssetName)
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
			}
		}
		r, got, err := f.svc.OpenEvidence(f.branchCE, ev.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(r)
		r.Close()
		if string(b) != content || got.Name != "review.pdf" {
			t.Errorf("evidence read back = %q %+v", b, got)
		}
		if _, _, err := f.svc.OpenEvidence(f.vendor, ev.SHA256); medsec.ErrorCode(err) != medsec.ENOTFOUND {
			t.Errorf("vendor opens another asset's evidence: %v, want not found", err)
		}
		list, _ := f.svc.FindAssessments(f.auditor, medsec.AssessmentFilter{AssetID: f.br.ID})
		if len(list) != 1 || len(list[0].Evidence) != 1 || list[0].Evidence[0].SHA256 != ev.SHA256 {
			t.Errorf("branch assessment evidence = %+v", list)
		}
	})
}

func TestAssessBulkAllOrNothing(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newAssessFixture(t, db)
		tmpl := medsec.Assessment{CatalogID: catalog.IDTaiwanBaseline, ControlID: "tw-na-1.l", Status: medsec.AssessCompensating,
			Compensating: "獨立 VLAN 與防火牆白名單"}
		// The branch engineer cannot see the main site's asset: nothing is stored.
		if _, err := f.svc.AssessBulk(f.branchCE, tmpl, []int64{f.br.ID, f.hq.ID}); medsec.ErrorCode(err) != medsec.ENOTFOUND {
			t.Fatalf("bulk with an invisible asset: %v", err)
		}
		if list, _ := f.svc.FindAssessments(f.ciso, medsec.AssessmentFilter{}); len(list) != 0 {
			t.Fatalf("a failed bulk stored %d rows", len(list))
		}
		rows, err := f.svc.AssessBulk(f.ciso, tmpl, []int64{f.hq.ID, f.br.ID})
		if err != nil {
			t.Fatal(err)
		}
		list, _ := f.svc.FindAssessments(f.ciso, medsec.AssessmentFilter{ControlID: "tw-na-1.l"})
		if len(rows) != 2 || len(list) != 2 || list[0].Compensating != "獨立 VLAN 與防火牆白名單" {
			t.Errorf("bulk stored %d rows, current %d", len(rows), len(list))
		}
	})
}

// twExpected lists, independently of Catalog.Applicable, the TW rows whose targets
// include one of targets and whose lowest level is at most level.
// twExpected lists the TW rows for targets at level as the catalog computes them (the
// catalog's own tests check Applicable against the seed independently).
func twExpected(t *testing.T, targets []catalog.Target, level catalog.Level) []string {
	tw, _ := catalog.Find(testCatalogs, catalog.IDTaiwanBaseline)
	var out []string
	for _, ap := range tw.Applicable(targets, level) {
		out = append(out, ap.Control.ID)
	}
	return out
}

func TestApplicabilityEveryClassEveryLevel(t *testing.T) {
	db := MustOpenDB(t, "sqlite")
	main, _ := seedOrg(t, db)
	svc := newAssessmentService(t, db)
	assets := sqlstore.NewAssetService(db)
	levels := map[medsec.Level]catalog.Level{medsec.LevelLow: catalog.LevelLow, medsec.LevelModerate: catalog.LevelModerate, medsec.LevelHigh: catalog.LevelHigh}
	for _, class := range medsec.DeviceClasses {
		prev := 0
		for _, level := range medsec.Levels {
			a := &medsec.Asset{SiteID: main.ID, Name: string(class) + "-" + string(level), Class: class, Level: level}
			if err := assets.CreateAsset(system, a); err != nil {
				t.Fatal(err)
			}
			ac, err := svc.AssetControls(system, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range ac.Controls {
				got = append(got, c.ControlID)
				if c.Original == "" && c.ControlID != "tw-sa-2.l" && c.ControlID != "tw-pe-4.l" || c.English == "" || c.Reason == "" {
					t.Errorf("%s/%s %s: missing text or reason: %+v", class, level, c.ControlID, c)
				}
			}
			// No zone and no connection: the asset is taken as connecting to the Intranet
			// itself, so a group- or system-type device carries its own boundary host.
			want := twExpected(t, catalog.Carriage(string(class), false).Targets, levels[level])
			if !slices.Equal(got, want) {
				t.Errorf("%s at %s: %d controls %v, want %d %v", class, level, len(got), got, len(want), want)
			}
			// Specific rows from 000 附表一, so the test does not only agree with itself.
			if has := slices.Contains(got, "tw-ac-1.l"); !has {
				t.Errorf("%s at %s: has 帳號管理(普) = %v", class, level, has)
			}
			if has := slices.Contains(got, "tw-si-1.h"); has != (level == medsec.LevelHigh) {
				t.Errorf("%s at %s: has 漏洞修補(高) = %v", class, level, has)
			}
			controlGroup := class == medsec.ClassControl || class == medsec.ClassApplication
			// 帳號管理(中) is marked for control systems; 帳號管理(高), marked for both, takes
			// it in for boundary hosts at 高.
			if has := slices.Contains(got, "tw-ac-1.m"); has != (level != medsec.LevelLow && controlGroup || level == medsec.LevelHigh) {
				t.Errorf("%s at %s: has 帳號管理(中) = %v", class, level, has)
			}
			if has := slices.Contains(got, "tw-ac-3.m"); has != (level != medsec.LevelLow && !controlGroup) {
				t.Errorf("%s at %s: has 最小權限(中) (boundary hosts only) = %v", class, level, has)
			}
			// 漏洞修補(中) is marked for boundary hosts; 漏洞修補(高) takes it in for control
			// systems at 高 [000 附表一 l.145–146].
			if has := slices.Contains(got, "tw-si-1.m"); has != (level == medsec.LevelHigh || level == medsec.LevelModerate && !controlGroup) {
				t.Errorf("%s at %s: has 漏洞修補(中) = %v", class, level, has)
			}
			if len(got) < prev {
				t.Errorf("%s: %s has fewer controls (%d) than the level below (%d)", class, level, len(got), prev)
			}
			prev = len(got)
		}
	}
	// The crosswalk links 事件記錄(普) to the other catalogs' logging obligations.
	ac, _ := svc.AssetControls(system, mustFindAsset(t, assets, "boundary-host-low"))
	var xw []string
	for _, c := range ac.Controls {
		if c.ControlID == "tw-au-1.l" {
			for _, l := range c.Crosswalk {
				xw = append(xw, l.CatalogID)
			}
		}
	}
	if !slices.Contains(xw, catalog.IDChinaMeasures) || !slices.Contains(xw, catalog.IDJapanOperation) || slices.Contains(xw, catalog.IDTaiwanBaseline) {
		t.Errorf("crosswalk of tw-au-1.l = %v", xw)
	}
	// An asset with no level is held to 普 and says so.
	a := &medsec.Asset{SiteID: main.ID, Name: "no level", Class: medsec.ClassControl}
	if err := assets.CreateAsset(system, a); err != nil {
		t.Fatal(err)
	}
	ac, _ = svc.AssetControls(system, a.ID)
	if !ac.LevelAssumed || ac.Level != medsec.LevelLow || !strings.Contains(ac.Controls[0].Reason, "assumed") {
		t.Errorf("no level: assumed=%v level=%s", ac.LevelAssumed, ac.Level)
	}
}

func TestGapReportCounts(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newAssessFixture(t, db)
		// hq: boundary host at 中; br: application system at 普.
		hqN := len(twExpected(t, []catalog.Target{catalog.TargetBoundaryHost}, catalog.LevelModerate))
		brN := len(twExpected(t, []catalog.Target{catalog.TargetControlSystem}, catalog.LevelLow))
		assess := []medsec.Assessment{
			{ControlID: "tw-ac-1.l", AssetID: f.hq.ID, Status: medsec.AssessImplemented},
			{ControlID: "tw-ac-3.m", AssetID: f.hq.ID, Status: medsec.AssessPartial},
			{ControlID: "tw-na-1.l", AssetID: f.hq.ID, Status: medsec.AssessNotApplicable, Reason: "不在網路上"},
			{ControlID: "tw-ac-1.l", AssetID: f.br.ID, Status: medsec.AssessNotImplemented},
			{ControlID: "tw-ac-1.l", AssetID: f.br.ID, Status: medsec.AssessCompensating, Compensating: "帳號每月點檢"},
		}
		for i := range assess {
			assess[i].CatalogID = catalog.IDTaiwanBaseline
			if err := f.svc.Assess(f.ciso, &assess[i]); err != nil {
				t.Fatal(err)
			}
		}
		rep, err := f.svc.GapReport(f.auditor, medsec.GapFilter{CatalogID: catalog.IDTaiwanBaseline})
		if err != nil {
			t.Fatal(err)
		}
		want := map[medsec.AssessmentStatus]int{
			medsec.AssessImplemented: 1, medsec.AssessPartial: 1, medsec.AssessNotApplicable: 1, medsec.AssessCompensating: 1,
			medsec.AssessNotAssessed: hqN + brN - 4,
		}
		if rep.Subjects != 2 || rep.Totals.Total != hqN+brN {
			t.Errorf("subjects %d total %d, want 2 and %d", rep.Subjects, rep.Totals.Total, hqN+brN)
		}
		for st, n := range want {
			if rep.Totals.ByStatus[st] != n {
				t.Errorf("%s: %d, want %d", st, rep.Totals.ByStatus[st], n)
			}
		}
		var levelSum int
		for _, c := range rep.Counts {
			levelSum += c.Total
		}
		if levelSum != rep.Totals.Total {
			t.Errorf("level counts sum to %d, total %d", levelSum, rep.Totals.Total)
		}
		// Open items: the partial and the not-assessed, plus the implemented tw-ac-1.l of
		// hq, whose default credentials are unchanged (a failing automatic check).
		if len(rep.Open) != 1+hqN+brN-4+1 {
			t.Errorf("open items = %d, want %d", len(rep.Open), 1+hqN+brN-4+1)
		}
		var sawCheck bool
		for _, it := range rep.Open {
			if it.AssetID == f.hq.ID && it.ControlID == "tw-ac-1.l" {
				sawCheck = slices.Contains(it.FailedChecks, "default-credentials-changed") && it.Owner == "林醫工"
			}
		}
		if !sawCheck {
			t.Error("the failing default-credentials check is not an open item with its owner")
		}
		// The vendor's report covers its one asset only.
		rep, err = f.svc.GapReport(f.vendor, medsec.GapFilter{})
		if err != nil || rep.Subjects != 1 || rep.Totals.Total != hqN {
			t.Errorf("vendor report: %d subjects, %d rows (%v)", rep.Subjects, rep.Totals.Total, err)
		}
	})
}

func TestObligationCalendar(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newAssessFixture(t, db)
		tasks, err := f.svc.ObligationCalendar(f.auditor)
		if err != nil {
			t.Fatal(err)
		}
		var yearly *medsec.ObligationTask
		for i := range tasks {
			if tasks[i].Cadence == "PT2H" || tasks[i].Cadence == "PT30M" {
				t.Errorf("%s: an incident clock is not a calendar task", tasks[i].ControlID)
			}
			if tasks[i].Cadence == "P1Y" && yearly == nil {
				yearly = &tasks[i]
			}
		}
		if len(tasks) < 10 || yearly == nil {
			t.Fatalf("%d tasks, yearly %v", len(tasks), yearly)
		}
		if yearly.NextDue.String() != "2026-11-23" || yearly.Overdue {
			t.Errorf("never done: due %s overdue %v, want today, not overdue", yearly.NextDue, yearly.Overdue)
		}
		catalogID, controlID := yearly.CatalogID, yearly.ControlID
		done, _ := medsec.ParseDate("2025-10-01")
		if err := f.svc.Assess(f.ciso, &medsec.Assessment{CatalogID: catalogID, ControlID: controlID, Status: medsec.AssessImplemented, AssessedOn: done}); err != nil {
			t.Fatal(err)
		}
		tasks, _ = f.svc.ObligationCalendar(f.auditor)
		for _, task := range tasks {
			if task.ControlID == controlID && (task.NextDue.String() != "2026-10-01" || !task.Overdue || task.LastDone != done) {
				t.Errorf("done 2025-10-01 yearly: due %s overdue %v", task.NextDue, task.Overdue)
			}
		}
		if tasks, err := f.svc.ObligationCalendar(f.vendor); err != nil || len(tasks) != 0 {
			t.Errorf("vendor calendar: %d tasks, %v", len(tasks), err)
		}
		// An obligation judged not applicable is not due (review D13: cn-9.2-1).
		if err := f.svc.Assess(f.ciso, &medsec.Assessment{CatalogID: catalog.IDChinaMeasures, ControlID: "cn-9.2-1", Status: medsec.AssessNotApplicable,
			Reason: "本院無需提交整改報告"}); err != nil {
			t.Fatal(err)
		}
		tasks, _ = f.svc.ObligationCalendar(f.auditor)
		for _, task := range tasks {
			if task.ControlID == "cn-9.2-1" {
				t.Errorf("cn-9.2-1 is not applicable but listed as due %s", task.NextDue)
			}
		}
	})
}

func TestAddCadence(t *testing.T) {
	from, _ := medsec.ParseDate("2026-01-31")
	tests := []struct{ cadence, want string }{
		{"P1Y", "2027-01-31"}, {"P3M", "2026-05-01"}, {"P1W", "2026-02-07"}, {"P1D", "2026-02-01"}, {"P1Y6M", "2027-07-31"},
		{"PT2H", ""}, {"P", ""}, {"1Y", ""},
	}
	for _, tt := range tests {
		got, err := sqlstore.AddCadence(from, tt.cadence)
		if (err != nil) != (tt.want == "") || got.String() != tt.want {
			t.Errorf("AddCadence(%s) = %s, %v; want %q", tt.cadence, got, err, tt.want)
		}
	}
}

func TestComplianceSettings(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newAssessFixture(t, db)
		got, err := f.svc.FindComplianceSettings(f.auditor)
		if err != nil || got.JPPattern != "I" {
			t.Fatalf("default settings = %+v, %v", got, err)
		}
		jpI, _ := f.svc.OrganisationControls(f.auditor, catalog.IDJapanOperation)
		if err := f.svc.UpdateComplianceSettings(f.ciso, medsec.ComplianceSettings{JPPattern: "II"}); medsec.ErrorCode(err) != medsec.EFORBIDDEN {
			t.Errorf("security officer changes settings: %v", err)
		}
		if err := f.svc.UpdateComplianceSettings(system, medsec.ComplianceSettings{JPPattern: "V"}); medsec.ErrorCode(err) != medsec.EINVALID {
			t.Errorf("pattern V: %v", err)
		}
		if err := f.svc.UpdateComplianceSettings(system, medsec.ComplianceSettings{JPPattern: "ii", MLPSLevel: 3}); err != nil {
			t.Fatal(err)
		}
		jpII, _ := f.svc.OrganisationControls(f.auditor, catalog.IDJapanOperation)
		provider := 0
		for _, c := range jpII {
			if c.Handling == catalog.HandlingConfirmWithProvider {
				provider++
			}
		}
		if len(jpI) != 89 || len(jpII) != 89 || provider != 35 {
			t.Errorf("JP items: pattern I %d, II %d (%d to confirm with the provider); want 89, 89 (35) [004 pattern table and its ※]", len(jpI), len(jpII), provider)
		}
		// A level given without networks (earlier API clients) is one network.
		if got, _ := f.svc.FindComplianceSettings(f.auditor); got.MLPSLevel != 3 || len(got.Networks) != 1 || got.Networks[0].Level != 3 {
			t.Errorf("settings after level 3 = %+v", got)
		}
		if err := f.svc.UpdateComplianceSettings(system, medsec.ComplianceSettings{JPPattern: "I", Networks: []medsec.GradedNetwork{{Name: "HIS", Level: 6}, {Level: 2, People: -1}}}); medsec.ErrorCode(err) != medsec.EINVALID {
			t.Errorf("level 6, negative people: %v", err)
		}
	})
}

// TestChinaPerNetworkCadences: the level-2 assessment cadences apply per graded network,
// not to the hospital's highest level; 10万人以上 includes 100,000; encouraged and
// recommended items are neither gaps nor calendar duties [002 第六条(四), 第七条, 第二十一条].
func TestChinaPerNetworkCadences(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newAssessFixture(t, db)
		tests := []struct {
			name     string
			networks []medsec.GradedNetwork
			in, out  []string
		}{
			{"L3 HIS, L2 PACS at exactly 100,000, L2 LIS", []medsec.GradedNetwork{{Name: "HIS", Level: 3, People: 2_000_000}, {Name: "PACS", Level: 2, People: 100_000}, {Name: "LIS", Level: 2, People: 5_000}},
				[]string{"cn-6.4-2", "cn-6.4-3", "cn-6.4-4"}, nil},
			{"L2 at 99,999", []medsec.GradedNetwork{{Name: "PACS", Level: 2, People: 99_999}}, []string{"cn-6.4-4"}, []string{"cn-6.4-2", "cn-6.4-3"}},
		}
		for _, tt := range tests {
			if err := f.svc.UpdateComplianceSettings(system, medsec.ComplianceSettings{JPPattern: "I", Networks: tt.networks}); err != nil {
				t.Fatal(err)
			}
			tasks, err := f.svc.ObligationCalendar(f.auditor)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, task := range tasks {
				got = append(got, task.ControlID)
			}
			for _, id := range tt.in {
				if !slices.Contains(got, id) {
					t.Errorf("%s: %s not on the calendar", tt.name, id)
				}
			}
			for _, id := range tt.out {
				if slices.Contains(got, id) {
					t.Errorf("%s: %s on the calendar", tt.name, id)
				}
			}
			if slices.Contains(got, "cn-21-3") {
				t.Errorf("%s: cn-21-3 (建议…签署保密协议, recommended) is on the calendar", tt.name)
			}
		}
		rep, err := f.svc.GapReport(f.auditor, medsec.GapFilter{CatalogID: catalog.IDChinaMeasures})
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range rep.Open {
			if slices.Contains([]string{"cn-7-2", "cn-21-3", "cn-29-2", "cn-31-2"}, it.ControlID) {
				t.Errorf("%s is encouraged or recommended but counted as a gap", it.ControlID)
			}
		}
		controls, _ := f.svc.OrganisationControls(f.auditor, catalog.IDChinaMeasures)
		voluntary := 0
		for _, c := range controls {
			if c.Voluntary {
				voluntary++
			}
		}
		if voluntary != 4 || rep.Totals.Total != len(controls)-4 {
			t.Errorf("%d voluntary of %d, gap total %d; want 4 voluntary, not counted", voluntary, len(controls), rep.Totals.Total)
		}
	})
}

// TestApplicabilityFollowsZone: an asset set by hand to 普 in an OT zone at SL4 is held
// to the 高 rows, and says why.
func TestApplicabilityFollowsZone(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		main, _ := seedOrg(t, db)
		sl4 := 4
		ot := &medsec.Zone{SiteID: main.ID, Name: "工控區", Kind: medsec.ZoneOT, Ranges: []string{"10.1.40.0/24"}, SL: &sl4}
		if err := sqlstore.NewZoneService(db).CreateZone(system, ot); err != nil {
			t.Fatal(err)
		}
		a := &medsec.Asset{SiteID: main.ID, Name: "監視器中央站", IPs: []string{"10.1.40.21"}, Class: medsec.ClassBoundary, Level: medsec.LevelLow}
		b := &medsec.Asset{SiteID: main.ID, Name: "院外筆電", IPs: []string{"192.168.9.9"}, Class: medsec.ClassBoundary, Level: medsec.LevelLow}
		for _, x := range []*medsec.Asset{a, b} {
			if err := sqlstore.NewAssetService(db).CreateAsset(system, x); err != nil {
				t.Fatal(err)
			}
		}
		svc := newAssessmentService(t, db)
		tests := []struct {
			asset  *medsec.Asset
			level  medsec.Level
			source medsec.LevelSource
		}{{a, medsec.LevelHigh, medsec.LevelFromZone}, {b, medsec.LevelLow, medsec.LevelFromAsset}}
		for _, tt := range tests {
			ac, err := svc.AssetControls(system, tt.asset.ID)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, c := range ac.Controls {
				ids = append(ids, c.ControlID)
			}
			if ac.Level != tt.level || ac.LevelSource != tt.source || slices.Contains(ids, "tw-si-1.h") != (tt.level == medsec.LevelHigh) {
				t.Errorf("%s: level %s from %s, has tw-si-1.h %v", tt.asset.Name, ac.Level, ac.LevelSource, slices.Contains(ids, "tw-si-1.h"))
			}
			if tt.source == medsec.LevelFromZone && (ac.Zone != "工控區" || !strings.Contains(ac.Controls[0].Reason, "from zone 工控區 (SL4)")) {
				t.Errorf("zone reason: %q / %q", ac.Zone, ac.Controls[0].Reason)
			}
		}
		rep, err := svc.GapReport(system, medsec.GapFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var levels []medsec.Level
		for _, c := range rep.Counts {
			levels = append(levels, c.Level)
		}
		if !slices.Equal(levels, []medsec.Level{medsec.LevelLow, medsec.LevelModerate, medsec.LevelHigh}) {
			t.Errorf("gap report levels = %v, want the 高 asset's rows at every level", levels)
		}
	})
}

func mustFindAsset(t *testing.T, svc *sqlstore.AssetService, name string) int64 {
	t.Helper()
	list, _, err := svc.FindAssets(system, medsec.AssetFilter{Query: name})
	if err != nil || len(list) != 1 {
		t.Fatalf("find asset %q: %d, %v", name, len(list), err)
	}
	return list[0].ID
}

func TestGapReportOrder(t *testing.T) {
	db := MustOpenDB(t, "sqlite")
	f := newAssessFixture(t, db)
	for _, a := range []medsec.Assessment{
		{ControlID: "tw-ac-1.l", AssetID: f.br.ID, Status: medsec.AssessPartial},
		{ControlID: "tw-ac-1.l", AssetID: f.hq.ID, Status: medsec.AssessImplemented},
		{ControlID: "tw-na-1.l", AssetID: f.hq.ID, Status: medsec.AssessNotImplemented},
	} {
		a.CatalogID = catalog.IDTaiwanBaseline
		if err := f.svc.Assess(f.ciso, &a); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := f.svc.GapReport(f.ciso, medsec.GapFilter{})
	if err != nil {
		t.Fatal(err)
	}
	got := []string{rep.Open[0].ControlID, rep.Open[1].ControlID, string(rep.Open[2].Status), string(rep.Open[2].Level)}
	want := []string{"tw-na-1.l", "tw-ac-1.l", "not-assessed", "moderate"}
	if !slices.Equal(got, want) {
		t.Errorf("first open items = %v, want %v", got, want)
	}
	last := rep.Open[len(rep.Open)-1]
	if last.Status != medsec.AssessImplemented || len(last.FailedChecks) == 0 {
		t.Errorf("last open item = %+v, want the implemented control with a failing check", last)
	}
}

// TestGapReportFilters checks that each filter narrows the counts and the open items to
// the rows it names, against the unfiltered report's own breakdowns.
func TestGapReportFilters(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newAssessFixture(t, db)
		for _, a := range []medsec.Assessment{
			{ControlID: "tw-ac-1.l", AssetID: f.br.ID, Status: medsec.AssessNotImplemented},
			{ControlID: "tw-ac-3.m", AssetID: f.hq.ID, Status: medsec.AssessPartial},
		} {
			a.CatalogID = catalog.IDTaiwanBaseline
			if err := f.svc.Assess(f.ciso, &a); err != nil {
				t.Fatal(err)
			}
		}
		all, err := f.svc.GapReport(f.auditor, medsec.GapFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(all.Domains) < 2 {
			t.Fatalf("domains %q: want several", all.Domains)
		}
		report := func(g medsec.GapFilter) *medsec.GapReport {
			t.Helper()
			rep, err := f.svc.GapReport(f.auditor, g)
			if err != nil {
				t.Fatal(err)
			}
			return rep
		}
		for _, c := range all.Counts {
			if rep := report(medsec.GapFilter{Level: c.Level}); rep.Totals.Total != c.Total || len(rep.Counts) != 1 {
				t.Errorf("level %s: %d rows in %d levels, want %d in one", c.Level, rep.Totals.Total, len(rep.Counts), c.Total)
			}
		}
		for st, n := range all.Totals.ByStatus {
			rep := report(medsec.GapFilter{Status: st})
			if rep.Totals.Total != n || rep.Totals.ByStatus[st] != n {
				t.Errorf("status %s: %d rows, want %d", st, rep.Totals.Total, n)
			}
			for _, it := range rep.Open {
				if it.Status != st {
					t.Errorf("status %s: open item %s/%s is %s", st, it.AssetName, it.ControlID, it.Status)
				}
			}
		}
		for _, d := range all.Domains {
			want := 0
			for _, it := range all.Open {
				if it.Domain == d {
					want++
				}
			}
			if rep := report(medsec.GapFilter{Domain: d}); len(rep.Open) != want {
				t.Errorf("domain %s: %d open items, want %d", d, len(rep.Open), want)
			}
		}
		// hq's responsible person answers for hq only.
		hq, err := sqlstore.NewAssetService(db).FindAssetByID(system, f.hq.ID)
		if err != nil {
			t.Fatal(err)
		}
		hqRows := len(twExpected(t, []catalog.Target{catalog.TargetBoundaryHost}, catalog.LevelModerate))
		rep := report(medsec.GapFilter{OwnerID: hq.ResponsibleID})
		if rep.Subjects != 1 || rep.Totals.Total != hqRows {
			t.Errorf("owner: %d subjects, %d rows; want 1 and %d", rep.Subjects, rep.Totals.Total, hqRows)
		}
		for _, it := range rep.Open {
			if it.AssetID != f.hq.ID {
				t.Errorf("owner: open item of asset %d", it.AssetID)
			}
		}
		// Filters combine: the branch site's not-implemented rows are the one assessed.
		rep = report(medsec.GapFilter{SiteID: f.br.SiteID, Status: medsec.AssessNotImplemented})
		if rep.Totals.Total != 1 || len(rep.Open) != 1 || rep.Open[0].AssetID != f.br.ID || rep.Open[0].ControlID != "tw-ac-1.l" {
			t.Errorf("site and status: %d rows, open %+v", rep.Totals.Total, rep.Open)
		}
	})
}

// TestMovedAssetsAssessmentsGoWithIt: a device assessed at the main site and then moved to
// the branch brings its assessments: the branch's engineer reads them and the branch's gap
// report has the same totals for the engineer as for the security officer (issue 16
// break-test: the branch user's report counted the moved device as never assessed).
func TestMovedAssetsAssessmentsGoWithIt(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newAssessFixture(t, db)
		a := &medsec.Assessment{CatalogID: catalog.IDTaiwanBaseline, ControlID: "tw-ac-1.l", AssetID: f.hq.ID, Status: medsec.AssessImplemented}
		if err := f.svc.Assess(f.ciso, a); err != nil {
			t.Fatal(err)
		}
		if got, err := f.svc.FindAssessments(f.branchCE, medsec.AssessmentFilter{AssetID: f.hq.ID}); medsec.ErrorCode(err) != medsec.ENOTFOUND {
			t.Fatalf("before the move the branch reads the main site's assessments: %d, %v", len(got), err)
		}
		f.hq.SiteID = f.br.SiteID
		if err := sqlstore.NewAssetService(db).UpdateAsset(system, f.hq); err != nil {
			t.Fatal(err)
		}
		got, err := f.svc.FindAssessments(f.branchCE, medsec.AssessmentFilter{AssetID: f.hq.ID})
		if err != nil || len(got) != 1 || got[0].Status != medsec.AssessImplemented {
			t.Fatalf("after the move the branch reads %+v, %v; want its implemented tw-ac-1.l", got, err)
		}
		gap := func(ctx context.Context) medsec.GapCount {
			t.Helper()
			r, err := f.svc.GapReport(ctx, medsec.GapFilter{CatalogID: catalog.IDTaiwanBaseline, SiteID: f.br.SiteID})
			if err != nil {
				t.Fatal(err)
			}
			return r.Totals
		}
		if byCE, byOfficer := gap(f.branchCE), gap(f.ciso); !reflect.DeepEqual(byCE, byOfficer) {
			t.Errorf("the branch's gap report: engineer %+v, security officer %+v", byCE, byOfficer)
		}
	})
}
