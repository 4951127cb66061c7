package assetio

import (
	"archive/zip"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/xuri/excelize/v2"

	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"

	"medsec"
)

var writeSeeds = flag.Bool("write-seeds", false, "rewrite the fuzz seed corpus in testdata/fuzz")

// checkRead checks what a reader returned for any input: either rows, each with a line
// after the previous one and a valid asset, or one *medsec.ValidationError whose every
// problem is located, and never both.
func checkRead(t *testing.T, rows []medsec.AssetRow, err error) {
	if err != nil {
		var ve *medsec.ValidationError
		if !errors.As(err, &ve) {
			t.Fatalf("error %v is %T, want *medsec.ValidationError", err, err)
		}
		if rows != nil || len(ve.Errors) == 0 {
			t.Fatalf("got %d rows and %d problems", len(rows), len(ve.Errors))
		}
		for _, fe := range ve.Errors {
			if fe.Field == "" || fe.Key == "" || fe.Message == "" || fe.Line < 0 {
				t.Fatalf("problem without a place or a message: %+v", fe)
			}
		}
		return
	}
	last := 0
	for _, r := range rows {
		if r.Line <= last {
			t.Fatalf("row line %d after line %d", r.Line, last)
		}
		last = r.Line
		if r.Site == "" {
			t.Fatalf("row at line %d has no site", r.Line)
		}
		r.Asset.SiteID = 1 // what the store would resolve
		if err := r.Asset.Validate(); err != nil {
			t.Fatalf("row at line %d is invalid: %v", r.Line, err)
		}
	}
}

// roundTrip writes rows as assets and reads them back, which must give the same rows.
func roundTrip(t *testing.T, rows []medsec.AssetRow, write func(*bytes.Buffer, []*medsec.Asset) error, read func(*bytes.Buffer) ([]medsec.AssetRow, error)) {
	assets := make([]*medsec.Asset, len(rows))
	for i, r := range rows {
		a := r.Asset
		a.SiteName, a.DepartmentName, a.VendorName, a.ResponsibleName = r.Site, r.Department, r.Vendor, r.Responsible
		assets[i] = &a
	}
	var b bytes.Buffer
	if err := write(&b, assets); err != nil {
		t.Fatalf("write: %v", err)
	}
	again, err := read(&b)
	if err != nil {
		t.Fatalf("reading back what was written: %v", err)
	}
	if len(again) != len(rows) {
		t.Fatalf("read back %d rows, want %d", len(again), len(rows))
	}
	for i := range rows {
		want := rows[i]
		want.Line = again[i].Line // blank rows and line breaks move lines
		if !reflect.DeepEqual(again[i], want) {
			t.Fatalf("row %d read back as\n%+v\nwant\n%+v", i, again[i], want)
		}
	}
}

func FuzzReadCSV(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := ReadCSV(bytes.NewReader(data), "fuzz.csv")
		checkRead(t, rows, err)
		if err == nil {
			roundTrip(t, rows,
				func(b *bytes.Buffer, a []*medsec.Asset) error { return WriteCSV(b, a) },
				func(b *bytes.Buffer) ([]medsec.AssetRow, error) { return ReadCSV(b, "again.csv") })
		}
	})
}

func FuzzReadXLSX(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := ReadXLSX(bytes.NewReader(data), "fuzz.xlsx")
		checkRead(t, rows, err)
		if err == nil {
			roundTrip(t, rows,
				func(b *bytes.Buffer, a []*medsec.Asset) error { return WriteXLSX(b, a) },
				func(b *bytes.Buffer) ([]medsec.AssetRow, error) { return ReadXLSX(b, "again.xlsx") })
		}
	})
}

// FuzzReadXLSXSheet fuzzes the XML inside a workbook. Mutated compressed bytes rarely pass
// the zip checksums ReadXLSX checks, so FuzzReadXLSX seldom gets past unzipping; this
// target zips mutated worksheet and shared-string parts into an otherwise valid workbook.
func FuzzReadXLSXSheet(f *testing.F) {
	parts := sheetSeedParts(f)
	f.Add(parts[sheetPart], parts[stringsPart])
	f.Fuzz(func(t *testing.T, sheet, sst []byte) {
		data := zipParts(t, parts, map[string][]byte{sheetPart: sheet, stringsPart: sst})
		rows, err := ReadXLSX(bytes.NewReader(data), "fuzz.xlsx")
		checkRead(t, rows, err)
		if err == nil {
			roundTrip(t, rows,
				func(b *bytes.Buffer, a []*medsec.Asset) error { return WriteXLSX(b, a) },
				func(b *bytes.Buffer) ([]medsec.AssetRow, error) { return ReadXLSX(b, "again.xlsx") })
		}
	})
}

