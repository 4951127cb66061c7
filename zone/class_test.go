package zone

import (
	"errors"
	"slices"
	"testing"
	"time"
)

func reasonCodes(rs []Reason) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Code)
	}
	return out
}

func TestProposeClass(t *testing.T) {
	monitor := Peer{Vendor: "Philips", Model: "MX450", Kind: "patient-monitor"}
	tests := []struct {
		name       string
		facts      Facts
		class      Class
		boundaryOf Class
		reasons    []string
	}{
		{
			name:    "ultrasound sending DICOM to the PACS gateway is standalone",
			facts:   Facts{Kind: "ultrasound", Traffic: Traffic{DICOMTo: 1, IntranetPeers: 1}},
			class:   ClassStandalone,
			reasons: []string{ReasonSendsDICOM},
		},
		{
			name:    "infusion pump on the intranet with no flows yet is standalone by kind",
			facts:   Facts{Kind: "infusion-pump"},
			class:   ClassStandalone,
			reasons: []string{ReasonDirectIntranet},
		},
		{
			name: "ICU central station gathering a LAN of identical monitors is a group boundary host",
			facts: Facts{Kind: "central-station", DualNIC: true,
				Behind: []Peer{monitor, monitor, monitor, monitor}},
			class: ClassBoundary, boundaryOf: ClassGroup,
			reasons: []string{ReasonBridgesLocalLAN, ReasonGathersLocalLAN, ReasonLANIdentical},
		},
		{
			name: "MRI console with different modules behind it is a system boundary host",
			facts: Facts{Kind: "modality", DualNIC: true, Traffic: Traffic{DICOMTo: 1},
				Behind: []Peer{{Vendor: "Siemens", Model: "Gradient amplifier"}, {Vendor: "Siemens", Model: "RF coil controller"}}},
			class: ClassBoundary, boundaryOf: ClassSystem,
			reasons: []string{ReasonBridgesLocalLAN, ReasonGathersLocalLAN, ReasonLANModules},
		},
		{
			name:  "boundary host seen only in flows, modality console",
			facts: Facts{Kind: "modality", Traffic: Traffic{LocalLANPeers: 3, IntranetPeers: 1, DICOMTo: 1}},
			class: ClassBoundary, boundaryOf: ClassSystem,
			reasons: []string{ReasonBridgesLocalLAN, ReasonGathersLocalLAN, ReasonConsoleOfModality},
		},
		{
			name:    "dialysis edge gateway with unknown devices behind",
			facts:   Facts{Kind: "edge-gateway", BridgesLocalLAN: true, Traffic: Traffic{LocalLANPeers: 12}, StoresPatientData: true},
			class:   ClassBoundary,
			reasons: []string{ReasonBridgesLocalLAN, ReasonGathersLocalLAN, ReasonLANMakeupUnknown, ReasonHoldsPatientData},
		},
		{
			name:  "monitor on the ICU LAN beside identical monitors is group-type",
			facts: Facts{Kind: "patient-monitor", Vendor: "Philips", Model: "MX450", OnLocalLAN: true, LANMates: []Peer{monitor, monitor}},
			class: ClassGroup, reasons: []string{ReasonOnLocalLAN, ReasonLANIdentical},
		},
		{
			name: "module on an MRI LAN beside different modules is system-type",
			facts: Facts{Kind: "other", Vendor: "Siemens", Model: "RF coil controller", OnLocalLAN: true,
				LANMates: []Peer{{Vendor: "Siemens", Model: "Gradient amplifier"}}},
			class: ClassSystem, reasons: []string{ReasonOnLocalLAN, ReasonLANModules},
		},
		{
			name:    "ICU monitoring server managing central stations without patient data is a control system",
			facts:   Facts{Kind: "device-server", Server: true, ManagedDevices: 4, Traffic: Traffic{HL7To: 1}},
			class:   ClassControl,
			reasons: []string{ReasonManagesTerminals, ReasonForwardsHL7, ReasonNoIdentifiableData},
		},
		{
			name: "delivery-room information system storing patient data and staff accounts is an application system",
			facts: Facts{Kind: "application-server", Server: true, ManagedDevices: 12, StoresPatientData: true,
				ManagesStaffAccounts: true, ClinicalQueries: true},
			class:   ClassApplication,
			reasons: []string{ReasonManagesTerminals, ReasonStoresPatientData, ReasonManagesStaffAccount, ReasonClinicalQueries},
		},
		{
			name:  "server managing devices seen in flows",
			facts: Facts{Kind: "other", Server: true, Traffic: Traffic{TerminalSources: 6}},
			class: ClassControl, reasons: []string{ReasonManagesTerminals, ReasonNoIdentifiableData},
		},
		{
			name:    "server managing one device is not a control system",
			facts:   Facts{Kind: "device-server", Server: true, ManagedDevices: 1},
			reasons: []string{ReasonManagesTooFew, ReasonInsufficientFacts},
		},
		{
			name:    "PACS is an IT system",
			facts:   Facts{Kind: "pacs", Server: true, Traffic: Traffic{HL7From: 1}},
			reasons: []string{ReasonITSystem},
		},
		{
			name:    "nothing known",
			facts:   Facts{Kind: "workstation"},
			reasons: []string{ReasonInsufficientFacts},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ProposeClass(tt.facts)
			if got.Class != tt.class || got.BoundaryOf != tt.boundaryOf {
				t.Errorf("class = %q/%q, want %q/%q", got.Class, got.BoundaryOf, tt.class, tt.boundaryOf)
			}
			if codes := reasonCodes(got.Reasons); !slices.Equal(codes, tt.reasons) {
				t.Errorf("reasons = %v, want %v", codes, tt.reasons)
			}
			for _, r := range got.Reasons {
				if r.Cite == "" {
					t.Errorf("reason %s has no citation", r.Code)
				}
			}
		})
	}
}

