package assetio

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"medsec"
	"medsec/tabular"
)

// maxUnzipped bounds the uncompressed size of a workbook ReadXLSX accepts, against zip
// bombs. A 50,000-row inventory is about 30 MB uncompressed.
const maxUnzipped = 256 << 20

// sheetNames are the names of an inventory sheet in each header language; a visible sheet
// with one of these names is read in preference to the active sheet.
var sheetNames = [numLangs]string{"Assets", "資產", "资产", "資産"}

// ReadXLSX reads an asset inventory from an XLSX workbook named source (the name only
// labels errors), choosing the sheet as ParseXLSX does. The first non-blank row after any
// title rows is the header; every later non-blank row is an asset, whose Line is its row
// number in the sheet. Cells are read as stored, not as displayed: a number in the
// end_of_support column is an Excel date serial. A cell merged over several rows gives
// its value to each of them.
//
// Any problem in the workbook is returned, together with every other problem found, as
// one *medsec.ValidationError naming the sheet read, and no rows are returned. Other
// errors come from r.
func ReadXLSX(r io.Reader, source string) ([]medsec.AssetRow, error) {
	inv, err := ParseXLSX(r, source, "")
	if err != nil {
		return nil, err
	}
	if err := inv.Err(); err != nil {
		return nil, err
	}
	return inv.Rows, nil
}

// ParseXLSX reads the inventory sheet of an XLSX workbook and returns every row it could
// read together with the workbook's problems. The sheet read is, in order:
//
//  1. the sheet named sheet, if sheet is not empty (compared as headers are; a hidden
//     sheet is read only when named so); a workbook without it is a problem listing the
//     sheets it has;
//  2. a visible sheet named Assets, 資產, 资产 or 資産;
//  3. the active sheet (the one Excel opens on, workbook.xml activeTab), if visible;
//  4. the first visible sheet.
//
// Hidden sheets (drop-down lists, old backups) are never read otherwise. The sheet read
// is in the Inventory and in its problems.
//
// A merged range's value is stored in its top-left cell only; ParseXLSX gives it to the
// same column of every row of the range below a data row (a department merged down
// several rows), but not across columns, so a title merged across the top stays one
// filled cell and is skipped as a title. What the other cells of a range still store is
// hidden in Excel and ignored here. A row holding nothing but merged values stays blank.
// The error comes only from r.
func ParseXLSX(r io.Reader, source, sheet string) (inv *Inventory, err error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", source, err)
	}
	im := newImporter(source, func(n int) string {
		name, _ := excelize.ColumnNumberToName(n + 1)
		return "column " + name
	})
	im.xlsx = true
	notWorkbook := func(cause any) (*Inventory, error) {
		im.errs = append(im.errs[:0], medsec.FieldError{Field: "file", Key: "err.bad_xlsx",
			Message: fmt.Sprintf("not a readable XLSX workbook: %v", cause)})
		return im.inventory(), nil
	}
	// excelize parses a complex format from untrusted input; a panic in it must reject
	// the file, not end the process.
	defer func() {
		if p := recover(); p != nil {
			inv, err = notWorkbook(p)
		}
	}()
	if err := checkZip(data); err != nil {
		return notWorkbook(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{RawCellValue: true, UnzipSizeLimit: maxUnzipped})
	if err != nil {
		return notWorkbook(err)
	}
	defer f.Close()
	name, problem := chooseSheet(f, sheet)
	if problem != nil {
		im.errs = append(im.errs, *problem)
		return im.inventory(), nil
	}
	im.sheet = name
	if props, err := f.GetWorkbookProps(); err == nil && props.Date1904 != nil {
		im.date1904 = *props.Date1904
	}
	im.exact = exactText(f)
	merges, err := mergeRanges(f, name)
	if err != nil {
		return notWorkbook(err)
	}
	it, err := f.Rows(name)
	if err != nil {
		return notWorkbook(err)
	}
	defer it.Close()
	// fills holds, by sheet row, the merged values still to give to rows below; active
	// the merged ranges covering the current row, next the first range not yet reached.
	fills := map[int][]mergeFill{}
	var active []mergeRange
	next := 0
	// Next steps through every row number, returning no cells for rows the sheet does not
	// store, so counting its calls gives the sheet row number.
	for line := 1; it.Next(); line++ {
		cells, err := it.Columns()
		if err != nil {
			return notWorkbook(err)
		}
		active = slices.DeleteFunc(active, func(m mergeRange) bool { return m.bottom < line })
		for ; next < len(merges) && merges[next].top <= line; next++ {
			if merges[next].bottom >= line {
				active = append(active, merges[next])
			}
		}
		if len(active) > 0 {
			// Excel shows only the top-left cell of a merged range; what other cells of
			// the range still store (some writers copy the value into each) is hidden.
			cells = slices.Clone(cells)
			for _, m := range active {
				for c := m.left; c <= m.right && c < len(cells); c++ {
					if line != m.top || c != m.left {
						cells[c] = ""
					}
				}
			}
		}
		if fs := fills[line]; len(fs) > 0 && !blank(cells) {
			cells = slices.Clone(cells)
			for _, mf := range fs {
				for len(cells) <= mf.col {
					cells = append(cells, "")
				}
				if strings.TrimSpace(cells[mf.col]) == "" {
					cells[mf.col] = mf.value
				}
			}
		}
		delete(fills, line)
		dataRow := im.haveHeader && !blank(cells)
		im.row(line, cells)
		if !dataRow {
			continue
		}
		for _, m := range active {
			if m.top != line || m.bottom == line || m.left >= len(cells) || strings.TrimSpace(cells[m.left]) == "" {
				continue
			}
			for below := line + 1; below <= m.bottom; below++ {
				fills[below] = append(fills[below], mergeFill{col: m.left, value: cells[m.left]})
			}
		}
	}
	if err := it.Error(); err != nil {
		return notWorkbook(err)
	}
	return im.inventory(), nil
}

