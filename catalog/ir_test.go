package catalog

import (
	"strings"
	"testing"
)

// irSections lists, from reading 003, how many measurable requirements medsec takes from
// each (sub)section of the plan, with a phrase of the first one.
var irSections = []struct {
	ref    string
	count  int
	phrase string
}{
	{"2", 13, "每月召開一次安全會議"},
	{"3.1.1", 5, "下一代防火墻"},
	{"3.1.2", 5, "統一終端管理系統"},
	{"3.1.3", 5, "國密算法"},
	{"3.2.1", 4, "SIEM"},
	{"3.2.2", 4, "每季度開展一次滲透測試"},
	{"3.3.1", 4, "超過4小時"},
	{"3.3.2", 4, "勒索病毒"},
	{"3.3.3", 5, "15分鐘內召開緊急會議"},
	{"3.4.1", 4, "醫院網絡安全管理辦法"},
	{"3.4.2", 4, "8學時"},
	{"3.4.3", 4, "IT資產臺賬"},
	{"3.4.4", 4, "安全保密協議"},
	{"4.1.1", 1, "每日核查安全日志"},
	{"4.1.2", 5, "10分鐘內電話通知"},
	{"4.1.3", 1, "不超過30分鐘"},
	{"4.2.1", 4, "15分鐘內召開緊急會議"},
	{"4.2.2", 2, "2小時內完成事件定位"},
	{"4.2.3", 2, "4小時內完成系統修復"},
	{"4.2.4", 2, "24小時內完成問題排查"},
	{"4.3.1", 1, "10分鐘內完成"},
	{"4.3.2", 2, "最近一次完整備份"},
	{"4.3.3", 1, "系統恢復日志"},
	{"4.3.4", 3, "24小時內完成補丁更新"},
	{"4.4.1", 1, "連續運行24小時無故障"},
	{"4.4.2", 1, "哈希值比對"},
	{"4.4.3", 3, "連續72小時"}, // the third: attack source blocked, its IPs blacklisted
	{"4.4.4", 2, "2小時內完成系統移交"},
	{"5.1.1", 2, "雙人復核"},
	{"5.1.3", 2, "48小時發布停機公告"},
	{"5.2.1", 1, "評分≥7.0"},
	{"5.2.2", 4, "測試環境部署補丁"},
	{"5.2.3", 2, "雙因素認證"},
	{"5.3.1", 3, "3個工作日內成立調查組"},
	{"5.3.3", 2, "24小時內"},
	{"5.4.1", 2, "10日內召開全院復盤會議"},
	{"5.4.2", 2, "縮短至2小時"},
	{"5.4.3", 2, "無腳本"},
	{"6.1.1", 3, "每月召開專題會議"},
	{"6.1.2", 1, "每月召開安全聯席會議"},
	{"6.1.3", 4, "專職安全工程師"},
}

// TestIncidentPlanRequirements fails on a section with missing or extra requirements.
func TestIncidentPlanRequirements(t *testing.T) {
	c := mustLoad(t, IDIncidentPlan)
	got := map[string][]*Control{}
	for _, ctl := range c.AllControls() {
		ref := strings.TrimPrefix(ctl.SourceRef(), "003 ")
		got[ref] = append(got[ref], ctl)
		if strings.Contains(ctl.OriginalText(), "(yī)") || strings.Contains(ctl.OriginalText(), "(wǎng)") {
			t.Errorf("%s: pinyin annotation left in %q", ctl.ID, ctl.OriginalText())
		}
	}
	var total int
	for _, s := range irSections {
		total += s.count
		ctls := got[s.ref]
		delete(got, s.ref)
		if len(ctls) != s.count {
			t.Errorf("%s: %d requirements, want %d", s.ref, len(ctls), s.count)
			continue
		}
		if !strings.Contains(ctls[0].OriginalText(), s.phrase) {
			t.Errorf("%s: first requirement %q lacks %q", s.ref, ctls[0].OriginalText(), s.phrase)
		}
	}
	for ref := range got {
		t.Errorf("extra section %s", ref)
	}
	if n := len(c.AllControls()); n != total {
		t.Errorf("%d requirements, want %d", n, total)
	}
}

