package backup_test

import (
	"testing"

	"medsec"
	"medsec/backup"
)

// FuzzReadRuns reads any bytes as an export of job results (CSV or XLSX): it must not
// panic; every row must have a job, a start and a known status, or a problem naming its
// line; every problem must say what it is about.
func FuzzReadRuns(f *testing.F) {
	f.Add([]byte("#TYPE Veeam.Backup.Core.CBackupSession\r\n\"JobName\",\"Result\",\"CreationTime\",\"EndTime\"\r\n\"PACS\",\"Success\",\"11/21/2026 1:00:04 AM\",\"11/21/2026 2:41:37 AM\"\r\n"))
	f.Add([]byte("job,started,finished,status,bytes\nHIS,2026-11-22T01:00:00Z,2026-11-22T02:00:00Z,failed,10\n"))
	f.Add([]byte("ジョブ名,開始日時,結果\nPACS,2026/11/22 01:00,正常終了\n"))
	f.Add([]byte("作業名稱;開始時間;狀態\nLIS;2026-11-22 01:00;失敗\n"))
	f.Add([]byte("job,started,status\n\"unterminated\n"))
	f.Add([]byte("PK\x03\x04garbage"))
	f.Fuzz(func(t *testing.T, data []byte) {
		imp := backup.ReadRuns(data, "f.csv")
		bad := map[int]bool{}
		for _, p := range imp.Problems {
			if p.Message == "" || p.Key == "" {
				t.Fatalf("problem without message or key: %+v", p)
			}
			bad[p.Line] = true
		}
		for _, r := range imp.Rows {
			if bad[r.Line] {
				continue
			}
			if r.Job == "" || r.Started.IsZero() || (r.Status != medsec.BackupSuccess && r.Status != medsec.BackupWarning && r.Status != medsec.BackupFailed) {
				t.Fatalf("row without a problem is incomplete: %+v", r)
			}
			if !r.Finished.IsZero() && r.Finished.Before(r.Started) {
				t.Fatalf("row ends before it starts: %+v", r)
			}
		}
	})
}