func TestProposeClassParams(t *testing.T) {
	m := Peer{Vendor: "Fresenius", Model: "5008S"}
	got := ProposeClass(Facts{Kind: "edge-gateway", DualNIC: true, Behind: []Peer{m, m, m}})
	want := map[string]string{"model": "Fresenius 5008S", "devices": "3"}
	r := got.Reasons[2]
	if r.Code != ReasonLANIdentical || r.Params["model"] != want["model"] || r.Params["devices"] != want["devices"] || r.Cite != "000 §4(三)2" {
		t.Errorf("reason = %+v", r)
	}
}

func TestObserveTraffic(t *testing.T) {
	loc, err := NewLocator(hospital().Zones)
	if err != nil {
		t.Fatal(err)
	}
	cs := ips("10.20.2.10", "192.168.10.1")
	flows := []Flow{
		{Src: ip("192.168.10.11"), Dst: ip("192.168.10.1"), Proto: ProtoUDP, Port: 6000},
		{Src: ip("192.168.10.12"), Dst: ip("192.168.10.1"), Proto: ProtoUDP, Port: 6000},
		{Src: ip("192.168.10.12"), Dst: ip("192.168.10.1"), Proto: ProtoUDP, Port: 6001},
		{Src: ip("10.20.2.10"), Dst: ip("10.1.0.20"), Proto: ProtoTCP, Port: 2575},
		{Src: ip("10.20.2.10"), Dst: ip("10.1.0.10"), Proto: ProtoTCP, Port: 4000, App: "dicom"},
		{Src: ip("10.20.1.5"), Dst: ip("10.1.0.10"), Proto: ProtoTCP, Port: 104}, // not ours
	}
	got := ObserveTraffic(cs, flows, loc, nil)
	want := Traffic{DICOMTo: 1, HL7To: 1, LocalLANPeers: 2, IntranetPeers: 2, TerminalSources: 2}
	if got != want {
		t.Errorf("ObserveTraffic = %+v, want %+v", got, want)
	}
	p := ProposeClass(Facts{Kind: "central-station", Traffic: got})
	if p.Class != ClassBoundary {
		t.Errorf("central station from traffic: %+v", p)
	}
}

func TestDecision(t *testing.T) {
	at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	p := ProposeClass(Facts{Kind: "ultrasound", Traffic: Traffic{DICOMTo: 1}})
	d := NewDecision(7, p, at)
	if d.Status != DecisionProposed || d.Proposed != ClassStandalone || d.Class != "" {
		t.Fatalf("new decision = %+v", d)
	}
	c, err := d.Confirm("chen", at.Add(time.Hour))
	if err != nil || c.Status != DecisionConfirmed || c.Class != ClassStandalone || c.By != "chen" || !c.At.Equal(at.Add(time.Hour)) {
		t.Errorf("Confirm = %+v, %v", c, err)
	}
	if _, err := d.Confirm(" ", at); !errors.Is(err, ErrNoPerson) {
		t.Errorf("Confirm without person: %v", err)
	}
	o, err := d.Override(ClassGroup, "lin", "on the endoscopy LAN behind its gateway", at)
	if err != nil || o.Status != DecisionOverridden || o.Class != ClassGroup || o.Proposed != ClassStandalone || o.Why == "" {
		t.Errorf("Override = %+v, %v", o, err)
	}
	if _, err := d.Override(ClassGroup, "lin", "", at); !errors.Is(err, ErrNoWhy) {
		t.Errorf("Override without why: %v", err)
	}
	if _, err := d.Override("robot", "lin", "x", at); !errors.Is(err, ErrUnknownClass) {
		t.Errorf("Override with bad class: %v", err)
	}
	if _, err := NewDecision(8, ClassProposal{}, at).Confirm("chen", at); !errors.Is(err, ErrNoProposal) {
		t.Errorf("Confirm empty proposal: %v", err)
	}
	same, _ := d.Override(ClassStandalone, "lin", "checked on site", at)
	if same.Status != DecisionConfirmed {
		t.Errorf("override with the proposed class: status %q", same.Status)
	}
}
