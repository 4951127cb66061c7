package sqlstore_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"medsec"
	"medsec/sqlstore"
)

// TestSensorCommit commits messages from two sensors of two sites, again (a redelivery)
// and mixed with new ones: every ID is taken once, duplicates are counted, lag is the
// commit time minus the sensor's time, registration is audited once per sensor, health is
// kept, and a reader limited to one site sees only that site's sensor.
func TestSensorCommit(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		main, branch := seedOrg(t, db)
		now := time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return now }
		svc := sqlstore.NewSensorService(db)
		batch := []medsec.SensorMessage{
			{ID: "MAIN/s1/a/1", SiteID: main.ID, Sensor: "s1", Kind: "log", Time: now.Add(-3 * time.Second)},
			{ID: "MAIN/s1/a/2", SiteID: main.ID, Sensor: "s1", Kind: "log", Time: now.Add(-2 * time.Second)},
			{ID: "BR/s2/b/1", SiteID: branch.ID, Sensor: "s2", Kind: "event", Time: now.Add(-10 * time.Second)},
		}
		fresh, err := svc.CommitMessages(system, batch)
		if err != nil || len(fresh) != 3 {
			t.Fatalf("first commit: fresh %v, %v", fresh, err)
		}
		seen, err := svc.SeenMessages(system, []string{"MAIN/s1/a/1", "MAIN/s1/a/3"})
		if err != nil || !seen["MAIN/s1/a/1"] || seen["MAIN/s1/a/3"] {
			t.Errorf("seen %v, %v", seen, err)
		}
		again := append(batch[:2:2], medsec.SensorMessage{ID: "MAIN/s1/a/3", SiteID: main.ID, Sensor: "s1", Kind: "log", Time: now.Add(-time.Second)})
		fresh, err = svc.CommitMessages(system, again)
		if err != nil || len(fresh) != 1 || fresh[0] != "MAIN/s1/a/3" {
			t.Fatalf("redelivery: fresh %v, %v", fresh, err)
		}
		if err := svc.RecordSensorHealth(system, main.ID, "s1", medsec.SensorHealth{Connected: true, SpoolBytes: 4096, Dropped: 2}); err != nil {
			t.Fatal(err)
		}
		list, err := svc.FindSensors(system, medsec.SensorFilter{})
		if err != nil || len(list) != 2 {
			t.Fatalf("sensors %v, %v", list, err)
		}
		s1 := list[0]
		if s1.SiteID != main.ID || s1.Name != "s1" || s1.Messages != 3 || s1.Duplicates != 2 || s1.Lag != 1 ||
			!s1.Health.Connected || s1.Health.SpoolBytes != 4096 || s1.Health.Dropped != 2 || !s1.ReportedAt.Equal(now) {
			t.Errorf("s1 %+v", s1)
		}
		if s2 := list[1]; s2.Lag != 10 || s2.Messages != 1 || !s2.Silent(now) {
			t.Errorf("s2 %+v", s2)
		}
		entries, _, err := sqlstore.NewAuditService(db).FindAuditEntries(system, medsec.AuditFilter{ObjectType: "sensor"})
		if err != nil || len(entries) != 2 || entries[0].Action != "sensor.register" {
			t.Errorf("audit %v, %v", entries, err)
		}
		branchOnly := as(&medsec.User{ID: 21, Username: "br", Role: medsec.RoleSOCAnalyst, SiteIDs: []int64{branch.ID}})
		if list, err := svc.FindSensors(branchOnly, medsec.SensorFilter{}); err != nil || len(list) != 1 || list[0].Name != "s2" {
			t.Errorf("branch reader sees %v, %v", list, err)
		}
		if _, err := svc.FindSensors(branchOnly, medsec.SensorFilter{SiteID: main.ID}); medsec.ErrorCode(err) != medsec.ENOTFOUND {
			t.Errorf("other site: %v, want ENOTFOUND", err)
		}
		if _, err := svc.CommitMessages(branchOnly, batch); medsec.ErrorCode(err) != medsec.EFORBIDDEN {
			t.Errorf("a reader commits: %v, want EFORBIDDEN", err)
		}
		if _, err := svc.CommitMessages(system, []medsec.SensorMessage{{ID: "X/1", SiteID: 9999, Sensor: "s9", Kind: "log", Time: now}}); medsec.ErrorCode(err) != medsec.EINVALID {
			t.Errorf("unknown site: %v, want EINVALID", err)
		}
	})
}

// TestSensorCommitOverlappingBatches commits the same messages of two sensors from two
// central servers at once, each batch in a different order (a resend reaches both
// consumers of one durable): neither commit fails — on the old code PostgreSQL aborted one
// with a deadlock and the redelivered batch's log records were sealed twice — and every
// message is fresh for exactly one of them.
func TestSensorCommitOverlappingBatches(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		main, branch := seedOrg(t, db)
		svc := sqlstore.NewSensorService(db)
		now := time.Now().UTC()
		for round := range 15 {
			var batch []medsec.SensorMessage
			for i := range 40 {
				site, sensor := main.ID, "s1"
				if i%2 == 1 {
					site, sensor = branch.ID, "s2"
				}
				batch = append(batch, medsec.SensorMessage{ID: fmt.Sprintf("%s/r%d/%02d", sensor, round, i), SiteID: site, Sensor: sensor, Kind: "log", Time: now})
			}
			reversed := slices.Clone(batch)
			slices.Reverse(reversed)
			var wg sync.WaitGroup
			fresh := make([][]string, 2)
			errs := make([]error, 2)
			for i, b := range [][]medsec.SensorMessage{batch, reversed} {
				wg.Go(func() { fresh[i], errs[i] = svc.CommitMessages(system, b) })
			}
			wg.Wait()
			if errs[0] != nil || errs[1] != nil {
				t.Fatalf("round %d: %v; %v", round, errs[0], errs[1])
			}
			if n := len(fresh[0]) + len(fresh[1]); n != 40 {
				t.Fatalf("round %d: %d fresh, want 40", round, n)
			}
		}
	})
}