// mergeRange is a merged range of cells: its first and last row (1-based) and its first
// and last column (0-based).
type mergeRange struct{ top, bottom, left, right int }

// mergeFill is a merged value to give to one row's cell.
type mergeFill struct {
	col   int
	value string
}

// mergeRanges returns the sheet's merged ranges, by top row.
func mergeRanges(f *excelize.File, sheet string) ([]mergeRange, error) {
	mcs, err := f.GetMergeCells(sheet, true)
	if err != nil {
		return nil, err
	}
	var out []mergeRange
	for _, mc := range mcs {
		c1, r1, err1 := excelize.CellNameToCoordinates(mc.GetStartAxis())
		c2, r2, err2 := excelize.CellNameToCoordinates(mc.GetEndAxis())
		if err1 != nil || err2 != nil {
			continue
		}
		out = append(out, mergeRange{top: min(r1, r2), bottom: max(r1, r2), left: min(c1, c2) - 1, right: max(c1, c2) - 1})
	}
	slices.SortStableFunc(out, func(a, b mergeRange) int { return a.top - b.top })
	return out, nil
}

// blank reports whether a row has no filled cell.
func blank(cells []string) bool {
	for _, v := range cells {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}

// chooseSheet returns the sheet ParseXLSX reads (see there), or the problem that no sheet
// can be read.
func chooseSheet(f *excelize.File, want string) (string, *medsec.FieldError) {
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return "", &medsec.FieldError{Field: "file", Key: "err.bad_xlsx", Message: "not a readable XLSX workbook: it has no sheet"}
	}
	if want != "" {
		for _, s := range sheets {
			if fold(s) == fold(want) {
				return s, nil
			}
		}
		return "", &medsec.FieldError{Field: "sheet", Key: "err.no_such_sheet", Value: want,
			Message: fmt.Sprintf("the workbook has no sheet %q (it has %s)", want, strings.Join(quoteAll(sheets), ", "))}
	}
	var visible []string
	for _, s := range sheets {
		if v, err := f.GetSheetVisible(s); err == nil && v {
			visible = append(visible, s)
		}
	}
	if len(visible) == 0 {
		return "", &medsec.FieldError{Field: "sheet", Key: "err.no_visible_sheet",
			Message: fmt.Sprintf("every sheet is hidden (%s): name the sheet to read", strings.Join(quoteAll(sheets), ", "))}
	}
	for _, s := range visible {
		if slices.ContainsFunc(sheetNames[:], func(n string) bool { return fold(n) == fold(s) }) {
			return s, nil
		}
	}
	if i := f.GetActiveSheetIndex(); i >= 0 && i < len(sheets) && slices.Contains(visible, sheets[i]) {
		return sheets[i], nil
	}
	return visible[0], nil
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strconv.Quote(s)
	}
	return out
}

