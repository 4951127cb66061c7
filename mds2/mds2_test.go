package mds2

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"medsec"
	"medsec/internal/shareddata"
)

const nemaForm = "mds2/nema-example-mds2-worksheet-hn1-2019.xlsx"

// checkNEMA checks what is read from NEMA's example worksheet, however laid out: 15 DOC
// rows and 225 questions answered No 109, N/A 86, Yes 29 and See Notes once.
func checkNEMA(t *testing.T, f *Form, sheet string) {
	t.Helper()
	if f.Sheet != sheet {
		t.Errorf("sheet %q, want %q", f.Sheet, sheet)
	}
	doc, counts := 0, map[string]int{}
	for _, a := range f.Answers {
		if strings.HasPrefix(a.ID, "DOC-") {
			doc++
			continue
		}
		counts[a.Value]++
	}
	want := map[string]int{medsec.MDS2No: 109, medsec.MDS2NA: 86, medsec.MDS2Yes: 29, medsec.MDS2SeeNote: 1}
	if doc != 15 || len(counts) != len(want) {
		t.Errorf("%d DOC rows, values %v; want 15 and %v", doc, counts, want)
	}
	for v, n := range want {
		if counts[v] != n {
			t.Errorf("%d answers %q, want %d", counts[v], v, n)
		}
	}
	if a, ok := f.Answer("SAHD-15"); !ok || a.Value != medsec.MDS2Yes {
		t.Errorf("SAHD-15 (written SHAD-15) = %+v", a)
	}
	if a, _ := f.Answer("DOC-7"); a.Answer != "2019-10-09" {
		t.Errorf("DOC-7 = %q, want the release date", a.Answer)
	}
	if a, _ := f.Answer("MLDP-1"); a.Note != "Firmware can be modified by use of proprietary cable and software from a PC." {
		t.Errorf("MLDP-1 note = %q", a.Note)
	}
	if a, _ := f.Answer("STCF-1"); a.Question != "Can the device encrypt data at rest?" || a.Value != medsec.MDS2No {
		t.Errorf("STCF-1 = %+v", a)
	}
}