const (
	sheetPart   = "xl/worksheets/sheet1.xml"
	stringsPart = "xl/sharedStrings.xml"
)

// sheetSeedParts returns the parts of a small workbook that uses shared strings, numbers,
// dates and booleans, as Excel writes them.
func sheetSeedParts(tb testing.TB) map[string][]byte {
	f := excelize.NewFile()
	defer f.Close()
	for cell, v := range map[string]any{
		"A1": "名稱", "B1": "院區", "C1": "IP位址", "D1": "停止支援日期", "E1": "VLAN", "F1": "原廠允許修補", "G1": "連線方式",
		"A2": "CT", "B2": "總院", "C2": "10.0.0.1; 10.0.0.2", "D2": 46477, "E2": 30, "F2": true, "G2": "院內網路、藍牙",
		"A4": "監視器", "B4": "總院", "D4": "2027/04/01",
	} {
		if err := f.SetCellValue("Sheet1", cell, v); err != nil {
			tb.Fatal(err)
		}
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		tb.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(b.Bytes()), int64(b.Len()))
	if err != nil {
		tb.Fatal(err)
	}
	parts := make(map[string][]byte)
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			tb.Fatal(err)
		}
		parts[zf.Name], err = io.ReadAll(rc)
		rc.Close()
		if err != nil {
			tb.Fatal(err)
		}
	}
	if parts[sheetPart] == nil || parts[stringsPart] == nil {
		tb.Fatalf("the seed workbook has parts %v, want %s and %s", slices.Collect(maps.Keys(parts)), sheetPart, stringsPart)
	}
	return parts
}

