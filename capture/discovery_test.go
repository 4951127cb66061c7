package capture

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

// facts flattens a result's identity facts to "address kind=value".
func facts(r *Result) map[string]bool {
	out := map[string]bool{}
	for _, h := range r.Hosts {
		for _, f := range h.Identity {
			out[fmt.Sprintf("%s %s=%s", h.Address, f.Kind, f.Value)] = true
		}
	}
	return out
}

func details(r *Result) map[string]bool {
	out := map[string]bool{}
	for _, f := range r.Flows {
		for _, d := range f.Details {
			out[d] = true
		}
	}
	return out
}

// patientMarkers are the fictional patient attributes written into the
// test captures; none may appear in any output.
var patientMarkers = []string{"FICTIONAL", "PID-TEST", "VIVALDI", "HL7PATIENT", "19700101", "16780304", "Heart rate"}

func TestDiscoverTestCaptures(t *testing.T) {
	tests := []struct {
		file         string
		app          string
		serverPort   uint16
		wantFacts    []string
		wantDetails  []string
		wantRoles    []string
		wantEvidence string // a fact kind whose evidence must point at a packet
		wantNoFacts  []string
	}{
		{
			file: "testdata/dicom-store-implicit.pcap", app: "dicom", serverPort: 11112,
			wantFacts: []string{
				"127.0.0.1 dicom-ae-title=CTSCAN7", "127.0.0.1 dicom-ae-title=PACS01",
				"127.0.0.1 modality=CT", "127.0.0.1 manufacturer=ACME Medical Systems",
				"127.0.0.1 model=Scanomatic 3000", "127.0.0.1 software-version=SV 4.2.1",
				"127.0.0.1 station-name=CT-ROOM-7", "127.0.0.1 serial-number=SN-000123",
				"127.0.0.1 dicom-implementation-version=OFFIS_DCMTK_367",
			},
			wantDetails: []string{"dicom C-ECHO-RQ Verification", "dicom C-ECHO-RSP Verification status 0x0000",
				"dicom C-STORE-RQ CT Image Storage", "dicom accepted service: storage",
				"dicom accepted service: verification", "dicom transfer syntax: Implicit VR Little Endian"},
			wantRoles:    []string{"dicom-scp", "dicom-scu"},
			wantEvidence: FactModel,
		},
		{
			file: "testdata/dicom-store-explicit-nonstd.pcap", app: "dicom", serverPort: 40404,
			wantFacts: []string{"127.0.0.1 dicom-ae-title=ARCHIVE9", "127.0.0.1 model=Scanomatic 3000",
				"127.0.0.1 serial-number=SN-000123", "127.0.0.1 software-version=SV 4.2.1"},
			wantDetails: []string{"dicom C-STORE-RQ CT Image Storage", "dicom transfer syntax: Explicit VR Little Endian",
				"dicom C-STORE-RSP CT Image Storage status 0x0000"},
			wantEvidence: FactSerialNumber,
		},
		{
			file: "testdata/dicom-store-explicit-nonstd.pcapng", app: "dicom", serverPort: 40404,
			wantFacts:   []string{"127.0.0.1 model=Scanomatic 3000", "127.0.0.1 modality=CT"},
			wantDetails: []string{"dicom C-STORE-RQ CT Image Storage"},
		},
		{
			file: "testdata/dicom-reject.pcap", app: "dicom", serverPort: 11113,
			wantFacts:   []string{"127.0.0.1 dicom-ae-title=BUSYPACS"},
			wantDetails: []string{"dicom association CTSCAN7 -> BUSYPACS", "dicom association rejected (result 1, source 1, reason 1)"},
		},
		{
			file: "testdata/dicom-qr.pcap", app: "dicom", serverPort: 11114,
			wantFacts: []string{"127.0.0.1 dicom-ae-title=QRSCP", "127.0.0.1 dicom-ae-title=QRCLIENT", "127.0.0.1 dicom-ae-title=VIEWER1"},
			wantDetails: []string{"dicom accepted service: query/retrieve-find", "dicom accepted service: query/retrieve-move",
				"dicom accepted service: query/retrieve-get", "dicom move destination: VIEWER1",
				"dicom C-FIND-RQ Study Root Query/Retrieve Information Model - FIND",
				"dicom C-MOVE-RQ Study Root Query/Retrieve Information Model - MOVE",
				"dicom C-MOVE-RSP Study Root Query/Retrieve Information Model - MOVE status 0x0000",
				"dicom C-GET-RQ Study Root Query/Retrieve Information Model - GET",
				"dicom C-GET-RSP Study Root Query/Retrieve Information Model - GET status 0x0000",
				"dicom C-STORE-RQ CT Image Storage", "dicom data set forwarded from another device"},
			// The archive forwards the CT's image: it is not the CT.
			wantNoFacts: []string{"127.0.0.1 model=Scanomatic 3000", "127.0.0.1 serial-number=SN-000123"},
		},
		{
			file: "testdata/dicom-worklist.pcap", app: "dicom", serverPort: 30104,
			wantFacts: []string{"127.0.0.1 dicom-ae-title=MRSCAN2", "127.0.0.1 dicom-ae-title=MEDSECWL"},
			wantDetails: []string{"dicom accepted service: worklist", "dicom C-FIND-RQ Modality Worklist Information Model - FIND",
				"dicom C-FIND-RSP Modality Worklist Information Model - FIND status 0xff00"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			r, err := AnalyzeFiles([]string{tc.file}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Files) != 1 || len(r.Files[0].SHA256) != 64 || r.Files[0].Error != "" {
				t.Errorf("file info %+v", r.Files)
			}
			found := false
			var services []string
			for _, f := range r.Flows {
				if f.App == tc.app && f.Server.Port == tc.serverPort && f.Transport == "tcp" {
					found = true
					services = append(services, f.Services...)
				}
			}
			for _, d := range tc.wantDetails {
				if svc, ok := strings.CutPrefix(d, "dicom accepted service: "); ok && !slices.Contains(services, svc) {
					t.Errorf("service %q not in flow services %v", svc, services)
				}
			}
			if !found {
				t.Errorf("no %s flow to port %d in %+v", tc.app, tc.serverPort, r.Flows)
			}
			got := facts(r)
			for _, w := range tc.wantFacts {
				if !got[w] {
					t.Errorf("missing fact %q; have %v", w, keys(got))
				}
			}
			for _, w := range tc.wantNoFacts {
				if got[w] {
					t.Errorf("unexpected fact %q", w)
				}
			}
			gd := details(r)
			for _, w := range tc.wantDetails {
				if !gd[w] {
					t.Errorf("missing flow detail %q; have %v", w, keys(gd))
				}
			}
			for _, role := range tc.wantRoles {
				if !strings.Contains(strings.Join(r.Hosts[0].Roles, ","), role) {
					t.Errorf("host roles %v lack %s", r.Hosts[0].Roles, role)
				}
			}
			if tc.wantEvidence != "" {
				for _, f := range r.Hosts[0].Identity {
					if f.Kind == tc.wantEvidence {
						ev := f.Evidence[0]
						if ev.Packet < 1 || ev.Packet > r.Summary.Packets || ev.Time.Before(r.Summary.Start) || ev.Time.After(r.Summary.End) {
							t.Errorf("evidence %+v outside the capture (%d packets)", ev, r.Summary.Packets)
						}
					}
				}
			}
			assertNoPatientData(t, r)
		})
	}
}

