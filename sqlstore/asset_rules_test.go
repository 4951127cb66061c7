package sqlstore_test

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"medsec"
	"medsec/assetio"
	"medsec/sqlstore"
)

// fieldErrors returns "field key value" of each problem of a validation error, or says
// the error is not one.
func fieldErrors(err error) string {
	var ve *medsec.ValidationError
	if !errors.As(err, &ve) {
		return "not a validation error: " + errString(err)
	}
	var out []string
	for _, fe := range ve.Errors {
		out = append(out, fe.Field+" "+fe.Key+" "+fe.Value)
	}
	return strings.Join(out, "; ")
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// departmentOf returns the id of the department of the site.
func departmentOf(t *testing.T, db *sqlstore.DB, siteID int64) int64 {
	t.Helper()
	depts, err := sqlstore.NewOrgService(db).FindDepartments(system)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range depts {
		if d.SiteID == siteID {
			return d.ID
		}
	}
	t.Fatalf("no department at site %d", siteID)
	return 0
}

// TestAssetDepartmentOfItsSite checks that an asset's department is one of the asset's
// site, on create and on update (issue 9: a site-2 asset took site 1's department).
func TestAssetDepartmentOfItsSite(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		main, branch := seedOrg(t, db)
		svc := sqlstore.NewAssetService(db)
		mainDept := departmentOf(t, db, main.ID)
		want := "department_id err.unknown_department " + strconv.FormatInt(mainDept, 10)
		a := &medsec.Asset{SiteID: branch.ID, DepartmentID: mainDept, Name: "PACS-BR", Kind: medsec.KindModality}
		if got := fieldErrors(svc.CreateAsset(system, a)); got != want {
			t.Errorf("create at branch with main's department: %s, want %s", got, want)
		}
		a = &medsec.Asset{SiteID: main.ID, DepartmentID: mainDept, Name: "PACS-HQ", Kind: medsec.KindModality}
		if err := svc.CreateAsset(system, a); err != nil {
			t.Fatal(err)
		}
		moved := *a
		moved.SiteID = branch.ID
		if got := fieldErrors(svc.UpdateAsset(system, &moved)); got != want {
			t.Errorf("move to branch keeping main's department: %s, want %s", got, want)
		}
		moved.DepartmentID = departmentOf(t, db, branch.ID)
		if err := svc.UpdateAsset(system, &moved); err != nil {
			t.Errorf("move to branch with its department: %v", err)
		}
	})
}

// TestAssetMACUnique checks that a MAC address is recorded on one active asset only,
// naming the other asset only to a user who may see it.
func TestAssetMACUnique(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		main, branch := seedOrg(t, db)
		svc := sqlstore.NewAssetService(db)
		const mac = "02:b9:00:00:00:01"
		first := &medsec.Asset{SiteID: main.ID, Name: "Infusion-1", Kind: medsec.KindModality, MACs: []string{mac}}
		if err := svc.CreateAsset(system, first); err != nil {
			t.Fatal(err)
		}
		branchUser := as(&medsec.User{ID: 99, Username: "br", Role: medsec.RoleClinicalEngineer, SiteIDs: []int64{branch.ID}})
		for _, tc := range []struct {
			name string
			ctx  context.Context
			site int64
			want string
		}{
			{"seen", system, main.ID, "macs err.mac_in_use_by Infusion-1 (#" + strconv.FormatInt(first.ID, 10) + ", " + mac + ")"},
			{"not seen", branchUser, branch.ID, "macs err.mac_in_use " + mac},
		} {
			dup := &medsec.Asset{SiteID: tc.site, Name: "Infusion-2", Kind: medsec.KindModality, MACs: []string{"02:B9:00:00:00:01"}}
			if got := fieldErrors(svc.CreateAsset(tc.ctx, dup)); got != tc.want {
				t.Errorf("%s: create with the same MAC: %s, want %s", tc.name, got, tc.want)
			}
		}
		second := &medsec.Asset{SiteID: main.ID, Name: "Infusion-2", Kind: medsec.KindModality, MACs: []string{"02:b9:00:00:00:02"}}
		if err := svc.CreateAsset(system, second); err != nil {
			t.Fatal(err)
		}
		second.MACs = append(second.MACs, mac)
		if got := fieldErrors(svc.UpdateAsset(system, second)); !strings.HasPrefix(got, "macs err.mac_in_use_by Infusion-1") {
			t.Errorf("update adding the MAC: %s, want it refused", got)
		}
		if err := svc.RetireAsset(system, first.ID); err != nil {
			t.Fatal(err)
		}
		if err := svc.UpdateAsset(system, second); err != nil {
			t.Errorf("update taking the retired asset's MAC: %v", err)
		}
	})
}