// zipParts zips parts, with replace taking the place of the parts it names.
func zipParts(tb testing.TB, parts, replace map[string][]byte) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, name := range slices.Sorted(maps.Keys(parts)) {
		data := parts[name]
		if r, ok := replace[name]; ok {
			data = r
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := w.Write(data); err != nil {
			tb.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// TestWriteFuzzSeeds builds the seed corpora: the test inventories of this package, in
// every format and encoding the readers accept. With -write-seeds it rewrites
// testdata/fuzz; otherwise it checks that every seed it builds is committed there.
func TestWriteFuzzSeeds(t *testing.T) {
	root := filepath.Join("testdata", "fuzz")
	if !*writeSeeds {
		root = t.TempDir()
		defer func() {
			matches, _ := filepath.Glob(filepath.Join(root, "*", "*"))
			for _, m := range matches {
				rel, _ := filepath.Rel(root, m)
				if _, err := os.Stat(filepath.Join("testdata", "fuzz", rel)); err != nil {
					t.Errorf("seed %s is not committed: run go test -run TestWriteFuzzSeeds -write-seeds", rel)
				}
			}
		}()
	}
	csvSeeds := map[string][]byte{
		"en_all_columns": []byte(enHeader + "\n" + "N,patient-monitor,S,D,V,M,SN,1,2,10.0.0.1;fe80::1,00:00:5e:00:53:01,7,W,L,R,VC,intranet;rs232,sensitive-personal,5,2030-01-02,RM,yes,unchanged,moderate,\"X\ny\",active\n"),
		"zh_tw":          []byte(zhTWInventory),
		"zh_cn":          []byte(zhCNInventory),
		"ja":             []byte(jaInventory),
		"errors":         []byte("name,site,ips,kind,colour\nA,Main,1.2.3.4,pacs,\nB,,1.2.3,pacs,\n\nC,Main,1.2.3.4,tomograph,blue\n"),
		"bare_quote":     []byte("name,site,model\n監視器,Main,14\" screen\n"),
		"escaped":        []byte("name,site,notes\r\n'=1+2,Main,'@x\r\n"),
		"semicolons":     []byte("name;site;end_of_support\nA;Main;2027年3月1日\n"),
	}
	var written bytes.Buffer
	if err := WriteCSV(&written, sampleAssets(t)); err != nil {
		t.Fatal(err)
	}
	csvSeeds["written"] = written.Bytes()
	for name, enc := range map[string]func([]byte) ([]byte, error){
		"big5":      traditionalchinese.Big5.NewEncoder().Bytes,
		"gb18030":   simplifiedchinese.GB18030.NewEncoder().Bytes,
		"shift_jis": japanese.ShiftJIS.NewEncoder().Bytes,
	} {
		text := map[string]string{"big5": zhTWInventory, "gb18030": zhCNInventory, "shift_jis": jaInventory}[name]
		data, err := enc([]byte(text))
		if err != nil {
			t.Fatal(err)
		}
		csvSeeds[name] = data
	}
	writeCorpus(t, root, "FuzzReadCSV", csvSeeds)

	xlsxSeeds := map[string][]byte{}
	var b bytes.Buffer
	if err := WriteXLSX(&b, sampleAssets(t)); err != nil {
		t.Fatal(err)
	}
	xlsxSeeds["written"] = bytes.Clone(b.Bytes())
	b.Reset()
	if err := Template(&b, "ja"); err != nil {
		t.Fatal(err)
	}
	xlsxSeeds["template_ja"] = bytes.Clone(b.Bytes())
	xlsxSeeds["one_row"] = newWorkbook(t, []string{"資產"}, map[string]map[string]any{"資產": {
		"A1": "名稱", "B1": "院區", "C1": "停止支援日期", "D1": "VLAN", "A2": "CT", "B2": "總院", "C2": 46477, "D2": 30,
	}}, nil).Bytes()
	// A title merged across, a department merged down over data rows and over a blank row.
	xlsxSeeds["merged"] = newWorkbook(t, []string{"清冊"}, map[string]map[string]any{"清冊": {
		"A1": "示範醫學中心 醫療儀器資產清冊", "A2": "名稱", "B2": "院區", "C2": "部門",
		"A3": "US-1", "B3": "總院", "C3": "放射科", "A4": "US-2", "B4": "總院", "A6": "HD-1", "B6": "總院",
	}}, func(f *excelize.File) {
		for _, r := range [][2]string{{"A1", "C1"}, {"C3", "C5"}} {
			if err := f.MergeCell("清冊", r[0], r[1]); err != nil {
				t.Fatal(err)
			}
		}
	}).Bytes()
	// A hidden first sheet of drop-down lists and the inventory as the active second sheet.
	xlsxSeeds["hidden_first_sheet"] = newWorkbook(t, []string{"下拉選單", "清冊"}, map[string]map[string]any{
		"下拉選單": {"A1": "院區", "B1": "部門", "A2": "總院", "B2": "放射科"},
		"清冊":   {"A1": "名稱", "B1": "院區", "C1": "部門", "A2": "DR-1", "B2": "總院", "C2": "放射科"},
	}, func(f *excelize.File) {
		f.SetActiveSheet(1)
		if err := f.SetSheetVisible("下拉選單", false); err != nil {
			t.Fatal(err)
		}
	}).Bytes()
	writeCorpus(t, root, "FuzzReadXLSX", xlsxSeeds)

	parts := sheetSeedParts(t)
	dir := filepath.Join(root, "FuzzReadXLSXSheet")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, sheet := range map[string][]byte{
		"shared_strings": parts[sheetPart],
		"inline_strings": []byte(`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` +
			`<row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c><c r="B1" t="inlineStr"><is><t>site</t></is></c><c r="C1" t="inlineStr"><is><t>end_of_support</t></is></c></row>` +
			`<row r="3"><c r="A3" t="inlineStr"><is><t>X</t></is></c><c r="B3" t="inlineStr"><is><t>Main</t></is></c><c r="C3" t="d"><v>2027-03-31T00:00:00Z</v></c></row>` +
			`</sheetData></worksheet>`),
		"merged_cells": []byte(`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` +
			`<row r="1"><c r="A1" t="inlineStr"><is><t>title</t></is></c></row>` +
			`<row r="2"><c r="A2" t="inlineStr"><is><t>name</t></is></c><c r="B2" t="inlineStr"><is><t>site</t></is></c><c r="C2" t="inlineStr"><is><t>department</t></is></c></row>` +
			`<row r="3"><c r="A3" t="inlineStr"><is><t>X</t></is></c><c r="B3" t="inlineStr"><is><t>Main</t></is></c><c r="C3" t="inlineStr"><is><t>ICU</t></is></c></row>` +
			`<row r="4"><c r="A4" t="inlineStr"><is><t>Y</t></is></c></row>` +
			`</sheetData><mergeCells count="3"><mergeCell ref="A1:C1"/><mergeCell ref="B3:B4"/><mergeCell ref="C3:C9"/></mergeCells></worksheet>`),
	} {
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n[]byte(%q)\n", sheet, parts[stringsPart])
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func writeCorpus(t *testing.T, root, target string, seeds map[string][]byte) {
	dir := filepath.Join(root, target)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range seeds {
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", data)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
