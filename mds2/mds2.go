// Package mds2 reads a filled Manufacturer Disclosure Statement for Medical Device Security
// (MDS2, ANSI/NEMA HN 1-2019) from an XLSX workbook by its question IDs, and turns the
// answers into a device model's security-capability profile and into the automatic check
// results that hold the profile against the TW baseline's controls.
//
// Vendors fill the form in their own layouts: columns moved, sheets added, rows inserted,
// the form on a second sheet. The reader finds, on every sheet, the column that holds the
// most question IDs and, beside it, the column where those rows' cells read most often
// Yes, No, N/A or See Note; notes ("Note 3" rows) are joined to the answers that cite them.
package mds2

import (
	"bytes"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/xuri/excelize/v2"

	"medsec"
)

// MaxSize is the largest workbook, in bytes, Parse reads.
const MaxSize = 16 << 20

// Form is what was read from a filled MDS2 workbook.
type Form struct {
	// Sheet is the worksheet the answers were read from.
	Sheet   string
	Answers []medsec.MDS2Answer
}

// questionID is an HN 1-2019 question ID: a section code of 3 to 5 capitals (DOC, MPII,
// AUTH, SAHD, …), a dash, and a dotted number (DOC-11.4, CONN-1.1.2).
var questionID = regexp.MustCompile(`^([A-Z]{3,5})-(\d{1,3}(?:\.\d{1,3}){0,3})$`)

var noteRef = regexp.MustCompile(`(?i)^see\s+notes?\s*#?\s*(\d+)`)
var noteLabel = regexp.MustCompile(`(?i)^note\s*#?\s*(\d+)\s*:?$`)

// sectionFixes corrects the section codes that real forms misspell: NEMA's own example
// worksheet writes "SHAD-15" for SAHD-15.
var sectionFixes = map[string]string{"SHAD": "SAHD"}

// value reads an answer cell as one of the MDS2 answer values, or "" for free text.
func value(s string) string {
	t := strings.ToLower(strings.Join(strings.Fields(s), " "))
	t = strings.TrimRight(t, ".")
	switch {
	case t == "yes" || t == "y":
		return medsec.MDS2Yes
	case t == "no" || t == "n":
		return medsec.MDS2No
	case t == "n/a" || t == "na" || t == "n.a" || t == "not applicable":
		return medsec.MDS2NA
	case strings.HasPrefix(t, "see note"):
		return medsec.MDS2SeeNote
	}
	return ""
}

func normID(cell string) (string, bool) {
	m := questionID.FindStringSubmatch(strings.ToUpper(strings.TrimSpace(cell)))
	if m == nil {
		return "", false
	}
	sec := m[1]
	if fix, ok := sectionFixes[sec]; ok {
		sec = fix
	}
	return sec + "-" + m[2], true
}

// Parse reads a filled MDS2 workbook. name is the file's name, used in errors, which are
// *medsec.ValidationError naming the file, sheet and row.
func Parse(name string, data []byte) (*Form, error) {
	fail := func(sheet string, fe medsec.FieldError) error {
		return &medsec.ValidationError{Source: name, Sheet: sheet, Errors: []medsec.FieldError{fe}}
	}
	if len(data) > MaxSize {
		return nil, fail("", medsec.FieldError{Field: "file", Key: "mds2.err.too_large", Message: fmt.Sprintf("larger than %d MB", MaxSize>>20)})
	}
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		return nil, fail("", medsec.FieldError{Field: "file", Key: "mds2.err.not_xlsx", Message: "not an XLSX workbook"})
	}
	defer f.Close()
	// Every sheet holding a form (5 or more answers) is read; hidden and very hidden
	// sheets (an old copy kept out of sight) are never imported. Of the visible forms the
	// active sheet's is taken; two visible forms with neither active are refused naming
	// both sheets; a form only on hidden sheets is refused naming the sheet.
	active := f.GetSheetName(f.GetActiveSheetIndex())
	var visible []*Form
	hidden := ""
	for _, sheet := range f.GetSheetList() {
		rows, err := f.GetRows(sheet)
		if err != nil {
			return nil, fail(sheet, medsec.FieldError{Field: "sheet", Key: "mds2.err.not_xlsx", Message: "the sheet cannot be read"})
		}
		shown, _ := f.GetSheetVisible(sheet)
		form, n, err := readSheet(sheet, rows)
		if !shown {
			if hidden == "" && (n >= 5 || err != nil) {
				hidden = sheet
			}
			continue
		}
		if ve, ok := err.(*medsec.ValidationError); ok {
			ve.Source = name
			return nil, ve
		}
		if n < 5 {
			continue
		}
		if sheet == active {
			return form, nil
		}
		visible = append(visible, form)
	}
	switch {
	case len(visible) == 1:
		return visible[0], nil
	case len(visible) > 1:
		return nil, fail("", medsec.FieldError{Field: "sheet", Key: "mds2.err.two_forms", Args: []string{visible[0].Sheet, visible[1].Sheet},
			Message: fmt.Sprintf("sheets %q and %q both hold an MDS2 form and neither is the active sheet: keep one, or make the one to import active", visible[0].Sheet, visible[1].Sheet)})
	case hidden != "":
		return nil, fail(hidden, medsec.FieldError{Field: "sheet", Key: "mds2.err.hidden_only", Args: []string{hidden},
			Message: fmt.Sprintf("the only MDS2 form is on the hidden sheet %q: unhide it if it is the current form", hidden)})
	}
	return nil, fail("", medsec.FieldError{Field: "file", Key: "mds2.err.no_questions",
		Message: "no sheet has MDS2 question IDs (DOC-1, AUTH-1, …) with Yes/No/N/A answers"})
}

