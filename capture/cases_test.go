package capture

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestSharedCases reads every capture among the real-world failure cases
// (../shared/data/cases/README.md, each rebuilt from a public bug report and
// checked with tshark, capinfos or python-hl7) and checks the values that
// README gives as correct. Cases that already worked stay as regression tests.
func TestSharedCases(t *testing.T) {
	tests := []struct {
		file    string
		packets int64
		// start and end are the first and last packet times, to the
		// millisecond ("" to skip).
		start, end string
		// hosts is the exact set of host addresses.
		hosts []string
		// roles are "address role" pairs that must be present.
		roles []string
		// facts are "address kind=value" identity facts that must be present;
		// counts give how many times some of them were seen.
		facts  []string
		counts map[string]int64
		// details are flow details that must be present.
		details []string
		// stoppedAt is the offset a truncated capture stops at (0: read whole).
		stoppedAt int64
	}{
		{
			file: "pcapng-if-tsresol-pow2-32.pcapng", packets: 10,
			start: "2025-11-30T10:00:00.251Z", end: "2025-11-30T10:00:00.26Z",
			hosts: []string{"10.20.1.15", "10.20.1.80"},
			facts: []string{"10.20.1.80 http-host=pacs-web.example.test", "10.20.1.80 http-server=ExamplePACS/7.3"},
		},
		{
			file: "erspan-type2-hl7.pcap", packets: 10,
			hosts:   []string{"10.30.2.5", "10.30.2.21"},
			roles:   []string{"10.30.2.21 hl7-sender", "10.30.2.5 hl7-receiver"},
			details: []string{"hl7 ORU^R01 v2.5.1 LABSYS -> HIS", "hl7 ACK^R01 AA v2.5.1"},
		},
		{
			// 2 × ORU^R01 LABSYS → HIS in one batch, version 2.5.1.
			file: "hl7-batch-fhs-bhs-over-mllp.pcap", packets: 10,
			hosts: []string{"10.30.2.5", "10.30.2.23"},
			roles: []string{"10.30.2.23 hl7-sender", "10.30.2.5 hl7-receiver"},
			facts: []string{"10.30.2.23 hl7-application=LABSYS", "10.30.2.5 hl7-application=HIS"},
			// The sender's version is seen once per message it sent.
			counts:  map[string]int64{"10.30.2.23 hl7-version=2.5.1": 2},
			details: []string{"hl7 batch (FHS/BHS ... BTS/FTS)", "hl7 ORU^R01 v2.5.1 LABSYS -> HIS", "hl7 ACK^R01 AA v2.5.1"},
		},
		{
			// 2 × ORM^O01 RISGW → MODALITY_WL after a log line, and their ACKs.
			file: "hl7-text-before-start-block.pcap", packets: 20,
			hosts:   []string{"10.30.2.5", "10.30.2.25"},
			roles:   []string{"10.30.2.25 hl7-sender", "10.30.2.5 hl7-receiver"},
			facts:   []string{"10.30.2.25 hl7-application=RISGW", "10.30.2.5 hl7-application=MODALITY_WL"},
			counts:  map[string]int64{"10.30.2.25 hl7-version=2.5.1": 2, "10.30.2.5 hl7-version=2.5.1": 2},
			details: []string{"hl7 ORM^O01 v2.5.1 RISGW -> MODALITY_WL", "hl7 ACK^R01 AA v2.5.1"},
		},
		{
			// MSH-18 UNICODE UTF-8.
			file: "hl7-msh18-utf8-cjk-facility.pcap", packets: 10,
			hosts: []string{"10.30.2.5", "10.30.2.24"},
			roles: []string{"10.30.2.24 hl7-sender", "10.30.2.5 hl7-receiver"},
			facts: []string{"10.30.2.24 hl7-facility=臺北示範醫院", "10.30.2.5 hl7-facility=臺北示範醫院"},
		},
		{
			// Two facility names of the same byte length stay two values.
			file: "hl7-two-cjk-facilities-same-length.pcap", packets: 16,
			hosts: []string{"10.30.2.5", "10.30.2.60", "10.30.2.61"},
			roles: []string{"10.30.2.60 hl7-sender", "10.30.2.61 hl7-sender", "10.30.2.5 hl7-receiver"},
			facts: []string{"10.30.2.60 hl7-facility=臺北示範醫院", "10.30.2.61 hl7-facility=高雄示範醫院"},
		},
		{
			file: "pcapng-two-sections-le-then-be.pcapng", packets: 20,
			hosts:   []string{"10.20.1.15", "10.20.1.80", "10.30.2.5", "10.30.2.21"},
			roles:   []string{"10.20.1.80 http-server", "10.30.2.21 hl7-sender", "10.30.2.5 hl7-receiver"},
			facts:   []string{"10.20.1.80 http-host=pacs-web.example.test"},
			details: []string{"hl7 ORU^R01 v2.5.1 LABSYS -> HIS"},
		},
		{
			file: "pcap-cut-short-mid-packet.pcap", packets: 7, stoppedAt: 726,
			hosts:   []string{"10.30.2.5", "10.30.2.21"},
			details: []string{"hl7 ORU^R01 v2.5.1 LABSYS -> HIS"},
		},
		{
			// 3 ORU^R01 and 3 ACKs.
			file: "hl7-pipelined-fs-cr-lf-and-split.pcap", packets: 19,
			hosts:   []string{"10.30.2.5", "10.30.2.22"},
			roles:   []string{"10.30.2.22 hl7-sender", "10.30.2.5 hl7-receiver"},
			counts:  map[string]int64{"10.30.2.22 hl7-version=2.5.1": 3, "10.30.2.5 hl7-version=2.5.1": 3},
			details: []string{"hl7 ORU^R01 v2.5.1 LABSYS -> HIS", "hl7 ACK^R01 AA v2.5.1"},
		},
		{
			file: "dicom-command-and-dataset-in-one-pdu.pcap", packets: 21,
			hosts: []string{"10.40.3.10", "10.40.3.32"},
			roles: []string{"10.40.3.32 dicom-scu", "10.40.3.10 dicom-scp"},
			facts: []string{"10.40.3.32 serial-number=SN-0043", "10.40.3.32 software-version=VB20",
				"10.40.3.32 manufacturer=ExampleMed", "10.40.3.32 dicom-ae-title=CT_SCANNER_02"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			path := casePath(t, tc.file)
			a := NewAnalyzer(Options{})
			fi, err := a.AnalyzeFile(path)
			if err != nil {
				t.Fatal(err)
			}
			r := a.Result()
			if fi.Packets != tc.packets || fi.StoppedAt != tc.stoppedAt || (fi.Error != "") != (tc.stoppedAt != 0) {
				t.Errorf("read %d packets, stopped at %d (%q); want %d packets, stopped at %d", fi.Packets, fi.StoppedAt, fi.Error, tc.packets, tc.stoppedAt)
			}
			ms := func(x time.Time) string { return x.Round(time.Millisecond).Format(time.RFC3339Nano) }
			if tc.start != "" && (ms(r.Summary.Start) != tc.start || ms(r.Summary.End) != tc.end) {
				t.Errorf("capture from %s to %s, want %s to %s", ms(r.Summary.Start), ms(r.Summary.End), tc.start, tc.end)
			}
			var hosts []string
			roles := map[string]bool{}
			counts := map[string]int64{}
			for _, h := range r.Hosts {
				hosts = append(hosts, h.Address.String())
				for _, role := range h.Roles {
					roles[h.Address.String()+" "+role] = true
				}
				for _, f := range h.Identity {
					counts[fmt.Sprintf("%s %s=%s", h.Address, f.Kind, f.Value)] = f.Count
				}
			}
			if !slices.Equal(hosts, tc.hosts) {
				t.Errorf("hosts %v, want %v", hosts, tc.hosts)
			}
			for _, want := range tc.roles {
				if !roles[want] {
					t.Errorf("missing role %q", want)
				}
			}
			for _, want := range tc.facts {
				if counts[want] == 0 {
					t.Errorf("missing fact %q; have %v", want, counts)
				}
			}
			for want, n := range tc.counts {
				if counts[want] != n {
					t.Errorf("fact %q seen %d times, want %d", want, counts[want], n)
				}
			}
			ds := details(r)
			for _, want := range tc.details {
				if !ds[want] {
					t.Errorf("missing detail %q; have %v", want, ds)
				}
			}
			for _, marker := range []string{"XC0201", "XC0401", "Glucose", "FICTIONAL"} {
				for _, h := range r.Hosts {
					for _, f := range h.Identity {
						if strings.Contains(f.Value, marker) {
							t.Errorf("patient data %q in fact %+v", marker, f)
						}
					}
				}
			}
		})
	}
}
