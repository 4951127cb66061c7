package assetio

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"medsec"
	"medsec/tabular"
)

// sampleAssets returns assets as a store returns them: with IDs, timestamps and the
// names of their references, and values that stress the formats (CJK, line breaks,
// quotes, formula-like text, IPv6, several values per cell).
func sampleAssets(t testing.TB) []*medsec.Asset {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	assets := []*medsec.Asset{
		{
			ID: 1, SiteID: 1, DepartmentID: 2, VendorID: 3, ResponsibleID: 4, Version: 7, CreatedAt: now, UpdatedAt: now,
			Name: "電腦斷層 CT-01", Kind: medsec.KindModality, Model: "SOMATOM go.Up", Serial: "0012345",
			Software: "VA40A", Firmware: "1.2.3", IPs: []string{"10.1.2.3", "2001:db8::1"},
			MACs: []string{"00:1b:2c:3d:4e:5f", "00:1b:2c:3d:4e:60"}, VLAN: 120, SSID: "", Location: "二樓 CT 室",
			VendorContact: "張工程師 0912-345678, \"24h\"", Connectivity: []medsec.Connectivity{medsec.ConnIntranet, medsec.ConnLocalLAN},
			DataClass: medsec.DataSensitivePersonal, PatientRecords: 120000, EndOfSupport: mustDate(t, "2028-03-31"),
			RemoteMaintenance: "vendor VPN; jump host", PatchingPermitted: medsec.No, DefaultCreds: medsec.CredChanged,
			Level: medsec.LevelHigh, Notes: "line one\nline two, with comma", Status: medsec.StatusActive,
			AETitles: []string{"CT01", "CT01_STORE"}, Class: medsec.ClassStandalone,
			SiteName: "總院", DepartmentName: "放射科", VendorName: "Siemens Healthineers", ResponsibleName: "王大明",
		},
		{
			ID: 2, SiteID: 1, Name: "=HYPERLINK(\"http://evil\")", Kind: medsec.KindInfusionPump,
			Connectivity: []medsec.Connectivity{medsec.ConnWiFi}, SSID: "MED-IOT", DataClass: medsec.DataDeviceOnly,
			PatchingPermitted: medsec.Unknown, DefaultCreds: medsec.CredUnchanged, Status: medsec.StatusRetired,
			Notes: "'quoted", Model: "+1", Serial: "-5", Location: "@home", SiteName: "North",
		},
		{
			ID: 3, SiteID: 2, Name: "監視器", Kind: medsec.KindPatientMonitor, DataClass: medsec.DataNonSensitive,
			PatchingPermitted: medsec.Yes, DefaultCreds: medsec.CredNone, Level: medsec.LevelLow, Status: medsec.StatusActive,
			EndOfSupport: mustDate(t, "1999-12-31"), SiteName: "分院", VendorContact: "ext. 1234",
		},
	}
	for _, a := range assets {
		a.Normalize()
	}
	return assets
}

// wantRows is what reading back a written file must give: each asset without the fields
// the file does not hold, and its references by name.
func wantRows(assets []*medsec.Asset) []medsec.AssetRow {
	var rows []medsec.AssetRow
	for i, a := range assets {
		b := medsec.Asset{
			Name: a.Name, Kind: a.Kind, Model: a.Model, Serial: a.Serial, Software: a.Software,
			Firmware: a.Firmware, IPs: a.IPs, MACs: a.MACs, VLAN: a.VLAN, SSID: a.SSID, Location: a.Location,
			VendorContact: a.VendorContact, Connectivity: a.Connectivity, DataClass: a.DataClass,
			PatientRecords: a.PatientRecords, EndOfSupport: a.EndOfSupport, RemoteMaintenance: a.RemoteMaintenance,
			PatchingPermitted: a.PatchingPermitted, DefaultCreds: a.DefaultCreds, Level: a.Level, Notes: a.Notes,
			Status: a.Status, AETitles: a.AETitles, Class: a.Class,
		}
		b.Normalize()
		rows = append(rows, medsec.AssetRow{Line: i + 2, Asset: b, Site: a.SiteName, Department: a.DepartmentName,
			Vendor: a.VendorName, Responsible: a.ResponsibleName})
	}
	return rows
}

