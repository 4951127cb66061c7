package sqlstore_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"medsec"
	"medsec/sqlstore"
)

func TestAssetLifecycle(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		main, _ := seedOrg(t, db)
		svc := sqlstore.NewAssetService(db)
		a := &medsec.Asset{SiteID: main.ID, Name: " CT-01 ", Kind: medsec.KindModality, Serial: "SN-1",
			IPs: []string{"10.10.1.5"}, MACs: []string{"00-1B-2C-AA-BB-CC"}, Connectivity: []medsec.Connectivity{medsec.ConnIntranet}}
		if err := svc.CreateAsset(system, a); err != nil {
			t.Fatal(err)
		}
		got, err := svc.FindAssetByID(system, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "CT-01" || got.MACs[0] != "00:1b:2c:aa:bb:cc" || got.SiteName != "示範醫學中心" || got.Version != 1 {
			t.Errorf("stored asset = %+v", got)
		}
		got.Model = "Aquila 128"
		if err := svc.UpdateAsset(system, got); err != nil {
			t.Fatal(err)
		}
		stale := *got
		stale.Version = 1
		if err := svc.UpdateAsset(system, &stale); medsec.ErrorCode(err) != medsec.ECONFLICT {
			t.Errorf("stale update: err = %v, want conflict", err)
		}
		if err := svc.RetireAsset(system, a.ID); err != nil {
			t.Fatal(err)
		}
		got, _ = svc.FindAssetByID(system, a.ID)
		if got.Status != medsec.StatusRetired || !got.RetiredAt.Equal(testNow) {
			t.Errorf("retired asset: status %q at %v", got.Status, got.RetiredAt)
		}
		entries, total, err := sqlstore.NewAuditService(db).FindAuditEntries(system, medsec.AuditFilter{ObjectType: "asset", ObjectID: a.ID})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range entries {
			actions = append(actions, e.Action)
		}
		if total != 3 || strings.Join(actions, ",") != "asset.update,asset.update,asset.create" {
			t.Errorf("audit actions = %v (total %d)", actions, total)
		}
		if !strings.Contains(string(entries[1].Before), `"model":`) == strings.Contains(string(entries[1].Before), "Aquila") {
			t.Errorf("update audit before = %s, want no new model", entries[1].Before)
		}
		if !strings.Contains(string(entries[1].After), "Aquila 128") {
			t.Errorf("update audit after = %s, want the new model", entries[1].After)
		}
	})
}

func TestAssetValidation(t *testing.T) {
	db := MustOpenDB(t, "sqlite")
	main, _ := seedOrg(t, db)
	svc := sqlstore.NewAssetService(db)
	err := svc.CreateAsset(system, &medsec.Asset{SiteID: main.ID, Name: "", IPs: []string{"10.0.0.300"}, VLAN: 5000})
	var ve *medsec.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v, want validation error", err)
	}
	var fields []string
	for _, fe := range ve.Errors {
		fields = append(fields, fe.Field)
	}
	if got := strings.Join(fields, ","); got != "name,ips,vlan" {
		t.Errorf("invalid fields = %s", got)
	}
	if _, total, _ := svc.FindAssets(system, medsec.AssetFilter{}); total != 0 {
		t.Errorf("invalid asset was stored")
	}
}

func TestAssetAccess(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		main, branch := seedOrg(t, db)
		svc := sqlstore.NewAssetService(db)
		vendors, _ := sqlstore.NewOrgService(db).FindVendors(system)
		hq := &medsec.Asset{SiteID: main.ID, Name: "MRI-1", Kind: medsec.KindModality, VendorID: vendors[0].ID}
		br := &medsec.Asset{SiteID: branch.ID, Name: "MRI-2", Kind: medsec.KindModality}
		for _, a := range []*medsec.Asset{hq, br} {
			if err := svc.CreateAsset(system, a); err != nil {
				t.Fatal(err)
			}
		}
		branchEngineer := as(&medsec.User{ID: 9, Username: "ce", Role: medsec.RoleClinicalEngineer, SiteIDs: []int64{branch.ID}})
		auditor := as(&medsec.User{ID: 10, Username: "aud", Role: medsec.RoleAuditor})
		vendor := as(&medsec.User{ID: 11, Username: "v", Role: medsec.RoleVendor, VendorID: vendors[0].ID})

		if _, err := svc.FindAssetByID(branchEngineer, hq.ID); medsec.ErrorCode(err) != medsec.ENOTFOUND {
			t.Errorf("branch user reading main-site asset: err = %v, want not found", err)
		}
		list, total, _ := svc.FindAssets(branchEngineer, medsec.AssetFilter{})
		if total != 1 || list[0].Name != "MRI-2" {
			t.Errorf("branch user sees %d assets", total)
		}
		if err := svc.CreateAsset(branchEngineer, &medsec.Asset{SiteID: main.ID, Name: "x", Kind: medsec.KindOther}); medsec.ErrorCode(err) != medsec.EFORBIDDEN {
			t.Errorf("branch user creating at main site: err = %v, want forbidden", err)
		}
		if err := svc.RetireAsset(auditor, br.ID); medsec.ErrorCode(err) != medsec.EFORBIDDEN {
			t.Errorf("auditor retiring: err = %v, want forbidden", err)
		}
		list, total, _ = svc.FindAssets(vendor, medsec.AssetFilter{})
		if total != 1 || list[0].Name != "MRI-1" {
			t.Errorf("vendor sees %d assets, want only its own", total)
		}
		if _, err := svc.FindAssetByID(vendor, br.ID); medsec.ErrorCode(err) != medsec.ENOTFOUND {
			t.Errorf("vendor reading another vendor's asset: err = %v", err)
		}
		if _, _, err := svc.FindAssets(as(nil), medsec.AssetFilter{}); medsec.ErrorCode(err) != medsec.EUNAUTHORIZED {
			t.Errorf("anonymous: err = %v", err)
		}
	})
}

