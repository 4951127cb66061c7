package sqlstore_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"medsec"
	"medsec/capture"
	"medsec/sqlstore"
)

// sharedPcap returns a capture of ../shared/data/pcap beside the repository (skipping
// when the shared folder is absent).
func sharedPcap(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join("..", "..", "shared", "data", "pcap", name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("shared capture %s: %v", name, err)
	}
	return p
}

// TestSensorDiscoveryMakesOneRun sends a real capture (the nDPI gnutella sample: 1,644
// hosts, many flows) the way a site sensor does (capture.SensorEvents, cut into small
// parts) to central's event store (capture.SensorRuns), the parts in reverse order, some
// twice and across batches as redeliveries bring them: one discovery run of the sensor's
// site is stored, with every host and flow of the capture as the sensor saw them, matched
// against the site's inventory; the parts are gone; sending the capture again, or storing
// its run again, stores nothing more.
func TestSensorDiscoveryMakesOneRun(t *testing.T) {
	path := sharedPcap(t, "gnutella.pcap")
	a := capture.NewAnalyzer(capture.Options{})
	if _, err := a.AnalyzeFile(path); err != nil {
		t.Fatal(err)
	}
	res := a.Result()
	events, err := capture.SensorEvents("HQ/span0/sha256-x", "span0", "gnutella.pcap", res, time.Now(), 16<<10)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) < 5 {
		t.Fatalf("%d parts: want the capture cut into several", len(events))
	}
	for _, ev := range events {
		if len(ev.Fields[capture.FieldData].(string)) > 16<<10 {
			t.Fatalf("part %s over the limit", ev.ID)
		}
	}
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		hq, _ := seedOrg(t, db)
		host := res.Hosts[0]
		asset := &medsec.Asset{SiteID: hq.ID, Name: "gnutella-peer", IPs: []string{host.Address.String()}, Status: medsec.StatusActive}
		if err := sqlstore.NewAssetService(db).CreateAsset(system, asset); err != nil {
			t.Fatal(err)
		}
		disc := sqlstore.NewDiscoveryService(db)
		store := &capture.SensorRuns{EventStore: sqlstore.NewEventService(db), Discovery: disc, Assets: sqlstore.NewAssetService(db)}
		send := make([]medsec.Event, 0, len(events)+2)
		for i := len(events) - 1; i >= 0; i-- {
			ev := events[i]
			ev.SiteID = hq.ID
			send = append(send, ev)
		}
		send = slices.Insert(send, 2, send[0], send[1]) // redelivered
		half := len(send) / 2
		for _, batch := range [][]medsec.Event{send[:half], send[half:], send} {
			if err := store.AppendEvents(system, batch...); err != nil {
				t.Fatal(err)
			}
		}
		runs, err := disc.FindDiscoveryRuns(system)
		if err != nil {
			t.Fatal(err)
		}
		if len(runs) != 1 {
			t.Fatalf("%d runs, want 1", len(runs))
		}
		run, err := disc.FindDiscoveryRunByID(system, runs[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if run.SiteID != hq.ID || run.Source != "sensor span0: gnutella.pcap" || run.Hosts != res.Summary.Hosts || run.Flows != res.Summary.Flows ||
			run.Packets != res.Summary.Packets || run.Matched != 1 || run.ProposedNew < 1 || run.SHA256 != res.Files[0].SHA256 {
			r := *run
			r.Result = nil
			t.Errorf("run %+v; capture %d hosts, %d flows, %d packets", r, res.Summary.Hosts, res.Summary.Flows, res.Summary.Packets)
		}
		var st capture.StoredResult
		if err := json.Unmarshal(run.Result, &st); err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal(res)
		got, _ := json.Marshal(st.Result)
		var w, g any
		json.Unmarshal(want, &w)
		json.Unmarshal(got, &g)
		if !reflect.DeepEqual(w, g) {
			t.Errorf("the stored result is not the sensor's (%d bytes stored, %d sent)", len(got), len(want))
		}
		// Parts are removed with the run; a late redelivery and a second store do nothing.
		if err := store.AppendEvents(system, send...); err != nil {
			t.Fatal(err)
		}
		again := &medsec.DiscoveryRun{SiteID: hq.ID, Source: "x", CaptureID: "HQ/span0/sha256-x"}
		if err := disc.CreateDiscoveryRun(system, again); err != nil || again.ID != run.ID {
			t.Fatalf("second store: %v, run %d (want %d)", err, again.ID, run.ID)
		}
		if runs, _ := disc.FindDiscoveryRuns(system); len(runs) != 1 {
			t.Fatalf("%d runs after redelivery", len(runs))
		}
		if parts, err := disc.AddDiscoveryPart(system, medsec.DiscoveryPart{CaptureID: "HQ/span0/sha256-x", SiteID: hq.ID, Part: 1, Parts: len(events), Data: "x"}); err != nil || parts != nil {
			t.Fatalf("part of a stored capture: %v %d", err, len(parts))
		}
		// The part events are not kept as events; the run's host events are.
		evs, _, err := sqlstore.NewEventService(db).FindEvents(system, medsec.EventFilter{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range evs {
			if ev.Fields["event.action"] == capture.EventDiscoveryPart {
				t.Fatalf("part kept as an event: %s", ev.ID)
			}
		}
		// A part from outside the caller's sites is refused.
		_, err = disc.AddDiscoveryPart(as(&medsec.User{Username: "br", Role: medsec.RoleSecurityOfficer, SiteIDs: []int64{hq.ID + 1}}),
			medsec.DiscoveryPart{CaptureID: "c", SiteID: hq.ID, Part: 1, Parts: 1, Data: "x"})
		if medsec.ErrorCode(err) != medsec.EFORBIDDEN {
			t.Errorf("part of another site: %v", err)
		}
	})
}
