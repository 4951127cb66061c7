package tabular

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// XLSXWriter writes an XLSX workbook of one or more sheets, row by row. Text cells are
// stored exactly as given, as string cells under the text number format "@" (never as
// formulas, and no apostrophe; see the package comment); numbers and dates keep their
// type. Rows are streamed to a temporary file by excelize once a sheet grows large,
// so memory stays bounded; the workbook is written out by WriteTo.
type XLSXWriter struct {
	f         *excelize.File
	sw        *excelize.StreamWriter
	sheets    int
	row       int
	headStyle int
	// textStyle is the text number format "@" for string cells.
	textStyle int
	dateStyle int
	// stampStyle shows a Stamp as yyyy-mm-dd hh:mm.
	stampStyle int
	// zoneStyles show a ZonedStamp with its UTC offset, one style per offset.
	zoneStyles map[string]int
	cells      []any
	err        error
	// done describes each sheet once written, by its part's index (sheet1.xml is 1):
	// what WriteTo puts right in its XML.
	done []sheetShape
	cur  sheetShape
}

// sheetShape is what a finished sheet holds: its used range, whether it has a header to
// filter by, and the widths its columns need (in characters) when the Sheet gave none.
type sheetShape struct {
	rows, cols int
	header     bool
	widths     []float64 // from the Sheet: fixed
	need       []float64 // measured from the cells
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
		Font:   &excelize.Font{Bold: true},
		Fill:   excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
		NumFmt: textFormat,
	}); err != nil {
		x.err = fmt.Errorf("write xlsx: %w", err)
	}
	if x.textStyle, err = x.f.NewStyle(&excelize.Style{NumFmt: textFormat}); err != nil && x.err == nil {
		x.err = fmt.Errorf("write xlsx: %w", err)
	}
	if err := x.f.SetDocProps(&excelize.DocProperties{Creator: "medsec", Keywords: XLSXExactText}); err != nil && x.err == nil {
		x.err = fmt.Errorf("write xlsx: %w", err)
	}
	dateFormat := "yyyy-mm-dd"
	if x.dateStyle, err = x.f.NewStyle(&excelize.Style{CustomNumFmt: &dateFormat}); err != nil && x.err == nil {
		x.err = fmt.Errorf("write xlsx: %w", err)
	}
	stampFormat := "yyyy-mm-dd hh:mm"
	if x.stampStyle, err = x.f.NewStyle(&excelize.Style{CustomNumFmt: &stampFormat}); err != nil && x.err == nil {
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
	x.cur = sheetShape{header: len(sh.Header) > 0, widths: sh.Widths}
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
			head[i] = excelize.Cell{StyleID: x.headStyle, Value: h}
		}
		if err := x.setRow(head); err != nil {
			return err
		}
	}
	return nil
}

// Row appends a row to the current sheet. A cell may be a string (a string cell holding
// exactly that text, under the text format "@"; "" leaves the cell empty), an int, int64 or float64 (a number), a time.Time (a
// yyyy-mm-dd date; the zero time leaves the cell empty), a Stamp (a date and time to the
// minute, typed, in the Stamp's own time zone; zero leaves the cell empty), a ZonedStamp
// (the same, its UTC offset shown by its number format), or nil (empty).
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
				x.cells = append(x.cells, excelize.Cell{StyleID: x.textStyle, Value: v})
			}
		case int, int64, float64:
			x.cells = append(x.cells, v)
		case time.Time:
			if v.IsZero() {
				x.cells = append(x.cells, nil)
			} else {
				x.cells = append(x.cells, excelize.Cell{StyleID: x.dateStyle, Value: v})
			}
		case Stamp:
			if time.Time(v).IsZero() {
				x.cells = append(x.cells, nil)
			} else {
				x.cells = append(x.cells, excelize.Cell{StyleID: x.stampStyle, Value: time.Time(v)})
			}
		case ZonedStamp:
			if time.Time(v).IsZero() {
				x.cells = append(x.cells, nil)
			} else {
				style, err := x.zoneStyle(time.Time(v).Format("-07:00"))
				if err != nil {
					x.err = fmt.Errorf("write xlsx: row %d column %d: %w", x.row+1, i+1, err)
					return x.err
				}
				x.cells = append(x.cells, excelize.Cell{StyleID: style, Value: time.Time(v)})
			}
		default:
			x.err = fmt.Errorf("write xlsx: row %d column %d: cannot write a %T", x.row+1, i+1, c)
			return x.err
		}
	}
	return x.setRow(x.cells)
}

// textFormat is the built-in number format id of "@", text (ECMA-376 Part 1 §18.8.30).
const textFormat = 49

// Stamp is a date and time for an XLSX cell: written as a typed date-time (format
// yyyy-mm-dd hh:mm) of its wall clock in its own location, so a spreadsheet sorts and
// computes with it. Convert to the zone the reader expects (e.g. UTC) before.
type Stamp time.Time

// ZonedStamp is a Stamp shown with its UTC offset: a typed date-time of its wall clock in
// its own location, under the number format yyyy-mm-dd hh:mm "+08:00", so a sheet that
// mixes zones says which each cell is in while it still sorts and filters as dates.
type ZonedStamp time.Time

