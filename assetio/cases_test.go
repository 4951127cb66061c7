package assetio

import (
	"bytes"
	"errors"
	"medsec/internal/shareddata"
	"reflect"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"medsec"
)

// caseRow is the expected identity of one row of a case file.
type caseRow struct {
	line                                  int
	name, site, department, model, serial string
	ip, notes                             string
}

func (c caseRow) row() medsec.AssetRow {
	a := medsec.Asset{Name: c.name, Model: c.model, Serial: c.serial, Notes: c.notes}
	if c.ip != "" {
		a.IPs = []string{c.ip}
	}
	return medsec.AssetRow{Line: c.line, Site: c.site, Department: c.department, Asset: normalized(a)}
}

func caseRows(cs ...caseRow) []medsec.AssetRow {
	var rows []medsec.AssetRow
	for _, c := range cs {
		rows = append(rows, c.row())
	}
	return rows
}

// TestCases reads the spreadsheet cases of ../shared/data/cases and compares every row
// with what the sheet really holds (see the cases' README.md).
func TestCases(t *testing.T) {
	const site = "示範醫學中心"
	tests := []struct {
		file      string
		wantSheet string
		want      []medsec.AssetRow
	}{
		// The department is merged down C3:C5 and C6:C7; the title is merged across A1:F1.
		{"xlsx-merged-department-cells.xlsx", "醫療儀器清冊", caseRows(
			caseRow{3, "超音波 BH-US-1", site, "放射科", "ExampleSono 5", "BH-US-0001", "10.10.61.11", ""},
			caseRow{4, "超音波 BH-US-2", site, "放射科", "ExampleSono 5", "BH-US-0002", "10.10.61.12", ""},
			caseRow{5, "超音波 BH-US-3", site, "放射科", "ExampleSono 5", "BH-US-0003", "10.10.61.13", ""},
			caseRow{6, "血液透析機 BH-HD-1", site, "血液透析室", "ExampleDialyzer 9", "BH-HD-0001", "10.10.62.11", ""},
			caseRow{7, "血液透析機 BH-HD-2", site, "血液透析室", "ExampleDialyzer 9", "BH-HD-0002", "10.10.62.12", ""},
		)},
		// The first sheet, 下拉選單 (lists for drop-downs), is hidden; the active sheet is the second.
		{"xlsx-hidden-first-sheet-droplists.xlsx", "醫療儀器清冊", caseRows(
			caseRow{2, "數位X光機 BH-DR-1", site, "放射科", "ExampleDR 3", "BH-DR-0001", "10.10.63.11", ""},
			caseRow{3, "數位X光機 BH-DR-2", site, "放射科", "ExampleDR 3", "BH-DR-0002", "10.10.63.12", ""},
		)},
		// BOM, a sep=; line, ';' between fields, a quoted ';' and a CRLF inside a quoted cell.
		{"csv-excel-sep-hint-semicolon-bom-crlf.csv", "", caseRows(
			caseRow{3, "病人監視器 BH-PM-1", site, "放射科", "ExampleMon 7; rev B", "BH-PM-0001", "10.10.64.11", "第一行\n第二行"},
			caseRow{5, "PACS 閘道 BH-GW-1", site, "資訊室", "ExampleGW 2", "BH-GW-0001", "10.10.64.12", ""},
		)},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data := shareddata.Case(t, tt.file)
			var inv *Inventory
			var err error
			if strings.HasSuffix(tt.file, ".csv") {
				inv, err = ParseCSV(bytes.NewReader(data), tt.file)
			} else {
				inv, err = ParseXLSX(bytes.NewReader(data), tt.file, "")
			}
			if err != nil {
				t.Fatal(err)
			}
			if inv.Err() != nil {
				t.Fatalf("problems: %v", inv.Err())
			}
			if inv.Sheet != tt.wantSheet {
				t.Errorf("sheet read = %q, want %q", inv.Sheet, tt.wantSheet)
			}
			diffRows(t, inv.Rows, tt.want)
		})
	}
}