func assertNoPatientData(t *testing.T, r *Result) {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range patientMarkers {
		if strings.Contains(string(b), m) {
			t.Errorf("output contains patient attribute %q", m)
		}
	}
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// forwardedDevice reports whether a data set attribute was seen on a C-STORE
// that forwarded another device's image (C-MOVE/C-GET sub-operation): such
// attributes go to the flow details, not to the sender's identity.
func forwardedDevice(details map[string]bool, kind, val string) bool {
	if !details["dicom data set forwarded from another device"] {
		return false
	}
	switch kind {
	case FactManufacturer, FactModel, FactModality:
		for d := range details {
			if strings.HasPrefix(d, "dicom data set device: ") && strings.Contains(d, val) {
				return true
			}
		}
	case FactSerialNumber, FactSoftwareVersion, FactStationName:
		return true // not shown in details; must not be attributed
	}
	return false
}

var tsharkElem = regexp.MustCompile(`^\s*\(([0-9a-fA-F]{4}),([0-9a-fA-F]{4})\)\s+\d+\s+(.*?)\s{2,}(.*)$`)

// TestDICOMAgainstTshark cross-checks AE titles, implementation version,
// DIMSE commands and device attributes with Wireshark's DICOM dissector.
func TestDICOMAgainstTshark(t *testing.T) {
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark not installed: cannot cross-check the DICOM decoder")
	}
	for _, tc := range []struct {
		file string
		port int
	}{{"testdata/dicom-store-implicit.pcap", 11112}, {"testdata/dicom-store-explicit-nonstd.pcap", 40404}, {"testdata/dicom-worklist.pcap", 30104},
		{"testdata/dicom-qr.pcap", 11114}, {"testdata/dicom-reject.pcap", 11113}} {
		t.Run(tc.file, func(t *testing.T) {
			decode := []string{"-d", fmt.Sprintf("tcp.port==%d,dicom", tc.port)}
			if tc.port == 11114 { // the C-MOVE destination listens on 40405
				decode = append(decode, "-d", "tcp.port==40405,dicom")
			}
			args := append([]string{"-r", tc.file}, decode...)
			out, err := exec.Command("tshark", append(args, "-Y", "dicom.pdu.type==1",
				"-T", "fields", "-e", "dicom.assoc.ae.calling", "-e", "dicom.assoc.ae.called", "-e", "dicom.userinfo.version")...).Output()
			if err != nil {
				t.Fatalf("tshark: %v", err)
			}
			r, err := AnalyzeFiles([]string{tc.file}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			got := facts(r)
			gd := details(r)
			lines := strings.Split(strings.TrimSpace(string(out)), "\n")
			if len(lines) == 0 || lines[0] == "" {
				t.Fatal("tshark found no A-ASSOCIATE-RQ")
			}
			for _, l := range lines {
				f := strings.Split(l, "\t")
				calling, called, version := strings.TrimSpace(f[0]), strings.TrimSpace(f[1]), strings.TrimSpace(f[2])
				if !gd["dicom association "+calling+" -> "+called] {
					t.Errorf("tshark association %s -> %s not found in %v", calling, called, keys(gd))
				}
				if !got["127.0.0.1 dicom-implementation-version="+version] {
					t.Errorf("tshark implementation version %q not found", version)
				}
			}
			verbose, err := exec.Command("tshark", append(args, "-V")...).Output()
			if err != nil {
				t.Fatalf("tshark -V: %v", err)
			}
			attr := map[string]string{"0008,0060": FactModality, "0008,0070": FactManufacturer, "0008,1090": FactModel,
				"0018,1020": FactSoftwareVersion, "0008,1010": FactStationName, "0018,1000": FactSerialNumber}
			var commands int
			lastCommand := ""
			for _, line := range strings.Split(string(verbose), "\n") {
				m := tsharkElem.FindStringSubmatch(line)
				if m == nil {
					continue
				}
				tag, val := strings.ToLower(m[1]+","+m[2]), strings.TrimSpace(m[4])
				// Explicit VR data sets are shown as "[VR] value".
				if len(val) > 5 && val[0] == '[' && val[3] == ']' {
					val = strings.TrimSpace(val[4:])
				}
				if tag == "0000,0100" {
					commands++
					lastCommand = val
					found := false
					for d := range gd {
						if strings.HasPrefix(d, "dicom "+val+" ") {
							found = true
						}
					}
					if !found {
						t.Errorf("tshark command %s not in flow details %v", val, keys(gd))
					}
				}
				// Device attributes are read from C-STORE data sets only
				// (query identifiers may carry patient data).
				if kind, ok := attr[tag]; ok && lastCommand == "C-STORE-RQ" {
					if !got["127.0.0.1 "+kind+"="+val] && !forwardedDevice(gd, kind, val) {
						t.Errorf("tshark %s (%s) = %q not found in facts %v", kind, tag, val, keys(got))
					}
				}
			}
			if commands == 0 && tc.port != 11113 { // the rejected association has none
				t.Error("tshark decoded no DIMSE command: cross-check is empty")
			}
		})
	}
}

func TestDiscoverHL7(t *testing.T) {
	tests := []struct {
		file        string
		serverPort  uint16
		wantFacts   []string
		wantDetails []string
	}{
		{"testdata/hl7-mllp.pcap", 2575,
			[]string{"127.0.0.1 hl7-application=ADTAPP", "127.0.0.1 hl7-facility=FICTHOSP", "127.0.0.1 hl7-application=LABSYS",
				"127.0.0.1 hl7-application=MONITOR-GW", "127.0.0.1 hl7-facility=ICU-3", "127.0.0.1 hl7-version=2.6"},
			[]string{"hl7 ADT^A01 v2.5 ADTAPP -> LABSYS", "hl7 ACK^A01 AA v2.5", "hl7 ORU^R01 v2.6 MONITOR-GW -> LABSYS"}},
		{"testdata/hl7-nonstd.pcap", 7001,
			[]string{"127.0.0.1 hl7-application=MONITOR-GW", "127.0.0.1 hl7-facility=FICTLAB"},
			[]string{"hl7 ORU^R01 v2.6 MONITOR-GW -> LABSYS", "hl7 ACK^R01 AA v2.5"}},
		{"testdata/hl7-sll2.pcap", 7002,
			[]string{"127.0.0.1 hl7-application=ADTAPP", "127.0.0.1 hl7-facility=FICTHOSP"},
			[]string{"hl7 ADT^A01 v2.5 ADTAPP -> LABSYS", "hl7 ACK^A01 AA v2.5"}},
		{"testdata/hl7-sll.pcap", 7003,
			[]string{"127.0.0.1 hl7-application=MONITOR-GW"},
			[]string{"hl7 ORU^R01 v2.6 MONITOR-GW -> LABSYS", "hl7 ACK^R01 AA v2.5"}},
		{"shared:hl7.pcap", 6661,
			[]string{"10.0.0.155 hl7-application=SENDING_APPLICATION", "10.0.0.155 hl7-facility=SENDING_FACILITY",
				"10.0.0.126 hl7-application=RECEIVING_APPLICATION", "10.0.0.126 hl7-facility=RECEIVING_FACILITY", "10.0.0.155 hl7-version=2.3"},
			[]string{"hl7 ADT^A01 v2.3 SENDING_APPLICATION -> RECEIVING_APPLICATION"}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			r, err := AnalyzeFiles([]string{resolve(t, tc.file)}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, f := range r.Flows {
				if f.App == "hl7" && f.Server.Port == tc.serverPort {
					n++
				}
			}
			if n == 0 {
				t.Errorf("no hl7 flow to port %d", tc.serverPort)
			}
			got, gd := facts(r), details(r)
			for _, w := range tc.wantFacts {
				if !got[w] {
					t.Errorf("missing fact %q; have %v", w, keys(got))
				}
			}
			for _, w := range tc.wantDetails {
				if !gd[w] {
					t.Errorf("missing detail %q; have %v", w, keys(gd))
				}
			}
			roles := map[string]bool{}
			for _, h := range r.Hosts {
				for _, ro := range h.Roles {
					roles[h.Address.String()+" "+ro] = true
				}
			}
			if tc.serverPort == 6661 && (!roles["10.0.0.155 hl7-sender"] || !roles["10.0.0.126 hl7-receiver"]) {
				t.Errorf("roles %v", keys(roles))
			}
			assertNoPatientData(t, r)
		})
	}
}

var tsharkMSH = regexp.MustCompile(`^\s+field (\d+): (.*)$`)

// TestHL7AgainstTshark compares MSH fields with Wireshark's HL7 dissector.
func TestHL7AgainstTshark(t *testing.T) {
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark not installed: cannot cross-check the HL7 decoder")
	}
	for _, tc := range []struct {
		file string
		port int
	}{{"testdata/hl7-mllp.pcap", 2575}, {"testdata/hl7-nonstd.pcap", 7001}, {"testdata/hl7-sll2.pcap", 7002}, {"testdata/hl7-sll.pcap", 7003}, {"shared:hl7.pcap", 6661}} {
		t.Run(tc.file, func(t *testing.T) {
			file := resolve(t, tc.file)
			out, err := exec.Command("tshark", "-r", file, "-d", fmt.Sprintf("tcp.port==%d,hl7", tc.port), "-V").Output()
			if err != nil {
				t.Fatalf("tshark: %v", err)
			}
			r, err := AnalyzeFiles([]string{file}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]bool{}
			for _, h := range r.Hosts {
				for _, f := range h.Identity {
					got[f.Kind+"="+f.Value] = true
				}
			}
			gd := details(r)
			inMSH, checked := false, 0
			for _, line := range strings.Split(string(out), "\n") {
				if strings.Contains(line, "MSH (Message Header)") {
					inMSH = true
					continue
				}
				m := tsharkMSH.FindStringSubmatch(line)
				if m == nil {
					if strings.TrimSpace(line) != "" && !strings.HasPrefix(strings.TrimSpace(line), "field") {
						inMSH = false
					}
					continue
				}
				if !inMSH {
					continue
				}
				v := strings.TrimSpace(m[2])
				switch m[1] {
				case "3", "5":
					checked++
					if !got[FactHL7Application+"="+v] {
						t.Errorf("tshark MSH-%s %q not among facts %v", m[1], v, keys(got))
					}
				case "4", "6":
					checked++
					if !got[FactHL7Facility+"="+v] {
						t.Errorf("tshark MSH-%s %q not among facts", m[1], v)
					}
				case "9":
					checked++
					// Details show type^trigger; the structure is dropped.
					if c := strings.Split(v, "^"); len(c) > 2 {
						v = c[0] + "^" + c[1]
					}
					found := false
					for d := range gd {
						if strings.HasPrefix(d, "hl7 "+v+" ") {
							found = true
						}
					}
					if !found {
						t.Errorf("tshark message type %q not in details %v", v, keys(gd))
					}
				case "12":
					checked++
					if !got[FactHL7Version+"="+v] {
						t.Errorf("tshark version %q not among facts", v)
					}
				}
			}
			if checked == 0 {
				t.Error("tshark decoded no MSH field: cross-check is empty")
			}
		})
	}
}

