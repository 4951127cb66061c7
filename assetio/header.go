package assetio

import (
	"slices"

	"medsec"
)

// Column is one column a table import knows, with the headers it is found under (in any
// of the four languages; compared after Fold).
type Column struct {
	Key     string
	Headers []string
}

// Header is a table's header row mapped to column keys.
type Header struct {
	// Pos is each known column's cell position; Names its header as the file writes it.
	Pos   map[string]int
	Names map[string]string
	// Line is the header row's line.
	Line int
}

// MapHeader maps the first row of t to the columns cols: a repeated header is a problem
// naming it, and so is an unknown one when strict (else it is left out: an export of
// other software has columns medsec does not read). With no row it returns a nil Header
// and the problem.
func MapHeader(t *Table, cols []Column, strict bool) (*Header, []medsec.FieldError) {
	if len(t.Rows) == 0 {
		return nil, []medsec.FieldError{{Field: "file", Key: "err.empty_file", Message: "the file has no header row"}}
	}
	var errs []medsec.FieldError
	row := t.Rows[0]
	h := &Header{Pos: map[string]int{}, Names: map[string]string{}, Line: row.Line}
	for i, cell := range row.Cells {
		if cell == "" {
			continue
		}
		k := slices.IndexFunc(cols, func(c Column) bool {
			return slices.ContainsFunc(c.Headers, func(x string) bool { return fold(x) == fold(cell) })
		})
		switch {
		case k < 0 && !strict:
		case k < 0:
			errs = append(errs, medsec.FieldError{Line: row.Line, Field: cell, Key: "err.unknown_column", Value: cell, Message: "unknown column"})
		case h.has(cols[k].Key):
			errs = append(errs, medsec.FieldError{Line: row.Line, Field: cell, Key: "err.duplicate_column", Value: cell, Message: "the column appears twice"})
		default:
			h.Pos[cols[k].Key], h.Names[cols[k].Key] = i, cell
		}
	}
	return h, errs
}

func (h *Header) has(key string) bool {
	_, ok := h.Pos[key]
	return ok
}

// Has reports whether the file has the column key.
func (h *Header) Has(key string) bool { return h.has(key) }

// Cell returns the cell of key in a row's cells, "" when the file has no such column.
func (h *Header) Cell(cells []string, key string) string {
	i, ok := h.Pos[key]
	if !ok || i >= len(cells) {
		return ""
	}
	return cells[i]
}

// Name returns the header of key as the file writes it, else key.
func (h *Header) Name(key string) string {
	if n, ok := h.Names[key]; ok {
		return n
	}
	return key
}

// Fold puts a header or an enumerated value in the form they are compared in: full-width
// letters narrowed, lower case, without spaces, '_' or '-' ("Job Name" = "jobname").
func Fold(s string) string { return fold(s) }