// TestHiddenSheets checks that a hidden sheet is read only when named, and that problems
// name the sheet they were found in.
func TestHiddenSheets(t *testing.T) {
	data := shareddata.Case(t, "xlsx-hidden-first-sheet-droplists.xlsx")
	t.Run("named hidden sheet", func(t *testing.T) {
		// The hidden sheet holds only 院區 and 部門: read as the inventory, it has no name column.
		inv, err := ParseXLSX(bytes.NewReader(data), "inv.xlsx", "下拉選單")
		if err != nil {
			t.Fatal(err)
		}
		want := &medsec.ValidationError{Source: "inv.xlsx", Sheet: "下拉選單", Errors: []medsec.FieldError{
			{Line: 1, Field: "name", Key: "err.missing_column", Message: "column is missing"}}}
		if got := inv.Err(); !reflect.DeepEqual(got, want) {
			t.Errorf("got %#v\nwant %#v", got, want)
		}
	})
	t.Run("no such sheet", func(t *testing.T) {
		inv, err := ParseXLSX(bytes.NewReader(data), "inv.xlsx", "Assets")
		if err != nil {
			t.Fatal(err)
		}
		want := []medsec.FieldError{{Field: "sheet", Key: "err.no_such_sheet", Value: "Assets",
			Message: `the workbook has no sheet "Assets" (it has "下拉選單", "醫療儀器清冊")`}}
		if !reflect.DeepEqual(inv.Problems, want) {
			t.Errorf("got %#v\nwant %#v", inv.Problems, want)
		}
	})
	t.Run("problem names the active sheet", func(t *testing.T) {
		b := newWorkbook(t, []string{"lists", "清冊"}, map[string]map[string]any{
			"lists": {"A1": "name", "B1": "site", "A2": "hidden backup", "B2": "Main"},
			"清冊":    {"A1": "名稱", "B1": "院區", "C1": "IP位址", "A2": "CT", "B2": "總院", "C2": "10.0.0.300"},
		}, func(f *excelize.File) {
			if err := f.SetSheetVisible("lists", false); err != nil {
				t.Fatal(err)
			}
			f.SetActiveSheet(1)
		})
		_, err := ReadXLSX(b, "inv.xlsx")
		var ve *medsec.ValidationError
		if !errors.As(err, &ve) {
			t.Fatalf("got %v, want a validation error", err)
		}
		if ve.Sheet != "清冊" || len(ve.Errors) != 1 || ve.Errors[0].Key != "err.bad_ip" {
			t.Errorf("got sheet %q, %+v; want sheet 清冊 with one bad IP", ve.Sheet, ve.Errors)
		}
		if want := `inv.xlsx: sheet 清冊: line 2: IP位址: "10.0.0.300" is not an IP address`; ve.Error() != want {
			t.Errorf("Error() = %q, want %q", ve.Error(), want)
		}
	})
	t.Run("every sheet hidden", func(t *testing.T) {
		b := newWorkbook(t, []string{"a", "b"}, map[string]map[string]any{"a": {"A1": "name"}, "b": {"A1": "name"}}, func(f *excelize.File) {
			f.SetActiveSheet(1)
			_ = f.SetSheetVisible("a", false)
			// excelize refuses to hide the last visible sheet through its API.
		})
		inv, err := ParseXLSX(b, "inv.xlsx", "")
		if err != nil {
			t.Fatal(err)
		}
		if inv.Sheet != "b" {
			t.Errorf("sheet read = %q, want b (the only visible one)", inv.Sheet)
		}
	})
}

// TestMergedCells checks merged ranges beyond the case file: a merge over rows that hold
// nothing else stays blank, and a merge across columns of a data row fills only its first
// column.
func TestMergedCells(t *testing.T) {
	b := newWorkbook(t, []string{"Assets"}, map[string]map[string]any{"Assets": {
		"A1": "name", "B1": "site", "C1": "department", "D1": "model", "E1": "serial",
		"A2": "X1", "B2": "Main", "C2": "ICU", "D2": "M wide",
		"A3": "X2", "B3": "Main",
	}}, func(f *excelize.File) {
		for _, r := range [][2]string{{"C2", "C6"}, {"D2", "E2"}, {"B3", "B5"}} {
			if err := f.MergeCell("Assets", r[0], r[1]); err != nil {
				t.Fatal(err)
			}
		}
	})
	got, err := ReadXLSX(b, "m.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	want := []medsec.AssetRow{
		{Line: 2, Site: "Main", Department: "ICU", Asset: normalized(medsec.Asset{Name: "X1", Model: "M wide"})},
		{Line: 3, Site: "Main", Department: "ICU", Asset: normalized(medsec.Asset{Name: "X2"})},
	}
	diffRows(t, got, want)
}

// TestMergedCellsHiddenValues checks a sheet whose writer copied each merged value into
// every cell of its range: Excel shows only the top-left cell, and so does the reader.
// The title copied across A1:C1 is still one title, and the stale value left in C4, under
// the department merged down C3:C4, is not read.
func TestMergedCellsHiddenValues(t *testing.T) {
	is := func(ref, v string) string { return `<c r="` + ref + `" t="inlineStr"><is><t>` + v + `</t></is></c>` }
	sheet := `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` +
		`<row r="1">` + is("A1", "清冊") + is("B1", "清冊") + is("C1", "清冊") + `</row>` +
		`<row r="2">` + is("A2", "名稱") + is("B2", "院區") + is("C2", "部門") + `</row>` +
		`<row r="3">` + is("A3", "US-1") + is("B3", "總院") + is("C3", "放射科") + `</row>` +
		`<row r="4">` + is("A4", "US-2") + is("B4", "總院") + is("C4", "舊部門") + `</row>` +
		`</sheetData><mergeCells count="2"><mergeCell ref="A1:C1"/><mergeCell ref="C3:C4"/></mergeCells></worksheet>`
	parts := sheetSeedParts(t)
	data := zipParts(t, parts, map[string][]byte{sheetPart: []byte(sheet)})
	got, err := ReadXLSX(bytes.NewReader(data), "copied.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	want := []medsec.AssetRow{
		{Line: 3, Site: "總院", Department: "放射科", Asset: normalized(medsec.Asset{Name: "US-1"})},
		{Line: 4, Site: "總院", Department: "放射科", Asset: normalized(medsec.Asset{Name: "US-2"})},
	}
	diffRows(t, got, want)
}
