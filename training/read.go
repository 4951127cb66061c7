// Package training reads training attendance records (CSV or XLSX, headers in English,
// Chinese or Japanese) for the governance calendar's training duty: new staff owe 8 hours
// in the year they join and key roles 16 hours every year [003 §3.4.2].
package training

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"

	"medsec"
	"medsec/assetio"
)

// MaxRows is the most rows one import takes.
const MaxRows = 100000

// column is one column the import knows, with the headers it is found under (compared
// case- and width-insensitively).
type column struct {
	key     string
	headers []string
}

var columns = []column{
	{"course", []string{"course", "training", "title", "課程", "课程", "課程名稱", "课程名称", "研修", "研修名", "講座"}},
	{"date", []string{"date", "day", "日期", "上課日期", "培训日期", "培訓日期", "実施日", "日付", "受講日"}},
	{"hours", []string{"hours", "hour", "時數", "学时", "學時", "时数", "時間", "研修時間"}},
	{"employee_no", []string{"employee_no", "employee no", "employee number", "employee id", "員工編號", "员工编号", "職員番号", "社員番号"}},
	{"name", []string{"name", "person", "attendee", "姓名", "參訓人員", "参训人员", "氏名", "受講者", "名前"}},
	{"trainer", []string{"trainer", "instructor", "講師", "讲师", "培训师"}},
	{"evidence", []string{"evidence", "record", "佐證", "证明", "證明", "佐证", "記録", "証跡"}},
}

var folder = cases.Fold()

func fold(s string) string { return folder.String(norm.NFKC.String(strings.TrimSpace(s))) }

// Read reads a training attendance file: one row per person per session. Columns: course,
// date and hours (required), employee_no or name (one of them required on every row),
// trainer, evidence. Every problem is returned with its line and the column as written.
func Read(data []byte, source string) medsec.TrainingImport {
	t := assetio.ReadTable(data, source, "")
	imp := medsec.TrainingImport{Source: source, Problems: t.Problems}
	if len(t.Problems) > 0 && len(t.Rows) == 0 {
		return imp
	}
	if len(t.Rows) == 0 {
		imp.Problems = append(imp.Problems, medsec.FieldError{Field: "file", Key: "err.empty_file", Message: "the file has no header row"})
		return imp
	}
	h := t.Rows[0]
	pos, names := map[string]int{}, map[string]string{}
	for i, cell := range h.Cells {
		if cell == "" {
			continue
		}
		found := false
		for _, c := range columns {
			if slices.ContainsFunc(c.headers, func(x string) bool { return fold(x) == fold(cell) }) {
				found = true
				if _, dup := pos[c.key]; dup {
					imp.Problems = append(imp.Problems, medsec.FieldError{Line: h.Line, Field: cell, Key: "err.duplicate_column", Value: cell, Message: "the column appears twice"})
				} else {
					pos[c.key], names[c.key] = i, cell
				}
				break
			}
		}
		if !found {
			imp.Problems = append(imp.Problems, medsec.FieldError{Line: h.Line, Field: cell, Key: "err.unknown_column", Value: cell, Message: "unknown column"})
		}
	}
	for _, k := range []string{"course", "date", "hours"} {
		if _, ok := pos[k]; !ok {
			imp.Problems = append(imp.Problems, medsec.FieldError{Line: h.Line, Field: k, Key: "err.missing_column", Message: "the file has no " + k + " column"})
		}
	}
	_, hasNo := pos["employee_no"]
	_, hasName := pos["name"]
	if !hasNo && !hasName {
		imp.Problems = append(imp.Problems, medsec.FieldError{Line: h.Line, Field: "employee_no", Key: "err.missing_column", Message: "the file has no employee_no or name column"})
	}
	if len(imp.Problems) > 0 {
		return imp
	}
	if len(t.Rows)-1 > MaxRows {
		imp.Problems = append(imp.Problems, medsec.FieldError{Field: "file", Key: "err.too_many", Message: fmt.Sprintf("has %d rows; at most %d are taken", len(t.Rows)-1, MaxRows)})
		return imp
	}
	name := func(k string) string {
		if n, ok := names[k]; ok {
			return n
		}
		return k
	}
	cell := func(cells []string, k string) string {
		i, ok := pos[k]
		if !ok || i >= len(cells) {
			return ""
		}
		return strings.TrimSpace(cells[i])
	}
	for _, r := range t.Rows[1:] {
		bad := func(k, key, value, msg string) {
			imp.Problems = append(imp.Problems, medsec.FieldError{Line: r.Line, Field: name(k), Key: key, Value: value, Message: msg})
		}
		row := medsec.TrainingRow{Line: r.Line, Course: cell(r.Cells, "course"), EmployeeNo: cell(r.Cells, "employee_no"), Name: cell(r.Cells, "name"),
			Trainer: cell(r.Cells, "trainer"), Evidence: cell(r.Cells, "evidence")}
		if row.Course == "" {
			bad("course", "err.required", "", "is required")
		}
		if row.EmployeeNo == "" && row.Name == "" {
			k := "employee_no"
			if !hasNo {
				k = "name"
			}
			bad(k, "err.required", "", "name the person by employee number or name")
		}
		v := cell(r.Cells, "date")
		if d, err := t.ParseDate(v); err == nil && v != "" {
			row.Date = d
		} else if v == "" {
			bad("date", "err.required", "", "is required")
		} else {
			bad("date", "err.bad_date", v, "is not a date (YYYY-MM-DD)")
		}
		v = cell(r.Cells, "hours")
		if n, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSuffix(v, "h"), "H")), 64); err == nil && n > 0 && n <= medsec.MaxTrainingHours {
			row.Hours = n
		} else {
			bad("hours", "err.training_hours", v, fmt.Sprintf("%q is not a number of hours from more than 0 to %d", v, medsec.MaxTrainingHours))
		}
		for _, f := range []struct{ k, v string }{{"course", row.Course}, {"employee_no", row.EmployeeNo}, {"name", row.Name}, {"trainer", row.Trainer}, {"evidence", row.Evidence}} {
			if fe := medsec.CheckText(name(f.k), f.v, false); fe != nil {
				fe.Line = r.Line
				imp.Problems = append(imp.Problems, *fe)
			} else if fe := medsec.CheckLength(name(f.k), f.v, 500); fe != nil {
				fe.Line = r.Line
				imp.Problems = append(imp.Problems, *fe)
			}
		}
		imp.Rows = append(imp.Rows, row)
	}
	return imp
}
