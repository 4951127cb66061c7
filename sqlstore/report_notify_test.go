package sqlstore_test

import (
	"context"
	"sort"
	"testing"
	"time"

	"medsec"
	"medsec/i18n"
	"medsec/notify"
	"medsec/notify/notifytest"
	"medsec/sqlstore"
)

// TestScheduledReportsNotified runs the scheduler's report job with a set clock against a
// real SMTP server: with the main site's schedule on, the first tick after the month ends
// generates the site's reports and tells its security officers, each in their language
// (the report's title translated), once; the branch's officer, the SOC analyst and the
// auditor hear nothing; the next tick tells no one again.
func TestScheduledReportsNotified(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		now := time.Date(2026, 11, 30, 15, 30, 0, 0, time.UTC) // 23:30 in Taipei: November not over
		clock := func() time.Time { return now }
		db.Now = clock
		f := newAssessFixture(t, db)
		svc := newReportService(t, db, f)
		sites, err := sqlstore.NewOrgService(db).FindSites(system)
		if err != nil {
			t.Fatal(err)
		}
		users := sqlstore.NewUserService(db)
		notifySvc := sqlstore.NewNotifyService(db)
		mk := func(name string, role medsec.Role, lang string, siteIDs []int64) {
			u := &medsec.User{Username: name, Role: role, SiteIDs: siteIDs}
			if err := users.CreateUser(system, u, "a long enough password"); err != nil {
				t.Fatal(err)
			}
			if err := users.SetLanguage(as(u), lang); err != nil {
				t.Fatal(err)
			}
			if err := notifySvc.UpdateNotifyPrefs(as(u), medsec.NotifyPrefs{Email: name + "@hospital.example", Delivery: medsec.DeliveryImmediate, Kinds: medsec.NotificationKinds}); err != nil {
				t.Fatal(err)
			}
		}
		mk("ciso", medsec.RoleSecurityOfficer, "zh-TW", nil)
		mk("so-ja", medsec.RoleSecurityOfficer, "ja", []int64{f.hq.SiteID})
		mk("so-br", medsec.RoleSecurityOfficer, "en", []int64{f.br.SiteID})
		mk("soc", medsec.RoleSOCAnalyst, "en", nil)
		mk("auditor", medsec.RoleAuditor, "en", nil)
		smtp := notifytest.StartSMTP(t, notifytest.Options{})
		if err := notifySvc.UpdateNotifySettings(system, medsec.NotifySettings{PublicURL: "https://medsec.example",
			SMTP: medsec.SMTPSettings{Host: smtp.Host, Port: smtp.Port, TLSPolicy: medsec.TLSMandatory, From: "medsec@hospital.example", CAFile: smtp.CAFile}}); err != nil {
			t.Fatal(err)
		}
		bundle, err := i18n.Load()
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.SetReportSchedule(f.ciso, medsec.ReportSchedule{SiteID: f.hq.SiteID, Enabled: true, Lang: "zh-TW", Format: "pdf"}); err != nil {
			t.Fatal(err)
		}
		d := &notify.Dispatcher{Store: notifySvc, Translator: bundle, Now: clock}
		job := &notify.ScheduledReports{Reports: svc, Notifier: d}
		ctx := context.Background()
		// On 30 November the year 2025 has ended: its self-inspection, risk review and
		// data security risk assessment and October's ledgers and backup record are
		// generated and told.
		if err := job.Run(ctx, now); err != nil {
			t.Fatal(err)
		}
		got := map[string][]string{}
		for _, m := range smtp.WaitMessages(t, 12) {
			got[m.RcptTos[0]] = append(got[m.RcptTos[0]], m.Subject)
		}
		for _, v := range got {
			sort.Strings(v)
		}
		site := sites[0].Name
		if sites[0].ID != f.hq.SiteID {
			site = sites[1].Name
		}
		want := map[string][]string{
			"ciso@hospital.example": {"[medsec] 報告已產生：年度資安自我檢查報告，" + site + "，2025", "[medsec] 報告已產生：弱點與修補紀錄，" + site + "，2026-10",
				"[medsec] 報告已產生：資安事件與演練紀錄，" + site + "，2026-10", "[medsec] 報告已產生：年度風險檢討報告，" + site + "，2025",
				"[medsec] 報告已產生：備份與還原測試紀錄，" + site + "，2026-10", "[medsec] 報告已產生：資料安全風險評估，" + site + "，2025"},
			"so-ja@hospital.example": {"[medsec] 報告書作成完了：インシデント・訓練台帳、" + site + "、2026-10", "[medsec] 報告書作成完了：年次セキュリティ自己点検報告書、" + site + "、2025",
				"[medsec] 報告書作成完了：脆弱性・修正台帳、" + site + "、2026-10", "[medsec] 報告書作成完了：年次リスク評価報告、" + site + "、2025",
				"[medsec] 報告書作成完了：バックアップ及び復元テスト記録、" + site + "、2026-10", "[medsec] 報告書作成完了：データセキュリティリスク評価、" + site + "、2025"},
		}
		for _, v := range want {
			sort.Strings(v)
		}
		if !mapsEqual(got, want) {
			t.Errorf("report notices:\n got %q\nwant %q", got, want)
		}
		// Past midnight in Taipei November has ended: its three monthly reports only.
		now = time.Date(2026, 11, 30, 16, 30, 0, 0, time.UTC)
		if err := job.Run(ctx, now); err != nil {
			t.Fatal(err)
		}
		if n := len(smtp.WaitIdle(t, 18, 700*time.Millisecond)); n != 18 {
			t.Errorf("%d messages after November ended, want 18 (three new monthly reports to two officers)", n)
		}
		all, _ := svc.FindReports(f.ciso, medsec.ReportFilter{})
		if len(all) != 9 {
			t.Errorf("%d reports stored, want 9", len(all))
		}
	})
}
