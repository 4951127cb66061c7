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

// TestNoticeWithdrawalKeepsDigestAndLogsSkipped: a notice e-mailed at once to three users is
// withdrawn after one of them chose the daily digest and another removed their address.
// The digest user gets the withdrawal in the next digest, not a mail now (issue 15: it was
// mailed at once whatever they chose); the user without an address gets a delivery row
// "skipped" with the reason no_address, which the delivery log shows (before, nothing was
// logged); only the third is mailed now.
func TestNoticeWithdrawalKeepsDigestAndLogsSkipped(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		_, branch := seedOrg(t, db)
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
		person := func(name, email string) *medsec.User {
			u := &medsec.User{Username: name, Role: medsec.RoleSecurityOfficer}
			if err := users.CreateUser(system, u, "a long enough password"); err != nil {
				t.Fatal(err)
			}
			if err := svc.UpdateNotifyPrefs(as(u), medsec.NotifyPrefs{Email: email, Delivery: medsec.DeliveryImmediate, Kinds: medsec.NotificationKinds}); err != nil {
				t.Fatal(err)
			}
			return u
		}
		now := person("now", "now@hospital.example")
		digest := person("digest", "digest@hospital.example")
		gone := person("gone", "gone@hospital.example")
		d := &notify.Dispatcher{Store: svc, Translator: b, Now: func() time.Time { return testNow }}
		n := medsec.Notification{Kind: medsec.KindBackupProblem, Severity: medsec.SeverityWarning, Subject: map[string]string{"en": "Restore test of PACS overdue"},
			Scope: medsec.NotifyScope{SiteID: branch.ID}, DedupKey: "backup:restore:9:2026-11-20"}
		if err := d.Notify(system, n); err != nil {
			t.Fatal(err)
		}
		if got := smtp.WaitMessages(t, 3); len(got) != 3 {
			t.Fatalf("sent: %+v", got)
		}
		if err := svc.UpdateNotifyPrefs(as(digest), medsec.NotifyPrefs{Email: "digest@hospital.example", Delivery: medsec.DeliveryDigest, Kinds: medsec.NotificationKinds}); err != nil {
			t.Fatal(err)
		}
		if err := svc.UpdateNotifyPrefs(as(gone), medsec.NotifyPrefs{Delivery: medsec.DeliveryImmediate}); err != nil {
			t.Fatal(err)
		}
		log, _, err := svc.FindDeliveries(system, medsec.DeliveryFilter{})
		if err != nil || len(log) != 3 {
			t.Fatalf("deliveries: %+v, %v", log, err)
		}
		admin := as(&medsec.User{ID: 1, Username: "admin", Role: medsec.RoleAdmin})
		w, err := d.WithdrawNotice(admin, log[0].ID, "Sent in error.")
		if err != nil || w.Told != 2 || w.Skipped != 1 {
			t.Fatalf("withdraw: %+v, %v", w, err)
		}
		got := smtp.WaitIdle(t, 4, 300*time.Millisecond)
		if len(got) != 4 || got[3].RcptTos[0] != "now@hospital.example" {
			t.Fatalf("mailed now: %d messages, want only now@ told at once: %+v", len(got), got[3:])
		}
		rows, _, err := svc.FindDeliveries(system, medsec.DeliveryFilter{})
		if err != nil {
			t.Fatal(err)
		}
		results := map[int64]*medsec.Delivery{}
		for _, r := range rows {
			if r.DedupKey == "withdrawn:"+n.DedupKey {
				results[r.UserID] = r
			}
		}
		if r := results[now.ID]; r == nil || r.Result != medsec.DeliverySent {
			t.Errorf("immediate user's withdrawal: %+v", r)
		}
		if r := results[digest.ID]; r == nil || r.Result != medsec.DeliveryQueued {
			t.Errorf("digest user's withdrawal: %+v, want queued for the digest", r)
		}
		if r := results[gone.ID]; r == nil || r.Result != medsec.DeliverySkipped || r.Error != medsec.SkipNoAddress || r.Recipient != "gone@hospital.example" {
			t.Errorf("user without an address: %+v, want a skipped row with no_address", r)
		}
		if skipped, _, _ := svc.FindDeliveries(system, medsec.DeliveryFilter{Result: medsec.DeliverySkipped}); len(skipped) != 1 {
			t.Errorf("skipped rows: %+v", skipped)
		}
		batches, err := svc.DueDigests(system, medsec.DateOf(testNow.AddDate(0, 0, 1)))
		if err != nil || len(batches) != 1 || batches[0].UserID != digest.ID || len(batches[0].Items) != 1 || batches[0].Items[0].Kind != medsec.KindNoticeWithdrawn {
			t.Fatalf("digest: %+v, %v", batches, err)
		}
		d.Now = func() time.Time { return testNow.AddDate(0, 0, 1) }
		if err := d.SendDigests(system); err != nil {
			t.Fatal(err)
		}
		got = smtp.WaitMessages(t, 5)
		if len(got) != 5 || got[4].RcptTos[0] != "digest@hospital.example" || !strings.Contains(got[4].Body, "Sent in error.") {
			t.Errorf("digest with the withdrawal: %+v", got[4:])
		}
	})
}
