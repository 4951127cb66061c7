package detection_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"medsec"
	"medsec/logs"
)

// TestStoredCorrelationFiresOnRepeatedCEFSource runs a stored rule live, end to end:
// CEF lines whose "src" key is repeated (source.ip a list) are parsed, stored in the
// sealed log store and published as the log collection does; detection derives
// medsec.source.network from the first address and the stored event_count correlation,
// grouped by it, raises one alert. Before, the network was derived from the joined text
// "10.9.9.9,10.9.9.10", which is no address, so the events had no group and no alert was
// raised (issue 13). A correlation grouped by source.ip itself groups the list by its
// first value, and fires too.
func TestStoredCorrelationFiresOnRepeatedCEFSource(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		start := time.Date(2026, 12, 1, 6, 0, 0, 0, time.UTC)
		f := newFixture(t, engine, start)
		_, pub := f.openLogs(t)
		rules := `title: VPN login failure
id: 55555555-5555-4555-8555-555555555555
name: vpn_login_failure
logsource: {category: network}
detection:
  sel:
    event.outcome: failure
    event.action: login
  condition: sel
level: low
---
title: VPN login failures from one network
id: 66666666-6666-4666-8666-666666666666
name: vpn_login_burst_network
correlation:
  type: event_count
  rules: [vpn_login_failure]
  group-by: [medsec.source.network]
  timespan: 5m
  condition: {gte: 3}
level: high
---
title: VPN login failures from one address
id: 77777777-7777-4777-8777-777777777777
name: vpn_login_burst_address
correlation:
  type: event_count
  rules: [vpn_login_failure]
  group-by: [source.ip]
  timespan: 5m
  condition: {gte: 3}
level: high
`
		stored, err := f.svc.ImportRules(system, "vpn.yml", []byte(rules))
		if err != nil || len(stored) != 3 {
			t.Fatalf("import: %v", err)
		}
		all, _ := f.store.FindRules(system, medsec.RuleFilter{Query: "VPN"})
		if len(all) != 3 {
			t.Fatalf("stored rules: %+v", all)
		}
		for _, r := range all {
			if err := f.svc.SetRuleEnabled(system, r.ID, f.site.ID, true); err != nil {
				t.Fatal(err)
			}
		}
		p := &logs.Parser{}
		var recs []logs.Record
		for i := range 3 {
			at := start.Add(time.Duration(i) * 20 * time.Second)
			line := fmt.Sprintf("<132>%s vpn.example.com CEF:0|Acme|VPN Gateway|9.1|4625|login failed|5|src=10.9.9.9 src=10.9.9.10 suser=admin act=login outcome=failure", at.Format(time.Stamp))
			rec, err := p.Parse([]byte(line), at, "10.1.10.5:514")
			if err != nil {
				t.Fatal(err)
			}
			if _, list := logs.RecordEvent(rec).Fields["source.ip"].([]string); !list {
				t.Fatalf("source.ip of a repeated src is not a list: %#v", logs.RecordEvent(rec).Fields["source.ip"])
			}
			rec.SiteID = f.site.ID
			recs = append(recs, rec)
		}
		if err := pub.Append(context.Background(), recs); err != nil {
			t.Fatal(err)
		}
		if err := f.bus.Drain(context.Background()); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Advance(context.Background(), start.Add(10*time.Minute)); err != nil {
			t.Fatal(err)
		}
		got := map[string]*medsec.Alert{}
		for _, a := range f.alerts(t) {
			got[a.Title] = a
		}
		for _, title := range []string{"VPN login failures from one network", "VPN login failures from one address"} {
			a := got[title]
			if a == nil || a.EventCount != 3 || a.SiteID != f.site.ID {
				t.Errorf("%s: %+v; want one alert of 3 events (alerts: %v)", title, a, keys(got))
				continue
			}
			full, err := f.store.FindAlertByID(system, a.ID)
			if err != nil || len(full.Events) != 3 || full.Events[0].Fields["medsec.source.network"] != "10.9.9.9/32" {
				var ev any
				if err == nil && len(full.Events) > 0 {
					ev = full.Events[0].Fields
				}
				t.Errorf("%s: events %v, %v; want 3 with medsec.source.network 10.9.9.9/32", title, ev, err)
			}
		}
	})
}

func keys(m map[string]*medsec.Alert) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
