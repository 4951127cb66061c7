package assetio

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"medsec"
	"medsec/tabular"
)

// importer turns the rows of one file, header first, into asset rows, collecting every
// problem of every row. ReadCSV and ReadXLSX feed it.
type importer struct {
	source string
	// sheet is the worksheet being read, for a workbook.
	sheet string
	// xlsx says a date cell may hold an Excel date serial, in the 1904 system if date1904.
	xlsx, date1904 bool
	// exact says the workbook's text cells hold their text exactly (exactText): no
	// apostrophe to drop.
	exact bool
	// colName names the n-th (0-based) cell position of a row that has no header:
	// "column 7" in a CSV, "column G" in a sheet.
	colName func(n int) string

	haveHeader bool
	cells      []cellColumn    // by cell position, from the header row
	pos        [numCols]int    // cell position of each canonical column, -1 if absent
	header     [numCols]string // each column's header as written in the file
	rows       []medsec.AssetRow
	errs       []medsec.FieldError
}

// cellColumn is what the header row says about one cell position.
type cellColumn struct {
	c col
	// use is false for a position whose header is empty, unknown or repeated.
	use bool
	// quiet is true when the header was already reported, so values below it are not.
	quiet bool
	// name is the header as written, or "column N" when it is empty.
	name string
}

func newImporter(source string, colName func(int) string) *importer {
	im := &importer{source: source, colName: colName}
	for c := range im.pos {
		im.pos[c] = -1
	}
	return im
}

func (im *importer) add(line int, field, key, msg string) {
	im.errs = append(im.errs, medsec.FieldError{Line: line, Field: field, Key: key, Message: msg})
}

// addValue adds a problem about a value as written in the file.
func (im *importer) addValue(line int, field, key, value, msg string) {
	im.errs = append(im.errs, medsec.FieldError{Line: line, Field: field, Key: key, Value: value, Message: msg})
}

// field returns the name a problem with column c is reported under: its header as
// written, or its canonical name when the file has no such column.
func (im *importer) field(c col) string {
	if im.pos[c] >= 0 {
		return im.header[c]
	}
	return columns[c].key
}

// row takes the cells of one row at its line. Blank rows are skipped. Before the header,
// so are title rows: one filled cell that names no column ("○○醫院 醫療儀器資產清冊").
// The first other row is the header.
func (im *importer) row(line int, cells []string) {
	filled, first := 0, ""
	for _, v := range cells {
		if v = strings.TrimSpace(v); v != "" {
			if filled++; filled == 1 {
				first = v
			}
		}
	}
	switch {
	case filled == 0:
	case !im.haveHeader && filled == 1 && !isHeader(first):
	case !im.haveHeader:
		im.readHeader(line, cells)
	default:
		im.readRow(line, cells)
	}
}

// readHeader maps the header row's cells to columns. Unknown and repeated columns are
// reported; the rows below are still read, so that one import reports everything.
func (im *importer) readHeader(line int, cells []string) {
	im.haveHeader = true
	im.cells = make([]cellColumn, len(cells))
	for i, h := range cells {
		h = strings.TrimSpace(h)
		cc := &im.cells[i]
		cc.name = h
		if h == "" {
			cc.name = im.colName(i)
			continue
		}
		c, ok := lookupHeader(h)
		switch {
		case !ok:
			cc.quiet = true
			im.add(line, h, "err.unknown_column", "unknown column")
		case im.pos[c] >= 0:
			cc.quiet = true
			im.add(line, h, "err.duplicate_column", fmt.Sprintf("repeats column %q", im.header[c]))
		default:
			cc.c, cc.use = c, true
			im.pos[c], im.header[c] = i, h
		}
	}
	for _, c := range []col{colName, colSite} {
		if im.pos[c] < 0 {
			im.add(line, columns[c].key, "err.missing_column", "column is missing")
		}
	}
}