func TestAssetSearchSortPage(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		main, _ := seedOrg(t, db)
		svc := sqlstore.NewAssetService(db)
		for _, a := range []*medsec.Asset{
			{Name: "Infusion pump 3", Kind: medsec.KindInfusionPump, Location: "加護病房 3F"},
			{Name: "Infusion pump 1", Kind: medsec.KindInfusionPump, Location: "加護病房 3F"},
			{Name: "CT 100%", Kind: medsec.KindModality, Location: "放射科"},
			{Name: "PACS", Kind: medsec.KindPACS, IPs: []string{"10.20.0.10"}},
		} {
			a.SiteID = main.ID
			if err := svc.CreateAsset(system, a); err != nil {
				t.Fatal(err)
			}
		}
		tests := []struct {
			filter medsec.AssetFilter
			want   string
			total  int
		}{
			{medsec.AssetFilter{Query: "加護"}, "Infusion pump 1,Infusion pump 3", 2},
			{medsec.AssetFilter{Query: "INFUSION 1"}, "Infusion pump 1", 1},
			{medsec.AssetFilter{Query: "10.20.0"}, "PACS", 1},
			{medsec.AssetFilter{Query: "100%"}, "CT 100%", 1},
			{medsec.AssetFilter{Query: "1_0"}, "", 0},
			{medsec.AssetFilter{Sort: "-name", Limit: 2}, "PACS,Infusion pump 3", 4},
			{medsec.AssetFilter{Sort: "name", Limit: 2, Offset: 2}, "Infusion pump 3,PACS", 4},
			{medsec.AssetFilter{Kind: medsec.KindModality}, "CT 100%", 1},
		}
		for _, tt := range tests {
			list, total, err := svc.FindAssets(system, tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, a := range list {
				names = append(names, a.Name)
			}
			if got := strings.Join(names, ","); got != tt.want || total != tt.total {
				t.Errorf("FindAssets(%+v) = %q (total %d), want %q (total %d)", tt.filter, got, total, tt.want, tt.total)
			}
		}
	})
}

func TestImportAllOrNothing(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		seedOrg(t, db)
		svc := sqlstore.NewAssetService(db)
		row := func(line int, name, serial string, mutate func(*medsec.AssetRow)) medsec.AssetRow {
			r := medsec.AssetRow{Line: line, Site: "示範醫學中心", Department: "放射科", Vendor: "Aurora Medical Systems", Responsible: "林醫工",
				Asset: medsec.Asset{Name: name, Kind: medsec.KindModality, Serial: serial}}
			if mutate != nil {
				mutate(&r)
			}
			return r
		}
		bad := []medsec.AssetRow{
			row(2, "CT-1", "S1", nil),
			row(3, "CT-2", "S2", func(r *medsec.AssetRow) { r.Site = "Nowhere" }),
			row(4, "CT-3", "S3", func(r *medsec.AssetRow) { r.Asset.IPs = []string{"300.1.1.1"} }),
			row(5, "CT-4", "S1", nil),
		}
		_, err := svc.ImportAssets(system, medsec.AssetImport{Source: "assets.csv", Rows: bad})
		var ve *medsec.ValidationError
		if !errors.As(err, &ve) {
			t.Fatalf("err = %v, want validation error", err)
		}
		want := `assets.csv: line 3: site: unknown site "Nowhere"; line 4: ips: "300.1.1.1" is not an IP address; line 5: serial: same asset as line 2`
		if ve.Error() != want {
			t.Errorf("error =\n%s\nwant\n%s", ve.Error(), want)
		}
		if _, total, _ := svc.FindAssets(system, medsec.AssetFilter{}); total != 0 {
			t.Fatalf("a rejected import stored %d assets", total)
		}
		good := []medsec.AssetRow{row(2, "CT-1", "S1", nil), row(3, "CT-2", "S2", nil)}
		res, err := svc.ImportAssets(system, medsec.AssetImport{Source: "assets.csv", Rows: good})
		if err != nil || !reflect.DeepEqual(res, medsec.ImportResult{Created: 2}) {
			t.Fatalf("import = %+v, %v", res, err)
		}
		again := []medsec.AssetRow{row(2, "CT-1 renamed", "S1", nil), row(3, "CT-2", "S2", nil), row(4, "CT-5", "S5", nil)}
		res, err = svc.ImportAssets(system, medsec.AssetImport{Source: "assets.csv", Rows: again})
		if err != nil || !reflect.DeepEqual(res, medsec.ImportResult{Created: 1, Updated: 1, Unchanged: 1}) {
			t.Fatalf("re-import = %+v, %v", res, err)
		}
		list, total, _ := svc.FindAssets(system, medsec.AssetFilter{})
		if total != 3 || list[0].Name != "CT-1 renamed" || list[0].DepartmentName != "放射科" || list[0].ResponsibleName != "林醫工" {
			t.Errorf("after re-import: %d assets, first %+v", total, list[0])
		}
	})
}
