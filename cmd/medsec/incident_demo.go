package main

import (
	"context"
	"fmt"
	"medsec/demo"
	"strings"
	"time"

	"medsec"
	mhttp "medsec/http"
	"medsec/sqlstore"
)

// loadIncidentDemo records the demo hospital's incidents [M9]: a closed level-2 ransomware
// incident on the PACS with its whole record (clocks met, notifications, evidence with its
// chain of custody, tasks, checklist, post-incident clocks, a lesson learned), an open
// level-3 LIS incident whose repair clock is late, and a closed drill. The store's clock is
// moved through each incident's history so that the record reads as it happened, and put
// back after.
func loadIncidentDemo(ctx context.Context, s mhttp.Services, db *sqlstore.DB, now time.Time) error {
	ctx = asSystem(ctx)
	saved := db.Now
	defer func() { db.Now = saved }()
	at := func(t time.Time) { db.Now = func() time.Time { return t } }
	sites, err := s.Org.FindSites(ctx)
	if err != nil || len(sites) == 0 {
		return fmt.Errorf("incident demo: sites: %v", err)
	}
	main := sites[0]
	find := func(name string) (*medsec.Asset, error) {
		as, _, err := s.Assets.FindAssets(ctx, medsec.AssetFilter{SiteID: main.ID, Query: name, Limit: 10})
		if err != nil {
			return nil, err
		}
		for _, a := range as {
			if a.Name == name {
				return a, nil
			}
		}
		return nil, fmt.Errorf("incident demo: no asset %q", name)
	}
	pacs, err := find("PACS 影像主伺服器")
	if err != nil {
		return err
	}
	lis, err := find("LIS 檢驗資訊系統")
	if err != nil {
		return err
	}
	svc := s.Incidents
	var inc *medsec.Incident
	step := func(t time.Time, f func() (*medsec.Incident, error)) error {
		if err != nil {
			return err
		}
		at(t)
		var got *medsec.Incident
		if got, err = f(); err == nil {
			inc = got
		}
		return err
	}
	clock := func(key string) int64 {
		for _, c := range inc.Clocks {
			if c.Key == key && c.MetAt.IsZero() && c.StoppedAt.IsZero() {
				return c.ID
			}
		}
		return 0
	}
	task := func(key string) int64 {
		for _, t := range inc.Tasks {
			if t.Key == key {
				return t.ID
			}
		}
		return 0
	}

	// 1. A closed level-2 ransomware incident on the PACS, 20 days ago.
	t0 := now.Add(-20 * 24 * time.Hour).Truncate(time.Minute)
	m := func(minutes int) time.Time { return t0.Add(time.Duration(minutes) * time.Minute) }
	step(t0, func() (*medsec.Incident, error) {
		return svc.CreateIncident(ctx, &medsec.IncidentCreate{SiteID: main.ID, Title: "PACS 影像主伺服器遭勒索軟體加密", Scenario: medsec.ScenarioRansomware,
			Description: "放射科回報影像無法調閱；PACS 主伺服器檔案副檔名遭改為 .lockbit，並出現勒索訊息。", Outage: medsec.OutageDepartment, OutageMinutes: 150,
			AssetIDs: []int64{pacs.ID}, DetectedAt: t0.Add(-3 * time.Minute), OccurredAt: t0.Add(-47 * time.Minute)})
	})
	step(m(1), func() (*medsec.Incident, error) {
		return svc.AddPerson(ctx, inc.ID, inc.Version, medsec.IncidentPerson{Name: "陳資安長", Role: medsec.IncidentRoleLead})
	})
	step(m(1), func() (*medsec.Incident, error) {
		return svc.AddPerson(ctx, inc.ID, inc.Version, medsec.IncidentPerson{Name: "王網管", Role: medsec.IncidentRoleTechnical})
	})
	step(m(2), func() (*medsec.Incident, error) {
		return svc.AddPerson(ctx, inc.ID, inc.Version, medsec.IncidentPerson{Name: "林秘書", Role: medsec.IncidentRoleCommunications})
	})
	step(m(5), func() (*medsec.Incident, error) {
		return svc.MeetClock(ctx, inc.ID, inc.Version, clock("first-report"), "放射科電話通知資訊室值班", "", time.Time{})
	})
	step(m(6), func() (*medsec.Incident, error) { // 9 min after detection, within 003 §4.3.1's 10
		return svc.CompleteTask(ctx, inc.ID, inc.Version, task("isolate-infected"), "PACS 主伺服器交換器埠已關閉")
	})
	// The liaison to the authority within 1 hour of the event, which began 47 minutes
	// before it was recorded (聯絡協調組…事件發生後1小時內, 003 ch.2).
	step(m(10), func() (*medsec.Incident, error) {
		return svc.RecordNotification(ctx, inc.ID, inc.Version, medsec.IncidentNotification{Recipient: medsec.RecipientAuthority, Name: "臺北市政府衛生局",
			Channel: "phone", Language: "zh-TW", Content: "資安事件通報：示範醫學中心 PACS 影像主伺服器遭勒索軟體加密，影響放射科影像調閱；已隔離主機並封鎖攻擊來源，請求技術支援。",
			ClockID: clock("authority-report")})
	})
	step(m(22), func() (*medsec.Incident, error) {
		return svc.MeetClock(ctx, inc.ID, inc.Version, clock("verification"), "確認為勒索軟體，範圍限 PACS 主伺服器", "", time.Time{})
	})
	step(m(24), func() (*medsec.Incident, error) {
		return svc.MeetClock(ctx, inc.ID, inc.Version, clock("leadership-report"), "通報網絡安全領導小組", "", time.Time{})
	})
	step(m(24), func() (*medsec.Incident, error) { // 重大事件需同步上報院長 [003 §4.1.2]
		return svc.RecordNotification(ctx, inc.ID, inc.Version, medsec.IncidentNotification{Recipient: medsec.RecipientPresident, Name: "院長",
			Channel: "phone", Language: "zh-TW", Content: "向院長報告：PACS 影像主伺服器遭勒索軟體加密，放射科影像調閱中斷，已啟動二級響應。",
			ClockID: clock("president-report")})
	})
	step(m(25), func() (*medsec.Incident, error) {
		return svc.CompleteTask(ctx, inc.ID, inc.Version, task("block-sources"), "防火牆封鎖 2 個 C2 位址")
	})
	ev, evErr := s.Assessments.StoreEvidence(ctx, "pacs-lockbit-note.txt", strings.NewReader("Your files are encrypted by LockBit. Demo evidence of the medsec demo hospital.\n"))
	if evErr != nil {
		return fmt.Errorf("incident demo: evidence: %w", evErr)
	}
	step(m(60), func() (*medsec.Incident, error) {
		return svc.LinkEvidence(ctx, inc.ID, inc.Version, ev.SHA256, "pacs-lockbit-note.txt", "自 PACS 主伺服器 D:\\ 複製勒索訊息")
	})
	step(m(75), func() (*medsec.Incident, error) {
		return svc.AddCustody(ctx, inc.ID, inc.Version, ev.SHA256, "transferred", "交予資安長保管，封存於證物櫃 A-3")
	})
	step(m(100), func() (*medsec.Incident, error) {
		return svc.MeetClock(ctx, inc.ID, inc.Version, clock("initial-disposal"), "切換至 VNA 備援調閱", "", time.Time{})
	})
	step(m(115), func() (*medsec.Incident, error) {
		return svc.MeetClock(ctx, inc.ID, inc.Version, clock("technical-progress"), "向領導小組匯報：備援調閱恢復", "", time.Time{})
	})
	step(m(200), func() (*medsec.Incident, error) {
		return svc.CompleteTask(ctx, inc.ID, inc.Version, task("check-backups-clean"), "三天前之離線備份無感染跡象")
	})
	step(m(230), func() (*medsec.Incident, error) {
		return svc.MeetClock(ctx, inc.ID, inc.Version, clock("technical-progress"), "向領導小組匯報：開始還原", "", time.Time{})
	})
	step(m(340), func() (*medsec.Incident, error) {
		return svc.CompleteTask(ctx, inc.ID, inc.Version, task("restore-backup"), "自離線備份還原，雜湊值比對一致")
	})
	step(m(345), func() (*medsec.Incident, error) {
		return svc.SetRestored(ctx, inc.ID, inc.Version, m(340), "PACS 自離線備份還原後上線")
	})
	step(m(350), func() (*medsec.Incident, error) {
		return svc.MeetClock(ctx, inc.ID, inc.Version, clock("technical-progress"), "向領導小組匯報：PACS 恢復", "", time.Time{})
	})
	step(m(600), func() (*medsec.Incident, error) {
		return svc.MeetClock(ctx, inc.ID, inc.Version, clock("initial-control"), "事件初步控制完成", "", time.Time{})
	})
	step(m(1300), func() (*medsec.Incident, error) {
		return svc.CompleteTask(ctx, inc.ID, inc.Version, task("patch-high"), "修補 RDP 弱點並更新防毒")
	})
	step(m(1320), func() (*medsec.Incident, error) {
		return svc.CompleteTask(ctx, inc.ID, inc.Version, task("patch-medium"), "修補 SMB 簽章與舊版 TLS 中風險弱點")
	})
	// The spans of calm count from the restoration at m(340) [003 §4.4.1, §4.4.3].
	step(m(1440+360), func() (*medsec.Incident, error) {
		return svc.MeetChecklistItem(ctx, inc.ID, inc.Version, "stable-24h", "PACS 連續運行 24 小時無故障")
	})
	step(m(1440+370), func() (*medsec.Incident, error) {
		return svc.MeetChecklistItem(ctx, inc.ID, inc.Version, "integrity-hash", "影像檔 SHA-256 與備份清單比對一致，人工抽查 50 筆")
	})
	step(m(3*1440+360), func() (*medsec.Incident, error) {
		return svc.MeetChecklistItem(ctx, inc.ID, inc.Version, "no-anomaly-72h", "SIEM 連續 72 小時無相關告警")
	})
	step(m(3*1440+370), func() (*medsec.Incident, error) {
		return svc.MeetChecklistItem(ctx, inc.ID, inc.Version, "vulns-retested", "弱點掃描複測通過")
	})
	step(m(3*1440+375), func() (*medsec.Incident, error) {
		return svc.MeetChecklistItem(ctx, inc.ID, inc.Version, "sources-blocked", "C2 位址列入防火牆黑名單")
	})
	step(m(3*1440+390), func() (*medsec.Incident, error) {
		return svc.UpdateRecord(ctx, inc.ID, inc.Version, "廠商遠端維護帳號密碼外洩，攻擊者經 RDP 登入 PACS 主伺服器植入勒索軟體。",
			"隔離主機、封鎖 C2、自離線備份還原、修補 RDP 弱點並停用共用帳號。", "PACS 於 6 小時內恢復服務，無影像遺失。")
	})
	step(m(3*1440+400), func() (*medsec.Incident, error) {
		return svc.CloseIncident(ctx, inc.ID, inc.Version, medsec.EndDeclaration{DeclaredBy: demo.Director})
	})
	step(m(3*1440+430), func() (*medsec.Incident, error) {
		return svc.MeetClock(ctx, inc.ID, inc.Version, clock("handover"), "系統移交並發送應急終止通知", "", time.Time{})
	})
	step(m(4*1440), func() (*medsec.Incident, error) {
		return svc.MeetClock(ctx, inc.ID, inc.Version, clock("investigation"), "成立調查組", "", time.Time{})
	})
	step(m(5*1440), func() (*medsec.Incident, error) {
		return svc.MeetClock(ctx, inc.ID, inc.Version, clock("summary"), "提交工作總結", "", time.Time{})
	})
	step(m(9*1440), func() (*medsec.Incident, error) {
		return svc.MeetClock(ctx, inc.ID, inc.Version, clock("review-meeting"), "全院檢討會議，紀要存檔", "", time.Time{})
	})
	step(m(9*1440+60), func() (*medsec.Incident, error) {
		return svc.AddTask(ctx, inc.ID, inc.Version, medsec.IncidentTask{Title: "廠商遠端維護一律改經跳板主機並啟用雙因素驗證", Assignee: "王網管", Lesson: true})
	})
	if err != nil {
		return fmt.Errorf("incident demo: PACS incident: %w", err)
	}

	// 2. An open level-3 incident on the LIS whose 4-hour repair clock is late.
	t1 := now.Add(-6 * time.Hour).Truncate(time.Minute)
	step(t1, func() (*medsec.Incident, error) {
		return svc.CreateIncident(ctx, &medsec.IncidentCreate{SiteID: main.ID, Title: "LIS 檢驗資訊系統介面異常", Scenario: medsec.ScenarioOther,
			Description: "檢驗科回報檢驗結果無法回傳 HIS；LIS 介接服務 CPU 使用率異常偏高。", Outage: medsec.OutageSystem, OutageMinutes: 75,
			AssetIDs: []int64{lis.ID}, DetectedAt: t1.Add(-4 * time.Minute)})
	})
	step(t1.Add(5*time.Minute), func() (*medsec.Incident, error) {
		return svc.MeetClock(ctx, inc.ID, inc.Version, clock("first-report"), "檢驗科電話通知值班", "", time.Time{})
	})
	step(t1.Add(25*time.Minute), func() (*medsec.Incident, error) {
		return svc.MeetClock(ctx, inc.ID, inc.Version, clock("verification"), "確認為介接服務異常，非確定遭攻擊", "", time.Time{})
	})
	step(t1.Add(28*time.Minute), func() (*medsec.Incident, error) {
		return svc.MeetClock(ctx, inc.ID, inc.Version, clock("leadership-report"), "通報網絡安全領導小組", "", time.Time{})
	})
	// The interface service came back on a restart 75 minutes after it failed, as its
	// outage says: one system abnormal more than 1 h, level 3, as confirmed (bt14f M2:
	// without the restoration the outage ran on and the LIS, a core system, was suggested
	// level 1). The repair of the cause, 4 hours, is still not done: late.
	step(t1.Add(75*time.Minute), func() (*medsec.Incident, error) {
		return svc.SetRestored(ctx, inc.ID, inc.Version, t1.Add(71*time.Minute), "重啟 LIS 介接服務後檢驗結果恢復回傳；根因待原廠排查")
	})
	step(t1.Add(2*time.Hour), func() (*medsec.Incident, error) {
		return svc.AddNote(ctx, inc.ID, inc.Version, "原廠工程師遠端排查中，疑似記憶體洩漏")
	})
	if err != nil {
		return fmt.Errorf("incident demo: LIS incident: %w", err)
	}

	// 3. A closed drill: the yearly ransomware exercise, 60 days ago [003 ch.2].
	t2 := now.Add(-60 * 24 * time.Hour).Truncate(time.Minute)
	step(t2, func() (*medsec.Incident, error) {
		return svc.CreateIncident(ctx, &medsec.IncidentCreate{SiteID: main.ID, Title: "年度勒索軟體應變演練", Scenario: medsec.ScenarioRansomware, Drill: true,
			Level: medsec.IncidentLevel1, LevelReason: "演練情境：全院核心系統癱瘓", Description: "桌上推演加實機隔離演練。", AssetIDs: []int64{pacs.ID}})
	})
	for _, k := range []struct {
		key     string
		minutes int
	}{{"first-report", 6}, {"leadership-meeting", 14}, {"leadership-report", 18}, {"president-report", 20}, {"verification", 26}, {"technical-team", 29}, {"progress-update", 30}, {"authority-report", 75}} {
		step(t2.Add(time.Duration(k.minutes)*time.Minute), func() (*medsec.Incident, error) {
			return svc.MeetClock(ctx, inc.ID, inc.Version, clock(k.key), "演練", "", time.Time{})
		})
	}
	step(t2.Add(9*time.Minute), func() (*medsec.Incident, error) {
		return svc.CompleteTask(ctx, inc.ID, inc.Version, task("isolate-infected"), "演練：關閉交換器埠")
	})
	step(t2.Add(100*time.Minute), func() (*medsec.Incident, error) {
		return svc.SetRestored(ctx, inc.ID, inc.Version, t2.Add(95*time.Minute), "演練：系統還原上線")
	})
	for _, key := range []string{"block-sources", "check-backups-clean", "restore-backup", "patch-high", "patch-medium"} {
		step(t2.Add(2*time.Hour), func() (*medsec.Incident, error) {
			return svc.CompleteTask(ctx, inc.ID, inc.Version, task(key), "演練")
		})
	}
	step(t2.Add(115*time.Minute), func() (*medsec.Incident, error) {
		return svc.MeetClock(ctx, inc.ID, inc.Version, clock("technical-progress"), "演練", "", time.Time{})
	})
	for _, key := range []string{"stable-24h", "integrity-hash", "no-anomaly-72h", "vulns-retested", "sources-blocked"} {
		step(t2.Add(3*time.Hour), func() (*medsec.Incident, error) {
			return svc.MeetChecklistItem(ctx, inc.ID, inc.Version, key, "演練確認")
		})
	}
	step(t2.Add(3*time.Hour+5*time.Minute), func() (*medsec.Incident, error) {
		return svc.UpdateRecord(ctx, inc.ID, inc.Version, "演練情境", "隔離、通報、還原流程演練", "上級機關通報逾時 15 分鐘，列入改善")
	})
	step(t2.Add(3*time.Hour+10*time.Minute), func() (*medsec.Incident, error) {
		return svc.CloseIncident(ctx, inc.ID, inc.Version, medsec.EndDeclaration{DeclaredBy: demo.Director})
	})
	for _, k := range []struct {
		key   string
		after time.Duration
	}{{"handover", time.Hour}, {"investigation", 24 * time.Hour}, {"summary", 48 * time.Hour}, {"review-meeting", 7 * 24 * time.Hour}} {
		step(t2.Add(3*time.Hour+k.after), func() (*medsec.Incident, error) {
			return svc.MeetClock(ctx, inc.ID, inc.Version, clock(k.key), "演練報告", "", time.Time{})
		})
	}
	if err != nil {
		return fmt.Errorf("incident demo: drill: %w", err)
	}
	return nil
}