// TestIncidentPlanParams checks the machine-readable numbers against the text of 003.
func TestIncidentPlanParams(t *testing.T) {
	c := mustLoad(t, IDIncidentPlan)
	tests := []struct {
		control, param, want string
	}{
		{"ir-4.1.2-1", "first-report", "PT10M"},        // 10分鐘內電話通知
		{"ir-3.3.3-1", "level1-meeting", "PT15M"},      // 15分鐘內召開緊急會議
		{"ir-4.2.1-3", "authority-report", "PT1H"},     // 1小時內完成上級主管部門報告
		{"ir-4.2.1-4", "progress-interval", "PT30M"},   // 每30分鐘更新
		{"ir-4.2.2-2", "contain", "PT12H"},             // 12小時內完成初步控制
		{"ir-4.3.1-1", "isolation", "PT10M"},           // 隔離操作需在10分鐘內完成
		{"ir-3.1.2-5", "endpoint-high-fix", "PT48H"},   // 高危漏洞修復時限不超過48小時
		{"ir-5.2.1-1", "high-fix", "PT24H"},            // 評分≥7.0 24小時
		{"ir-5.2.1-1", "medium-fix", "PT72H"},          // 72小時
		{"ir-5.2.1-1", "low-fix", "P7D"},               // 一周
		{"ir-5.2.1-1", "high-min-score", "7.0"},        // 評分≥7.0
		{"ir-3.1.3-3", "backup-copies", "3"},           // 3份數據副本
		{"ir-3.1.3-3", "backup-media-kinds", "2"},      // 2種存儲介質
		{"ir-3.1.3-3", "backup-offsite-copies", "1"},   // 1份異地存儲
		{"ir-3.1.3-4", "restore-test-interval", "P1W"}, // 每周進行恢復測試
		{"ir-3.4.2-1", "new-staff-training-hours", "8"},
		{"ir-3.4.2-2", "key-staff-training-hours", "16"},
		{"ir-3.2.2-1", "pentest-interval", "P3M"},
		{"ir-3.2.2-3", "vuln-scan-interval", "P1M"},
		{"ir-3.3.2-3", "pacs-growth-threshold", "20"},
		{"ir-4.4.1-1", "stable-period", "PT24H"},
		{"ir-4.4.3-1", "quiet-period", "PT72H"},
		{"ir-4.4.4-2", "summary", "P3D"},
		{"ir-5.3.3-1", "leak-report", "PT24H"},
		{"ir-5.4.1-1", "review-meeting", "P10D"},
	}
	for _, tt := range tests {
		ctl, err := c.Control(tt.control)
		if err != nil {
			t.Error(err)
			continue
		}
		p, err := ctl.Param(tt.param)
		if err != nil {
			t.Error(err)
			continue
		}
		if len(p.Values) != 1 || p.Values[0] != tt.want {
			t.Errorf("%s %s = %v, want %s", tt.control, tt.param, p.Values, tt.want)
		}
	}
}

// TestIncidentPlanTermination checks that every termination condition of 003 4.4.3 is a
// requirement, including 「攻擊源已被封禁,相關IP地址列入黑名單」 (catalog review §4).
func TestIncidentPlanTermination(t *testing.T) {
	c := mustLoad(t, IDIncidentPlan)
	var text string
	for _, ctl := range c.AllControls() {
		if ctl.SourceRef() == "003 4.4.3" {
			text += ctl.OriginalText()
		}
	}
	for _, want := range []string{"連續72小時未發現異常活動", "惡意程序已徹底清除", "攻擊源已被封禁,相關IP地址列入黑名單", "漏洞修復完成并通過復測"} {
		if !strings.Contains(text, want) {
			t.Errorf("4.4.3 lacks %q", want)
		}
	}
}
