package assetio

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"medsec"
	"medsec/tabular"
)

// Table is the cells of a CSV file or of one XLSX sheet, read the way asset inventories
// are (encodings, delimiters, sheet choice, formula-guard apostrophes), for importers of
// other tabular records (accounts, staff rosters).
type Table struct {
	// Sheet is the worksheet read from a workbook; "" for a CSV.
	Sheet string
	// XLSX says the cells came from a workbook: a date cell may be an Excel serial, in
	// the 1904 system if Date1904.
	XLSX, Date1904 bool
	// exact says the workbook's text cells hold their text exactly (tabular.XLSXExactText):
	// no apostrophe to drop.
	exact bool
	// Rows are the non-blank rows in file order, each with the line (CSV record start) or
	// sheet row it was read from.
	Rows []TableRow
	// Problems are what made the file unreadable (encoding, CSV syntax, not a workbook);
	// rows read before a CSV syntax error are kept.
	Problems []medsec.FieldError
}

// TableRow is one non-blank row of a Table.
type TableRow struct {
	Line  int
	Cells []string
}

// ColumnName names the n-th (0-based) cell of a row without header: "column 7" in a CSV,
// "column G" in a sheet.
func (t *Table) ColumnName(n int) string {
	if t.XLSX {
		name, _ := excelize.ColumnNumberToName(n + 1)
		return "column " + name
	}
	return "column " + strconv.Itoa(n+1)
}

// ParseDate reads a date cell of the table: YYYY-MM-DD (also with / or . or 年月日,
// optionally followed by a time, which is dropped) or, in a workbook, an Excel serial.
func (t *Table) ParseDate(s string) (medsec.Date, error) {
	return parseDate(strings.TrimSpace(s), t.XLSX, t.Date1904)
}

// ReadTable reads data as an XLSX workbook when it starts as a zip file does, else as a
// CSV file; source names the file in problems. For a workbook, sheet names the sheet to
// read ("" for the active visible sheet). Cells lose the apostrophe medsec's own exports
// put before formula-like text (tabular.Untext) — in a CSV, or a workbook medsec wrote
// before its text cells held their text exactly (tabular.XLSXExactText).
func ReadTable(data []byte, source, sheet string) (t *Table) {
	t = &Table{}
	if bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		t.XLSX = true
		defer func() {
			if p := recover(); p != nil {
				t.Rows, t.Problems = nil, []medsec.FieldError{{Field: "file", Key: "err.bad_xlsx", Message: fmt.Sprintf("not a readable XLSX workbook: %v", p)}}
			}
		}()
		readTableXLSX(t, data, sheet)
		return t
	}
	text, ferr := decodeText(data)
	if ferr != nil {
		t.Problems = append(t.Problems, *ferr)
		return t
	}
	cr := csv.NewReader(strings.NewReader(text))
	cr.Comma = sniffDelimiter(text)
	cr.FieldsPerRecord = -1
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			t.Problems = append(t.Problems, medsec.FieldError{Line: pe.Line, Field: "character " + strconv.Itoa(runeColumn(text, pe.Line, pe.Column)),
				Key: "err.csv_syntax", Message: pe.Err.Error()})
			break
		} else if err != nil {
			t.Problems = append(t.Problems, medsec.FieldError{Field: "file", Key: "err.csv_syntax", Message: err.Error()})
			break
		}
		line, _ := cr.FieldPos(0)
		t.add(line, rec)
	}
	return t
}

func (t *Table) add(line int, cells []string) {
	if blank(cells) {
		return
	}
	out := make([]string, len(cells))
	for i, c := range cells {
		if !t.exact {
			c = tabular.Untext(c)
		}
		out[i] = strings.TrimSpace(c)
	}
	t.Rows = append(t.Rows, TableRow{Line: line, Cells: out})
}

// exactText reports whether a workbook's text cells hold their text exactly, without the
// apostrophe older medsec exports put before formula-like text: its keywords carry
// tabular.XLSXExactText.
func exactText(f *excelize.File) bool {
	props, err := f.GetDocProps()
	return err == nil && slices.Contains(strings.Fields(strings.ReplaceAll(props.Keywords, ",", " ")), tabular.XLSXExactText)
}

func readTableXLSX(t *Table, data []byte, sheet string) {
	bad := func(cause any) {
		t.Rows, t.Problems = nil, []medsec.FieldError{{Field: "file", Key: "err.bad_xlsx", Message: fmt.Sprintf("not a readable XLSX workbook: %v", cause)}}
	}
	if err := checkZip(data); err != nil {
		bad(err)
		return
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{RawCellValue: true, UnzipSizeLimit: maxUnzipped})
	if err != nil {
		bad(err)
		return
	}
	defer f.Close()
	name, problem := chooseSheet(f, sheet)
	if problem != nil {
		t.Problems = append(t.Problems, *problem)
		return
	}
	t.Sheet = name
	if props, err := f.GetWorkbookProps(); err == nil && props.Date1904 != nil {
		t.Date1904 = *props.Date1904
	}
	t.exact = exactText(f)
	it, err := f.Rows(name)
	if err != nil {
		bad(err)
		return
	}
	defer it.Close()
	for line := 1; it.Next(); line++ {
		cells, err := it.Columns()
		if err != nil {
			bad(err)
			return
		}
		t.add(line, cells)
	}
	if err := it.Error(); err != nil {
		bad(err)
	}
}
