package capture

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestSensorEventsRoundTrip cuts the real captures' results into parts of several sizes and
// joins them again: the result is the same, every part is within its limit, and the IDs
// name the capture and part.
func TestSensorEventsRoundTrip(t *testing.T) {
	a := NewAnalyzer(Options{})
	for _, f := range []string{filepath.Join(sharedDir(), "gnutella.pcap"), filepath.Join("testdata", "dicom-store-implicit.pcap")} {
		if _, err := a.AnalyzeFile(f); err != nil {
			t.Skip(err)
		}
	}
	res := a.Result()
	want, _ := json.Marshal(res)
	for _, limit := range []int{4 << 10, 64 << 10, 0} {
		events, err := SensorEvents("TPE/span0/x", "span0", "two.pcap", res, time.Now(), limit)
		if err != nil {
			t.Fatal(err)
		}
		data := make([]string, len(events))
		for i, ev := range events {
			data[i] = ev.Fields[FieldData].(string)
			if limit > 0 && len(data[i]) > limit || ev.Fields[FieldParts] != int64(len(events)) || ev.ID != fmt.Sprintf("discovery:TPE/span0/x:%d", i+1) {
				t.Fatalf("limit %d: part %s: %d bytes, fields %v", limit, ev.ID, len(data[i]), ev.Fields[FieldParts])
			}
			if err := ev.Validate(); err != nil {
				t.Fatal(err)
			}
		}
		if limit == 4<<10 && len(events) < 20 || limit == 0 && len(events) != 1 {
			t.Errorf("limit %d: %d parts", limit, len(events))
		}
		got, err := JoinSensorParts(data)
		if err != nil {
			t.Fatal(err)
		}
		if b, _ := json.Marshal(got); !reflect.DeepEqual(b, want) {
			t.Errorf("limit %d: joined result differs (%d bytes, want %d)", limit, len(b), len(want))
		}
	}
	if _, err := SensorEvents("c", "s", "x", res, time.Now(), 10); err == nil || !strings.Contains(err.Error(), "more than a part's") {
		t.Errorf("a host larger than a part: %v", err)
	}
}

// FuzzJoinSensorParts reads arbitrary part data as central does with what sensors send.
func FuzzJoinSensorParts(f *testing.F) {
	res := &Result{Summary: Summary{Packets: 1, Hosts: 1}, Hosts: []Host{{PacketsSent: 1}}, Flows: []Flow{{Transport: "tcp", App: "dicom"}}}
	events, err := SensorEvents("c", "s", "x", res, time.Now(), 0)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(events[0].Fields[FieldData].(string))
	f.Add("H4sIAAAAAAAA/w==")
	f.Fuzz(func(t *testing.T, data string) {
		JoinSensorParts([]string{data, data})
	})
}
