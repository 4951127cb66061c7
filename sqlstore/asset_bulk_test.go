package sqlstore_test

import (
	"errors"
	"strings"
	"testing"

	"medsec"
	"medsec/sqlstore"
)

// TestChangeAssets applies each bulk action to assets of two sites, by list and by
// filter, and checks scope, all-or-nothing and one audit row per changed asset.
func TestChangeAssets(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		main, branch := seedOrg(t, db)
		svc := sqlstore.NewAssetService(db)
		zones := sqlstore.NewZoneService(db)
		people, _ := sqlstore.NewOrgService(db).FindPeople(system)
		var hq, br []*medsec.Asset
		for i, name := range []string{"ECG-1 心電圖機", "ECG-2 心電圖機", "PUMP-1 輸液幫浦"} {
			a := &medsec.Asset{SiteID: main.ID, Name: name, Kind: medsec.KindModality, IPs: []string{"10.1.10." + string(rune('5'+i))}}
			if err := svc.CreateAsset(system, a); err != nil {
				t.Fatal(err)
			}
			hq = append(hq, a)
		}
		b := &medsec.Asset{SiteID: branch.ID, Name: "ECG-9 心電圖機", Kind: medsec.KindModality}
		if err := svc.CreateAsset(system, b); err != nil {
			t.Fatal(err)
		}
		br = append(br, b)
		lan := &medsec.Zone{SiteID: main.ID, Name: "院內系統網路", Kind: medsec.ZoneIntranet, Ranges: []string{"10.1.10.0/24"}}
		if err := zones.CreateZone(system, lan); err != nil {
			t.Fatal(err)
		}
		ids := []int64{hq[0].ID, hq[1].ID}
		audits := func() int {
			_, n, err := sqlstore.NewAuditService(db).FindAuditEntries(system, medsec.AuditFilter{ObjectType: "asset"})
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		start := audits()

		// Department of the asset's site, by list: two changed, two audit rows.
		res, err := svc.ChangeAssets(system, medsec.AssetBulkChange{AssetIDs: ids, Action: medsec.BulkDepartment, DepartmentID: departmentOf(t, db, main.ID)})
		if err != nil || res.Changed != 2 || res.Unchanged != 0 {
			t.Fatalf("department: %+v, %v", res, err)
		}
		if got := audits() - start; got != 2 {
			t.Errorf("department: %d audit rows, want 2", got)
		}
		// The same again changes nothing and writes nothing.
		res, err = svc.ChangeAssets(system, medsec.AssetBulkChange{AssetIDs: ids, Action: medsec.BulkDepartment, DepartmentID: departmentOf(t, db, main.ID)})
		if err != nil || res.Changed != 0 || res.Unchanged != 2 || audits()-start != 2 {
			t.Errorf("department again: %+v, %v", res, err)
		}

		// A department of the main site for a list with a branch asset: refused as a whole,
		// the problem names the branch asset, and the main-site asset is left as it was.
		_, err = svc.ChangeAssets(system, medsec.AssetBulkChange{AssetIDs: []int64{hq[2].ID, br[0].ID}, Action: medsec.BulkDepartment, DepartmentID: departmentOf(t, db, main.ID)})
		var ve *medsec.ValidationError
		if !errors.As(err, &ve) || len(ve.Errors) != 1 || ve.Errors[0].Field != "department_id" || !strings.HasPrefix(ve.Errors[0].Value, "ECG-9 心電圖機 (#") {
			t.Errorf("cross-site department: %v", err)
		}
		if a, _ := svc.FindAssetByID(system, hq[2].ID); a.DepartmentID != 0 || a.Version != 1 {
			t.Errorf("refused change left PUMP-1 at department %d, version %d", a.DepartmentID, a.Version)
		}

		// Responsible person and level, selected by a filter across pages ("心電圖" at the
		// main site): the branch ECG is not selected.
		f := &medsec.AssetFilter{SiteID: main.ID, Query: "心電圖"}
		if res, err = svc.ChangeAssets(system, medsec.AssetBulkChange{Filter: f, Action: medsec.BulkResponsible, ResponsibleID: people[0].ID}); err != nil || res.Changed != 2 {
			t.Fatalf("responsible by filter: %+v, %v", res, err)
		}
		if res, err = svc.ChangeAssets(system, medsec.AssetBulkChange{Filter: f, Action: medsec.BulkLevel, Level: medsec.LevelHigh}); err != nil || res.Changed != 2 {
			t.Fatalf("level by filter: %+v, %v", res, err)
		}
		for _, id := range ids {
			a, _ := svc.FindAssetByID(system, id)
			if a.ResponsibleID != people[0].ID || a.Level != medsec.LevelHigh {
				t.Errorf("asset %d: responsible %d, level %q", id, a.ResponsibleID, a.Level)
			}
		}
		if a, _ := svc.FindAssetByID(system, br[0].ID); a.ResponsibleID != 0 || a.Level != "" {
			t.Errorf("branch ECG changed by a main-site filter: %+v", a)
		}

		// Zone: placed by hand, audited as asset.place; a zone of the other site is refused.
		if res, err = svc.ChangeAssets(system, medsec.AssetBulkChange{AssetIDs: ids, Action: medsec.BulkZone, ZoneID: lan.ID}); err != nil || res.Changed != 2 {
			t.Fatalf("zone: %+v, %v", res, err)
		}
		if p, err := zones.FindPlacement(system, ids[0]); err != nil || p.ZoneID != lan.ID || !p.Manual {
			t.Errorf("placement = %+v, %v", p, err)
		}
		if _, err = svc.ChangeAssets(system, medsec.AssetBulkChange{AssetIDs: []int64{br[0].ID}, Action: medsec.BulkZone, ZoneID: lan.ID}); !strings.Contains(fieldErrors(err), "zone") {
			t.Errorf("zone of another site: %v", err)
		}

		// Class: an override needs a reason; with one, every asset gets the class.
		if _, err = svc.ChangeAssets(system, medsec.AssetBulkChange{AssetIDs: ids, Action: medsec.BulkClass, Class: medsec.ClassSystem}); !strings.Contains(fieldErrors(err), "why") {
			t.Errorf("override without reason: %v", err)
		}
		if res, err = svc.ChangeAssets(system, medsec.AssetBulkChange{AssetIDs: ids, Action: medsec.BulkClass, Class: medsec.ClassSystem, Why: "心電圖管理系統的一部分"}); err != nil || res.Changed != 2 {
			t.Fatalf("class: %+v, %v", res, err)
		}
		if a, _ := svc.FindAssetByID(system, ids[1]); a.Class != medsec.ClassSystem {
			t.Errorf("class = %q", a.Class)
		}

		// Scope: a branch engineer naming a main-site asset gets "not found" and nothing
		// changes; an auditor may not change at all.
		branchEngineer := as(&medsec.User{ID: 9, Username: "ce", Role: medsec.RoleClinicalEngineer, SiteIDs: []int64{branch.ID}})
		if _, err = svc.ChangeAssets(branchEngineer, medsec.AssetBulkChange{AssetIDs: []int64{br[0].ID, hq[2].ID}, Action: medsec.BulkRetire}); medsec.ErrorCode(err) != medsec.ENOTFOUND {
			t.Errorf("branch engineer retiring a main-site asset: %v", err)
		}
		if a, _ := svc.FindAssetByID(system, br[0].ID); a.Status != medsec.StatusActive {
			t.Errorf("refused retire retired the branch asset")
		}
		auditor := as(&medsec.User{ID: 10, Username: "aud", Role: medsec.RoleAuditor})
		if _, err = svc.ChangeAssets(auditor, medsec.AssetBulkChange{AssetIDs: ids, Action: medsec.BulkRetire}); medsec.ErrorCode(err) != medsec.EFORBIDDEN {
			t.Errorf("auditor: %v", err)
		}
		// The branch engineer's select-all retires only what the engineer sees.
		if res, err = svc.ChangeAssets(branchEngineer, medsec.AssetBulkChange{Filter: &medsec.AssetFilter{Status: medsec.StatusActive}, Action: medsec.BulkRetire}); err != nil || res.Changed != 1 {
			t.Fatalf("branch select-all retire: %+v, %v", res, err)
		}
		if a, _ := svc.FindAssetByID(system, hq[2].ID); a.Status != medsec.StatusActive {
			t.Errorf("branch engineer's select-all retired a main-site asset")
		}

		// Bad input: unknown action, unknown person, nothing selected.
		for _, c := range []medsec.AssetBulkChange{
			{AssetIDs: ids, Action: "delete"},
			{AssetIDs: ids, Action: medsec.BulkResponsible, ResponsibleID: 999},
			{Filter: &medsec.AssetFilter{Query: "no such asset"}, Action: medsec.BulkRetire},
			{Action: medsec.BulkRetire},
			{AssetIDs: ids, Action: medsec.BulkLevel, Level: "extreme"},
		} {
			if _, err := svc.ChangeAssets(system, c); medsec.ErrorCode(err) != medsec.EINVALID {
				t.Errorf("%+v: err = %v, want invalid", c, err)
			}
		}
	})
}
