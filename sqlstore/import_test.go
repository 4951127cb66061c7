package sqlstore_test

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	"medsec"
	"medsec/assetio"
	"medsec/sqlstore"
)

// zhCNBad is the newcomer review's zhcn-bad case in miniature: zh-CN headers, value errors
// on two lines, and an unknown site, department and vendor on others. Before, the value
// errors were listed first and the unknown references only after they were fixed, named
// by the internal column keys.
const zhCNBad = "名称,类型,院区,科室,厂商,IP地址,连接方式\n" +
	"监护仪 1,不存在类型,示範醫學中心,放射科,Aurora Medical Systems,10.10.1.1,无线\n" +
	"监护仪 2,监护仪,不存在院区,放射科,,10.10.1.2,\n" +
	"监护仪 3,监护仪,示範醫學中心,不存在科室,不存在厂商,10.10.1.300,\n"

// TestImportReportsEveryProblemInOnePass checks that one import lists the reader's
// problems and the store's (unknown site, department, vendor) together, in line order,
// each column named by the header the file wrote, each with the value it is about.
func TestImportReportsEveryProblemInOnePass(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		seedOrg(t, db)
		inv, err := assetio.ParseCSV(bytes.NewReader([]byte(zhCNBad)), "zhcn-bad.csv")
		if err != nil {
			t.Fatal(err)
		}
		_, err = sqlstore.NewAssetService(db).ImportAssets(system, medsec.AssetImport{Source: inv.Source, Rows: inv.Rows, Headers: inv.Headers, Problems: inv.Problems})
		var ve *medsec.ValidationError
		if !errors.As(err, &ve) {
			t.Fatalf("err = %v, want a validation error", err)
		}
		type problem struct {
			Line              int
			Field, Key, Value string
		}
		var got []problem
		for _, fe := range ve.Errors {
			got = append(got, problem{fe.Line, fe.Field, fe.Key, fe.Value})
		}
		want := []problem{
			{2, "类型", "err.unknown_value", "不存在类型"},
			{3, "院区", "err.unknown_site", "不存在院区"},
			{4, "IP地址", "err.bad_ip", "10.10.1.300"},
			{4, "科室", "err.unknown_department", "不存在科室"},
			{4, "厂商", "err.unknown_vendor", "不存在厂商"},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("problems:\ngot  %+v\nwant %+v", got, want)
		}
		if _, total, _ := sqlstore.NewAssetService(db).FindAssets(system, medsec.AssetFilter{}); total != 0 {
			t.Errorf("a rejected import stored %d assets", total)
		}
	})
}

// TestImportCreateMissing checks that an import asked to create missing departments and
// vendors does so in the same transaction, audited, and that a file with any other
// problem creates nothing.
func TestImportCreateMissing(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		seedOrg(t, db)
		assets, org, audit := sqlstore.NewAssetService(db), sqlstore.NewOrgService(db), sqlstore.NewAuditService(db)
		row := func(line int, name, dept, vendor, serial string) medsec.AssetRow {
			return medsec.AssetRow{Line: line, Site: "示範醫學中心", Department: dept, Vendor: vendor,
				Asset: medsec.Asset{Name: name, Kind: medsec.KindDialysis, Serial: serial}}
		}
		rows := []medsec.AssetRow{
			row(2, "HD-1", "血液透析室", "Nipro", "S1"),
			row(3, "HD-2", "血液透析室", "Nipro", "S2"),
			row(4, "HD-3", "放射科", "Aurora Medical Systems", "S3"),
		}
		bad := append(rows[:3:3], medsec.AssetRow{Line: 5, Site: "示範醫學中心", Responsible: "Nobody", Asset: medsec.Asset{Name: "HD-4"}})
		_, err := assets.ImportAssets(system, medsec.AssetImport{Source: "hd.csv", Rows: bad, CreateMissing: true})
		var ve *medsec.ValidationError
		if !errors.As(err, &ve) || len(ve.Errors) != 1 || ve.Errors[0].Key != "err.unknown_person" {
			t.Fatalf("import with an unknown person = %v, want only that problem", err)
		}
		vendors, _ := org.FindVendors(system)
		depts, _ := org.FindDepartments(system)
		if len(vendors) != 1 || len(depts) != 2 {
			t.Fatalf("a rejected import created: %d vendors, %d departments; want the seeded 1 and 2", len(vendors), len(depts))
		}

		// Without the flag the unknown department and vendor are problems.
		_, err = assets.ImportAssets(system, medsec.AssetImport{Source: "hd.csv", Rows: rows})
		if !errors.As(err, &ve) || len(ve.Errors) != 4 {
			t.Fatalf("import without create_missing = %v, want 4 problems (department and vendor on 2 lines)", err)
		}

		res, err := assets.ImportAssets(system, medsec.AssetImport{Source: "hd.csv", Rows: rows, CreateMissing: true})
		if err != nil {
			t.Fatal(err)
		}
		want := medsec.ImportResult{Created: 3, NewDepartments: []string{"示範醫學中心 / 血液透析室"}, NewVendors: []string{"Nipro"}}
		if !reflect.DeepEqual(res, want) {
			t.Errorf("result = %+v, want %+v", res, want)
		}
		list, _, _ := assets.FindAssets(system, medsec.AssetFilter{Query: "HD-"})
		for _, a := range list {
			if (a.Name == "HD-1" || a.Name == "HD-2") && (a.DepartmentName != "血液透析室" || a.VendorName != "Nipro") {
				t.Errorf("%s: department %q vendor %q", a.Name, a.DepartmentName, a.VendorName)
			}
		}
		for _, action := range []string{"department.create", "vendor.create"} {
			if _, n, err := audit.FindAuditEntries(system, medsec.AuditFilter{Action: action, Limit: 10}); err != nil || n != 1+map[string]int{"department.create": 2, "vendor.create": 1}[action] {
				t.Errorf("%s audit rows: %d, %v; want the seeded ones and one more", action, n, err)
			}
		}
	})
}