// checkZip unpacks every part of a workbook once, checking that each is as long as its
// header says and passes its checksum, and that together they stay under maxUnzipped.
// excelize allocates each part at its declared size and does not check the checksum, so
// without this a small file declaring huge parts would cost that much memory, and a
// damaged one would be read as if whole.
func checkZip(data []byte) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return err
	}
	var total uint64
	for _, zf := range zr.File {
		total += zf.UncompressedSize64
		if total > maxUnzipped {
			return fmt.Errorf("it unpacks to more than %d MiB", maxUnzipped>>20)
		}
		rc, err := zf.Open()
		if err != nil {
			return fmt.Errorf("%s: %w", zf.Name, err)
		}
		_, err = io.Copy(io.Discard, rc)
		rc.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", zf.Name, err)
		}
	}
	return nil
}

// WriteXLSX writes assets as an XLSX workbook with one sheet, Assets: a header row of the
// canonical English column names, then one row per asset, written as WriteCSV writes
// them except that VLAN and patient-record counts are numbers and end-of-support dates
// are dates.
func WriteXLSX(w io.Writer, assets []*medsec.Asset) error {
	x, err := NewXLSXWriter()
	if err != nil {
		return err
	}
	for _, a := range assets {
		if err := x.Write(a); err != nil {
			return err
		}
	}
	_, err = x.WriteTo(w)
	return err
}

// XLSXWriter writes assets one by one as WriteXLSX does, for exports that stream: rows go
// to a temporary file once the sheet grows large, and WriteTo writes the workbook.
type XLSXWriter struct {
	x   *tabular.XLSXWriter
	row []any
}

// NewXLSXWriter starts a workbook with the Assets sheet and its header row.
func NewXLSXWriter() (*XLSXWriter, error) {
	x, err := newXLSX(langEN, false)
	if err != nil {
		return nil, fmt.Errorf("write assets xlsx: %w", err)
	}
	return &XLSXWriter{x: x, row: make([]any, numCols)}, nil
}

// Write appends one asset's row.
func (x *XLSXWriter) Write(a *medsec.Asset) error {
	for c := range numCols {
		x.row[c] = xlsxValue(a, c)
	}
	if err := x.x.Row(x.row...); err != nil {
		return fmt.Errorf("write assets xlsx: %w", err)
	}
	return nil
}

// WriteTo writes the workbook to w and releases its temporary files.
func (x *XLSXWriter) WriteTo(w io.Writer) (int64, error) {
	n, err := x.x.WriteTo(w)
	if err != nil {
		return n, fmt.Errorf("write assets xlsx: %w", err)
	}
	return n, nil
}

// Close releases the workbook's temporary files without writing it.
func (x *XLSXWriter) Close() error { return x.x.Close() }

// Template writes an empty inventory workbook whose header row and sheet name are in
// lang ("en", "zh-TW", "zh-CN" or "ja"; case-insensitive, "zh-Hant" and "zh-Hans" also
// accepted), for a hospital to fill in and import.
func Template(w io.Writer, lang string) error {
	l, ok := templateLang(lang)
	if !ok {
		return fmt.Errorf("write asset template: unknown language %q (want en, zh-TW, zh-CN or ja)", lang)
	}
	x, err := newXLSX(l, true)
	if err == nil {
		_, err = x.WriteTo(w)
	}
	if err != nil {
		return fmt.Errorf("write asset template %s: %w", langTags[l], err)
	}
	return nil
}

func templateLang(lang string) (int, bool) {
	switch strings.ToLower(strings.ReplaceAll(lang, "_", "-")) {
	case "en", "en-us", "en-gb":
		return langEN, true
	case "zh-tw", "zh-hant", "zh-hant-tw", "zh-hk":
		return langZhTW, true
	case "zh-cn", "zh-hans", "zh-hans-cn", "zh", "zh-sg":
		return langZhCN, true
	case "ja", "ja-jp":
		return langJA, true
	}
	return 0, false
}