// attachDemoLogRecord attaches to the demo's open LIS incident the first failed SSH login
// from outside in the hour before it was detected, from the site's sealed log, with its
// proof (003 §3.3.3: evidence kept for the investigation). It runs after the demo's logs
// are stored and sealed; it does nothing when there is no such incident or record.
func attachDemoLogRecord(ctx context.Context, s mhttp.Services, now time.Time) error {
	ctx = asSystem(ctx)
	open, err := s.Incidents.FindIncidents(ctx, medsec.IncidentFilter{Status: medsec.IncidentOpen})
	if err != nil {
		return fmt.Errorf("incident demo log record: %w", err)
	}
	for _, inc := range open {
		if !strings.HasPrefix(inc.Title, "LIS ") || len(inc.LogRecords) > 0 {
			continue
		}
		res, err := s.Logs.SearchLogs(ctx, medsec.LogQuery{From: inc.DetectedAt.Add(-time.Hour), To: inc.DetectedAt,
			Query: `"Failed password"`, Limit: 100})
		if err != nil {
			return fmt.Errorf("incident demo log record: %w", err)
		}
		for i := len(res.Hits) - 1; i >= 0; i-- { // hits are newest first
			h := res.Hits[i]
			if h.SiteID != inc.SiteID {
				continue
			}
			proof, err := s.Logs.ProveLogRecord(ctx, h.SiteID, h.Index)
			if err != nil {
				return fmt.Errorf("incident demo log record: %w", err)
			}
			_, err = s.Incidents.AttachLogRecord(ctx, inc.ID, inc.Version, proof, "事件前一小時內自外部 IP 之 SSH 登入失敗紀錄，保全為證據")
			return err
		}
	}
	return nil
}
