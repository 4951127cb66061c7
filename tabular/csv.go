package tabular

import (
	"encoding/csv"
	"fmt"
	"io"
)

// CSVWriter writes a CSV file (RFC 4180, CRLF line ends) whose every cell passes through
// Text. It streams: each row goes to the underlying writer as the buffer fills, so an
// export of any size needs no more memory than one row.
type CSVWriter struct {
	cw  *csv.Writer
	rec []string
	err error
}

// NewCSV returns a CSVWriter on w. It first writes the UTF-8 byte-order mark, without
// which Excel reads a UTF-8 CSV as the local code page and garbles Chinese and Japanese
// text.
func NewCSV(w io.Writer) *CSVWriter {
	c := &CSVWriter{cw: csv.NewWriter(w)}
	c.cw.UseCRLF = true
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		c.err = fmt.Errorf("write csv: %w", err)
	}
	return c
}

// Write writes one row, neutralising every cell. After the first error every later call
// returns it.
func (c *CSVWriter) Write(cells ...string) error {
	if c.err != nil {
		return c.err
	}
	c.rec = c.rec[:0]
	for _, s := range cells {
		c.rec = append(c.rec, Text(s))
	}
	if err := c.cw.Write(c.rec); err != nil {
		c.err = fmt.Errorf("write csv: %w", err)
	}
	return c.err
}

// Flush writes any buffered rows and returns the first error of the writer, if any.
// Call it once at the end.
func (c *CSVWriter) Flush() error {
	if c.err != nil {
		return c.err
	}
	c.cw.Flush()
	if err := c.cw.Error(); err != nil {
		c.err = fmt.Errorf("write csv: %w", err)
	}
	return c.err
}