func TestRoundTrip(t *testing.T) {
	assets := sampleAssets(t)
	formats := []struct {
		name  string
		write func(*bytes.Buffer, []*medsec.Asset) error
		read  func(*bytes.Buffer) ([]medsec.AssetRow, error)
	}{
		{"csv",
			func(b *bytes.Buffer, a []*medsec.Asset) error { return WriteCSV(b, a) },
			func(b *bytes.Buffer) ([]medsec.AssetRow, error) { return ReadCSV(b, "out.csv") }},
		{"xlsx",
			func(b *bytes.Buffer, a []*medsec.Asset) error { return WriteXLSX(b, a) },
			func(b *bytes.Buffer) ([]medsec.AssetRow, error) { return ReadXLSX(b, "out.xlsx") }},
	}
	for _, f := range formats {
		t.Run(f.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := f.write(&b, assets); err != nil {
				t.Fatal(err)
			}
			got, err := f.read(&b)
			if err != nil {
				t.Fatal(err)
			}
			want := wantRows(assets)
			if f.name == "csv" {
				// The first asset's notes hold a line break, so later records start a line
				// further down the file.
				want[1].Line, want[2].Line = 4, 5
			}
			diffRows(t, got, want)
		})
	}
}

// TestWriteCSVText pins the exact text WriteCSV produces for a spreadsheet to open.
func TestWriteCSVText(t *testing.T) {
	var b bytes.Buffer
	if err := WriteCSV(&b, sampleAssets(t)[1:2]); err != nil {
		t.Fatal(err)
	}
	want := "\uFEFF" + enHeader + ",ae_titles,class,firmware_cpe,hardware_cpe,purl\r\n" +
		`"'=HYPERLINK(""http://evil"")",infusion-pump,North,,,'+1,'-5,,,,,,MED-IOT,'@home,,,wifi,device-only,0,,,unknown,unchanged,,''quoted,retired,,,,,` + "\r\n"
	if got := b.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// TestWriteXLSXCells checks the written workbook as a spreadsheet shows it: the sheet, the
// header, typed cells and formula-like text neutralised.
func TestWriteXLSXCells(t *testing.T) {
	var b bytes.Buffer
	if err := WriteXLSX(&b, sampleAssets(t)); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); !reflect.DeepEqual(got, []string{"Assets"}) {
		t.Errorf("sheets = %q, want [Assets]", got)
	}
	tests := []struct {
		cell string
		want string
		typ  excelize.CellType
	}{
		{"A1", "name", excelize.CellTypeInlineString},
		{"Z1", "status", excelize.CellTypeInlineString},
		{"A2", "電腦斷層 CT-01", excelize.CellTypeInlineString},
		{"L2", "120", excelize.CellTypeUnset},    // a number
		{"S2", "120000", excelize.CellTypeUnset}, // a number
		{"T2", "2028-03-31", excelize.CellTypeUnset},
		{"A3", `=HYPERLINK("http://evil")`, excelize.CellTypeInlineString}, // exact text in a string cell (package tabular)
	}
	for _, tt := range tests {
		got, err := f.GetCellValue("Assets", tt.cell)
		if err != nil || got != tt.want {
			t.Errorf("%s = %q, %v; want %q", tt.cell, got, err, tt.want)
		}
		typ, err := f.GetCellType("Assets", tt.cell)
		if err != nil || typ != tt.typ {
			t.Errorf("%s type = %v, %v; want %v", tt.cell, typ, err, tt.typ)
		}
		if formula, _ := f.GetCellFormula("Assets", tt.cell); formula != "" {
			t.Errorf("%s has formula %q", tt.cell, formula)
		}
	}
}