// readSheet reads one sheet's answers and returns how many yes/no/N/A answers it holds.
func readSheet(sheet string, rows [][]string) (*Form, int, error) {
	// The ID column: the one with the most question IDs.
	idCount := map[int]int{}
	for _, r := range rows {
		for c, cell := range r {
			if _, ok := normID(cell); ok {
				idCount[c]++
			}
		}
	}
	idCol, most := -1, 0
	for c, n := range idCount {
		if n > most || n == most && c < idCol {
			idCol, most = c, n
		}
	}
	if idCol < 0 {
		return nil, 0, nil
	}
	// The answer column: on the ID rows, the column (other than the ID column) whose cells
	// most often read as an MDS2 value.
	ansCount := map[int]int{}
	for _, r := range rows {
		if idCol >= len(r) {
			continue
		}
		if _, ok := normID(r[idCol]); !ok {
			continue
		}
		for c, cell := range r {
			if c != idCol && value(cell) != "" {
				ansCount[c]++
			}
		}
	}
	ansCol, answered := -1, 0
	for c, n := range ansCount {
		if n > answered || n == answered && c < ansCol {
			ansCol, answered = c, n
		}
	}
	if ansCol < 0 {
		return nil, 0, nil
	}
	// The question column: the longest text on the ID rows, outside the two found.
	textLen := map[int]int{}
	notes := map[string]string{}
	for _, r := range rows {
		if idCol < len(r) {
			if _, ok := normID(r[idCol]); ok {
				for c, cell := range r {
					if c != idCol && c != ansCol {
						textLen[c] += len(cell)
					}
				}
			}
		}
		for c, cell := range r {
			if m := noteLabel.FindStringSubmatch(strings.TrimSpace(cell)); m != nil {
				for _, next := range r[c+1:] {
					if t := strings.TrimSpace(next); t != "" {
						notes[m[1]] = t
						break
					}
				}
			}
		}
	}
	qCol, longest := -1, 0
	for c, n := range textLen {
		if n > longest || n == longest && c < qCol {
			qCol, longest = c, n
		}
	}
	form := &Form{Sheet: sheet}
	seen := map[string]int{}
	var errs []medsec.FieldError
	for i, r := range rows {
		if idCol >= len(r) {
			continue
		}
		id, ok := normID(r[idCol])
		if !ok {
			continue
		}
		cell := func(c int) string {
			if c < 0 || c >= len(r) {
				return ""
			}
			return strings.TrimSpace(r[c])
		}
		a := medsec.MDS2Answer{ID: id, Question: strings.Join(strings.Fields(cell(qCol)), " "), Answer: cell(ansCol), Sheet: sheet, Row: i + 1}
		a.Value = value(a.Answer)
		for c, text := range r {
			if c == idCol || c == qCol {
				continue
			}
			if m := noteRef.FindStringSubmatch(strings.TrimSpace(text)); m != nil {
				a.Note = notes[m[1]]
				break
			}
		}
		if prev, dup := seen[id]; dup {
			if form.Answers[prev].Answer != a.Answer {
				errs = append(errs, medsec.FieldError{Line: a.Row, Field: id, Key: "mds2.err.duplicate",
					Message: fmt.Sprintf("answered again with another answer (first on row %d)", form.Answers[prev].Row), Value: a.Answer})
			}
			continue
		}
		seen[id] = len(form.Answers)
		form.Answers = append(form.Answers, a)
	}
	if len(errs) > 0 {
		return nil, 0, &medsec.ValidationError{Sheet: sheet, Errors: errs}
	}
	sort.SliceStable(form.Answers, func(i, j int) bool { return form.Answers[i].Row < form.Answers[j].Row })
	return form, answered, nil
}

// Answer returns the form's answer to the question ID.
func (f *Form) Answer(id string) (medsec.MDS2Answer, bool) {
	for _, a := range f.Answers {
		if a.ID == id {
			return a, true
		}
	}
	return medsec.MDS2Answer{}, false
}