// zoneStyle returns the style of a ZonedStamp at offset (e.g. "+08:00"), made once.
func (x *XLSXWriter) zoneStyle(offset string) (int, error) {
	if id, ok := x.zoneStyles[offset]; ok {
		return id, nil
	}
	format := `yyyy-mm-dd hh:mm "` + offset + `"`
	id, err := x.f.NewStyle(&excelize.Style{CustomNumFmt: &format})
	if err != nil {
		return 0, err
	}
	if x.zoneStyles == nil {
		x.zoneStyles = map[string]int{}
	}
	x.zoneStyles[offset] = id
	return id, nil
}

func (x *XLSXWriter) setRow(cells []any) error {
	x.measure(cells)
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

// measure widens the current sheet's columns to fit a row's cells: a character of East
// Asian width counts two, dates ten, numbers their digits; at most 60.
func (x *XLSXWriter) measure(cells []any) {
	x.cur.rows = x.row + 1
	for i, c := range cells {
		var w float64
		switch v := c.(type) {
		case nil:
			continue
		case string:
			w = textWidth(v)
		case excelize.Cell:
			if t, ok := v.Value.(time.Time); ok && !t.IsZero() {
				w = 10 // yyyy-mm-dd
				if v.StyleID == x.stampStyle {
					w = 16 // yyyy-mm-dd hh:mm
				} else if v.StyleID != x.dateStyle {
					w = 23 // yyyy-mm-dd hh:mm +08:00
				}
			} else {
				w = textWidth(fmt.Sprint(v.Value))
			}
		default:
			w = float64(len(fmt.Sprint(v)))
		}
		if i+1 > x.cur.cols {
			x.cur.cols = i + 1
		}
		for len(x.cur.need) <= i {
			x.cur.need = append(x.cur.need, 0)
		}
		x.cur.need[i] = min(max(x.cur.need[i], w+2), 60)
	}
}

// textWidth is the width of a text in spreadsheet characters, wide (CJK) ones counting two,
// of its longest line.
func textWidth(s string) float64 {
	best := 0.0
	for _, line := range strings.Split(s, "\n") {
		w := 0.0
		for _, r := range line {
			if r >= 0x1100 && (r <= 0x115f || r >= 0x2e80 && r <= 0xa4cf || r >= 0xac00 && r <= 0xd7a3 || r >= 0xf900 && r <= 0xfaff || r >= 0xfe30 && r <= 0xfe4f || r >= 0xff00 && r <= 0xff60 || r >= 0xffe0 && r <= 0xffe6 || r >= 0x20000) {
				w += 2
			} else {
				w++
			}
		}
		best = max(best, w)
	}
	return best
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
	x.done = append(x.done, x.cur)
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
	var raw bytes.Buffer
	if _, err := x.f.WriteTo(&raw); err != nil {
		return 0, fmt.Errorf("write xlsx: %w", err)
	}
	fixed, err := x.finish(raw.Bytes())
	if err != nil {
		return 0, fmt.Errorf("write xlsx: %w", err)
	}
	n, err := w.Write(fixed)
	return int64(n), err
}

// finish puts right in each worksheet's XML what excelize's stream writer leaves out or
// wrong (ECMA-376 Part 1, §18.3.1): the used range in <dimension> (it writes A1 whatever
// the sheet holds), an <autoFilter> over a sheet with a header row, and <cols> widths
// measured from the cells for a sheet written without widths. The other parts are copied
// unchanged.
func (x *XLSXWriter) finish(data []byte) ([]byte, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			return nil, err
		}
		body, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return nil, err
		}
		var idx int
		if _, err := fmt.Sscanf(f.Name, "xl/worksheets/sheet%d.xml", &idx); err == nil && idx >= 1 && idx <= len(x.done) {
			body = x.done[idx-1].apply(body)
		}
		hdr := f.FileHeader
		w, err := zw.CreateHeader(&hdr)
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(body); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// dimensionElem is a worksheet's <dimension> element, empty or not.
var dimensionElem = regexp.MustCompile(`<dimension\b[^>]*?(?:/>|>\s*</dimension>)`)

// apply rewrites one worksheet's XML to the sheet's shape.
func (sh sheetShape) apply(xml []byte) []byte {
	if sh.rows == 0 || sh.cols == 0 {
		return xml
	}
	last, err := excelize.CoordinatesToCellName(sh.cols, sh.rows)
	if err != nil {
		return xml
	}
	ref := "A1:" + last
	s := string(xml)
	s = dimensionElem.ReplaceAllLiteralString(s, `<dimension ref="`+ref+`"/>`)
	if sh.header && sh.rows > 1 && !strings.Contains(s, "<autoFilter") {
		s = strings.Replace(s, "</sheetData>", `</sheetData><autoFilter ref="`+ref+`"/>`, 1)
	}
	if len(sh.widths) == 0 && !strings.Contains(s, "<cols>") {
		var cols strings.Builder
		cols.WriteString("<cols>")
		for i, w := range sh.need {
			if w > 0 {
				fmt.Fprintf(&cols, `<col min="%d" max="%d" width="%.1f" customWidth="1"/>`, i+1, i+1, max(w, 8))
			}
		}
		cols.WriteString("</cols>")
		s = strings.Replace(s, "<sheetData", cols.String()+"<sheetData", 1)
	}
	return []byte(s)
}

// Close releases the workbook's temporary files without writing it.
func (x *XLSXWriter) Close() error {
	return x.f.Close()
}
