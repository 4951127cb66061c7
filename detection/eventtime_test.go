package detection_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"medsec"
	"medsec/logs"
	"medsec/logstore"
	"medsec/sqlstore"
)

// Late and batched failed logins reach the sealed log store and the live stream in one
// ingest; the live engine leaves the late ones out, and the re-correlation must read the
// stored records by their event time (@timestamp), not their receive time [issue 13
// bt13g HIGH 1]. Burst A: a current record, then 12 failures stamped ten minutes earlier
// (all late). Burst B: 12 failures over 50 s ending with the stream's newest event (the
// oldest few late, the rest under the threshold live). Each raises exactly one alert.
// Hunts over the stamps' range find burst A; over the receive range they do not.
func TestLateLogRecordsAreReCorrelatedByEventTime(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
		f := newFixture(t, engine, now)
		st, err := logstore.Open(logstore.Config{Dir: t.TempDir(), Now: func() time.Time { return now.Add(3 * time.Minute) }, Site: func(logs.Record) int64 { return f.site.ID }})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		f.svc.SetLogs(sqlstore.NewLogService(f.db, st))
		p := &logs.Parser{}
		ingest := func(received time.Time, raws ...string) {
			t.Helper()
			recs := make([]logs.Record, len(raws))
			for i, raw := range raws {
				rec, err := p.Parse([]byte(raw), received, "10.1.10.5:443")
				if err != nil {
					t.Fatal(err)
				}
				recs[i] = rec
			}
			if err := st.Append(context.Background(), recs); err != nil {
				t.Fatal(err)
			}
			events := make([]medsec.Event, len(recs))
			for i := range recs {
				if recs[i].SiteID != f.site.ID || recs[i].Index == 0 && i > 0 {
					t.Fatalf("stored record %d: site %d index %d", i, recs[i].SiteID, recs[i].Index)
				}
				events[i] = logs.RecordEvent(recs[i])
			}
			if err := f.svc.Handle(context.Background(), events); err != nil {
				t.Fatal(err)
			}
			f.svc.Idle()
		}
		fail := func(at time.Time, ip string) string {
			return fmt.Sprintf(`{"@timestamp":%q,"event":{"category":"authentication","outcome":"failure"},"source":{"ip":%q},"user":{"name":"x"},"host":{"name":"h"}}`,
				at.Format(time.RFC3339Nano), ip)
		}
		// Burst A.
		a := []string{fmt.Sprintf(`{"@timestamp":%q,"message":"current record","host":{"name":"ws-br-01"}}`, now.Format(time.RFC3339))}
		for i := range 12 {
			a = append(a, fail(now.Add(-10*time.Minute+time.Duration(i)*time.Second+time.Duration(i)*717*time.Millisecond), "10.2.77.9"))
		}
		ingest(now, a...)
		// Burst B: the stream is at now+2m; the failures run from now+1m10s to now+2m.
		b := []string{fmt.Sprintf(`{"@timestamp":%q,"message":"current record","host":{"name":"ws-br-01"}}`, now.Add(2*time.Minute).Format(time.RFC3339))}
		for i := range 12 {
			b = append(b, fail(now.Add(70*time.Second+time.Duration(i)*50*time.Second/11), "10.2.77.10"))
		}
		ingest(now.Add(2*time.Minute), b...)
		if err := f.svc.Advance(context.Background(), now.Add(3*time.Minute)); err != nil {
			t.Fatal(err)
		}
		f.svc.Idle()
		byIP, links := map[string]int{}, map[string]bool{}
		for _, al := range f.alerts(t) {
			links[fmt.Sprintf("/alerts/%d", al.ID)] = true
			if al.Title != "Many failed logins in a short time" || al.EventCount != 10 {
				t.Errorf("alert %+v", al)
			}
			for _, ip := range []string{"10.2.77.9/", "10.2.77.10/"} {
				if strings.Contains(al.DedupKey, "medsec.source.network="+ip) {
					byIP[ip]++
				}
			}
		}
		if byIP["10.2.77.9/"] != 1 || byIP["10.2.77.10/"] != 1 {
			t.Fatalf("burst alerts by source: %v; want one each", byIP)
		}
		// The same batch delivered again raises nothing new.
		ingest(now.Add(150*time.Second), a[1:]...)
		if got := f.alerts(t); len(got) != 2 {
			t.Fatalf("after redelivery: %d alerts", len(got))
		}
		burst, err := f.store.FindRules(system, medsec.RuleFilter{Query: "Many failed logins"})
		if err != nil || len(burst) != 1 {
			t.Fatalf("burst rule: %v %v", burst, err)
		}
		// Each burst's alert counts one hit of the rule at the site and is told, as a live
		// alert is (bt13g #5: alerts of re-correlations were in no hit count).
		if burst[0].Hits != 2 {
			t.Errorf("burst rule's hits: %d, want 2 (one per alert)", burst[0].Hits)
		}
		f.notes.mu.Lock()
		told := 0
		for _, n := range f.notes.got {
			if n.Kind == medsec.KindAlertRaised && links[n.Link] {
				told++
			}
		}
		f.notes.mu.Unlock()
		if told != 2 {
			t.Errorf("%d alert notices, want 2", told)
		}
		hunt := func(since, until time.Time) *medsec.HuntResult {
			t.Helper()
			res, err := f.svc.Hunt(system, medsec.HuntRequest{RuleIDs: []int64{burst[0].ID}, SiteID: f.site.ID, Since: since, Until: until})
			if err != nil {
				t.Fatal(err)
			}
			return res
		}
		// By the stamps' range: burst A's 24 stored failures (delivered twice), one hit
		// per ten; by the receive range of burst A's arrival: neither its records nor a hit.
		if res := hunt(now.Add(-11*time.Minute), now.Add(-9*time.Minute)); res.Logs != 24 || res.Hits != 2 {
			t.Errorf("hunt over the stamps: %d logs, %d hits; want 24, 2", res.Logs, res.Hits)
		}
		if res := hunt(now.Add(-time.Second), now.Add(time.Second)); res.Logs != 1 || res.Hits != 0 {
			t.Errorf("hunt over the arrival: %d logs, %d hits; want 1 (the current record), 0", res.Logs, res.Hits)
		}
	})
}