// readRow reads one data row into an AssetRow, normalises and validates it.
func (im *importer) readRow(line int, cells []string) {
	r := medsec.AssetRow{Line: line}
	var bad [numCols]bool
	for i, v := range cells {
		v = strings.TrimSpace(v)
		if !im.exact {
			v = strings.TrimSpace(tabular.Untext(v))
		}
		if v == "" {
			continue
		}
		if strings.IndexByte(v, '\r') >= 0 {
			v = lineBreaks.Replace(v)
		}
		if i >= len(im.cells) || !im.cells[i].use {
			if i >= len(im.cells) {
				im.add(line, im.colName(i), "err.no_header", "value in a column without a header")
			} else if !im.cells[i].quiet {
				im.add(line, im.cells[i].name, "err.no_header", "value in a column without a header")
			}
			continue
		}
		c := im.cells[i].c
		if ch, ok := badChar(v); ok {
			bad[c] = true
			im.add(line, im.header[c], "err.bad_char", fmt.Sprintf("contains the character %U, which a cell may not hold", ch))
			continue
		}
		im.set(&r, c, v, func(key, value, msg string) {
			bad[c] = true
			im.addValue(line, im.header[c], key, value, msg)
			if e := enums[c]; e != nil && key == "err.unknown_value" {
				last := &im.errs[len(im.errs)-1]
				last.Enum, last.Allowed = e.group, e.values
			}
		})
	}
	if im.pos[colSite] >= 0 && r.Site == "" {
		im.add(line, im.header[colSite], "err.required", "is required")
	}
	r.Asset.Normalize()
	var ve *medsec.ValidationError
	if err := r.Asset.Validate(); errors.As(err, &ve) {
		for _, fe := range ve.Errors {
			c, ok := colByKey[fe.Field]
			// The store resolves SiteID from the site name, checked above; a missing
			// name or site column was reported once at the header.
			if !ok || bad[c] || c == colSite || (c == colName && im.pos[colName] < 0) {
				continue
			}
			im.add(line, im.field(c), fe.Key, fe.Message)
		}
	} else if err != nil {
		im.add(line, "row", "err.invalid", err.Error())
	}
	im.rows = append(im.rows, r)
}

// lineBreaks turns the CRLF and CR line breaks inside a cell into LF.
var lineBreaks = strings.NewReplacer("\r\n", "\n", "\r", "\n")

// badChar returns the first character of v that has no place in an inventory cell and
// could not be written to XLSX: a control character other than tab and line feed, or a
// code point XML 1.0 excludes.
func badChar(v string) (rune, bool) {
	for i := 0; i < len(v); i++ {
		if b := v[i]; b >= utf8.RuneSelf || (b < 0x20 && b != '\t' && b != '\n') || b == 0x7F {
			for _, r := range v[i:] {
				if (r < 0x20 && r != '\t' && r != '\n') || (r >= 0x7F && r < 0xA0) || r == 0xFFFE || r == 0xFFFF || r == utf8.RuneError {
					return r, true
				}
			}
			return 0, false
		}
	}
	return 0, false
}

// enums are the value sets of the enumerated columns.
var enums = map[col]*enum{colKind: kinds, colConnectivity: connectivities, colDataClass: dataClasses, colPatching: tristates,
	colDefaultCreds: credStatuses, colLevel: levels, colStatus: statuses, colClass: classes}

// colByKey maps a canonical column name (the Field of the domain's validation errors) to
// its column.
var colByKey = func() map[string]col {
	m := make(map[string]col, numCols)
	for c := range numCols {
		m[columns[c].key] = c
	}
	return m
}()

