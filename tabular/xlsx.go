package tabular

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"
)

// XLSXWriter writes an XLSX workbook of one or more sheets, row by row. Text cells pass
// through Text and are stored as strings (never as formulas); numbers and dates keep
// their type. Rows are streamed to a temporary file by excelize once a sheet grows large,
// so memory stays bounded; the workbook is written out by WriteTo.
type XLSXWriter struct {
	f         *excelize.File
	sw        *excelize.StreamWriter
	sheets    int
	row       int
	headStyle int
	dateStyle int
	cells     []any
	err       error
}

// Sheet describes a sheet to start with XLSXWriter.Sheet.
type Sheet struct {
	// Name is the sheet's tab name (at most 31 characters, no []:*?/\).
	Name string
	// Header, if not empty, is the first row, in bold on a blue fill and frozen at the top.
	Header []string
	// Widths are column widths in characters, from column A; zero keeps the default.
	Widths []float64
	// DropLists gives columns (0-based) a drop-down list of allowed values for rows
	// 2 to the sheet's end, for templates that people fill in.
	DropLists map[int][]string
}

// NewXLSX returns an empty workbook writer. Call Sheet before the first Row, and Close (or
// WriteTo, which closes) when done.
func NewXLSX() *XLSXWriter {
	x := &XLSXWriter{f: excelize.NewFile()}
	var err error
	if x.headStyle, err = x.f.NewStyle(&excelize.Style{
		Font: &excelize.Font{Bold: true},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
	}); err != nil {
		x.err = fmt.Errorf("write xlsx: %w", err)
	}
	dateFormat := "yyyy-mm-dd"
	if x.dateStyle, err = x.f.NewStyle(&excelize.Style{CustomNumFmt: &dateFormat}); err != nil && x.err == nil {
		x.err = fmt.Errorf("write xlsx: %w", err)
	}
	return x
}

// Sheet ends the current sheet, if any, and starts a new one described by sh.
func (x *XLSXWriter) Sheet(sh Sheet) error {
	if x.err != nil {
		return x.err
	}
	if err := x.endSheet(); err != nil {
		return err
	}
	if x.sheets == 0 {
		x.err = x.f.SetSheetName("Sheet1", sh.Name)
	} else {
		_, x.err = x.f.NewSheet(sh.Name)
	}
	if x.err != nil {
		x.err = fmt.Errorf("write xlsx: sheet %q: %w", sh.Name, x.err)
		return x.err
	}
	x.sheets++
	x.row = 0
	fail := func(err error) error {
		x.err = fmt.Errorf("write xlsx: sheet %q: %w", sh.Name, err)
		return x.err
	}
	for col, values := range sh.DropLists {
		name, err := excelize.ColumnNumberToName(col + 1)
		if err != nil {
			return fail(err)
		}
		dv := excelize.NewDataValidation(true)
		dv.Sqref = name + "2:" + name + strconv.Itoa(excelize.TotalRows)
		if err := dv.SetDropList(values); err != nil {
			return fail(err)
		}
		if err := x.f.AddDataValidation(sh.Name, dv); err != nil {
			return fail(err)
		}
	}
	sw, err := x.f.NewStreamWriter(sh.Name)
	if err != nil {
		return fail(err)
	}
	x.sw = sw
	for i, w := range sh.Widths {
		if w > 0 {
			if err := sw.SetColWidth(i+1, i+1, w); err != nil {
				return fail(err)
			}
		}
	}
	if len(sh.Header) > 0 {
		if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
			return fail(err)
		}
		head := make([]any, len(sh.Header))
		for i, h := range sh.Header {
			head[i] = excelize.Cell{StyleID: x.headStyle, Value: Text(h)}
		}
		if err := x.setRow(head); err != nil {
			return err
		}
	}
	return nil
}

// Row appends a row to the current sheet. A cell may be a string (neutralised with
// Text; "" leaves the cell empty), an int, int64 or float64 (a number), a time.Time (a
// yyyy-mm-dd date; the zero time leaves the cell empty), or nil (empty).
func (x *XLSXWriter) Row(cells ...any) error {
	if x.err != nil {
		return x.err
	}
	if x.sw == nil {
		x.err = fmt.Errorf("write xlsx: a row before the first sheet")
		return x.err
	}
	x.cells = x.cells[:0]
	for i, c := range cells {
		switch v := c.(type) {
		case nil:
			x.cells = append(x.cells, nil)
		case string:
			if v == "" {
				x.cells = append(x.cells, nil)
			} else {
				x.cells = append(x.cells, Text(v))
			}
		case int, int64, float64:
			x.cells = append(x.cells, v)
		case time.Time:
			if v.IsZero() {
				x.cells = append(x.cells, nil)
			} else {
				x.cells = append(x.cells, excelize.Cell{StyleID: x.dateStyle, Value: v})
			}
		default:
			x.err = fmt.Errorf("write xlsx: row %d column %d: cannot write a %T", x.row+1, i+1, c)
			return x.err
		}
	}
	return x.setRow(x.cells)
}

func (x *XLSXWriter) setRow(cells []any) error {
	x.row++
	cell, err := excelize.CoordinatesToCellName(1, x.row)
	if err == nil {
		err = x.sw.SetRow(cell, cells)
	}
	if err != nil {
		x.err = fmt.Errorf("write xlsx: row %d: %w", x.row, err)
	}
	return x.err
}

func (x *XLSXWriter) endSheet() error {
	if x.sw == nil {
		return nil
	}
	if err := x.sw.Flush(); err != nil {
		x.err = fmt.Errorf("write xlsx: %w", err)
		return x.err
	}
	x.sw = nil
	return nil
}

// WriteTo ends the last sheet, writes the workbook to w and releases its temporary
// files. It implements io.WriterTo.
func (x *XLSXWriter) WriteTo(w io.Writer) (int64, error) {
	defer x.Close()
	if x.err != nil {
		return 0, x.err
	}
	if x.sheets == 0 {
		return 0, fmt.Errorf("write xlsx: no sheet")
	}
	if err := x.endSheet(); err != nil {
		return 0, err
	}
	n, err := x.f.WriteTo(w)
	if err != nil {
		return n, fmt.Errorf("write xlsx: %w", err)
	}
	return n, nil
}

// Close releases the workbook's temporary files without writing it.
func (x *XLSXWriter) Close() error {
	return x.f.Close()
}
