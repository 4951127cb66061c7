package systemio_test

import (
	"strings"
	"testing"

	"golang.org/x/text/encoding/traditionalchinese"

	"medsec"
	"medsec/systemio"
)

// TestReadSystems reads a hospital's list of systems written by Excel (UTF-8 with a
// byte-order mark, zh-TW headers, a title row, a criticality column medsec does not keep):
// each row's fields and member names; and the problems of a bad file name its line and
// the column as written: a repeated system, a target that is not a number, a name
// missing, a missing site column, a file in no encoding medsec reads.
func TestReadSystems(t *testing.T) {
	good := "\ufeff○○醫院 醫療資訊系統清冊\r\n系統名稱,院區,負責人,說明,重要性,可容忍中斷時間,替代流程,成員資產\r\n" +
		"HIS,總院,陳建宏,醫院資訊系統,高,4 h,紙本處方,\"HIS-APP-01; 10.1.2.3、SN-991\"\r\nPACS,總院,,,中,,,\r\n"
	imp := systemio.ReadSystems([]byte(good), "systems.csv")
	if len(imp.Problems) != 0 {
		t.Fatalf("problems = %+v", imp.Problems)
	}
	if len(imp.Rows) != 2 {
		t.Fatalf("rows = %+v", imp.Rows)
	}
	his := imp.Rows[0]
	if his.Line != 3 || his.System.Name != "HIS" || his.Site != "總院" || his.Owner != "陳建宏" || his.System.RTOHours != 4 || his.System.Fallback != "紙本處方" ||
		strings.Join(his.Members, "|") != "HIS-APP-01|10.1.2.3|SN-991" || !imp.Has("members") || imp.Has("rpo_hours") || imp.Column("site") != "院區" {
		t.Errorf("HIS row = %+v, columns %v", his, imp.Columns)
	}

	bad := "name,site,rto,members\nHIS,Main,4,a\nhis,main,x,b\n,Main,9999,\n"
	imp = systemio.ReadSystems([]byte(bad), "bad.csv")
	var got []string
	for _, p := range imp.Problems {
		got = append(got, p.Error()+" ["+p.Key+"]")
	}
	want := []string{`line 3: rto: "x" is not a number of hours [err.bad_number]`, `line 3: name: the system "his" of this site is also on line 2 [err.system_duplicate]`,
		`line 4: name: is required [err.required]`, `line 4: rto: must be 0 to 8760 [err.out_of_range]`}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	imp = systemio.ReadSystems([]byte("name,owner\nHIS,x\n"), "nosite.csv")
	if len(imp.Problems) != 1 || imp.Problems[0].Key != "err.missing_column" || imp.Problems[0].Field != "site" || imp.Problems[0].Line != 1 {
		t.Errorf("no site column: %+v", imp.Problems)
	}
	// Big5 is read; bytes no encoding reads are refused naming their line.
	big5, _ := traditionalchinese.Big5.NewEncoder().String("系統名稱,院區\r\n醫院資訊系統,總院\r\n")
	if imp := systemio.ReadSystems([]byte(big5), "big5.csv"); len(imp.Problems) != 0 || len(imp.Rows) != 1 || imp.Rows[0].System.Name != "醫院資訊系統" {
		t.Errorf("Big5 file: %+v", imp)
	}
	imp = systemio.ReadSystems([]byte("name,site\nHIS,Main\n\xff\xfe\xfd\x80,Main\n"), "latin.csv")
	if len(imp.Problems) != 1 || imp.Problems[0].Key != "err.bad_encoding" || imp.Problems[0].Line != 3 || len(imp.Rows) != 0 {
		t.Errorf("non-UTF-8 file: %+v", imp.Problems)
	}
	var _ medsec.SystemImport = imp
}
