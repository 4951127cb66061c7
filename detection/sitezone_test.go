package detection_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"medsec"
	"medsec/detection"
	"medsec/sqlstore"
)

// TestWorkingHoursReadInEachSitesZone: the built-in rules' working hours and maintenance
// window are read in the zone of each event's site, not in one zone for the organisation
// (issue 13 bt13g M3). 17:30 in Taipei is 18:30 in Tokyo: an export then is inside
// working hours at the Taipei site and outside them at the Tokyo site.
func TestWorkingHoursReadInEachSitesZone(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		db := openDB(t, engine, time.Date(2026, 11, 30, 2, 0, 0, 0, time.UTC))
		org := sqlstore.NewOrgService(db)
		taipei := &medsec.Site{Code: "TPE", Name: "台北院區", TimeZone: "Asia/Taipei"}
		tokyo := &medsec.Site{Code: "TYO", Name: "東京クリニック", Jurisdiction: medsec.JurisdictionJP, TimeZone: "Asia/Tokyo"}
		for _, s := range []*medsec.Site{taipei, tokyo} {
			if err := org.CreateSite(system, s); err != nil {
				t.Fatal(err)
			}
		}
		store := sqlstore.NewDetectionService(db)
		svc := detection.New(detection.Stores{Rules: store, Alerts: store, Events: sqlstore.NewEventService(db), Sites: org}, nil)
		if err := svc.InstallBuiltins(context.Background()); err != nil {
			t.Fatal(err)
		}
		if err := svc.Load(context.Background()); err != nil {
			t.Fatal(err)
		}
		// 2026-11-30 is a Monday; the settings' zone is Asia/Taipei (UTC+8).
		tpe := func(h, m int) time.Time { return time.Date(2026, 11, 30, h-8, m, 0, 0, time.UTC) }
		n := 0
		ev := func(site int64, at time.Time, kv ...string) medsec.Event {
			n++
			e := medsec.Event{ID: fmt.Sprintf("log:%d", n), Time: at, SiteID: site, Ref: medsec.EventRef{Type: medsec.EventRefLog, ID: int64(n)}}
			for i := 0; i < len(kv); i += 2 {
				e.Set(kv[i], kv[i+1])
			}
			return e
		}
		export := func(site int64, at time.Time) medsec.Event {
			return ev(site, at, "event.action", "patient-export", "user.name", fmt.Sprintf("user%d", n))
		}
		vendor := func(site int64, at time.Time) medsec.Event {
			return ev(site, at, "event.category", "authentication", "event.outcome", "success", "source.ip", fmt.Sprintf("198.51.100.%d", n+1), "user.name", fmt.Sprintf("vendor%d", n))
		}
		batch := []medsec.Event{
			export(taipei.ID, tpe(17, 30)), // 17:30 Taipei: working hours
			export(tokyo.ID, tpe(17, 30)),  // 18:30 Tokyo: after hours
			export(taipei.ID, tpe(7, 30)),  // 07:30 Taipei: before hours
			export(tokyo.ID, tpe(7, 30)),   // 08:30 Tokyo: working hours
			export(0, tpe(17, 30)),         // no site: the settings' zone, Taipei
			vendor(taipei.ID, tpe(16, 30)), // 16:30 Taipei: in the window
			vendor(tokyo.ID, tpe(16, 30)),  // 17:30 Tokyo: outside it
			vendor(tokyo.ID, tpe(8, 30)),   // 09:30 Tokyo: in the window
		}
		if err := svc.Handle(context.Background(), batch); err != nil {
			t.Fatal(err)
		}
		as, _, err := store.FindAlerts(system, medsec.AlertFilter{})
		if err != nil {
			t.Fatal(err)
		}
		// Each alert by rule, site and the Taipei wall time of its event.
		got := map[string]int{}
		for _, a := range as {
			got[fmt.Sprintf("%s@%d %s", a.Title, a.SiteID, a.FirstAt.Add(8*time.Hour).Format("15:04"))] += a.EventCount
		}
		want := map[string]int{
			fmt.Sprintf("Data export outside working hours@%d 17:30", tokyo.ID):              1,
			fmt.Sprintf("Data export outside working hours@%d 07:30", taipei.ID):             1,
			fmt.Sprintf("Remote maintenance outside the approved window@%d 16:30", tokyo.ID): 1,
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("alerts by rule, site and Taipei time:\n%v, want\n%v", got, want)
		}
	})
}
