package detection_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"medsec"
	"medsec/logs"
)

// PACS storage growth is measured per host and mount point: Metricbeat's
// system.filesystem documents for / (10 GB) and /data (50 TB) of one PACS, three cycles,
// raise nothing; /data growing 25 % raises the alert [issue 13 t13 finding 20: the /data
// sample was compared with the / baseline, +499,900 % every cycle].
func TestStorageGrowthPerMountPoint(t *testing.T) {
	start := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	f := newFixture(t, "sqlite", start)
	p := &logs.Parser{}
	n := 0
	doc := func(at time.Time, mount string, used int64) medsec.Event {
		raw := fmt.Sprintf(`{"@timestamp":%q,"host":{"name":"pacs-mnt"},"metricset":{"name":"filesystem"},"system":{"filesystem":{"mount_point":%q,"used":{"bytes":%d}}}}`,
			at.Format(time.RFC3339), mount, used)
		rec, err := p.Parse([]byte(raw), at, "10.1.10.9:443")
		if err != nil {
			t.Fatal(err)
		}
		n++
		rec.SiteID, rec.Index = f.site.ID, int64(n)
		return logs.RecordEvent(rec)
	}
	for i := range 3 {
		at := start.Add(time.Duration(i) * 10 * time.Second)
		if err := f.svc.Handle(context.Background(), []medsec.Event{doc(at, "/", 10e9), doc(at, "/data", 50e12)}); err != nil {
			t.Fatal(err)
		}
	}
	if got := f.alerts(t); len(got) != 0 {
		t.Fatalf("two steady mount points raised: %+v", got[0])
	}
	at := start.Add(time.Minute)
	if err := f.svc.Handle(context.Background(), []medsec.Event{doc(at, "/", 10e9), doc(at, "/data", 62.5e12)}); err != nil {
		t.Fatal(err)
	}
	got := f.alerts(t)
	if len(got) != 1 || got[0].Title != "PACS storage growing abnormally" || got[0].EventCount != 1 {
		t.Fatalf("alerts after /data grew 25 %%: %+v", got)
	}
	a, err := f.store.FindAlertByID(system, got[0].ID)
	if err != nil || len(a.Events) != 1 || fmt.Sprint(a.Events[0].Fields["system.filesystem.mount_point"]) != "/data" {
		t.Fatalf("alert event: %+v, %v", a, err)
	}
}
