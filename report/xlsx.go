package report

import (
	"fmt"
	"io"
	"strings"

	"medsec/tabular"
)

// WriteXLSX renders d as a workbook: a summary sheet (the cover's facts and the list of
// sections), then one sheet per table and one per chart (its data, categories down and
// series across), with typed numbers and dates, a bold frozen header and an autofilter.
// Errors are d's structural errors and write errors.
func WriteXLSX(w io.Writer, d *Document) error {
	if err := d.Validate(); err != nil {
		return err
	}
	x := tabular.NewXLSX()
	names := sheetNames{}
	l := d.Labels
	x.Sheet(tabular.Sheet{Name: names.unique(l.Summary), Widths: []float64{24, 80}})
	x.Row(d.Title)
	x.Row(d.Subtitle)
	facts := []Fact{{l.Organization, d.Organization}, {l.Site, d.Site}, {l.Period, d.Period}}
	facts = append(facts, d.Facts...)
	facts = append(facts, Fact{l.GeneratedBy, d.GeneratedBy}, Fact{l.GeneratedAt, d.GeneratedAt.Format("2006-01-02 15:04 -07:00")})
	for _, f := range facts {
		if f.Value != "" {
			x.Row(f.Label, f.Value)
		}
	}
	x.Row()
	x.Row(l.Contents)
	for i, s := range d.Sections {
		x.Row(fmt.Sprint(i+1), s.Heading)
		for _, t := range s.Text {
			x.Row("", t)
		}
		for _, f := range s.Facts {
			x.Row(f.Label, f.Value)
		}
	}
	for _, s := range d.Sections {
		for _, c := range s.Charts {
			header := []string{""}
			for _, se := range c.Series {
				header = append(header, se.Name)
			}
			sheet := c.Sheet
			if sheet == "" {
				sheet = c.Title
			}
			x.Sheet(tabular.Sheet{Name: names.unique(sheet), Header: header})
			for i, cat := range c.Categories {
				row := []any{cat}
				for _, se := range c.Series {
					row = append(row, se.Values[i])
				}
				x.Row(row...)
			}
		}
		for _, t := range s.Tables {
			header := make([]string, len(t.Columns))
			for i, c := range t.Columns {
				header[i] = c.Header
			}
			sheet := t.Sheet
			if sheet == "" {
				sheet = t.Title
			}
			x.Sheet(tabular.Sheet{Name: names.unique(sheet), Header: header})
			row := make([]any, len(t.Columns))
			for _, r := range t.Rows {
				for i, v := range r {
					switch v := v.(type) {
					case Stamp:
						row[i] = tabular.ZonedStamp(v)
					case Status:
						row[i] = v.Text
					case Bytes:
						row[i] = v.N // the count, for sums and sorting
						if v.N == 0 {
							row[i] = "" // unknown
						}
					default:
						row[i] = v
					}
				}
				x.Row(row...)
			}
		}
	}
	if _, err := x.WriteTo(w); err != nil {
		return fmt.Errorf("report %s: xlsx: %w", d.Name, err)
	}
	return nil
}

// sheetNames makes sheet names legal (no []:*?/\, at most 31 characters, not empty) and
// unique (case-insensitively, as Excel compares them) by numbering repeats.
type sheetNames map[string]bool

func (n sheetNames) unique(name string) string {
	name = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`[]:*?/\`, r) {
			return '_'
		}
		return r
	}, strings.TrimSpace(name))
	if name == "" {
		name = "Sheet"
	}
	base := []rune(name)
	for i := 1; ; i++ {
		cand := string(base)
		if i > 1 {
			suffix := fmt.Sprintf(" (%d)", i)
			cand = string(base[:min(len(base), 31-len(suffix))]) + suffix
		} else if len(base) > 31 {
			cand = string(base[:31])
		}
		if !n[strings.ToLower(cand)] {
			n[strings.ToLower(cand)] = true
			return cand
		}
	}
}
