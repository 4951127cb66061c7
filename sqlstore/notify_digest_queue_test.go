package sqlstore_test

import (
	"testing"

	"medsec"
	"medsec/sqlstore"
)

// TestDigestQueueLength queues three digest items for two users over two days on both
// engines and counts them with DigestQueueLength, the one COUNT query the /metrics gauge
// medsec_notify_digest_queue runs at each scrape (issue 17; before, each scrape loaded and
// decoded the whole queue through DueDigests); a sent digest leaves the count.
func TestDigestQueueLength(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		svc := sqlstore.NewNotifyService(db)
		users := sqlstore.NewUserService(db)
		var ids []int64
		for _, name := range []string{"ce.hsu", "ce.lin"} {
			u := &medsec.User{Username: name, Role: medsec.RoleClinicalEngineer}
			if err := users.CreateUser(system, u, "a long enough password"); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, u.ID)
		}
		if n, err := svc.DigestQueueLength(system); err != nil || n != 0 {
			t.Fatalf("empty queue: %d, %v", n, err)
		}
		for i, q := range []struct {
			user int64
			days int
		}{{ids[0], 0}, {ids[0], 1}, {ids[1], 1}} {
			d := &medsec.Delivery{At: testNow.AddDate(0, 0, q.days), Channel: medsec.ChannelEmail, UserID: q.user, Kind: medsec.KindBackupProblem,
				Subject: "restore test overdue", Result: medsec.DeliveryQueued, DedupKey: "backup:restore:" + string(rune('a'+i))}
			n := &medsec.Notification{Kind: medsec.KindBackupProblem, Severity: medsec.SeverityWarning, Subject: map[string]string{"en": "Restore test overdue"}}
			if err := svc.RecordDelivery(system, d, n); err != nil {
				t.Fatal(err)
			}
		}
		if n, err := svc.DigestQueueLength(system); err != nil || n != 3 {
			t.Fatalf("queue of three: %d, %v", n, err)
		}
		sent := &medsec.Delivery{At: testNow.AddDate(0, 0, 1), Channel: medsec.ChannelEmail, UserID: ids[0], Kind: medsec.KindDigest, Subject: "digest", Result: medsec.DeliverySent}
		if err := svc.DigestSent(system, ids[0], medsec.DateOf(testNow), sent); err != nil {
			t.Fatal(err)
		}
		if n, err := svc.DigestQueueLength(system); err != nil || n != 2 {
			t.Errorf("after one digest sent: %d, %v", n, err)
		}
	})
}