// newWorkbook builds a workbook in memory: sheet name -> cell -> value; setup may
// adjust it further.
func newWorkbook(t *testing.T, sheets []string, cells map[string]map[string]any, setup func(*excelize.File)) *bytes.Buffer {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, s := range sheets {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", s); err != nil {
				t.Fatal(err)
			}
		} else if _, err := f.NewSheet(s); err != nil {
			t.Fatal(err)
		}
		for cell, v := range cells[s] {
			if err := f.SetCellValue(s, cell, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	if setup != nil {
		setup(f)
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	return &b
}

func TestReadXLSX(t *testing.T) {
	// A Japanese workbook: the inventory is on the second sheet, 資産, its header on row 2,
	// with gaps between rows; dates as date-formatted serials and as text, numbers as
	// numbers, a boolean cell.
	jaSheet := map[string]any{
		"A2": "名称", "B2": "施設", "C2": "IPアドレス", "D2": "サポート終了日", "E2": "VLAN", "F2": "患者記録数", "G2": "パッチ適用可否", "H2": "接続方式",
		"A3": "超音波診断装置", "B3": "本院", "C3": "10.0.0.1\n10.0.0.2", "D3": 46477, "E3": 30, "F3": 1500, "G3": true, "H3": "院内ネットワーク\nBluetooth",
		"A6": "輸液ポンプ", "B6": "本院", "D6": "2027/04/01", "G6": false,
	}
	good := newWorkbook(t, []string{"メモ", "資産"}, map[string]map[string]any{"メモ": {"A1": "ignore me"}, "資産": jaSheet},
		func(f *excelize.File) {
			style, _ := f.NewStyle(&excelize.Style{NumFmt: 14})
			_ = f.SetCellStyle("資産", "D3", "D3", style)
		})
	want := []medsec.AssetRow{
		{Line: 3, Site: "本院", Asset: normalized(medsec.Asset{Name: "超音波診断装置", IPs: []string{"10.0.0.1", "10.0.0.2"},
			EndOfSupport: mustDate(t, "2027-03-31"), VLAN: 30, PatientRecords: 1500, PatchingPermitted: medsec.Yes,
			Connectivity: []medsec.Connectivity{medsec.ConnBluetooth, medsec.ConnIntranet}})},
		{Line: 6, Site: "本院", Asset: normalized(medsec.Asset{Name: "輸液ポンプ", EndOfSupport: mustDate(t, "2027-04-01"), PatchingPermitted: medsec.No})},
	}
	got, err := ReadXLSX(good, "機器一覧.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	diffRows(t, got, want)

	t.Run("1904 date system", func(t *testing.T) {
		b := newWorkbook(t, []string{"Sheet1"}, map[string]map[string]any{"Sheet1": {"A1": "name", "B1": "site", "C1": "end_of_support", "A2": "X", "B2": "Main", "C2": 45015}},
			func(f *excelize.File) {
				yes := true
				if err := f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &yes}); err != nil {
					t.Fatal(err)
				}
			})
		got, err := ReadXLSX(b, "mac.xlsx")
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].Asset.EndOfSupport.String() != "2027-03-31" {
			t.Errorf("got %+v, want end of support 2027-03-31", got)
		}
	})
}

