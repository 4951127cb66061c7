package assetio

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"medsec"
	"medsec/tabular"
)

// ReadCSV reads an asset inventory from a CSV file named source (the name only labels
// errors). The first non-blank row is the header; every later non-blank row is an asset.
// Each row's Line is the file line its record starts on.
//
// The file may be UTF-8 (with or without a byte-order mark), UTF-16 with a byte-order
// mark, Big5, GB18030 or Shift_JIS (see decodeText for how the encoding is chosen); it
// may be separated by commas, tabs or semicolons (chosen from the header row).
//
// Any problem in the file — an unknown or missing column, a bad cell, a CSV syntax
// error — is returned, together with every other problem found, as one
// *medsec.ValidationError, and no rows are returned. Other errors come from r.
func ReadCSV(r io.Reader, source string) ([]medsec.AssetRow, error) {
	inv, err := ParseCSV(r, source)
	if err != nil {
		return nil, err
	}
	if err := inv.Err(); err != nil {
		return nil, err
	}
	return inv.Rows, nil
}

// ParseCSV reads a CSV file as ReadCSV does, but returns every row it could read together
// with the file's problems, for the store to add its own. The error comes only from r.
func ParseCSV(r io.Reader, source string) (*Inventory, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", source, err)
	}
	im := newImporter(source, func(n int) string { return "column " + strconv.Itoa(n+1) })
	text, ferr := decodeText(data)
	if ferr != nil {
		im.errs = append(im.errs, *ferr)
		return im.inventory(), nil
	}
	im.rows = make([]medsec.AssetRow, 0, strings.Count(text, "\n")) // at most one row a line
	cr := csv.NewReader(strings.NewReader(text))
	cr.Comma = sniffDelimiter(text)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			// The reader cannot resynchronise reliably after a quoting error: stop here,
			// keeping what the rows above it showed.
			im.add(pe.Line, "character "+strconv.Itoa(runeColumn(text, pe.Line, pe.Column)), "err.csv_syntax", pe.Err.Error())
			break
		} else if err != nil {
			return nil, fmt.Errorf("read %s: %w", source, err)
		}
		line, _ := cr.FieldPos(0)
		im.row(line, rec)
	}
	return im.inventory(), nil
}

// runeColumn converts the 1-based byte column of a csv.ParseError on a line of text into
// a 1-based character column, which is what a person counting in an editor sees.
func runeColumn(text string, line, byteCol int) int {
	for n := 1; n < line; n++ {
		i := strings.IndexByte(text, '\n')
		if i < 0 {
			return byteCol
		}
		text = text[i+1:]
	}
	if byteCol-1 > len(text) || byteCol < 1 {
		return byteCol
	}
	return utf8.RuneCountInString(text[:byteCol-1]) + 1
}

// WriteCSV writes assets as a UTF-8 CSV with a byte-order mark (so that Excel opens it as
// UTF-8) and CRLF line ends, one header row of the canonical English column names — name,
// kind, site, department, vendor, model, serial, software_version, firmware_version, ips,
// macs, vlan, ssid, location, responsible, vendor_contact, connectivity, data_class,
// patient_records, end_of_support, remote_maintenance, patching_permitted,
// default_credentials, level, notes, status — then one row per asset. Sites, departments, vendors and responsible people are written by
// name, from the Asset's *Name fields. Multi-valued cells are separated by "; ". A value
// that a spreadsheet would run as a formula is prefixed with an apostrophe (see package
// tabular), which ReadCSV and ReadXLSX remove.
func WriteCSV(w io.Writer, assets []*medsec.Asset) error {
	cw := NewCSVWriter(w)
	for _, a := range assets {
		if err := cw.Write(a); err != nil {
			return err
		}
	}
	return cw.Flush()
}

// CSVWriter writes assets one by one as WriteCSV does, for exports that stream.
type CSVWriter struct {
	cw  *tabular.CSVWriter
	rec []string
}

// NewCSVWriter writes the byte-order mark and the header row to w and returns a writer
// for the rows.
func NewCSVWriter(w io.Writer) *CSVWriter {
	c := &CSVWriter{cw: tabular.NewCSV(w), rec: make([]string, numCols)}
	for col := range numCols {
		c.rec[col] = columns[col].key
	}
	c.cw.Write(c.rec...)
	return c
}

// Write writes one asset's row.
func (c *CSVWriter) Write(a *medsec.Asset) error {
	for col := range numCols {
		c.rec[col] = cellText(a, col)
	}
	if err := c.cw.Write(c.rec...); err != nil {
		return fmt.Errorf("write assets csv: %w", err)
	}
	return nil
}

// Flush writes out buffered rows; call it once at the end.
func (c *CSVWriter) Flush() error {
	if err := c.cw.Flush(); err != nil {
		return fmt.Errorf("write assets csv: %w", err)
	}
	return nil
}
