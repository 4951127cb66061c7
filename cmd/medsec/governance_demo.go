package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"medsec"
	"medsec/account"
	mhttp "medsec/http"
	"medsec/training"
)

// loadGovernanceDemo gives the demo hospital a governance calendar in every state [M11]:
// the items of every duty for this period and each period of the last four months at
// every site; at
// the main site last period's leadership meeting, access review and vulnerability scan
// are recorded done with their evidence while last quarter's penetration test and
// security summary are overdue, this year's incident drill is done and the yearly duties
// are due at the year's end. Training at the main site: the IT engineer and the radiology
// doctor hold key roles (16 hours a year), a nurse who joined this year owes 8; the
// attendance comes in as a CSV with Chinese headers, through the importer an upload uses.
// The engineer meets his hours; the doctor and the new nurse are short. A continuity drill
// of the HIS ran three weeks ago with findings (partly passed), one of the PACS is planned.
func loadGovernanceDemo(ctx context.Context, s mhttp.Services, siteID int64, now time.Time) error {
	if s.Governance == nil || s.Accounts == nil {
		return nil
	}
	joined := time.Date(now.Year(), 1, 5, 0, 0, 0, 0, time.UTC)
	if joined.After(now) {
		joined = now
	}
	roster := "員工編號,姓名,帳號,在職狀態,到職日\nN1305,王怡君,wang.yj,在職," + joined.Format("2006-01-02") + "\n"
	if _, err := s.Accounts.ImportRoster(ctx, account.ReadRoster([]byte(roster), "新進人員.csv")); err != nil {
		return fmt.Errorf("roster: %w", err)
	}
	people, err := s.Org.FindPeople(ctx)
	if err != nil {
		return err
	}
	for _, p := range people {
		if p.Name == "陳建宏" || p.Name == "黃俊傑" {
			if err := s.Governance.SetKeyRole(ctx, p.ID, true); err != nil {
				return fmt.Errorf("key role of %s: %w", p.Name, err)
			}
		}
	}
	for m := 4; m >= 0; m-- {
		if _, err := s.Governance.EnsureGovernanceItems(ctx, now.AddDate(0, -m, 0)); err != nil {
			return err
		}
	}
	items, err := s.Governance.FindGovernanceItems(ctx, medsec.GovernanceFilter{SiteID: siteID})
	if err != nil {
		return err
	}
	today := medsec.DateOf(now)
	done := map[medsec.DutyKind]medsec.GovernanceCompletion{
		medsec.DutyLeadershipMeeting: {Record: "網絡安全領導小組會議:通報本月資安事件 2 件、弱點修補進度與備份還原測試逾期案", Evidence: "會議紀錄 MTG-SEC-0412(院長室公文系統)"},
		medsec.DutyAccessReview:      {Record: "PACS 與 HIS 帳號季度盤點完成,停用 3 個離職人員帳號", Evidence: "帳號盤點簽核單 AR-Q3(資訊室)"},
		medsec.DutyVulnScan:          {Record: "核心業務系統月度弱點掃描,高風險 2 項已開修補工單", Evidence: "掃描報告 scan-core.pdf SHA-256 4f1c…e09a"},
		medsec.DutyIncidentDrill:     {Record: "勒索軟體全院應急演練(桌上推演 + PACS 隔離實作),隔離於 8 分鐘內完成", Evidence: "演練報告 DRL-2026-01,簽到表"},
		medsec.DutyLogReview:         {Record: "HIS 與 PACS 存取日誌月度審查,無異常", Evidence: "日誌審查簽核 LR-月報"},
	}
	for _, it := range items {
		c, ok := done[it.Kind]
		if !ok || it.State == medsec.GovernanceDone || !it.Due.Before(now) && it.Kind != medsec.DutyIncidentDrill {
			continue
		}
		c.DoneOn = it.Due
		if !it.Due.Before(now) {
			c.DoneOn = medsec.DateOf(now.AddDate(0, 0, -30))
			if c.DoneOn.Time().Before(it.PeriodStart.Time()) {
				c.DoneOn = today
			}
		}
		if _, err := s.Governance.CompleteGovernanceItem(ctx, it.ID, c); err != nil {
			return fmt.Errorf("governance item %s: %w", it.Kind, err)
		}
	}
	// A continuity drill of the HIS run three weeks ago with findings, and one of the PACS
	// planned for next month.
	if his, err := demoAssetID(ctx, s, "HIS 資料庫伺服器"); err == nil {
		d := &medsec.ContinuityDrill{AssetID: his, Scenario: "HIS 資料庫中斷 4 小時:門診改紙本處方與批價,恢復後補登", Planned: medsec.DateOf(now.AddDate(0, 0, -21))}
		if err := s.Governance.PlanContinuityDrill(ctx, d); err != nil {
			return fmt.Errorf("continuity drill: %w", err)
		}
		if _, err := s.Governance.RecordDrillResult(ctx, d.ID, medsec.DrillResult{RunOn: d.Planned, Result: medsec.DrillPartial,
			Findings: "藥局紙本流程啟動耗時 50 分鐘,超過 30 分鐘目標;補登作業缺少批價核對表"}); err != nil {
			return fmt.Errorf("continuity drill: %w", err)
		}
	}
	if pacs, err := demoAssetID(ctx, s, "PACS 影像主伺服器"); err == nil {
		d := &medsec.ContinuityDrill{AssetID: pacs, Scenario: "PACS 失效:急診改用 DR 主機本機影像與紙本報告", Planned: medsec.DateOf(now.AddDate(0, 1, 0))}
		if err := s.Governance.PlanContinuityDrill(ctx, d); err != nil {
			return fmt.Errorf("continuity drill: %w", err)
		}
	}
	day := func(days int) string {
		d := now.AddDate(0, 0, -days)
		if d.Year() != now.Year() {
			d = time.Date(now.Year(), 1, 2, 0, 0, 0, 0, time.UTC)
		}
		return d.Format("2006-01-02")
	}
	var b strings.Builder
	b.WriteString("課程,日期,時數,員工編號,姓名,講師,佐證\n")
	for _, row := range []struct {
		course, day, hours string
		people             []string
		trainer, evidence  string
	}{
		{"年度資安意識訓練", day(60), "3", []string{"N1022", "D0533", "I0031", "N1305"}, "資訊室", "簽到表 TR-01"},
		{"勒索軟體應變進階", day(40), "6", []string{"I0031", "D0533"}, "外部講師", "簽到表 TR-02"},
		{"資安事件通報演練", day(25), "4", []string{"I0031"}, "資訊室", "簽到表 TR-03"},
		{"醫療設備資安實務", day(10), "4", []string{"I0031"}, "醫工室", "簽到表 TR-04"},
	} {
		for _, p := range row.people {
			fmt.Fprintf(&b, "%s,%s,%s,%s,,%s,%s\n", row.course, row.day, row.hours, p, row.trainer, row.evidence)
		}
	}
	imp := training.Read([]byte(b.String()), "教育訓練簽到.csv")
	imp.SiteID = siteID
	if _, err := s.Governance.ImportTraining(ctx, imp); err != nil {
		return fmt.Errorf("training: %w", err)
	}
	return loadMLPSDemo(ctx, s, now)
}

