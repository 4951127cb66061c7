package mds2

import (
	"errors"
	"strings"
	"testing"
	"time"

	"medsec"
)

// FuzzParse feeds Parse arbitrary bytes (seeds in testdata/fuzz/FuzzParse: a small filled
// form as XLSX, and broken archives): it must not panic and either reads a form or refuses
// the file with a validation error naming it.
func FuzzParse(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		form, err := Parse("fuzz.xlsx", data)
		if err != nil {
			var ve *medsec.ValidationError
			if !errors.As(err, &ve) || ve.Source != "fuzz.xlsx" {
				t.Fatalf("error %v is not a validation error of the file", err)
			}
			return
		}
		form.Capabilities()
	})
}

// FuzzSheet feeds the layout finder a sheet written as text, one row a line and cells
// separated by tabs (seeds in testdata/fuzz/FuzzSheet): whatever the layout, every answer
// it returns has a question ID and a row on the sheet.
func FuzzSheet(f *testing.F) {
	f.Fuzz(func(t *testing.T, text string) {
		var rows [][]string
		for _, line := range strings.Split(text, "\n") {
			rows = append(rows, strings.Split(line, "\t"))
		}
		form, _, err := readSheet("s", rows)
		if err != nil || form == nil {
			return
		}
		for _, a := range form.Answers {
			if _, ok := normID(a.ID); !ok || a.Row < 1 || a.Row > len(rows) {
				t.Fatalf("answer %+v", a)
			}
			p := &medsec.MDS2Profile{Answers: form.Answers, Capabilities: form.Capabilities()}
			Checks(p, 1, timeZero)
		}
	})
}

var timeZero time.Time
