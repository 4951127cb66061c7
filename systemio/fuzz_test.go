package systemio_test

import (
	"testing"

	"medsec"
	"medsec/systemio"
)

// FuzzReadSystems reads any bytes as a spreadsheet of clinical systems (CSV or XLSX): it
// must not panic; every problem says what it is about; a row without a problem has a
// name, a site and targets in range, and names no empty member.
func FuzzReadSystems(f *testing.F) {
	f.Add([]byte("\ufeffname,site,owner,rto_hours,members\r\nHIS,HQ,陳建宏,4,\"HIS-APP-01; 10.1.2.3\"\r\n"))
	f.Add([]byte("○○醫院 醫療資訊系統清冊\n系統名稱;院區;成員資產\nPACS;總院;PACS-01、PACS-02\n"))
	f.Add([]byte("システム名\t拠点\t目標復旧時間\n電子カルテ\t本院\t8h\n"))
	f.Add([]byte("name,site\nHIS,HQ\nhis,hq\n,HQ\n"))
	f.Add([]byte("name,site\n\"unterminated\n"))
	f.Add([]byte("name,site\n\xff\xfe\x80,HQ\n"))
	f.Add([]byte("PK\x03\x04garbage"))
	f.Fuzz(func(t *testing.T, data []byte) {
		imp := systemio.ReadSystems(data, "f.csv")
		bad := map[int]bool{}
		for _, p := range imp.Problems {
			if p.Message == "" || p.Key == "" || p.Field == "" {
				t.Fatalf("problem without message, key or field: %+v", p)
			}
			bad[p.Line] = true
		}
		if len(imp.Problems) > 0 && len(imp.Rows) == 0 {
			return
		}
		for _, r := range imp.Rows {
			if bad[r.Line] {
				continue
			}
			if r.System.Name == "" || r.Site == "" || r.System.RTOHours < 0 || r.System.RTOHours > 8760 || r.System.RPOHours < 0 || r.System.RPOHours > 8760 {
				t.Fatalf("row without a problem is incomplete: %+v", r)
			}
			for _, m := range r.Members {
				if m == "" {
					t.Fatalf("empty member in %+v", r)
				}
			}
			var _ medsec.SystemRow = r
		}
	})
}
