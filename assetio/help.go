package assetio

import (
	"fmt"
	"io"

	"medsec/tabular"
)

// ColumnHelp is one column of the inventory file as the import page explains it.
type ColumnHelp struct {
	// Key is the column's English name, which is also the field that problems name.
	Key string
	// Header is the column's header in the template of the language asked for.
	Header string
	// Required columns must be present and filled on every row.
	Required bool
	// Enum is the translation group of Values ("kind", "level"), "" for a free column;
	// Values are its canonical values in display order. The readers also accept each
	// value's label in the four languages of the user interface.
	Enum   string
	Values []string
	// List is set for a column that holds several values separated by ";".
	List bool
}

// Columns describes every column of the inventory file in the template's order, headers
// in lang (as Template takes it; an unknown language is English).
func Columns(lang string) []ColumnHelp {
	l, ok := templateLang(lang)
	if !ok {
		l = langEN
	}
	out := make([]ColumnHelp, 0, numCols)
	for c := range numCols {
		h := ColumnHelp{Key: columns[c].key, Header: columns[c].headers[l]}
		switch c {
		case colName, colKind, colSite:
			h.Required = true
		case colIPs, colMACs, colAETitles, colConnectivity:
			h.List = true
		}
		if e := enums[c]; e != nil {
			h.Enum, h.Values = e.group, e.values
		}
		out = append(out, h)
	}
	return out
}

// TemplateCSV writes an empty inventory file, UTF-8 with a byte-order mark, whose header
// row is in lang (as Template takes it), for a hospital to fill in and import.
func TemplateCSV(w io.Writer, lang string) error {
	l, ok := templateLang(lang)
	if !ok {
		return fmt.Errorf("write asset template: unknown language %q (want en, zh-TW, zh-CN or ja)", lang)
	}
	header := make([]string, numCols)
	for c := range numCols {
		header[c] = columns[c].headers[l]
	}
	cw := tabular.NewCSV(w)
	cw.Write(header...)
	if err := cw.Flush(); err != nil {
		return fmt.Errorf("write asset template %s: %w", langTags[l], err)
	}
	return nil
}