func TestReadXLSXErrors(t *testing.T) {
	fe := func(line int, field, key, msg string) medsec.FieldError {
		return medsec.FieldError{Line: line, Field: field, Key: key, Message: msg}
	}
	fev := func(line int, field, key, value, msg string) medsec.FieldError {
		return medsec.FieldError{Line: line, Field: field, Key: key, Value: value, Message: msg}
	}
	tests := []struct {
		name  string
		input *bytes.Buffer
		want  []medsec.FieldError
	}{
		{"bad cells, by sheet row and header as written",
			newWorkbook(t, []string{"Assets"}, map[string]map[string]any{"Assets": {
				"A1": "名稱", "B1": "院區", "C1": "IP位址", "D1": "停止支援日期",
				"A2": "A", "B2": "總院", "C2": "10.0.0.1",
				"A4": "B", "B4": "總院", "C4": "10.0.0.300", "D4": -3, "G4": "stray",
			}}, nil),
			[]medsec.FieldError{
				fev(4, "IP位址", "err.bad_ip", "10.0.0.300", `"10.0.0.300" is not an IP address`),
				fev(4, "停止支援日期", "err.bad_date", "-3", `"-3" is not a date (Excel date serial out of range)`),
				fe(4, "column G", "err.no_header", "value in a column without a header"),
			}},
		{"not a workbook", bytes.NewBufferString("name,site\nA,B\n"),
			[]medsec.FieldError{fe(0, "file", "err.bad_xlsx", "not a readable XLSX workbook: zip: not a valid zip file")}},
		{"empty sheet", newWorkbook(t, []string{"Sheet1"}, nil, nil),
			[]medsec.FieldError{fe(0, "file", "err.no_header", "has no header row")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := ReadXLSX(tt.input, "assets.xlsx")
			if rows != nil {
				t.Errorf("got %d rows with an error, want none", len(rows))
			}
			got := validationErrors(t, err, "assets.xlsx")
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("errors:\ngot  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestTemplate(t *testing.T) {
	tests := []struct {
		lang  string
		sheet string
		a1    string
		c1    string
	}{
		{"en", "Assets", "name", "site"},
		{"zh-TW", "資產", "名稱", "院區"},
		{"zh_Hant", "資產", "名稱", "院區"},
		{"zh-CN", "资产", "名称", "院区"},
		{"JA", "資産", "名称", "施設"},
	}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			var b bytes.Buffer
			if err := Template(&b, tt.lang); err != nil {
				t.Fatal(err)
			}
			f, err := excelize.OpenReader(bytes.NewReader(b.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if got := f.GetSheetList(); !reflect.DeepEqual(got, []string{tt.sheet}) {
				t.Errorf("sheets = %q, want [%s]", got, tt.sheet)
			}
			for cell, want := range map[string]string{"A1": tt.a1, "C1": tt.c1} {
				if got, _ := f.GetCellValue(tt.sheet, cell); got != want {
					t.Errorf("%s = %q, want %q", cell, got, want)
				}
			}
			dvs, err := f.GetDataValidations(tt.sheet)
			if err != nil || len(dvs) != 7 {
				t.Errorf("got %d drop-down lists (%v), want 7", len(dvs), err)
			}
			rows, err := ReadXLSX(&b, "template.xlsx")
			if err != nil || len(rows) != 0 {
				t.Errorf("reading the empty template: %d rows, %v; want 0 rows, no error", len(rows), err)
			}
		})
	}
	if err := Template(&bytes.Buffer{}, "fr"); err == nil || !strings.Contains(err.Error(), `"fr"`) {
		t.Errorf("Template(fr) error = %v, want one naming the language", err)
	}
}

// TestReadTableExactText: a workbook medsec writes now holds text exactly (no apostrophe
// before formula-like text), and ReadTable gives back exactly that text, a leading
// apostrophe included; a workbook without tabular.XLSXExactText (an older medsec export)
// still loses the apostrophe that export added.
func TestReadTableExactText(t *testing.T) {
	texts := []string{"=1+1", "'=1+1", "'plain", "''", "@home", "-5 units"}
	x := tabular.NewXLSX()
	if err := x.Sheet(tabular.Sheet{Name: "T", Header: []string{"value"}}); err != nil {
		t.Fatal(err)
	}
	for _, s := range texts {
		x.Row(s)
	}
	var b bytes.Buffer
	if _, err := x.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	tab := ReadTable(b.Bytes(), "t.xlsx", "")
	if len(tab.Problems) > 0 || len(tab.Rows) != len(texts)+1 {
		t.Fatalf("rows %v problems %v", tab.Rows, tab.Problems)
	}
	for i, s := range texts {
		if got := tab.Rows[i+1].Cells[0]; got != s {
			t.Errorf("row %d = %q, want exactly %q", i+2, got, s)
		}
	}
	old := newWorkbook(t, []string{"T"}, map[string]map[string]any{"T": {"A1": "value", "A2": "'=1+1", "A3": "'plain"}}, nil)
	tab = ReadTable(old.Bytes(), "old.xlsx", "")
	if len(tab.Rows) != 3 || tab.Rows[1].Cells[0] != "=1+1" || tab.Rows[2].Cells[0] != "'plain" {
		t.Errorf("older export: rows %v problems %v; want the added apostrophe dropped", tab.Rows, tab.Problems)
	}
}
