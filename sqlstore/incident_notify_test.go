package sqlstore_test

import (
	"context"
	"slices"
	"sort"
	"testing"
	"time"

	"medsec"
	"medsec/i18n"
	"medsec/notify"
	"medsec/notify/notifytest"
	"medsec/sqlstore"
)

// TestIncidentClockNotifications runs the scheduler's incident-clock job with a set clock
// against a real SMTP server: a clock that goes late reaches the responders of the
// incident's site once, in their language; one still late at its escalation time reaches
// the security officers and administrators; users of another site hear nothing, and the
// read-only auditor (who cannot act on an incident) hears neither the late notice nor the
// escalation (t14 finding 25).
func TestIncidentClockNotifications(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		now := testNow
		clock := func() time.Time { return now }
		db.Now = clock
		main, branch := seedOrg(t, db)
		users := sqlstore.NewUserService(db)
		notifySvc := sqlstore.NewNotifyService(db)
		mk := func(name string, role medsec.Role, lang string, sites []int64) {
			u := &medsec.User{Username: name, Role: role, SiteIDs: sites}
			if err := users.CreateUser(system, u, "a long enough password"); err != nil {
				t.Fatal(err)
			}
			if lang != "" {
				if err := users.SetLanguage(as(u), lang); err != nil {
					t.Fatal(err)
				}
			}
			if err := notifySvc.UpdateNotifyPrefs(as(u), medsec.NotifyPrefs{Email: name + "@hospital.example", Delivery: medsec.DeliveryImmediate, Kinds: medsec.NotificationKinds}); err != nil {
				t.Fatal(err)
			}
		}
		mk("ciso", medsec.RoleSecurityOfficer, "zh-TW", nil)
		mk("soc", medsec.RoleSOCAnalyst, "", []int64{main.ID})
		mk("ce-br", medsec.RoleClinicalEngineer, "", []int64{branch.ID})
		mk("auditor", medsec.RoleAuditor, "ja", nil)
		mk("admin", medsec.RoleAdmin, "ja", nil)
		smtp := notifytest.StartSMTP(t, notifytest.Options{})
		if err := notifySvc.UpdateNotifySettings(system, medsec.NotifySettings{PublicURL: "https://medsec.example",
			SMTP: medsec.SMTPSettings{Host: smtp.Host, Port: smtp.Port, TLSPolicy: medsec.TLSMandatory, From: "medsec@hospital.example", CAFile: smtp.CAFile}}); err != nil {
			t.Fatal(err)
		}
		bundle, err := i18n.Load()
		if err != nil {
			t.Fatal(err)
		}
		d := &notify.Dispatcher{Store: notifySvc, Translator: bundle, Now: clock}
		incidents := sqlstore.NewIncidentService(db)
		job := &notify.IncidentClocks{Incidents: incidents, Notifier: d}
		sched := &notify.Scheduler{Now: clock, Jobs: []notify.Job{{Name: "incident clocks", Every: time.Minute, Run: job.Run}}}
		ctx := context.Background()

		inc, err := incidents.CreateIncident(as(medsec.SystemUser), &medsec.IncidentCreate{SiteID: main.ID, Title: "PACS 勒索軟體",
			Scenario: medsec.ScenarioOther, Level: 2, LevelReason: "radiology down", Outage: medsec.OutageDepartment})
		if err != nil {
			t.Fatal(err)
		}
		subjects := func(n int) map[string][]string {
			out := map[string][]string{}
			for _, m := range smtp.WaitMessages(t, n) {
				out[m.RcptTos[0]] = append(out[m.RcptTos[0]], m.Subject)
			}
			for _, v := range out {
				sort.Strings(v)
			}
			return out
		}
		sched.Tick(ctx) // nothing is late yet
		// Eleven minutes on the first report is late; the 30-minute clocks are not.
		now = now.Add(11 * time.Minute)
		sched.Tick(ctx)
		got := subjects(3)
		want := map[string][]string{
			"ciso@hospital.example":  {"[medsec] 已逾期：通知資訊科值班人員 — PACS 勒索軟體"},
			"soc@hospital.example":   {"[medsec] Late: First report to the IT duty officer — PACS 勒索軟體"},
			"admin@hospital.example": {"[medsec] 期限超過：情報システム部門の当番者への第一報 — PACS 勒索軟體"},
		}
		if !mapsEqual(got, want) {
			t.Errorf("late notices:\n got %q\nwant %q", got, want)
		}
		// Again a minute later: the same occurrence is not told twice.
		now = now.Add(time.Minute)
		sched.Tick(ctx)
		// At 25 minutes (due 10, escalated after as long again, at least 15) it escalates.
		now = testNow.Add(25 * time.Minute)
		sched.Tick(ctx)
		got = subjects(5)
		want = map[string][]string{
			"ciso@hospital.example":  {"[medsec] 升級：通知資訊科值班人員 仍逾期 — PACS 勒索軟體", "[medsec] 已逾期：通知資訊科值班人員 — PACS 勒索軟體"},
			"soc@hospital.example":   {"[medsec] Late: First report to the IT duty officer — PACS 勒索軟體"},
			"admin@hospital.example": {"[medsec] エスカレーション：情報システム部門の当番者への第一報 が未完了 — PACS 勒索軟體", "[medsec] 期限超過：情報システム部門の当番者への第一報 — PACS 勒索軟體"},
		}
		if _, heard := got["auditor@hospital.example"]; heard {
			t.Errorf("the read-only auditor was told: %q", got["auditor@hospital.example"])
		}
		if !mapsEqual(got, want) {
			t.Errorf("after escalation:\n got %q\nwant %q", got, want)
		}
		// Met clocks are not late any more.
		cur, err := incidents.FindIncidentByID(system, inc.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cur.LateClocks() {
			if c.Key != "first-report" {
				t.Errorf("late at 25 minutes: %s", c.Key)
			}
		}
	})
}

func mapsEqual(a, b map[string][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}