// TestDiscoverGnutella checks DHCP, DNS, HTTP, SSDP and TLS facts from the
// shared gnutella.pcap. The packet numbers are tshark's frame numbers of the
// packets carrying each value (tshark -Y 'dhcp or http.server or ...').
func TestDiscoverGnutella(t *testing.T) {
	file := sharedPcap(t, "gnutella.pcap")
	r, err := AnalyzeFiles([]string{file}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	type fe struct {
		fact   string
		packet int64
	}
	want := []fe{
		{"10.0.2.15 dhcp-hostname=MSEDGEWIN10", 7},
		{"10.0.2.15 dhcp-vendor-class=MSFT 5.0", 7},
		{"10.0.2.15 dns-name=MSEDGEWIN10.local", 21},
		{"10.0.2.15 http-user-agent=Microsoft Edge/99.0.1150.30 Windows", 125},
		{"10.0.2.15 http-user-agent=gtk-gnutella/1.2.2 (2022-02-25; GTK2; Windows x64)", 1972},
		{"69.118.162.229 http-server=Shareaza 2.7.10.2", 1983},
		{"80.7.252.192 tls-certificate-subject=CN=gtk-gnutella/1.2.1", 1011},
		{"80.7.252.192 tls-version=TLS1.2", 1011},
	}
	got := map[string]int64{}
	for _, h := range r.Hosts {
		for _, f := range h.Identity {
			got[fmt.Sprintf("%s %s=%s", h.Address, f.Kind, f.Value)] = f.Evidence[0].Packet
		}
	}
	for _, w := range want {
		p, ok := got[w.fact]
		if !ok {
			t.Errorf("missing %q", w.fact)
			continue
		}
		if p != w.packet {
			t.Errorf("%q: evidence packet %d, want %d", w.fact, p, w.packet)
		}
	}
	var host *Host
	for i := range r.Hosts {
		if r.Hosts[i].Address.String() == "10.0.2.15" {
			host = &r.Hosts[i]
		}
		if r.Hosts[i].Address.IsMulticast() {
			t.Errorf("multicast address %s listed as a host", r.Hosts[i].Address)
		}
	}
	if host == nil || strings.Join(host.MACs, ",") != "08:00:27:e6:e5:59" {
		t.Errorf("10.0.2.15 MACs: %+v", host)
	}
	if strings.Join(r.Summary.GatewayMACs, ",") != "52:54:00:12:35:02" {
		t.Errorf("gateway MACs %v", r.Summary.GatewayMACs)
	}
}
