// Package training reads training attendance records (CSV or XLSX, headers in English,
// Chinese or Japanese) for the governance calendar's training duty: new staff owe 8 hours
// in the year they join and key roles 16 hours every year [003 §3.4.2].
package training

import (
	"fmt"
	"strconv"
	"strings"

	"medsec"
	"medsec/assetio"
)

// MaxRows is the most rows one import takes.
const MaxRows = 100000

// columns are the columns the import knows, with the headers they are found under
// (compared as assetio.Fold compares them).
var columns = []assetio.Column{
	{Key: "course", Headers: []string{"course", "training", "title", "課程", "课程", "課程名稱", "课程名称", "研修", "研修名", "講座"}},
	{Key: "date", Headers: []string{"date", "day", "日期", "上課日期", "培训日期", "培訓日期", "実施日", "日付", "受講日"}},
	{Key: "hours", Headers: []string{"hours", "hour", "時數", "学时", "學時", "时数", "時間", "研修時間"}},
	{Key: "employee_no", Headers: []string{"employee_no", "employee no", "employee number", "employee id", "員工編號", "员工编号", "職員番号", "社員番号"}},
	{Key: "name", Headers: []string{"name", "person", "attendee", "姓名", "參訓人員", "参训人员", "氏名", "受講者", "名前"}},
	{Key: "trainer", Headers: []string{"trainer", "instructor", "講師", "讲师", "培训师"}},
	{Key: "evidence", Headers: []string{"evidence", "record", "佐證", "证明", "證明", "佐证", "記録", "証跡"}},
}

// Read reads a training attendance file: one row per person per session. Columns: course,
// date and hours (required), employee_no or name (one of them required on every row),
// trainer, evidence. Every problem is returned with its line and the column as written.
func Read(data []byte, source string) medsec.TrainingImport {
	t := assetio.ReadTable(data, source, "")
	imp := medsec.TrainingImport{Source: source, Problems: t.Problems}
	if len(t.Problems) > 0 && len(t.Rows) == 0 {
		return imp
	}
	h, problems := assetio.MapHeader(t, columns, true)
	if imp.Problems = append(imp.Problems, problems...); h == nil {
		return imp
	}
	for _, k := range []string{"course", "date", "hours"} {
		if !h.Has(k) {
			imp.Problems = append(imp.Problems, medsec.FieldError{Line: h.Line, Field: k, Key: "err.missing_column", Message: "the file has no " + k + " column"})
		}
	}
	hasNo, hasName := h.Has("employee_no"), h.Has("name")
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
	name := h.Name
	cell := func(cells []string, k string) string { return strings.TrimSpace(h.Cell(cells, k)) }
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