// TestReimportLegacyDuplicateMACs checks that an unchanged export of an inventory where
// two assets already share a MAC address (legacy data, written directly) imports as
// unchanged: rows matching different assets are not "the same asset".
func TestReimportLegacyDuplicateMACs(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		main, branch := seedOrg(t, db)
		svc := sqlstore.NewAssetService(db)
		for _, a := range []*medsec.Asset{
			{SiteID: main.ID, Name: "Monitor-A", Kind: medsec.KindModality, Serial: "SA", MACs: []string{"02:b9:00:00:00:01"}},
			{SiteID: branch.ID, Name: "Monitor-B", Kind: medsec.KindModality, Serial: "SB", MACs: []string{"02:b9:00:00:00:02"}},
			{SiteID: main.ID, Name: "Pump-C", Kind: medsec.KindModality, MACs: []string{"02:b9:00:00:00:03"}},
			{SiteID: branch.ID, Name: "Pump-D", Kind: medsec.KindModality, MACs: []string{"02:b9:00:00:00:04"}},
		} {
			if err := svc.CreateAsset(system, a); err != nil {
				t.Fatal(err)
			}
		}
		// Legacy data: B shares A's MAC, D shares C's (D and C have no serial).
		for _, q := range [][2]string{{"Monitor-B", "02:b9:00:00:00:01"}, {"Pump-D", "02:b9:00:00:00:03"}} {
			if err := db.ExecRaw(context.Background(), `UPDATE assets SET macs = ? WHERE name = ?`, q[1], q[0]); err != nil {
				t.Fatal(err)
			}
		}
		assets, _, err := svc.FindAssets(system, medsec.AssetFilter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := assetio.WriteCSV(&b, assets); err != nil {
			t.Fatal(err)
		}
		rows, err := assetio.ReadCSV(&b, "export.csv")
		if err != nil {
			t.Fatal(err)
		}
		res, err := svc.ImportAssets(system, medsec.AssetImport{Source: "export.csv", Rows: rows})
		if want := (medsec.ImportResult{Unchanged: 4}); err != nil || !reflect.DeepEqual(res, want) {
			t.Errorf("re-import = %+v, %v; want %+v", res, err, want)
		}
	})
}

// TestImportUnknownDepartmentAtUnknownSite checks that one pass reports a department that
// exists at no site even though the row's site is unknown too.
func TestImportUnknownDepartmentAtUnknownSite(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		seedOrg(t, db)
		svc := sqlstore.NewAssetService(db)
		rows := []medsec.AssetRow{
			{Line: 2, Site: "NoSite", Department: "NoDept", Vendor: "NoVendor", Responsible: "Nobody Here", Asset: medsec.Asset{Name: "X", Kind: medsec.KindModality}},
			{Line: 3, Site: "NoSite", Department: "放射科", Asset: medsec.Asset{Name: "Y", Kind: medsec.KindModality}},
		}
		headers := map[string]string{"site": "院區", "department": "部門", "vendor": "廠商", "responsible": "負責人"}
		_, err := svc.ImportAssets(system, medsec.AssetImport{Source: "a.csv", Rows: rows, Headers: headers})
		want := "院區 err.unknown_site NoSite; 部門 err.unknown_department NoDept; 廠商 err.unknown_vendor NoVendor; 負責人 err.unknown_person Nobody Here; " +
			"院區 err.unknown_site NoSite"
		if got := fieldErrors(err); got != want {
			t.Errorf("problems:\n%s\nwant\n%s", got, want)
		}
	})
}
