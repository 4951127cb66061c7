package main

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"time"

	"medsec"
	mhttp "medsec/http"
)

// loadDetectionDemo gives the demo hospital's main site the events behind a few alerts,
// as its log sources and medsec's discovery would have reported them: a burst of failed
// logins on HIS [003 §3.2.1], a patient-data export at night [003 §3.2.1], an emergency
// account's login [004 §11.2] and an unknown device on the medical-device network. The
// demo's flows without a conduit raise their alerts as they are imported. Times are
// relative to now, so that the alert queue shows them as recent.
func loadDetectionDemo(ctx context.Context, s mhttp.Services, siteID int64, now time.Time) error {
	if s.Events == nil {
		return nil
	}
	taipei, err := time.LoadLocation("Asia/Taipei")
	if err != nil {
		return err
	}
	midnight := time.Date(now.In(taipei).Year(), now.In(taipei).Month(), now.In(taipei).Day(), 0, 0, 0, 0, taipei)
	n := 0
	var events []medsec.Event
	add := func(t time.Time, kv ...any) *medsec.Event {
		n++
		e := medsec.Event{ID: "demo:" + strconv.Itoa(n), Time: t.UTC(), SiteID: siteID, Ref: medsec.EventRef{Type: medsec.EventRefEvent, ID: int64(n)}}
		e.Set("event.kind", "event").Set("event.module", "demo")
		for i := 0; i+1 < len(kv); i += 2 {
			e.Set(kv[i].(string), kv[i+1])
		}
		events = append(events, e)
		return &events[len(events)-1]
	}
	add(midnight.Add(-170*time.Minute), "event.category", []string{"authentication"}, "event.outcome", "success", "event.action", "logon",
		"user.name", "breakglass", "source.ip", "10.1.20.31", "host.name", "HIS-AP1", "event.dataset", "his.auth")
	export := add(midnight.Add(-20*time.Minute), "event.category", []string{"database"}, "event.action", "patient-export", "event.outcome", "success",
		"user.name", "dr.wu", "source.ip", "10.1.20.45", "host.name", "HIS-DB1", "file.name", "emr_export_all.csv", "event.dataset", "his.audit")
	// HIS-DB1 is the inventory's HIS database server: the export's alert is about it (its
	// level suggestion depends on the asset being a core system, 003 §3.3.2).
	dbs, _, err := s.Assets.FindAssets(ctx, medsec.AssetFilter{SiteID: siteID, Kind: medsec.KindHIS, Query: "HIS 資料庫伺服器", Limit: 10})
	if err != nil {
		return err
	}
	for _, db := range dbs {
		if db.Name == "HIS 資料庫伺服器" {
			export.AssetID = db.ID
			if len(db.IPs) > 0 {
				export.Set("host.ip", db.IPs[0])
			}
		}
	}
	for i := range 12 {
		add(now.Add(-40*time.Minute+time.Duration(i)*10*time.Second), "event.category", []string{"authentication"}, "event.outcome", "failure",
			"event.action", "logon-failed", "user.name", "nurse.lin", "source.ip", "10.1.20.77", "host.name", "HIS-AP1", "event.dataset", "his.auth")
	}
	zones, err := s.Zones.FindZones(ctx, siteID)
	if err != nil {
		return err
	}
	for _, z := range zones {
		if z.Kind == medsec.ZoneOT {
			e := add(now.Add(-35*time.Minute), "event.category", []string{"host", "network"}, "event.action", medsec.EventHostNew,
				"event.dataset", medsec.DatasetDiscovery, "event.provider", "medsec", "source.ip", "10.1.40.250", "source.mac", "02:00:5e:10:40:fa",
				"medsec.zone.id", strconv.FormatInt(z.ID, 10), "medsec.zone.name", z.Name, "medsec.zone.kind", string(z.Kind))
			e.Set("host.ip", "10.1.40.250")
			break
		}
	}
	sort.SliceStable(events, func(i, j int) bool { return events[i].Time.Before(events[j].Time) })
	if err := s.Events.AppendEvents(ctx, events...); err != nil {
		return fmt.Errorf("demo events: %w", err)
	}
	return nil
}
