package main

import (
	"context"
	"fmt"
	"time"

	"medsec"
	"medsec/demo"
	mhttp "medsec/http"
	"medsec/sqlstore"
	"medsec/vuln"
)

// loadVulnDemo imports the demo's real advisories, matches them against the demo
// hospital, and takes findings through every state of the workflow: new, confirmed,
// mitigated (the manufacturer does not allow the patch; a compensating control, on every
// finding of the MX40 monitors), not affected (with a CSAF justification) and fixed
// (through the fix ledger). The branch hospital's GE monitor has findings of its own.
func loadVulnDemo(ctx context.Context, s mhttp.Services, now time.Time) error {
	if s.Vulns == nil {
		return nil
	}
	// at is the service as it was days ago: the demo's history happens over the past
	// year, so that its findings have real ages, deadlines met and missed, and the
	// yearly trend of open vulnerabilities a shape. A service without a settable clock
	// (not the store's) records everything now.
	atTime := func(t time.Time) mhttp.VulnService {
		if c, ok := s.Vulns.(interface {
			At(time.Time) *sqlstore.VulnService
		}); ok {
			return c.At(t)
		}
		return s.Vulns
	}
	at := func(days int) mhttp.VulnService { return atTime(now.AddDate(0, 0, -days)) }
	// after is the service days after a finding was found, never later than now.
	after := func(f *medsec.Finding, days int) (mhttp.VulnService, time.Time) {
		t := f.FoundAt.AddDate(0, 0, days)
		if t.After(now) {
			t = now
		}
		return atTime(t), t
	}
	// The advisories came out over the year, each matched to the fleet the day it was
	// imported: one feed at a time, oldest first, at fixed ages.
	ages := []int{330, 280, 220, 160, 95, 40, 12}
	for i, f := range demo.VulnFeeds() {
		feed, err := vuln.ReadFeed(f.Name, f.Data)
		if err != nil {
			return err
		}
		var b vuln.Batch
		b.Add("demo/"+f.Name, feed)
		if _, err := at(ages[min(i, len(ages)-1)]).Import(ctx, b); err != nil {
			return err
		}
	}
	find := func(asset, cve string) (*medsec.Finding, error) {
		fs, _, err := s.Vulns.FindFindings(ctx, medsec.FindingFilter{Query: asset, CVE: cve})
		if err != nil {
			return nil, err
		}
		for _, f := range fs {
			if f.AssetName == asset {
				return f, nil
			}
		}
		return nil, fmt.Errorf("demo finding %s on %s: not matched", cve, asset)
	}
	// Confirmed.
	f, err := find("CCU 遙測監視器 MX40-01", "CVE-2017-9658")
	if err != nil {
		return err
	}
	svc, _ := after(f, 3)
	if _, err := svc.AnalyzeFinding(ctx, f.ID, medsec.FindingAnalysis{State: medsec.FindingConfirmed,
		Detail: "Philips 確認 B.06.17 受影響；Wi-Fi 802.11 關聯可被干擾。"}); err != nil {
		return err
	}
	// Re-scored for the CCU by the rubric: reachable only from its wireless segment, and
	// a monitor that stops alarming can harm a patient.
	if _, err := svc.RescoreFinding(ctx, f.ID, medsec.FindingRescore{Reason: "CCU 遙測：僅 CCU 無線網段可達；監視中斷可能延誤急救。",
		Answers: medsec.RubricAnswers{Reach: "segment", IntegrityHarm: "minor", AvailabilityHarm: "serious", ClinicalUse: "diagnosis", PatientData: "one"}}); err != nil {
		return err
	}
	// Mitigated: Philips does not allow the update on this model yet.
	f, err = find("CCU 遙測監視器 MX40-01", "CVE-2017-9657")
	if err != nil {
		return err
	}
	a, err := s.Assets.FindAssetByID(ctx, f.AssetID)
	if err != nil {
		return err
	}
	svc, when := after(f, 20)
	if err := svc.SetPatchPermission(ctx, &medsec.PatchPermission{VendorID: a.VendorID, Model: a.Model, Allowed: false,
		SaidBy: "台灣飛利浦 醫療服務部 技術經理", SaidOn: medsec.DateOf(when), Evidence: "原廠函 PH-TW-2026-118：B.06.18 更新須由原廠排程到院執行"}); err != nil {
		return err
	}
	if err := svc.AddCompensatingControl(ctx, &medsec.CompensatingControl{FindingID: f.ID,
		Description: "遙測監視器限於 CCU 內網 VLAN 103，無線基地台僅允許中央監視站；原廠到院更新前每週檢視無線告警。", ReviewOn: medsec.DateOf(now.AddDate(0, 1, 0))}); err != nil {
		return err
	}
	// Not affected.
	f, err = find("心律調節器程控儀 CareLink 2090", "CVE-2018-10596")
	if err != nil {
		return err
	}
	svc, _ = after(f, 9)
	if _, err := svc.AnalyzeFinding(ctx, f.ID, medsec.FindingAnalysis{State: medsec.FindingNotAffected,
		Justification: "vulnerable_code_cannot_be_controlled_by_adversary", Detail: "程控儀不連外網，軟體更新僅由原廠以 USB 現場執行；網路埠已停用。"}); err != nil {
		return err
	}
	// Fixed, through the ledger.
	f, err = find("一般攝影 DR（GE Optima 520）", "CVE-2010-5306")
	if err != nil {
		return err
	}
	svc, when = after(f, 150)
	if err := svc.AddFixEntry(ctx, &medsec.FixEntry{FindingID: f.ID, At: when, Operator: "郭子豪",
		Action: "GE 原廠更新預設帳密，改為院方管理之個別帳號", Verification: "以原廠帳號登入測試失敗；弱點掃描複測", Result: medsec.FixPassed,
		RetestOn: medsec.DateOf(when.AddDate(0, 3, 0))}); err != nil {
		return err
	}
	// A fix waiting for verification.
	f, err = find("GE 床邊監視器 B450-01", "CVE-2020-6961")
	if err != nil {
		return err
	}
	if err := s.Vulns.AddFixEntry(ctx, &medsec.FixEntry{FindingID: f.ID, At: now.Add(-time.Hour), Operator: "郭子豪",
		Action: "已向 GE 申請 B450 韌體更新，待原廠到院", Verification: "更新後以原廠工具驗證版本", Result: medsec.FixPending}); err != nil {
		return err
	}
	// The branch hospital's GE monitor: confirmed by its engineer.
	f, err = find("GE 床邊監視器 B450-BR1", "CVE-2020-6961")
	if err != nil {
		return err
	}
	svc, _ = after(f, 2)
	if _, err := svc.AnalyzeFinding(ctx, f.ID, medsec.FindingAnalysis{State: medsec.FindingConfirmed,
		Detail: "分院醫工確認韌體 2.1 受影響；已向 GE 申請更新。"}); err != nil {
		return err
	}
	// Every finding on the MX40 telemetry monitors has a compensating control: Philips
	// does not allow the update on this model (the permission above), so each stays open
	// as mitigated until the manufacturer updates them on site.
	mx40, _, err := s.Vulns.FindFindings(ctx, medsec.FindingFilter{Query: "MX40", Limit: 1000})
	if err != nil {
		return err
	}
	for _, f := range mx40 {
		if f.State == medsec.FindingMitigated || !f.State.Open() {
			continue
		}
		svc, _ := after(f, 21)
		if err := svc.AddCompensatingControl(ctx, &medsec.CompensatingControl{FindingID: f.ID,
			Description: "遙測監視器限於 CCU 內網 VLAN 103，無線基地台僅允許中央監視站；原廠到院更新前每週檢視無線告警。",
			ReviewOn:    medsec.DateOf(now.AddDate(0, 1, 0))}); err != nil {
			return err
		}
	}
	return loadDemoDeadlinePolicy(ctx, s)
}

// loadDemoDeadlinePolicy gives the branch hospital a fix-deadline policy of its own: a
// medium vulnerability within 48 hours (as 003 §4.3.4 asks after an incident) and a KEV
// entry within 12; the medical centre keeps the plan's.
func loadDemoDeadlinePolicy(ctx context.Context, s mhttp.Services) error {
	sites, err := s.Org.FindSites(ctx)
	if err != nil {
		return err
	}
	for _, site := range sites {
		if site.Code == demo.BranchSite {
			return s.Vulns.SetDeadlinePolicy(ctx, &medsec.DeadlinePolicy{SiteID: site.ID, MediumHours: 48, KEVHours: 12})
		}
	}
	return fmt.Errorf("demo deadline policy: no site %s", demo.BranchSite)
}