// newXLSX starts a workbook with the inventory sheet, its header in lang, and drop-down
// lists of the accepted values if dropLists. Rows are streamed (package tabular), so that
// large inventories do not build the whole sheet in memory.
func newXLSX(lang int, dropLists bool) (*tabular.XLSXWriter, error) {
	sh := tabular.Sheet{Name: sheetNames[lang], Header: make([]string, numCols), Widths: make([]float64, numCols)}
	for c := range numCols {
		sh.Header[c] = columns[c].headers[lang]
		sh.Widths[c] = 14
		switch c {
		case colName, colLocation, colVendorContact, colRemoteMaintenance, colNotes, colIPs, colMACs:
			sh.Widths[c] = 24
		}
	}
	if dropLists {
		sh.DropLists = map[int][]string{}
		for _, l := range []struct {
			c      col
			values []string
		}{
			{colKind, kinds.values},
			{colDataClass, dataClasses.values},
			{colPatching, tristates.values},
			{colDefaultCreds, credStatuses.values},
			{colLevel, levels.values},
			{colStatus, statuses.values},
			{colClass, classes.values},
		} {
			sh.DropLists[int(l.c)] = l.values
		}
	}
	x := tabular.NewXLSX()
	if err := x.Sheet(sh); err != nil {
		x.Close()
		return nil, err
	}
	return x, nil
}

// xlsxValue is the cell value of column c for a: nil for an empty cell, a number for
// counts, a date for dates, otherwise the text WriteCSV writes.
func xlsxValue(a *medsec.Asset, c col) any {
	switch c {
	case colVLAN:
		if a.VLAN == 0 {
			return nil
		}
		return a.VLAN
	case colPatientRecords:
		return a.PatientRecords
	case colEndOfSupport:
		if a.EndOfSupport.IsZero() {
			return nil
		}
		t, _ := time.Parse(time.DateOnly, a.EndOfSupport.String())
		return t
	}
	return cellText(a, c)
}

// cellText is the text of column c for a, as WriteCSV writes it before escaping. It is
// trimmed of surrounding white space, as the readers trim every cell.
func cellText(a *medsec.Asset, c col) string {
	return strings.TrimSpace(rawCellText(a, c))
}

func rawCellText(a *medsec.Asset, c col) string {
	switch c {
	case colName:
		return a.Name
	case colKind:
		return string(a.Kind)
	case colSite:
		return a.SiteName
	case colDepartment:
		return a.DepartmentName
	case colVendor:
		return a.VendorName
	case colModel:
		return a.Model
	case colSerial:
		return a.Serial
	case colSoftware:
		return a.Software
	case colFirmware:
		return a.Firmware
	case colIPs:
		return strings.Join(a.IPs, "; ")
	case colMACs:
		return strings.Join(a.MACs, "; ")
	case colVLAN:
		if a.VLAN == 0 {
			return ""
		}
		return strconv.Itoa(a.VLAN)
	case colSSID:
		return a.SSID
	case colLocation:
		return a.Location
	case colResponsible:
		return a.ResponsibleName
	case colVendorContact:
		return a.VendorContact
	case colConnectivity:
		return strings.Join(stringsOf(a.Connectivity), "; ")
	case colDataClass:
		return string(a.DataClass)
	case colPatientRecords:
		return strconv.FormatInt(a.PatientRecords, 10)
	case colEndOfSupport:
		return a.EndOfSupport.String()
	case colRemoteMaintenance:
		return a.RemoteMaintenance
	case colPatching:
		return string(a.PatchingPermitted)
	case colDefaultCreds:
		return string(a.DefaultCreds)
	case colLevel:
		return string(a.Level)
	case colNotes:
		return a.Notes
	case colStatus:
		return string(a.Status)
	case colAETitles:
		return strings.Join(a.AETitles, "; ")
	case colClass:
		return string(a.Class)
	case colFirmwareCPE:
		return a.FirmwareCPE
	case colHardwareCPE:
		return a.HardwareCPE
	case colPURL:
		return a.PURL
	}
	return ""
}
