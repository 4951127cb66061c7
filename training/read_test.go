package training_test

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"medsec"
	"medsec/tabular"
	"medsec/training"
)

// TestReadHeadersInFourLanguages reads the same attendance written with English,
// Traditional and Simplified Chinese and Japanese headers.
func TestReadHeadersInFourLanguages(t *testing.T) {
	for _, csv := range []string{
		"course,date,hours,employee_no\nPhishing drill,2026-03-04,2,E1001\n",
		"課程,日期,時數,員工編號\nPhishing drill,2026/03/04,2,E1001\n",
		"课程,培训日期,学时,员工编号\nPhishing drill,2026-03-04,2,E1001\n",
		"研修名,実施日,研修時間,職員番号\nPhishing drill,2026年3月4日,2,E1001\n",
	} {
		imp := training.Read([]byte(csv), "t.csv")
		if len(imp.Problems) > 0 || len(imp.Rows) != 1 {
			t.Fatalf("%q: %+v", csv, imp)
		}
		r := imp.Rows[0]
		if r.Course != "Phishing drill" || r.Date.String() != "2026-03-04" || r.Hours != 2 || r.EmployeeNo != "E1001" || r.Line != 2 {
			t.Errorf("%q: row %+v", csv, r)
		}
	}
}

// TestReadNamesLineAndField: each bad cell is a problem naming its line and its column as
// written; a missing required column is named.
func TestReadNamesLineAndField(t *testing.T) {
	imp := training.Read([]byte("課程,日期,時數,姓名\nA,2026-01-02,2,王小明\n,2026-13-40,abc,\nB,2026-01-03,25,林\n"), "t.csv")
	want := map[string]bool{"3:課程:err.required": true, "3:日期:err.bad_date": true, "3:時數:err.training_hours": true, "3:姓名:err.required": true, "4:時數:err.training_hours": true}
	got := map[string]bool{}
	for _, p := range imp.Problems {
		got[strings.Join([]string{strconv.Itoa(p.Line), p.Field, p.Key}, ":")] = true
	}
	for k := range want {
		if !got[k] {
			t.Errorf("missing problem %s in %+v", k, imp.Problems)
		}
	}
	if len(got) != len(want) {
		t.Errorf("problems %v, want %v", got, want)
	}
	imp = training.Read([]byte("course,date\nA,2026-01-01\n"), "t.csv")
	if len(imp.Problems) != 2 || imp.Problems[0].Field != "hours" || imp.Problems[1].Field != "employee_no" {
		t.Errorf("missing columns: %+v", imp.Problems)
	}
}

// TestReadXLSX reads a workbook written by medsec's own XLSX writer, with a Japanese header.
func TestReadXLSX(t *testing.T) {
	x := tabular.NewXLSX()
	if err := x.Sheet(tabular.Sheet{Name: "研修"}); err != nil {
		t.Fatal(err)
	}
	x.Row("研修名", "実施日", "研修時間", "氏名")
	x.Row("標的型メール訓練", "2026-05-20", "1.5", "佐藤花子")
	var b strings.Builder
	if _, err := x.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	imp := training.Read([]byte(b.String()), "t.xlsx")
	if len(imp.Problems) > 0 || len(imp.Rows) != 1 || imp.Rows[0].Hours != 1.5 || imp.Rows[0].Name != "佐藤花子" {
		t.Fatalf("%+v", imp)
	}
}

// FuzzRead reads any bytes as an attendance file: it must not panic, each row must have a
// course, a date, hours in bounds and a person, and each problem must name a field.
func FuzzRead(f *testing.F) {
	for _, name := range []string{"testdata/attendance.csv"} {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("course,date,hours,employee_no\nA,2026-01-01,2,E1\n"))
	f.Add([]byte("\xEF\xBB\xBF課程;日期;時數;姓名\n資安;2026/1/1;8;王\n"))
	f.Add([]byte("PK\x03\x04garbage"))
	f.Fuzz(func(t *testing.T, data []byte) {
		imp := training.Read(data, "f.csv")
		for _, p := range imp.Problems {
			if p.Field == "" || p.Key == "" {
				t.Errorf("problem without field or key: %+v", p)
			}
		}
		if len(imp.Problems) > 0 {
			return
		}
		for _, r := range imp.Rows {
			if r.Course == "" || r.Date.IsZero() || r.Hours <= 0 || r.Hours > medsec.MaxTrainingHours || (r.EmployeeNo == "" && r.Name == "") || !utf8.ValidString(r.Course) {
				t.Errorf("row %+v taken", r)
			}
		}
	})
}