// set stores one non-empty cell of column c in r, calling bad for each problem with the
// value it is about (the cell, or the item of a list).
func (im *importer) set(r *medsec.AssetRow, c col, v string, bad func(key, value, msg string)) {
	a := &r.Asset
	enumCell := func(e *enum) string {
		s, err := e.parse(v)
		if err != nil {
			bad("err.unknown_value", v, err.Error())
		}
		return s
	}
	switch c {
	case colName:
		a.Name = v
	case colKind:
		a.Kind = medsec.AssetKind(enumCell(kinds))
	case colSite:
		r.Site = v
	case colDepartment:
		r.Department = v
	case colVendor:
		r.Vendor = v
	case colModel:
		a.Model = v
	case colSerial:
		a.Serial = v
	case colSoftware:
		a.Software = v
	case colFirmware:
		a.Firmware = v
	case colIPs:
		for _, s := range splitList(v, true) {
			ip, err := parseIP(s)
			if err != nil {
				bad("err.bad_ip", s, err.Error())
				continue
			}
			a.IPs = append(a.IPs, ip)
		}
	case colMACs:
		for _, s := range splitList(v, true) {
			mac, err := parseMAC(s)
			if err != nil {
				bad("err.bad_mac", s, err.Error())
				continue
			}
			a.MACs = append(a.MACs, mac)
		}
	case colVLAN:
		n, err := parseVLAN(v)
		if err != nil {
			bad("err.bad_vlan", v, err.Error())
		}
		a.VLAN = n
	case colSSID:
		a.SSID = v
	case colLocation:
		a.Location = v
	case colResponsible:
		r.Responsible = v
	case colVendorContact:
		a.VendorContact = v
	case colConnectivity:
		for _, s := range splitList(v, false) {
			cv, err := connectivities.parse(s)
			if err != nil {
				bad("err.unknown_value", s, err.Error())
				continue
			}
			a.Connectivity = append(a.Connectivity, medsec.Connectivity(cv))
		}
	case colDataClass:
		a.DataClass = medsec.DataClass(enumCell(dataClasses))
	case colPatientRecords:
		n, err := parseCount(v)
		if err != nil {
			bad("err.bad_number", v, err.Error())
		}
		a.PatientRecords = n
	case colEndOfSupport:
		d, err := parseDate(v, im.xlsx, im.date1904)
		if err != nil {
			bad("err.bad_date", v, err.Error())
		}
		a.EndOfSupport = d
	case colRemoteMaintenance:
		a.RemoteMaintenance = v
	case colPatching:
		a.PatchingPermitted = medsec.Tristate(enumCell(tristates))
	case colDefaultCreds:
		a.DefaultCreds = medsec.CredentialStatus(enumCell(credStatuses))
	case colLevel:
		a.Level = medsec.Level(enumCell(levels))
	case colNotes:
		a.Notes = v
	case colStatus:
		a.Status = medsec.AssetStatus(enumCell(statuses))
	case colAETitles:
		a.AETitles = splitList(v, false)
	case colClass:
		a.Class = medsec.DeviceClass(enumCell(classes))
	case colFirmwareCPE:
		a.FirmwareCPE = v
	case colHardwareCPE:
		a.HardwareCPE = v
	case colPURL:
		a.PURL = v
	}
}

// Inventory is what a reader found in one file: every row it could read and every
// problem of the file. A row with a bad cell is kept (without that cell's value), so that
// the store can add the problems only it can see, such as an unknown site, department or
// vendor, and one import reports them all.
type Inventory struct {
	// Source is the file's name, as given to the reader.
	Source string
	// Sheet is the worksheet read from a workbook; empty for a CSV.
	Sheet string
	// Rows are the data rows in file order.
	Rows []medsec.AssetRow
	// Headers maps the canonical name of each column the file has (name, site,
	// department, vendor, ...) to its header as written in the file, so that problems
	// found later name the column as the user wrote it.
	Headers map[string]string
	// Problems are every problem found in the file, by line and column as written.
	Problems []medsec.FieldError
}

// Err returns the inventory's problems as one *medsec.ValidationError, or nil if it has none.
func (inv *Inventory) Err() error {
	if len(inv.Problems) == 0 {
		return nil
	}
	return &medsec.ValidationError{Source: inv.Source, Sheet: inv.Sheet, Errors: inv.Problems}
}

// inventory returns what the importer read.
func (im *importer) inventory() *Inventory {
	if !im.haveHeader && len(im.errs) == 0 {
		im.add(0, "file", "err.no_header", "has no header row")
	}
	inv := &Inventory{Source: im.source, Sheet: im.sheet, Rows: slices.Clip(im.rows), Headers: map[string]string{}, Problems: im.errs}
	if inv.Rows == nil {
		inv.Rows = []medsec.AssetRow{}
	}
	for c := range numCols {
		if im.pos[c] >= 0 {
			inv.Headers[columns[c].key] = im.header[c]
		}
	}
	return inv
}

// result returns the rows, or every problem found as one *medsec.ValidationError.
func (im *importer) result() ([]medsec.AssetRow, error) {
	inv := im.inventory()
	if err := inv.Err(); err != nil {
		return nil, err
	}
	return inv.Rows, nil
}
