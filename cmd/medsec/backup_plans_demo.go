package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"medsec"
	"medsec/backup"
	mhttp "medsec/http"
)

// loadBackupsDemo gives the demo hospital backup plans of four clinical systems in every
// state the rules have [M10]: the PACS by 3-2-1 with a WORM tape off site and off line,
// fourteen generations, the third and older not writable, but its last restore test twelve
// days ago (late); the HIS, backed up as a clinical system (its targets and fallback the
// system's: loadSystemsDemo, loaded first), meeting every rule; the ICU clinical information system
// on a NAS and an object store, neither off line and every generation writable; the LIS
// whose last restore test failed its hash comparison. Job results come in as a Veeam
// session export (Get-VBRBackupSession | Export-Csv), through the importer an upload uses.
func loadBackupsDemo(ctx context.Context, s mhttp.Services, now time.Time) error {
	if s.Backups == nil {
		return nil
	}
	tape := medsec.BackupCopy{Label: "LTO-9 WORM 磁帶,分院保險庫", Medium: medsec.MediumTape, Offsite: true, Offline: true, Immutable: true}
	nas := medsec.BackupCopy{Label: "機房 B 備份 NAS", Medium: medsec.MediumDisk}
	plans := []struct {
		asset string
		// system names a clinical system that the plan is of instead of an asset.
		system string
		plan   medsec.BackupPlan
		test   *medsec.RestoreTest
	}{
		{"PACS 影像主伺服器", "", medsec.BackupPlan{Name: "PACS 資料庫與影像", JobName: "PACS-Daily", FrequencyHours: 24, Generations: 14, ImmutableFrom: 3,
			RTOHours: 8, RPOHours: 24, Fallback: "急診與手術室改用 DR 主機本機影像與紙本報告；VNA 提供歷史影像調閱", Copies: []medsec.BackupCopy{nas, tape}},
			&medsec.RestoreTest{TestedAt: now.AddDate(0, 0, -12), What: "前一日完整備份(資料庫 + 3 日影像)", Target: "隔離網段備援 VM", DurationMinutes: 185,
				HashMatch: medsec.Yes, Result: medsec.RestorePass, Evidence: "資訊室工單 IT-2026-1187;還原日誌 restore-pacs.log SHA-256 比對相符"}},
		{"", demoHIS, medsec.BackupPlan{Name: "HIS 資料庫", JobName: "HIS-Nightly", FrequencyHours: 12, Generations: 30, ImmutableFrom: 2,
			Copies: []medsec.BackupCopy{nas, tape}},
			&medsec.RestoreTest{TestedAt: now.AddDate(0, 0, -2), What: "昨夜完整備份", Target: "備援資料庫伺服器", DurationMinutes: 95,
				HashMatch: medsec.Yes, Result: medsec.RestorePass, Evidence: "資訊室工單 IT-2026-1203;DBCC CHECKDB 無錯誤"}},
		{"重症照護資訊系統", "", medsec.BackupPlan{Name: "ICU-CIS 資料庫", JobName: "ICU-CIS", FrequencyHours: 24, Generations: 3,
			Fallback: "紙本護理紀錄單", Copies: []medsec.BackupCopy{nas, {Label: "雲端物件儲存", Medium: medsec.MediumObject, Offsite: true}}}, nil},
		{"LIS 檢驗資訊系統", "", medsec.BackupPlan{Name: "LIS 資料庫", JobName: "LIS-Daily", FrequencyHours: 24, Generations: 7, ImmutableFrom: 3,
			RTOHours: 6, RPOHours: 24, Fallback: "檢驗報告改以紙本傳送", Copies: []medsec.BackupCopy{nas, tape}},
			&medsec.RestoreTest{TestedAt: now.AddDate(0, 0, -3), What: "前一日完整備份", Target: "測試 VM", DurationMinutes: 70,
				HashMatch: medsec.No, Result: medsec.RestoreFail, Evidence: "資訊室工單 IT-2026-1199;3 個資料檔雜湊不符,已通報廠商"}},
	}
	for _, x := range plans {
		p := x.plan
		var err error
		if x.system != "" {
			if s.Systems == nil {
				continue
			}
			p.SystemID, err = demoSystemID(ctx, s, x.system)
		} else {
			p.AssetID, err = demoAssetID(ctx, s, x.asset)
		}
		if err != nil {
			return err
		}
		if err := s.Backups.CreateBackupPlan(ctx, &p); err != nil {
			return fmt.Errorf("backup plan of %s: %w", p.Holder(), err)
		}
		if x.test != nil {
			x.test.PlanID = p.ID
			if err := s.Backups.RecordRestoreTest(ctx, x.test); err != nil {
				return fmt.Errorf("restore test of %s: %w", p.Holder(), err)
			}
		}
	}
	_, err := s.Backups.ImportBackupRuns(ctx, backup.ReadRuns([]byte(demoVeeamSessions(now)), "veeam-sessions.csv"))
	return err
}

// demoVeeamSessions is a Veeam session export of the last week: every job succeeds each
// day but the PACS job two hours ago, which failed, and a job of a system without plan.
func demoVeeamSessions(now time.Time) string {
	var b strings.Builder
	b.WriteString("#TYPE Veeam.Backup.Core.CBackupSession\r\n\"JobName\",\"JobType\",\"Result\",\"State\",\"CreationTime\",\"EndTime\",\"BackupSize\"\r\n")
	last := now.Add(-2 * time.Hour).Truncate(time.Minute)
	for d := 7; d >= 0; d-- {
		start := last.AddDate(0, 0, -d)
		for _, job := range []string{"PACS-Daily", "HIS-Nightly", "ICU-CIS", "LIS-Daily", "OA-FileServer"} {
			result, end := "Success", start.Add(95*time.Minute)
			if job == "PACS-Daily" && d == 0 {
				result, end = "Failed", start.Add(7*time.Minute)
			}
			fmt.Fprintf(&b, "%q,\"Backup\",%q,\"Stopped\",%q,%q,\"%d\"\r\n", job, result, start.Format("1/2/2006 3:04:05 PM"), end.Format("1/2/2006 3:04:05 PM"), 53687091200)
		}
	}
	return b.String()
}

// demoAssetID returns the ID of the demo asset named name.
func demoAssetID(ctx context.Context, s mhttp.Services, name string) (int64, error) {
	as, _, err := s.Assets.FindAssets(ctx, medsec.AssetFilter{Query: name, Limit: 5})
	if err != nil {
		return 0, err
	}
	for _, a := range as {
		if a.Name == name {
			return a.ID, nil
		}
	}
	return 0, fmt.Errorf("no demo asset %q", name)
}
