package sqlstore_test

import (
	"strings"
	"testing"
	"time"

	"medsec"
	"medsec/i18n"
	"medsec/notify"
	"medsec/notify/notifytest"
	"medsec/sqlstore"
)

// TestNoticeWithdrawal sends a restore-test reminder about the branch on both engines — by
// e-mail at once to the security officer (Japanese) and queued for the branch engineer's
// digest — then withdraws it: refused without a reason (naming the field), to an
// administrator of the main site only (not found) and a second time (conflict); the
// officer is e-mailed the withdrawal in Japanese with the subject received and the reason,
// the engineer's digest item is dropped, every delivery of the notice shows who withdrew it
// and why, the audit trail has it, and raising the notice again reaches no one, not even a
// user who set an address since (before, a notice could not be withdrawn at all).
func TestNoticeWithdrawal(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		main, branch := seedOrg(t, db)
		b, err := i18n.Load()
		if err != nil {
			t.Fatal(err)
		}
		smtp := notifytest.StartSMTP(t, notifytest.Options{})
		svc := sqlstore.NewNotifyService(db)
		if err := svc.UpdateNotifySettings(system, medsec.NotifySettings{PublicURL: "https://medsec.example",
			SMTP: medsec.SMTPSettings{Host: smtp.Host, Port: smtp.Port, TLSPolicy: medsec.TLSMandatory, From: "medsec@hospital.example", CAFile: smtp.CAFile}}); err != nil {
			t.Fatal(err)
		}
		users := sqlstore.NewUserService(db)
		person := func(name string, role medsec.Role, lang, email, delivery string, sites ...int64) *medsec.User {
			u := &medsec.User{Username: name, Role: role, SiteIDs: sites}
			if err := users.CreateUser(system, u, "a long enough password"); err != nil {
				t.Fatal(err)
			}
			if err := users.SetLanguage(as(u), lang); err != nil {
				t.Fatal(err)
			}
			u.Language = lang
			if err := svc.UpdateNotifyPrefs(as(u), medsec.NotifyPrefs{Email: email, Delivery: delivery, Kinds: medsec.NotificationKinds}); err != nil {
				t.Fatal(err)
			}
			return u
		}
		person("ciso", medsec.RoleSecurityOfficer, "ja", "ciso@hospital.example", medsec.DeliveryImmediate)
		person("ce.hsu", medsec.RoleClinicalEngineer, "zh-TW", "ce.hsu@hospital.example", medsec.DeliveryDigest, branch.ID)
		d := &notify.Dispatcher{Store: svc, Translator: b, Now: func() time.Time { return testNow }}
		n := medsec.Notification{Kind: medsec.KindBackupProblem, Severity: medsec.SeverityWarning, Subject: map[string]string{"en": "Restore test of PACS overdue"},
			Body: map[string]string{"en": "The weekly restore test of PACS is overdue."}, Scope: medsec.NotifyScope{SiteID: branch.ID}, DedupKey: "backup:restore:7:2026-11-20"}
		if err := d.Notify(system, n); err != nil {
			t.Fatal(err)
		}
		if got := smtp.WaitMessages(t, 1); len(got) != 1 || !strings.Contains(got[0].Subject, "Restore test of PACS overdue") {
			t.Fatalf("sent: %+v", got)
		}
		log, _, err := svc.FindDeliveries(system, medsec.DeliveryFilter{})
		if err != nil || len(log) != 2 {
			t.Fatalf("deliveries: %+v, %v", log, err)
		}
		sent := log[len(log)-1]
		admin := as(&medsec.User{ID: 1, Username: "admin", Role: medsec.RoleAdmin})
		mainAdmin := as(&medsec.User{ID: 2, Username: "admin.mc", Role: medsec.RoleAdmin, SiteIDs: []int64{main.ID}})
		if _, err := d.WithdrawNotice(admin, sent.ID, "  "); !hasField(err, "reason") {
			t.Errorf("no reason: %v", err)
		}
		if _, err := d.WithdrawNotice(mainAdmin, sent.ID, "wrong system"); medsec.ErrorCode(err) != medsec.ENOTFOUND {
			t.Errorf("main site's administrator: %v", err)
		}
		if _, err := d.WithdrawNotice(as(&medsec.User{ID: 3, Username: "ce", Role: medsec.RoleClinicalEngineer}), sent.ID, "wrong system"); medsec.ErrorCode(err) != medsec.EFORBIDDEN {
			t.Errorf("clinical engineer: %v", err)
		}
		reason := "Sent in error: the restore test was done on 2026-11-19 (ticket 4471)."
		w, err := d.WithdrawNotice(admin, sent.ID, reason)
		if err != nil || w.Told != 1 || w.Dropped != 1 || w.By != "admin" || w.Reason != reason || w.DedupKey != n.DedupKey {
			t.Fatalf("withdraw: %+v, %v", w, err)
		}
		got := smtp.WaitMessages(t, 2)
		if len(got) != 2 || got[1].RcptTos[0] != "ciso@hospital.example" || !strings.HasPrefix(got[1].Subject, "[medsec] "+b.T("ja", "notify.withdrawn.subject", "Restore test of PACS overdue")) ||
			!strings.Contains(got[1].Body, "ticket 4471") || !strings.Contains(got[1].Body, "撤回") {
			t.Errorf("withdrawal e-mail: %+v", got)
		}
		if _, err := d.WithdrawNotice(admin, sent.ID, reason); medsec.ErrorCode(err) != medsec.ECONFLICT {
			t.Errorf("withdrawn twice: %v", err)
		}
		if batches, _ := svc.DueDigests(system, medsec.DateOf(testNow.AddDate(0, 0, 2))); len(batches) != 0 {
			t.Errorf("digest still holds the notice: %+v", batches)
		}
		log, _, _ = svc.FindDeliveries(system, medsec.DeliveryFilter{})
		withdrawn := 0
		for _, r := range log {
			switch r.DedupKey {
			case n.DedupKey:
				if r.Withdrawn == nil || r.Withdrawn.Reason != reason || r.Withdrawn.By != "admin" {
					t.Errorf("delivery not shown withdrawn: %+v", r)
				}
				withdrawn++
			case "withdrawn:" + n.DedupKey:
				if r.Kind != medsec.KindNoticeWithdrawn || r.Result != medsec.DeliverySent || r.Withdrawn != nil {
					t.Errorf("withdrawal's delivery: %+v", r)
				}
			}
		}
		if withdrawn != 2 {
			t.Errorf("withdrawn deliveries: %d of %+v", withdrawn, log)
		}
		if entries, _, err := sqlstore.NewAuditService(db).FindAuditEntries(system, medsec.AuditFilter{Action: medsec.ActionNoticeWithdraw}); err != nil || len(entries) != 1 || entries[0].SiteID != branch.ID {
			t.Errorf("audit: %+v, %v", entries, err)
		}
		person("itops.chen", medsec.RoleSecurityOfficer, "en", "itops@hospital.example", medsec.DeliveryImmediate)
		if err := d.Notify(system, n); err != nil {
			t.Fatal(err)
		}
		if got := smtp.WaitIdle(t, 2, 300*time.Millisecond); len(got) != 2 {
			t.Errorf("a withdrawn notice was sent again: %+v", got)
		}
	})
}