// loadMLPSDemo gives the hospital group's partner campus in mainland China its 等保 events
// [002 第六条(二), (四)]: the PACS graded level 3 five weeks ago whose filing is late, the
// LIS graded level 2 two months ago, filed on time, then changed to level 3 yesterday (its
// re-filing due soon), and the HIS graded level 3 three days ago (filing due soon); each
// grading also owes its first assessment. The campus's recurring duties of this period are
// on its calendar from the start.
func loadMLPSDemo(ctx context.Context, s mhttp.Services, now time.Time) error {
	site := &medsec.Site{Code: "SZ", Name: "示範醫學中心 蘇州合作院區", Address: "江苏省苏州市工业园区示范路 8 号", Jurisdiction: medsec.JurisdictionCN}
	if err := s.Org.CreateSite(ctx, site); err != nil {
		return fmt.Errorf("partner campus: %w", err)
	}
	// The campus's recurring duties of this period, as a site created on the page gets them
	// (the hourly job would make them only later).
	if _, err := s.Governance.EnsureGovernanceItems(ctx, now); err != nil {
		return fmt.Errorf("partner campus calendar: %w", err)
	}
	day := func(days int) medsec.Date { return medsec.DateOf(now.AddDate(0, 0, -days)) }
	for _, e := range []*medsec.MLPSEvent{
		{System: "PACS 影像归档和通信系统", Kind: medsec.MLPSGrading, Level: 3, People: 420000, On: day(35)},
		{System: "LIS 实验室信息系统", Kind: medsec.MLPSGrading, Level: 2, People: 60000, On: day(60)},
		{System: "LIS 实验室信息系统", Kind: medsec.MLPSChange, Level: 3, On: day(1), Note: "接入区域检验结果互认平台,处理数据范围扩大,定级由第二级调整为第三级"},
		{System: "HIS 医院信息系统", Kind: medsec.MLPSGrading, Level: 3, People: 1200000, On: day(3)},
	} {
		e.SiteID = site.ID
		if err := s.Governance.RecordMLPSEvent(ctx, e); err != nil {
			return fmt.Errorf("等保 %s of %s: %w", e.Kind, e.System, err)
		}
		if e.System == "LIS 实验室信息系统" && e.Kind == medsec.MLPSGrading {
			filing := e.Items[0]
			if _, err := s.Governance.CompleteGovernanceItem(ctx, filing.ID, medsec.GovernanceCompletion{DoneOn: medsec.DateOf(now.AddDate(0, 0, -55)),
				Record: "第二级备案材料已递交苏州市公安局网安支队,并报上级卫生健康行政部门", Evidence: "备案证明 32059913001-LIS(扫描件 SHA-256 9b2e…41c7)"}); err != nil {
				return fmt.Errorf("LIS filing: %w", err)
			}
		}
	}
	return nil
}