func TestNEMAExample(t *testing.T) {
	f, err := Parse("nema.xlsx", shareddata.Data(t, nemaForm))
	if err != nil {
		t.Fatal(err)
	}
	checkNEMA(t, f, "mds2-form")
	p := f.Profile(7, "nema.xlsx", "x")
	if p.Description != "Handheld Blood Glucose Monitor" || p.Manufacturer != "" {
		t.Errorf("profile header: %+v", p)
	}
	// The fictional monitor has none of the capabilities.
	for _, c := range p.Capabilities {
		if c.Status != medsec.No {
			t.Errorf("%s = %s, want no", c.Capability, c.Status)
		}
		if len(c.Evidence) == 0 {
			t.Errorf("%s has no evidence", c.Capability)
		}
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	got := map[string]medsec.CheckOutcome{}
	for _, r := range Checks(p, 3, now) {
		got[r.CheckID] = r.Outcome
		if r.AssetID != 3 || len(r.Controls) == 0 || len(r.Data) == 0 || !r.ComputedAt.Equal(now) {
			t.Errorf("result %+v", r)
		}
	}
	want := map[string]medsec.CheckOutcome{"mds2-authentication": medsec.CheckFail, "mds2-password-change": medsec.CheckFail,
		"mds2-audit": medsec.CheckFail, "mds2-encryption-at-rest": medsec.CheckFail, "mds2-encryption-in-transit": medsec.CheckFail,
		"mds2-patching": medsec.CheckFail, "mds2-malware-protection": medsec.CheckFail, "mds2-remote-session-visible": medsec.CheckPass}
	for id, o := range want {
		if got[id] != o {
			t.Errorf("%s = %s, want %s", id, got[id], o)
		}
	}
}

// relayout writes the NEMA form's rows into a new workbook: sheets before it, the form on
// sheet name with each row's cells moved by perm (old column -> new column), rows shifted
// down by skip.
func relayout(t *testing.T, before []string, name string, perm map[int]int, skip int, edit func(row int, r []string) []string) []byte {
	t.Helper()
	src, err := excelize.OpenReader(bytes.NewReader(shareddata.Data(t, nemaForm)))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := src.GetRows("mds2-form")
	if err != nil {
		t.Fatal(err)
	}
	out := excelize.NewFile()
	first := true
	for _, s := range append(before, name) {
		if first {
			out.SetSheetName("Sheet1", s)
			first = false
		} else {
			out.NewSheet(s)
		}
	}
	for i, s := range before {
		// A cover sheet that mentions a few question IDs in prose and has no answers.
		out.SetCellValue(s, "A1", "Instructions")
		out.SetCellValue(s, "B3", "AUTH-1")
		out.SetCellValue(s, "B4", "STCF-1")
		out.SetCellValue(s, "C4", i)
	}
	for i, r := range rows {
		if edit != nil {
			r = edit(i+1, r)
		}
		for c, v := range r {
			nc, ok := perm[c]
			if !ok {
				nc = c
			}
			cell, _ := excelize.CoordinatesToCellName(nc+1, i+1+skip)
			out.SetCellValue(name, cell, v)
		}
	}
	var buf bytes.Buffer
	if err := out.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestLayouts reads the NEMA form rebuilt as vendors lay theirs out.
func TestLayouts(t *testing.T) {
	for _, tc := range []struct {
		name   string
		before []string
		sheet  string
		perm   map[int]int
		skip   int
	}{
		{"same layout, new workbook", nil, "MDS2", nil, 0},
		{"answer before question", nil, "Form", map[int]int{1: 2, 2: 1}, 0},
		{"ID column third, rows pushed down", []string{"Cover"}, "MDS2 HN 1-2019", map[int]int{0: 2, 1: 3, 2: 5, 3: 6, 4: 7, 5: 8, 6: 9}, 4},
		{"answer far right", []string{"Cover", "Revision history"}, "Device", map[int]int{2: 9}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Parse("variant.xlsx", relayout(t, tc.before, tc.sheet, tc.perm, tc.skip, nil))
			if err != nil {
				t.Fatal(err)
			}
			checkNEMA(t, f, tc.sheet)
		})
	}
}

// TestRefused checks that what is not a filled MDS2 form is refused, naming file, sheet
// and row.
func TestRefused(t *testing.T) {
	conflict := relayout(t, nil, "MDS2", nil, 0, func(row int, r []string) []string {
		if row == 300 { // STCF-1 "No"; another STCF-1 row below answers "Yes"
			return r
		}
		if row == 301 {
			return []string{"STCF-1", "Can the device encrypt data at rest?", "Yes"}
		}
		return r
	})
	empty := excelize.NewFile()
	empty.SetCellValue("Sheet1", "A1", "no questions here")
	var emptyBuf bytes.Buffer
	empty.Write(&emptyBuf)
	for _, tc := range []struct {
		name  string
		data  []byte
		sheet string
		line  int
		key   string
	}{
		{"not xlsx", []byte("DOC-1,Manufacturer,Acme\n"), "", 0, "mds2.err.not_xlsx"},
		{"no questions", emptyBuf.Bytes(), "", 0, "mds2.err.no_questions"},
		{"conflicting answers", conflict, "MDS2", 301, "mds2.err.duplicate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("form.xlsx", tc.data)
			var ve *medsec.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("err = %v, want a validation error", err)
			}
			fe := ve.Errors[0]
			if ve.Source != "form.xlsx" || ve.Sheet != tc.sheet || fe.Line != tc.line || fe.Key != tc.key {
				t.Errorf("got %s / sheet %q line %d key %s, want sheet %q line %d key %s", ve.Source, ve.Sheet, fe.Line, fe.Key, tc.sheet, tc.line, tc.key)
			}
		})
	}
}
